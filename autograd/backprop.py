"""Reverse-mode accumulation: the order to visit nodes in, and ``backward`` itself."""

from __future__ import annotations

from typing import Any

import numpy as np

from .value import Value


def reverse_topological(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all the nodes that consume it (root first).

    Kahn's algorithm on the reversed graph, without recursion: count each node's consumers
    inside the graph, then emit a node once all of them have been emitted.  Deterministic.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    users: dict[Value, int] = {root: 0}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        a = v._a
        if a is None:
            continue
        for p in a if type(a) is tuple else ((a,) if v._b is None else (a, v._b)):
            if p in users:
                users[p] += 1
            else:
                users[p] = 1
                push(p)
    order: list[Value] = []
    emit = order.append
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:
        v = pop()
        emit(v)
        a = v._a
        if a is None:
            continue
        for p in a if type(a) is tuple else ((a,) if v._b is None else (a, v._b)):
            n = users[p] - 1
            if n:
                users[p] = n
            else:
                push(p)
    return order


def seed_for(root: Value, grad: Any, what: str = "backward grad") -> Any:
    """The starting d(root)/d(root), shaped like root's data."""
    if isinstance(grad, Value):
        raise TypeError(f"{what} takes a number or an array, not a Value")
    from .value import as_data

    g = as_data(grad, what)
    d = root.data
    if isinstance(d, np.ndarray):
        if isinstance(g, float):
            return np.full(d.shape, g)
        if g.shape != d.shape:
            raise ValueError(f"{what} has shape {g.shape} but the Value holds a batch of shape {d.shape}")
        return g
    if not isinstance(g, float):
        raise ValueError(f"{what} for a scalar Value must be a number, got an array of shape {g.shape}")
    return g


def backward(root: Value, grad: Any = 1.0) -> None:
    """d root / d node into every node's ``.grad`` (leaves accumulate, interior nodes are reset).

    Two passes, no recursion.  The first counts, for each interior node, its consumers inside
    the graph (and resets its grad); the second sends each node's grad along its edges once all
    its consumers have sent theirs.  Leaves are never counted: nothing flows out of them, and
    nothing flows into one made with ``requires_grad=False`` (data).  The
    counts live in each node's ``_n`` slot (0 outside backward): a dict of 10^5 nodes cost 7x
    more cache misses.
    """
    seed = seed_for(root, grad)
    if root._a is None:
        if not root.requires_grad:
            raise ValueError("backward on a Value made with requires_grad=False: it has no gradient to compute")
        root._grad += seed
        return
    from .config import FLAGS, is_anomaly_enabled

    stack = [root]
    pop, push = stack.pop, stack.append
    completed = False
    quiet = np.errstate(all="ignore")  # batch grads overflow to inf like floats do, without warnings
    quiet.__enter__()
    # The hot loop: each edge's steps are written out for tuple, first and second inputs rather than
    # put in a helper, since a Python call per edge would cost more than the steps themselves.
    try:
        while stack:
            v = pop()
            a = v._a
            if a.__class__ is tuple:  # cheaper than type(a) in CPython 3.11
                for p in a:
                    if p._a is not None:
                        n = p._n
                        if n:
                            p._n = n + 1
                        else:
                            p._n = 1
                            p._grad = 0.0
                            push(p)
                continue
            if a._a is not None:
                n = a._n
                if n:
                    a._n = n + 1
                else:
                    a._n = 1
                    a._grad = 0.0
                    push(a)
            b = v._b
            if b is not None and b._a is not None:
                n = b._n
                if n:
                    b._n = n + 1
                else:
                    b._n = 1
                    b._grad = 0.0
                    push(b)
        root._grad = seed
        if FLAGS.special and is_anomaly_enabled():
            from .anomaly import backward_checked

            backward_checked(reverse_topological(root))
            return
        push(root)  # the first pass left the stack empty
        while stack:
            v = pop()
            g = v._grad
            a = v._a
            if a.__class__ is tuple:  # cheaper than type(a) in CPython 3.11
                rule = v._b  # an n-ary node may bring all its contributions at once
                for p, c in zip(a, (g * d for d in v._da) if rule is None else rule(g)):
                    if p._a is not None:
                        p._grad += c
                        n = p._n - 1
                        p._n = n
                        if not n:
                            push(p)
                    elif p._da is None:  # a leaf, unless made with requires_grad=False
                        p._grad += c
                continue
            if a._a is not None:
                a._grad += g * v._da
                n = a._n - 1
                a._n = n
                if not n:
                    push(a)
            elif a._da is None:
                a._grad += g * v._da
            b = v._b
            if b is not None:
                if b._a is not None:
                    b._grad += g * v._db
                    n = b._n - 1
                    b._n = n
                    if not n:
                        push(b)
                elif b._da is None:
                    b._grad += g * v._db
        completed = True
    finally:
        quiet.__exit__(None, None, None)
        if not completed:  # interrupted, or the anomaly path: clear the counts for the next call
            for v in reverse_topological(root):
                v._n = 0


def _warm_up() -> None:
    """Run the walkers a few times on a tiny graph of every node shape.

    CPython 3.11 specialises a function's bytecode only after it has been called about 8 times;
    ``backward`` is typically called once on a big graph, so without this its loops would run
    unspecialised (about 2x slower).  Python 3.12+ specialises from the first call.
    """
    from .nary import sum as vsum

    x, w = Value(0.5), Value(-1.5)
    y = vsum([(x * w + x).tanh(), x * 2.0, w])
    for _ in range(12):
        backward(y)
        reverse_topological(y)
    x.grad = w.grad = 0.0


_warm_up()
