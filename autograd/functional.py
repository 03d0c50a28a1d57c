"""Gradients as function results: ``grad(output, inputs)`` and ``derivative(f, order)``.

``grad`` walks the same graph as ``backward`` but keeps the gradients in its own table, so no
``.grad`` is touched.  With ``create_graph=True`` it multiplies along the edges with Value ops,
using each op's ``graph`` rule (its local derivative written with Value ops), so the results
are Values with graphs of their own that can be differentiated again.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .backprop import reverse_topological, seed_for
from .config import FLAGS, check_flag, is_anomaly_enabled
from .value import Value, _Reduce, _unwrap, as_data


def _edges(v: Value) -> tuple[tuple[Value, ...], tuple[Any, ...]]:
    a = v._a
    if type(a) is tuple:
        return a, v._da
    if v._b is None:
        return (a,), (v._da,)
    return (a, v._b), (v._da, v._db)


def _graph_locals(v: Value) -> tuple[Any, ...]:
    rule = v._rule.graph
    if rule is None:  # the local derivatives are constants: reuse the stored numbers
        return tuple(_unwrap(d) for d in _edges(v)[1])
    return rule(v)


def _as_value_list(inputs: Value | Sequence[Value]) -> list[Value]:
    if isinstance(inputs, Value):
        return [inputs]
    try:
        items = list(inputs)
    except TypeError:
        raise TypeError(f"inputs must be a Value or a sequence of Values, got {type(inputs).__name__}") from None
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"inputs[{i}] must be a Value, got {type(x).__name__}")
    return items


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    grad_output: Any = 1.0,
) -> tuple[Any, ...]:
    """d output / d x for each x in ``inputs``, as a tuple (like ``torch.autograd.grad``).

    Touches no ``.grad``.  Inputs that ``output`` does not depend on get 0.  With
    ``create_graph=False`` the results are floats (arrays for batch inputs); with
    ``create_graph=True`` they are Values that can be differentiated again
    (d^2/dx^2 tanh x = -2 tanh x (1 - tanh^2 x), mixed partials, ...).
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    create_graph = check_flag(create_graph, "create_graph")
    wanted = _as_value_list(inputs)
    seed = seed_for(output, grad_output, "grad_output")
    order = reverse_topological(output)
    grads: dict[Value, Any] = {output: seed}
    get = grads.get
    check = None
    if FLAGS.special and is_anomaly_enabled():
        from .anomaly import check_grad_edge, check_grad_seed

        check_grad_seed(output, seed)
        check = check_grad_edge  # with create_graph the new nodes are checked as made; this catches constant edges
    with np.errstate(all="ignore"):  # batch grads overflow to inf like floats do, without warnings
        for v in order:
            if v._a is None:
                continue
            g = get(v)
            if g is None:
                continue
            ins, locs = _edges(v) if not create_graph else (_edges(v)[0], _graph_locals(v))
            for i, (p, d) in enumerate(zip(ins, locs)):
                c = g * d
                if create_graph:
                    c = _fit(c, p)
                old = get(p)
                grads[p] = total = c if old is None else old + c
                if check is not None:
                    check(v, i, _data(g), _data(d), _data(c), None if old is None else _data(old), _data(total))
    result = []
    for x in wanted:
        g = grads.get(x, 0.0)
        if type(x.data) is np.ndarray and type(g) is float:  # an input the output does not depend on: zeros
            g = np.full(x.data.shape, g)
        if create_graph and not isinstance(g, Value):
            g = Value(g)
        result.append(g)
    return tuple(result)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _fit(c: Any, p: Value) -> Any:
    """Sum a batch contribution into a scalar input (the broadcast's chain rule)."""
    if type(c) is _Reduce:
        c = c.d
    data = c.data if isinstance(c, Value) else c
    if type(p.data) is float and isinstance(data, np.ndarray):
        return c.sum() if isinstance(c, Value) else float(np.sum(c))
    return c


MAX_ORDER = 100  # each order differentiates the graph of the one before: far beyond it, a call would not return


def derivative(f: Callable[..., Any], order: int = 1, argnum: int = 0) -> Callable[..., Any]:
    """The ``order``-th derivative of ``f`` with respect to its argument ``argnum`` (like ``jax.grad``).

    ``f`` takes Values and/or floats and returns a Value (or a number: a constant).  The returned function takes
    the same arguments; called with floats it returns a float, called with Values it returns a Value (so
    ``derivative(derivative(f))`` works too).  Other numeric arguments become constant Values; arguments that
    are not numbers, and keyword arguments, go to ``f`` as they are.  d^n f/dx^n is built by ``n`` passes of
    ``grad(..., create_graph=True)``.
    """
    if not callable(f):
        raise TypeError(f"derivative needs a function, got {type(f).__name__}")
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order must be a whole number from 1 to {MAX_ORDER}, got {order!r}")
    if isinstance(argnum, bool) or not isinstance(argnum, int) or argnum < 0:
        raise ValueError(f"argnum must be a whole number >= 0, got {argnum!r}")

    def df(*args: Any, **kwargs: Any) -> Any:
        if argnum >= len(args):
            raise ValueError(f"the derivative is with respect to argument {argnum}, but only {len(args)} were given")
        plain = not isinstance(args[argnum], Value)
        xs = list(args)
        for i, a in enumerate(args):
            if i == argnum and not isinstance(a, Value):
                xs[i] = Value(as_data(a, f"derivative: argument {argnum}, the variable,"))
            elif isinstance(a, (numbers.Real, np.ndarray)) and not isinstance(a, bool):
                xs[i] = Value(a)
        out = f(*xs, **kwargs)
        if not isinstance(out, Value):
            if isinstance(out, (bool, np.bool_)) or not isinstance(out, (numbers.Real, np.ndarray)):
                raise TypeError(f"derivative: f must return a Value (or a number), not {type(out).__name__}")
            out = Value(out)
        for k in range(order):
            (out,) = grad(out, [xs[argnum]], create_graph=k < order - 1 or not plain)
            if not isinstance(out, Value):
                break
        if plain:
            return out.data if isinstance(out, Value) else out
        return out

    df.__name__ = f"d{order}_{getattr(f, '__name__', 'f')}"
    return df


def _warm_up() -> None:
    """Specialise ``grad``'s loops now (see ``backprop._warm_up``: CPython 3.11 waits ~8 calls)."""
    x = Value(0.5)
    y = (x * x + x).tanh()
    for _ in range(10):
        grad(y, [x])


_warm_up()
