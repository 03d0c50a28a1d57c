"""``Value``: one node of a dynamic computation graph, and the operators that build it.

A node stores its inputs and, on each edge, the local derivative d(node)/d(input) computed in
the forward pass (the number the chain rule multiplies).  There are no closures, so a graph is
freed by reference counting as soon as the last reference to its output goes.

Storage (one GC-tracked object per node, see ``__slots__``):

* leaf: ``_a is None``;
* one input: ``_a`` with local derivative ``_da``; ``_db`` may hold the op's constant
  (an exponent, a slope, clip bounds);
* two inputs: ``_a, _b`` with ``_da, _db``;
* n inputs: ``_a`` is a tuple of inputs and ``_da`` the tuple of their local derivatives.

In batch mode ``data`` is a 1-D float64 array of m samples.  A scalar that meets a batch is
broadcast, and the chain rule sums its gradient over the batch: the edge then carries a
``_Reduce`` that does that sum when the upstream gradient is multiplied in.
"""

from __future__ import annotations

import builtins
import math
import numbers
import operator
from collections.abc import Callable, Iterable
from typing import Any, Union

import numpy as np

from . import ops
from .config import FLAGS, is_anomaly_enabled, is_grad_enabled
from .ops import Op

Number = Union[int, float]
Data = Union[float, np.ndarray]

_new = object.__new__
_add_reduce = np.add.reduce
_ONE = 1.0
_MINUS_ONE = -1.0
_ADD, _SUB, _MUL = ops.ADD, ops.SUB, ops.MUL


class _Reduce:
    """Local derivative of a scalar broadcast over a batch: ``g * _Reduce(d)`` is ``sum(g * d)``."""

    __slots__ = ("d",)
    __array_ufunc__ = None  # ndarray * _Reduce defers to __rmul__

    def __init__(self, d: Any) -> None:
        self.d = d

    def __rmul__(self, g: Any) -> Any:
        d = self.d
        if type(g) is np.ndarray:
            return float(np.dot(g, d)) if type(d) is np.ndarray else float(_add_reduce(g)) * d
        return g * float(np.sum(d)) if type(d) is np.ndarray else g * d

    def __repr__(self) -> str:
        return f"_Reduce({self.d!r})"


def _unwrap(d: Any) -> Any:
    return d.d if type(d) is _Reduce else d


def _as_array(x: np.ndarray, what: str) -> Data:
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{what} must hold real numbers, got a numpy array of dtype {x.dtype}")
    if x.ndim == 0:
        return float(x)
    if x.ndim != 1:
        raise ValueError(
            f"{what} must be a number or a 1-D array of samples, got an array of shape {x.shape}; "
            "use one Value per feature (e.g. Value(X[:, j])) for a 2-D batch"
        )
    if x.size == 0:
        raise ValueError(f"{what} is an empty array: a batch needs at least one sample")
    return np.array(x, dtype=np.float64)


def as_data(x: Any, what: str = "Value data") -> Data:
    """Convert a user's number (or 1-D array of samples) to what a node stores: float or float64 array."""
    t = type(x)
    if t is float:
        return x
    if t is int:
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} is an int of {x.bit_length()} bits, too large for a float64") from None
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{what} must be a real number, got bool ({x!r}); use 1.0 or 0.0")
    if isinstance(x, np.ndarray):
        return _as_array(x, what)
    if isinstance(x, (numbers.Real, np.integer, np.floating)):
        return float(x)
    if isinstance(x, Value):
        raise TypeError(f"{what} is already a Value; use v.detach() or Value(v.data) for a new leaf")
    raise TypeError(
        f"{what} must be a real number (int, float, numpy scalar) or a 1-D numpy array of samples, got {t.__name__}"
    )


def _const(x: Any, what: str = "operand") -> Data | None:
    """A constant operand as float/array, or None when it is not a number (-> NotImplemented)."""
    t = type(x)
    if t is float:
        return x
    if t is int:
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} is an int of {x.bit_length()} bits, too large for a float64") from None
    if isinstance(x, (bool, np.bool_, Value)):
        return None
    if isinstance(x, np.ndarray):
        return _as_array(x, what)
    if isinstance(x, (numbers.Real, np.integer, np.floating)):
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} {type(x).__name__} is too large for a float64") from None
    return None


def _node(data: Data, op: Op, a: Any, da: Any, b: Any = None, db: Any = None) -> Value:
    """Make an interior node (or, under ``no_grad``, a leaf holding ``data``)."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    if FLAGS.special and not is_grad_enabled():
        v._op = ops.LEAF
        v._a = v._da = v._b = v._db = None
        v._n = 0
        return v
    v._op = op
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    v._n = 0
    if FLAGS.special and is_anomaly_enabled():
        from .anomaly import check_forward

        check_forward(v)
    return v


def _ieee(op: Op, x: Any, c: Any) -> tuple[Any, Any]:
    """Rerun an op's numpy rule on a float64 scalar: IEEE inf/nan instead of Python exceptions."""
    assert op.array is not None
    with np.errstate(all="ignore"):
        y, d = op.array(np.float64(x)) if c is None else op.array(np.float64(x), c)
    return float(y), float(d)


def _unary(x: Value, op: Op, c: Any = None) -> Value:
    d = x.data
    if type(d) is float:
        try:
            y, dy = op.scalar(d) if c is None else op.scalar(d, c)  # type: ignore[misc]
        except (ArithmeticError, ValueError):
            y, dy = _ieee(op, d, c)
        if not FLAGS.special:  # the hot path, inlined
            v = _new(Value)
            v.data = y
            v.grad = 0.0
            v.label = ""
            v._op = op
            v._a = x
            v._da = dy
            v._b = None
            v._db = c
            v._n = 0
            return v
    else:
        with np.errstate(all="ignore"):
            y, dy = op.array(d) if c is None else op.array(d, c)  # type: ignore[misc]
    return _node(y, op, x, dy, None, c)


def _quiet(f: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    """f(x, y) with numpy's overflow/invalid/divide warnings off: arrays get IEEE inf/nan silently, like floats."""
    if type(x) is float and type(y) is float:
        return f(x, y)
    with np.errstate(all="ignore"):
        return f(x, y)


def _check_batches(x: Any, y: Any) -> None:
    if type(x) is np.ndarray and type(y) is np.ndarray and x.shape != y.shape:
        raise ValueError(f"batch sizes differ: {x.shape[0]} and {y.shape[0]} samples")


def _binary(op: Op, out: Data, a: Value, da: Any, b: Value, db: Any) -> Value:
    """Two-input node; a scalar input meeting a batch gets a summing edge."""
    x, y = a.data, b.data
    if type(x) is not type(y):
        if type(x) is float:
            da = _Reduce(da)
        else:
            db = _Reduce(db)
    return _node(out, op, a, da, b, db)


def _scalar_const(op: Op, out: Data, a: Value, da: Any, c: Any = None) -> Value:
    """One-input node from an op with a constant operand; a scalar input meeting a batch constant sums."""
    if type(a.data) is float and type(out) is np.ndarray:
        da = _Reduce(da)
    return _node(out, op, a, da, None, c)


def _safe_div(x: Any, y: Any) -> Any:
    try:
        return x / y
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.float64(x) / np.float64(y))


def _pow_values(x: Any, y: Any) -> tuple[Any, Any, Any]:
    """x**y and both partials, IEEE and PyTorch conventions (0 where y == 0 / where x == 0 and y >= 0)."""
    if type(x) is float and type(y) is float:
        try:
            out = x**y
            dx = y * x ** (y - 1.0) if y != 0 else 0.0
            dy = out * math.log(x) if x > 0 else (0.0 if x == 0 and y >= 0 else math.nan)
            if type(out) is not complex and type(dx) is not complex:
                return out, dx, dy
        except (ArithmeticError, ValueError):
            pass
    with np.errstate(all="ignore"):
        xa, ya = np.float64(x) if type(x) is float else x, np.float64(y) if type(y) is float else y
        out = np.power(xa, ya)
        dx = np.where(ya == 0, 0.0, ya * np.power(xa, ya - 1.0))
        dy = np.where((xa == 0) & (ya >= 0), 0.0, out * np.log(xa))
    if out.ndim == 0:
        return float(out), float(dx), float(dy)
    return out, dx * np.ones_like(out), dy * np.ones_like(out)


class Value:
    """A number (or a batch of numbers) that remembers how it was computed.

    ``Value(data, label="")``: ``data`` is a real number (stored as float) or a 1-D numpy array of
    samples (batch mode).  ``grad`` starts at 0.0 and is filled by :meth:`backward`.
    """

    __slots__ = ("__weakref__", "_a", "_b", "_da", "_db", "_n", "_op", "data", "grad", "label")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators: array * v works
    data: Data
    grad: Data
    label: str
    _op: Op
    _a: Any
    _da: Any
    _b: Any
    _db: Any
    _n: int  # consumers not yet done, only while backward runs

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data = as_data(data)
        self.grad = 0.0
        self.label = label
        self._op = ops.LEAF
        self._a = self._da = self._b = self._db = None
        self._n = 0

    # ------------------------------------------------------------ graph structure
    @property
    def op(self) -> str:
        """The name of the op that made this node (``""`` for a leaf)."""
        return self._op.name

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in argument order (repeated if used twice)."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        b = self._b
        return (a,) if b is None else (a, b)

    @property
    def local_grads(self) -> tuple[Data, ...]:
        """d(self)/d(input) for each of ``inputs``, at the values of the forward pass (the edge labels)."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return tuple(_unwrap(d) for d in self._da)
        if self._b is None:
            return (_unwrap(self._da),)
        return (_unwrap(self._da), _unwrap(self._db))

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by the user (or under ``no_grad``), False for an op's result."""
        return self._a is None

    @property
    def shape(self) -> tuple[int, ...]:
        """``()`` for a scalar, ``(m,)`` for a batch of m samples."""
        d = self.data
        return () if type(d) is float else tuple(np.shape(d))

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1."""
        if type(other) is Value:
            x = self.data
            y = other.data
            if type(x) is float and type(y) is float and not FLAGS.special:  # the hot path, inlined
                v = _new(Value)
                v.data = x + y
                v.grad = 0.0
                v.label = ""
                v._op = _ADD
                v._a = self
                v._da = _ONE
                v._b = other
                v._db = _ONE
                v._n = 0
                return v
            _check_batches(x, y)
            return _binary(ops.ADD, _quiet(operator.add, x, y), self, _ONE, other, _ONE)
        c = _const(other)
        if c is None:
            return NotImplemented
        _check_batches(self.data, c)
        x = self.data
        return _scalar_const(ops.ADD, x + c if type(x) is float is type(c) else _quiet(operator.add, x, c), self, _ONE)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Value:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        if type(other) is Value:
            x, y = self.data, other.data
            _check_batches(x, y)
            return _binary(
                ops.SUB,
                x - y if type(x) is float is type(y) else _quiet(operator.sub, x, y),
                self,
                _ONE,
                other,
                _MINUS_ONE,
            )
        c = _const(other)
        if c is None:
            return NotImplemented
        _check_batches(self.data, c)
        x = self.data
        return _scalar_const(ops.SUB, x - c if type(x) is float is type(c) else _quiet(operator.sub, x, c), self, _ONE)

    def __rsub__(self, other: Any) -> Value:
        """d(c-x)/dx = -1."""
        c = _const(other)
        if c is None:
            return NotImplemented
        _check_batches(self.data, c)
        x = self.data
        return _scalar_const(
            ops.SUB, c - x if type(x) is float is type(c) else _quiet(operator.sub, c, x), self, _MINUS_ONE
        )

    def __neg__(self) -> Value:
        """d(-x)/dx = -1."""
        return _node(-self.data, ops.NEG, self, _MINUS_ONE)

    def __pos__(self) -> Value:
        return self

    def __mul__(self, other: Any) -> Value:
        """d(ab)/da = b, d(ab)/db = a."""
        if type(other) is Value:
            x = self.data
            y = other.data
            if type(x) is float and type(y) is float and not FLAGS.special:  # the hot path, inlined
                v = _new(Value)
                v.data = x * y
                v.grad = 0.0
                v.label = ""
                v._op = _MUL
                v._a = self
                v._da = y
                v._b = other
                v._db = x
                v._n = 0
                return v
            _check_batches(x, y)
            return _binary(ops.MUL, _quiet(operator.mul, x, y), self, y, other, x)
        c = _const(other)
        if c is None:
            return NotImplemented
        _check_batches(self.data, c)
        x = self.data
        return _scalar_const(ops.MUL, x * c if type(x) is float is type(c) else _quiet(operator.mul, x, c), self, c)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""
        if type(other) is Value:
            x, y = self.data, other.data
            _check_batches(x, y)
            div = _safe_div if type(x) is float and type(y) is float else _array_div
            q = div(x, y)
            inv = div(1.0, y)
            return _binary(ops.DIV, q, self, inv, other, _quiet(operator.mul, -q, inv))
        c = _const(other)
        if c is None:
            return NotImplemented
        x = self.data
        _check_batches(x, c)
        div = _safe_div if type(x) is float and type(c) is float else _array_div
        return _scalar_const(ops.DIV_CONST, div(x, c), self, div(1.0, c))

    def __rtruediv__(self, other: Any) -> Value:
        """d(c/x)/dx = -c/x^2."""
        c = _const(other)
        if c is None:
            return NotImplemented
        x = self.data
        _check_batches(x, c)
        div = _safe_div if type(x) is float and type(c) is float else _array_div
        q = div(c, x)
        return _scalar_const(ops.RDIV, q, self, _quiet(operator.mul, -q, div(1.0, x)), c)

    def __pow__(self, other: Any) -> Value:
        """d(x^c)/dx = c x^(c-1); with a Value exponent also d(x^y)/dy = x^y ln x."""
        if type(other) is Value:
            x, y = self.data, other.data
            _check_batches(x, y)
            out, dx, dy = _pow_values(x, y)
            return _binary(ops.POW, out, self, dx, other, dy)
        c = _const(other)
        if c is None:
            return NotImplemented
        if type(c) is not float:
            raise TypeError("a batch exponent must be a Value: use x ** Value(array)")
        return _unary(self, ops.POW_CONST, c)

    def __rpow__(self, other: Any) -> Value:
        """d(c^x)/dx = c^x ln c."""
        c = _const(other)
        if c is None:
            return NotImplemented
        if type(c) is not float:
            raise TypeError("a batch base must be a Value: use Value(array) ** x")
        return _unary(self, ops.RPOW_CONST, c)

    def __abs__(self) -> Value:
        """d|x|/dx = sign(x), 0 at x = 0."""
        return _unary(self, ops.ABS)

    # ------------------------------------------------------------ functions
    def exp(self) -> Value:
        """d e^x/dx = e^x.  exp(1000) is inf."""
        return _unary(self, ops.EXP)

    def log(self) -> Value:
        """d ln(x)/dx = 1/x.  log(0) is -inf, log(-1) is nan."""
        return _unary(self, ops.LOG)

    def sqrt(self) -> Value:
        """d sqrt(x)/dx = 1/(2 sqrt(x)).  sqrt(-1) is nan."""
        return _unary(self, ops.SQRT)

    def tanh(self) -> Value:
        """d tanh(x)/dx = 1 - tanh(x)^2."""
        return _unary(self, ops.TANH)

    def sigmoid(self) -> Value:
        """sigmoid(x) = 1/(1+e^-x); d/dx = sigmoid(x) (1 - sigmoid(x)).  Finite at +-1000."""
        return _unary(self, ops.SIGMOID)

    def relu(self) -> Value:
        """relu(x) = max(0, x); d/dx = 1 for x > 0, else 0 (0 at x = 0)."""
        return _unary(self, ops.RELU)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, slope*x otherwise; d/dx = 1 or slope."""
        s = _const(slope, "leaky_relu slope")
        if type(s) is not float:
            raise TypeError(f"leaky_relu slope must be a real number, got {type(slope).__name__}")
        return _unary(self, ops.LEAKY_RELU, s)

    def sin(self) -> Value:
        """d sin(x)/dx = cos(x)."""
        return _unary(self, ops.SIN)

    def cos(self) -> Value:
        """d cos(x)/dx = -sin(x)."""
        return _unary(self, ops.COS)

    def clip(self, lo: float, hi: float) -> Value:
        """min(max(x, lo), hi); d/dx = 1 inside [lo, hi], 0 outside."""
        lo_c, hi_c = _const(lo, "clip lo"), _const(hi, "clip hi")
        if type(lo_c) is not float or type(hi_c) is not float:
            raise TypeError(f"clip bounds must be real numbers, got {type(lo).__name__} and {type(hi).__name__}")
        if not lo_c <= hi_c:
            raise ValueError(f"clip needs lo <= hi, got lo={lo_c} and hi={hi_c}")
        return _unary(self, ops.CLIP, (lo_c, hi_c))

    def sum(self) -> Value:
        """Sum over the batch: d(sum_i x_i)/dx_i = 1.  On a scalar Value: the identity."""
        d = self.data
        if isinstance(d, float):
            return _node(d, ops.SUM, self, _ONE)
        with np.errstate(all="ignore"):
            total = float(d.sum())
        return _node(total, ops.SUM, self, np.ones_like(d))

    def mean(self) -> Value:
        """Mean over the batch: d(mean x)/dx_i = 1/m.  On a scalar Value: the identity."""
        d = self.data
        if isinstance(d, float):
            return _node(d, ops.MEAN, self, _ONE)
        with np.errstate(all="ignore"):
            mean = float(d.mean())
        return _node(mean, ops.MEAN, self, np.full_like(d, 1.0 / d.size))

    # ------------------------------------------------------------ comparisons (on data)
    def __lt__(self, other: Any) -> Any:
        return self.data < _cmp(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= _cmp(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > _cmp(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= _cmp(other)

    __hash__ = object.__hash__  # == stays identity, so Values work as dict keys

    # ------------------------------------------------------------ gradients
    def backward(self, grad: Any = 1.0) -> None:
        """Fill ``.grad`` of every node this Value depends on with d(self)/d(node), times ``grad``.

        Iterative (no recursion limit) and in a deterministic order.  Leaves *accumulate* across
        calls, as in PyTorch (call :meth:`zero_grad` or ``autograd.zero_grad`` between steps);
        interior nodes' grads are recomputed by each call.  So calling ``backward()`` twice gives
        interior grads equal to one call and leaf grads doubled.  On a batch Value, ``grad``
        (default 1.0) seeds every sample, which is the same as ``self.sum().backward()``.
        """
        from .backprop import backward

        backward(self, grad)

    def zero_grad(self) -> None:
        """Set this Value's grad to 0.0."""
        self.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self.data, self.label)

    def item(self) -> float:
        """The data of a scalar Value as a Python float."""
        return float(self)

    def __float__(self) -> float:
        d = self.data
        if not isinstance(d, float):
            raise TypeError(f"only a scalar Value converts to float; this one holds a batch of shape {d.shape}")
        return d

    def __repr__(self) -> str:
        parts = [f"data={_fmt(self.data)}", f"grad={_fmt(self.grad)}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op.name:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"


def _array_div(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):
        q = np.divide(x, y)
    return float(q) if np.ndim(q) == 0 else q


def _cmp(other: Any) -> Any:
    if isinstance(other, Value):
        return other.data
    c = _const(other)
    if c is None:
        raise TypeError(f"cannot compare a Value with {type(other).__name__}")
    return c


def _fmt(d: Any) -> str:
    if type(d) is float:
        return f"{d:.6g}"
    if isinstance(d, np.ndarray):
        return f"<batch of {d.size}, mean {d.mean():.6g}>"
    return repr(d)


def _iterable(xs: Any, what: str) -> Iterable[Any]:
    try:
        return iter(xs)  # type: ignore[no-any-return]
    except TypeError:
        raise TypeError(f"{what}: expected an iterable (list, tuple, ...), got {type(xs).__name__}") from None


def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - mirrors the builtin on purpose
    """One n-ary node: d(sum_i v_i)/dv_i = 1.  Numbers among the values are added as constants."""
    ins: list[Value] = []
    total: Any = 0.0
    for v in _iterable(values, "autograd.sum(values)"):
        if isinstance(v, Value):
            ins.append(v)
            try:
                total = total + v.data if type(total) is float is type(v.data) else _quiet(operator.add, total, v.data)
            except ValueError:  # numpy cannot broadcast two batches of different sizes
                raise ValueError(f"batch sizes differ in autograd.sum: {np.shape(total)} and {v.shape}") from None
        else:
            c = _const(v, "autograd.sum values")
            if c is None:
                raise TypeError(f"autograd.sum takes Values or numbers, got {type(v).__name__}")
            total = total + c if type(total) is float is type(c) else _quiet(operator.add, total, c)
    if not ins:
        return Value(total)
    shapes = {np.shape(v.data) for v in ins if type(v.data) is np.ndarray}
    if len(shapes) > 1:
        raise ValueError(f"batch sizes differ in autograd.sum: {sorted(s[0] for s in shapes)}")
    batch = type(total) is np.ndarray
    locals_ = tuple(_Reduce(_ONE) if batch and type(v.data) is float else _ONE for v in ins)
    return _node(total, ops.SUM, tuple(ins), locals_)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` of each Value to 0.0."""
    for v in _iterable(values, "zero_grad(values)"):
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad takes Values, got {type(v).__name__}")
        v.grad = 0.0


def dot(weights: Iterable[Any], inputs: Iterable[Any]) -> Value:
    """One n-ary node for sum_i w_i x_i: d/dw_i = x_i, d/dx_i = w_i.

    Either factor of a term may be a Value or a constant (number or 1-D batch array); only
    Values become inputs of the node (each term's Value factors, in order).
    """
    ws, xs = list(_iterable(weights, "dot(weights, ...)")), list(_iterable(inputs, "dot(..., inputs)"))
    if len(ws) != len(xs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot of empty sequences: give at least one term")
    fast = _dot_of_values(ws, xs)
    if fast is not None:
        return fast
    ins: list[Value] = []
    locs: list[Any] = []
    partners: list[int] = []  # for each input, the index of the other factor's Value, or -1 for a constant
    terms: list[int] = []  # for each input, its term in (coefs, rows) or -1
    total: Any = 0.0
    coefs: list[float] = []  # batch terms scalar * array, summed with one matrix-vector product
    rows: list[np.ndarray] = []
    for i, (w, x) in enumerate(zip(ws, xs)):
        wv, xv = isinstance(w, Value), isinstance(x, Value)
        wd = w.data if wv else _const(w, "dot weights")
        xd = x.data if xv else _const(x, "dot inputs")
        if wd is None or xd is None:
            bad, arg = (w, "weights") if wd is None else (x, "inputs")
            raise TypeError(f"dot term {i}: {arg}[{i}] must be a Value or a number, got {type(bad).__name__}")
        term = -1
        if type(wd) is float and type(xd) is np.ndarray:
            term = len(rows)
            coefs.append(wd)
            rows.append(xd)
        elif type(xd) is float and type(wd) is np.ndarray:
            term = len(rows)
            coefs.append(xd)
            rows.append(wd)
        else:
            _check_batches(wd, xd)
            total = _quiet(operator.add, total, _quiet(operator.mul, wd, xd))
        n = len(ins)
        if wv:
            ins.append(w)
            locs.append(xd)
            partners.append(n + 1 if xv else -1)
            terms.append(term)
        if xv:
            ins.append(x)
            locs.append(wd)
            partners.append(n if wv else -1)
            terms.append(term)
    rule = None
    if rows:
        shapes = {r.shape for r in rows}
        if type(total) is np.ndarray:
            shapes.add(total.shape)
        if len(shapes) > 1:
            raise ValueError(f"batch sizes differ in dot: {sorted(s[0] for s in shapes)}")
        stacked = np.stack(rows)
        total = _quiet(operator.add, total, _quiet(np.dot, coefs, stacked))
        if all(t >= 0 for t in terms):  # every term is scalar x batch: backward in two array ops
            rule = _DotBackward(stacked, np.array(coefs), ins, terms)
    if type(total) is np.ndarray:
        locs = [_Reduce(d) if type(v.data) is float else d for v, d in zip(ins, locs)]  # scalar input: sum the batch
    if not ins:
        return Value(total)
    v = _node(total, ops.DOT, tuple(ins), tuple(locs), None, tuple(partners))
    if v._a is not None:
        v._b = rule
    return v


def _dot_of_values(ws: list[Any], xs: list[Any]) -> Value | None:
    """``dot`` when every factor is a Value and the weights are scalars: a neuron, per sample or over a batch.

    Inputs are interleaved (w0, x0, w1, x1, ...), as the general path would order them.
    """
    if set(map(type, ws)) != _JUST_VALUE or set(map(type, xs)) != _JUST_VALUE:
        return None
    wd = list(map(_data_of, ws))
    if set(map(type, wd)) != _JUST_FLOAT:
        return None
    xd = list(map(_data_of, xs))
    kinds = set(map(type, xd))
    n = len(ws)
    ins: list[Any] = [None] * (2 * n)
    ins[0::2] = ws
    ins[1::2] = xs
    locs: list[Any] = [None] * (2 * n)
    if kinds == _JUST_FLOAT:
        locs[0::2] = xd
        locs[1::2] = wd
        v = _node(builtins.sum(map(float.__mul__, wd, xd)), ops.DOT, tuple(ins), tuple(locs), None, _pair_partners(n))
        return v
    if kinds != _JUST_ARRAY:
        return None
    shapes = {d.shape for d in xd}
    if len(shapes) > 1:
        raise ValueError(f"batch sizes differ in dot: {sorted(s[0] for s in shapes)}")
    rows = np.stack(xd)
    coefs = np.array(wd)
    locs[0::2] = [_Reduce(d) for d in xd]
    locs[1::2] = wd
    v = _node(_quiet(np.dot, coefs, rows), ops.DOT, tuple(ins), tuple(locs), None, _pair_partners(n))
    if v._a is not None:
        v._b = _PairsBackward(rows, coefs)
    return v


def linear(weights: Iterable[Iterable[Any]], inputs: Iterable[Any], biases: Iterable[Any] | None = None) -> list[Value]:
    """A layer's pre-activations z_j = sum_i W[j][i] x_i + b_j: dz_j/dW[j][i] = x_i, dz_j/dx_i = W[j][i], dz_j/db_j = 1.

    Builds exactly the nodes of ``[dot(W[j], inputs) + b[j] for each row j]`` (one ``dot`` node and one
    ``+`` node per row, or only the ``dot`` without ``biases``).  When every weight and bias is a scalar
    Value and every input a batch Value, one matrix product computes all rows, ``Z = W X + b`` with the
    samples as the columns of X, as the documents write a layer.
    """
    rows = [
        list(_iterable(r, f"linear weights[{j}]")) for j, r in enumerate(_iterable(weights, "linear(weights, ...)"))
    ]
    xs = list(_iterable(inputs, "linear(..., inputs)"))
    bs = None if biases is None else list(_iterable(biases, "linear(..., biases)"))
    if not rows:
        raise ValueError("linear needs at least one row of weights")
    for j, row in enumerate(rows):
        if len(row) != len(xs):
            raise ValueError(
                f"linear weights[{j}] has {len(row)} weights for {len(xs)} inputs; every row needs one per input"
            )
    if bs is not None and len(bs) != len(rows):
        raise ValueError(f"linear has {len(rows)} rows of weights but {len(bs)} biases; give one bias per row")
    fast = _linear_of_batch(rows, xs, bs)
    if fast is not None:
        return fast
    zs = [dot(row, xs) for row in rows]
    if bs is None:
        return zs
    for j, b in enumerate(bs):
        if not isinstance(b, Value) and _const(b, f"linear biases[{j}]") is None:
            raise TypeError(f"linear biases[{j}] must be a Value or a number, got {type(b).__name__}")
    return [z + b for z, b in zip(zs, bs)]


def _linear_of_batch(rows: list[list[Any]], xs: list[Any], bs: list[Any] | None) -> list[Value] | None:
    """``linear`` for scalar weight and bias Values on batch inputs: one matrix product, then dot and + nodes."""
    if FLAGS.special or set(map(type, xs)) != _JUST_VALUE:
        return None
    flat = [w for row in rows for w in row]
    if set(map(type, flat)) != _JUST_VALUE or (bs is not None and set(map(type, bs)) != _JUST_VALUE):
        return None
    wd = list(map(_data_of, flat))
    bd = [] if bs is None else list(map(_data_of, bs))
    xd = list(map(_data_of, xs))
    if set(map(type, wd + bd)) != _JUST_FLOAT or set(map(type, xd)) != _JUST_ARRAY:
        return None
    shapes = {d.shape for d in xd}
    if len(shapes) > 1:
        raise ValueError(f"batch sizes differ in linear: {sorted(s[0] for s in shapes)}")
    n = len(xs)
    X = np.stack(xd)
    W = np.array(wd).reshape(len(rows), n)
    with np.errstate(all="ignore"):
        Z = W @ X
        Zb = None if bs is None else Z + np.array(bd)[:, None]
    reduces = [_Reduce(d) for d in xd]
    partners = _pair_partners(n)
    ins: list[Any] = [None] * (2 * n)
    ins[1::2] = xs
    locs: list[Any] = [None] * (2 * n)
    locs[0::2] = reduces
    out = []
    for j, row in enumerate(rows):
        ins[0::2] = row
        locs[1::2] = wd[j * n : (j + 1) * n]
        z = _node(Z[j], ops.DOT, tuple(ins), tuple(locs), _PairsBackward(X, W[j]), partners)
        if Zb is not None:
            z = _node(Zb[j], ops.ADD, z, _ONE, bs[j], _Reduce(_ONE))  # type: ignore[index]
        out.append(z)
    return out


_PARTNERS: dict[int, tuple[int, ...]] = {}
_JUST_VALUE, _JUST_FLOAT, _JUST_ARRAY = {Value}, {float}, {np.ndarray}
_data_of = operator.attrgetter("data")


def _pair_partners(n: int) -> tuple[int, ...]:
    """(1, 0, 3, 2, ...): in an interleaved dot, each input's partner is its neighbour."""
    p = _PARTNERS.get(n)
    if p is None:
        p = _PARTNERS[n] = tuple(i ^ 1 for i in range(2 * n))
    return p


class _PairsBackward:
    """Contributions of an interleaved batch dot (w0, x0, w1, x1, ...): rows @ g for the w's, w * g for the x's."""

    __slots__ = ("coefs", "rows")

    def __init__(self, rows: np.ndarray, coefs: np.ndarray) -> None:
        self.rows = rows
        self.coefs = coefs

    def __call__(self, g: Any) -> list[Any]:
        if type(g) is not np.ndarray:
            g = np.full(self.rows.shape[1], g)
        out: list[Any] = [None] * (2 * len(self.coefs))
        out[0::2] = (self.rows @ g).tolist()
        out[1::2] = list(np.multiply.outer(self.coefs, g))
        return out


class _DotBackward:
    """All of a batch dot node's contributions at once: rows @ g for its scalar inputs, coef * g for its batch ones."""

    __slots__ = ("coefs", "pick", "rows")

    def __init__(self, rows: np.ndarray, coefs: np.ndarray, ins: list[Value], terms: list[int]) -> None:
        self.rows = rows
        self.coefs = coefs
        self.pick = [(type(v.data) is float, t) for v, t in zip(ins, terms)]

    def __call__(self, g: Any) -> list[Any]:
        if type(g) is not np.ndarray:
            g = np.full(self.rows.shape[1], g)
        sums = (self.rows @ g).tolist()
        coefs = self.coefs
        return [sums[t] if scalar else coefs[t] * g for scalar, t in self.pick]
