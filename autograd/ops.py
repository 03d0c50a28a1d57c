"""Every primitive once: its forward value and its local derivative, one table entry per op.

An entry has up to three rules:

* ``scalar(x[, c]) -> (y, dy/dx)`` on Python floats, written with :mod:`math`.  It may raise
  (``math.exp(1000)`` overflows, ``math.log(0)`` is a domain error); the engine then reruns the
  ``array`` rule on a numpy float64, which gives the IEEE answer (``inf``, ``-inf``, ``nan``).
* ``array(x[, c]) -> (y, dy/dx)`` on float64 numpy arrays (batch mode), numpy errors silenced.
* ``graph(node) -> local derivatives as Values`` for ``create_graph=True`` (higher order).
  ``None`` means the local derivatives do not depend on the inputs beyond what is stored on the
  edges (a sum, a slope, a step), so the stored numbers are reused as constants.

Binary arithmetic (``+ - * / **``) is written inline in :mod:`autograd.value` because Python's
operators already work on floats and arrays alike; its ``graph`` rules live here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

INF = math.inf
NAN = math.nan


class Op(NamedTuple):
    name: str
    scalar: Callable[..., tuple[Any, Any]] | None = None
    array: Callable[..., tuple[Any, Any]] | None = None
    graph: Callable[[Any], tuple[Any, ...]] | None = None

    def __reduce__(self) -> Any:
        """A table entry copies and pickles as its name in this module (its rules are lambdas)."""
        name = _TABLE_NAMES.get(id(self))
        return name if name is not None else (Op, tuple(self))


# ---------------------------------------------------------------- scalar kernels (math)
def _sigmoid(x: float) -> tuple[float, float]:
    if x >= 0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def _relu(x: float) -> tuple[float, float]:
    if x > 0:
        return x, 1.0
    return (0.0, 0.0) if x <= 0 else (x, x)  # NaN passes through


def _leaky_relu(x: float, slope: float) -> tuple[float, float]:
    return (x, 1.0) if x > 0 else (slope * x, slope)


def _abs(x: float) -> tuple[float, float]:
    if x > 0:
        return x, 1.0
    if x < 0:
        return -x, -1.0
    return abs(x), (0.0 if x == 0 else x)


def _pow_const(x: float, c: float) -> tuple[float, float]:
    if x == -INF and not c.is_integer():
        raise ValueError("(-inf) ** fraction")  # Python says inf; numpy and PyTorch (the batch rule) say NaN
    y = x**c
    d = c * x ** (c - 1.0) if c != 0 else 0.0
    if type(y) is complex or type(d) is complex:
        raise ValueError("complex result")  # the numpy rule answers NaN
    return y, d


def _rpow_const(x: float, c: float) -> tuple[float, float]:
    y = c**x
    if type(y) is complex or c <= 0:
        raise ValueError("base <= 0")
    return y, y * math.log(c)


def _clip(x: float, bounds: tuple[float, float]) -> tuple[float, float]:
    lo, hi = bounds
    if lo <= x <= hi:
        return x, 1.0
    return (lo, 0.0) if x < lo else ((hi, 0.0) if x > hi else (x, x))


# ---------------------------------------------------------------- array kernels (numpy)
def _sigmoid_np(x: Any) -> tuple[Any, Any]:
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, s * (1.0 - s)


def _pow_const_np(x: Any, c: float) -> tuple[Any, Any]:
    y = np.power(x, c)
    d = c * np.power(x, c - 1.0) if c != 0 else np.zeros_like(y)
    return y, d


def _rpow_const_np(x: Any, c: float) -> tuple[Any, Any]:
    y = np.power(c, x)
    if c != 0:
        return y, y * np.log(c)
    return y, np.where(x >= 0, 0.0, y * -INF)  # d/dx 0**x: 0 for x >= 0, -inf below, like PyTorch and Value ** Value


def _abs_np(x: Any) -> tuple[Any, Any]:
    return np.abs(x), np.sign(x)


def _clip_np(x: Any, bounds: tuple[float, float]) -> tuple[Any, Any]:
    lo, hi = bounds
    inside = (x >= lo) & (x <= hi)
    return np.clip(x, lo, hi), np.where(np.isnan(x), x, inside * 1.0)


def _tanh_np(x: Any) -> tuple[Any, Any]:
    t = np.tanh(x)
    return t, 1.0 - t * t


def _exp_np(x: Any) -> tuple[Any, Any]:
    y = np.exp(x)
    return y, y


def _sqrt_np(x: Any) -> tuple[Any, Any]:
    y = np.sqrt(x)
    return y, 0.5 / y


def _pow_local_graph(node: Any) -> tuple[Any, ...]:
    (x,) = node.inputs
    c = node._db
    return (c * x ** (c - 1.0) if c != 0 else 0.0,)


def _rpow_local_graph(node: Any) -> tuple[Any, ...]:
    c = node._db
    with np.errstate(all="ignore"):
        log_c = float(np.log(np.float64(c)))
    return (node * log_c,) if c != 0 else node.local_grads  # 0**x: a constant derivative (0, or -inf for x < 0)


def _rdiv_graph(node: Any) -> tuple[Any, ...]:
    (x,) = node.inputs
    return (-node / x,)


# d/da, d/db of binary ops, written with Value ops so they can be differentiated again.
def _mul_graph(node: Any) -> tuple[Any, ...]:
    ins = node.inputs
    return (ins[1], ins[0]) if len(ins) == 2 else node.local_grads  # unwrapped: a batch constant is not a _Reduce here


def _div_graph(node: Any) -> tuple[Any, ...]:
    b = node.inputs[1]
    return (1.0 / b, -node / b)


def _pow_graph(node: Any) -> tuple[Any, ...]:
    """The first-order rule's conventions kept (d/dx = 0 where y == 0, d/dy = 0 where x == 0 and y >= 0), by putting
    1 in place of x where y * x^(y-1) or x^y ln x would be 0 * inf = NaN (x == 0, or 1/x overflowing): no NaN in the
    first derivatives, and elsewhere they keep their dependence on x, so d/dy (d/dx x^y) = x^(y-1) (1 + y ln x)
    holds at y == 0 too.  (Higher x-derivatives at y == 0 overflow to NaN for |x| < ~1e-154, as in PyTorch.)"""
    x, y = node.inputs
    with np.errstate(all="ignore"):
        no_dx = np.asarray((y.data == 0.0) & ~np.isfinite(1.0 / np.asarray(x.data, dtype=np.float64)), dtype=np.float64)
        no_dy = np.asarray((x.data == 0.0) & (y.data >= 0.0), dtype=np.float64)
    base_dx = x * (1.0 - no_dx) + no_dx if no_dx.any() else x
    base_dy = x * (1.0 - no_dy) + no_dy if no_dy.any() else x
    return (y * base_dx ** (y - 1.0), node * base_dy.log())


def _dot_graph(node: Any) -> tuple[Any, ...]:
    """d/dinput_i is the other factor of its term: that Value (partner index in ``_db``) or the constant."""
    ins, locs = node.inputs, node.local_grads
    return tuple(ins[j] if j >= 0 else d for j, d in zip(node._db, locs))


# ---------------------------------------------------------------- the table
LEAF = Op("")
ADD = Op("+")  # d(a+b)/da = 1, d(a+b)/db = 1
SUB = Op("-")  # d(a-b)/da = 1, d(a-b)/db = -1
NEG = Op("neg")  # d(-a)/da = -1
MUL = Op("*", graph=_mul_graph)  # d(ab)/da = b, d(ab)/db = a
DIV = Op("/", graph=_div_graph)  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
DIV_CONST = Op("/")  # d(x/c)/dx = 1/c
RDIV = Op("/", graph=_rdiv_graph)  # d(c/x)/dx = -c/x^2
POW = Op("**", graph=_pow_graph)  # d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y ln x
POW_CONST = Op("**", _pow_const, _pow_const_np, _pow_local_graph)  # d(x^c)/dx = c x^(c-1)
RPOW_CONST = Op("**", _rpow_const, _rpow_const_np, _rpow_local_graph)  # d(c^x)/dx = c^x ln c
EXP = Op("exp", lambda x: (y := math.exp(x), y), _exp_np, lambda n: (n,))  # d e^x/dx = e^x
LOG = Op("log", lambda x: (math.log(x), 1.0 / x), lambda x: (np.log(x), 1.0 / x), lambda n: (1.0 / n.inputs[0],))
LOG1P = Op(  # d log1p(x)/dx = 1/(1+x); log1p keeps the digits of a tiny x that 1 + x would round away
    "log1p",
    lambda x: (math.log1p(x), 1.0 / (1.0 + x)),
    lambda x: (np.log1p(x), 1.0 / (1.0 + x)),
    lambda n: (1.0 / (n.inputs[0] + 1.0),),
)
SQRT = Op("sqrt", lambda x: (y := math.sqrt(x), 0.5 / y), _sqrt_np, lambda n: (0.5 / n,))  # d sqrt(x)/dx = 1/(2 sqrt x)
TANH = Op("tanh", lambda x: (t := math.tanh(x), 1.0 - t * t), _tanh_np, lambda n: (1.0 - n * n,))
SIGMOID = Op("sigmoid", _sigmoid, _sigmoid_np, lambda n: (n * (1.0 - n),))  # s' = s (1 - s)
RELU = Op("relu", _relu, lambda x: (y := np.maximum(x, 0.0), np.sign(y)))  # relu'(0) = 0; NaN passes, as for a float
LEAKY_RELU = Op("leaky_relu", _leaky_relu, lambda x, k: (np.where(x > 0, x, k * x), np.where(x > 0, 1.0, k)))
ABS = Op("abs", _abs, _abs_np)  # |x|' = sign(x), 0 at 0
SIN = Op("sin", lambda x: (math.sin(x), math.cos(x)), lambda x: (np.sin(x), np.cos(x)), lambda n: (n.inputs[0].cos(),))
COS = Op(
    "cos", lambda x: (math.cos(x), -math.sin(x)), lambda x: (np.cos(x), -np.sin(x)), lambda n: (-n.inputs[0].sin(),)
)
CLIP = Op("clip", _clip, _clip_np)  # 1 inside [lo, hi], 0 outside
SUM = Op("sum")  # d(sum x_i)/dx_i = 1; also a batch Value summed over its samples
MEAN = Op("mean")  # d(mean x)/dx_i = 1/m over the batch
DOT = Op("dot", graph=_dot_graph)  # d(sum_i w_i x_i)/dw_i = x_i, d/dx_i = w_i

_TABLE_NAMES = {id(op): name for name, op in globals().items() if type(op) is Op}
