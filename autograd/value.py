"""``Value``: one node of a dynamic computation graph, and the operators that build it.

A node stores its inputs and, on each edge, the local derivative d(node)/d(input) computed in
the forward pass (the number the chain rule multiplies).  There are no closures, so a graph is
freed by reference counting as soon as the last reference to its output goes.

Storage (one GC-tracked object per node, see ``__slots__``):

* leaf: ``_a is None``;
* one input: ``_a`` with local derivative ``_da``; ``_db`` may hold the op's constant
  (an exponent, a slope, clip bounds, the c of x+c, x-c, c-x, x/c and c/x);
* two inputs: ``_a, _b`` with ``_da, _db``;
* n inputs: ``_a`` is a tuple of inputs and ``_da`` the tuple of their local derivatives;
* an op's result leaves ``_grad`` (until backward reaches it), ``_label`` and, for ``+``, ``_op``
  empty: a store less per node, and the garbage collector skips empty slots.

In batch mode ``data`` is a 1-D float64 array of m samples and the node a ``BatchValue`` (a
subclass, so that ``+`` and ``*`` of two scalars need one type check).  A scalar that meets a batch is
broadcast, and the chain rule sums its gradient over the batch: the edge then carries a
``_Reduce`` that does that sum when the upstream gradient is multiplied in.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable
from typing import Any, Union

import numpy as np

from . import ops
from .config import FLAGS, is_anomaly_enabled, is_grad_enabled, on_special_change
from .ops import Op

Number = Union[int, float]
Data = Union[float, np.ndarray]

_new = object.__new__
_add_reduce = np.add.reduce
_ONE = 1.0
_MINUS_ONE = -1.0
_ADD, _SUB, _MUL = ops.ADD, ops.SUB, ops.MUL


class _NoGrad:
    """The mark in a leaf's ``_da`` slot (unused by leaves otherwise) for one made with ``requires_grad=False``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_GRAD"

    def __reduce__(self) -> str:
        return "NO_GRAD"  # copy and pickle give the singleton back: ``requires_grad`` tests identity


NO_GRAD = _NoGrad()


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


def refuse_masked(x: Any, what: str) -> None:
    """A TypeError for a numpy masked array with masked entries: np.asarray would use the hidden values."""
    if isinstance(x, np.ma.MaskedArray) and np.ma.getmaskarray(x).any():
        raise TypeError(f"{what} is a masked array, whose mask would be lost: use x.compressed() or x.filled(value)")


def _as_array(x: np.ndarray, what: str) -> Data:
    refuse_masked(x, what)
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
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} {type(x).__name__} is too large for a float64") from None
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
    v = _new(BatchValue if type(data) is np.ndarray else Value)
    v._data = data
    if FLAGS.special and not is_grad_enabled():
        v._grad = 0.0  # a leaf accumulates into its grad
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
    d = x._data
    if type(d) is float:
        try:
            y, dy = op.scalar(d) if c is None else op.scalar(d, c)  # type: ignore[misc]
        except (ArithmeticError, ValueError):
            y, dy = _ieee(op, d, c)
        if not FLAGS.special:  # the hot path, inlined
            v = _new(Value)
            v._data = y
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


def _check_batches(x: Any, y: Any, where: str = "") -> None:
    if type(x) is np.ndarray and type(y) is np.ndarray and x.shape != y.shape:
        raise ValueError(f"batch sizes differ{' in ' + where if where else ''}: {x.shape[0]} and {y.shape[0]} samples")


def _binary(op: Op, out: Data, a: Value, da: Any, b: Value, db: Any) -> Value:
    """Two-input node; a scalar input meeting a batch gets a summing edge."""
    x, y = a._data, b._data
    if type(x) is not type(y):
        if type(x) is float:
            da = _Reduce(da)
        else:
            db = _Reduce(db)
    return _node(out, op, a, da, b, db)


def _scalar_const(op: Op, out: Data, a: Value, da: Any, c: Any = None) -> Value:
    """One-input node from an op with a constant operand ``c`` (kept in ``_db`` to be shown, as by anomaly detection);
    a scalar input meeting a batch constant sums."""
    if type(a._data) is float and type(out) is np.ndarray:
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


def _add(a: Value, other: Any) -> Value:
    """a + other for every case but two scalar Values outside switches (``Value.__add__``, see ``_on_switch``)."""
    if isinstance(other, Value):
        x, y = a._data, other._data
        _check_batches(x, y)
        return _binary(ops.ADD, _quiet(operator.add, x, y), a, _ONE, other, _ONE)
    c = _const(other)
    if c is None:
        return NotImplemented
    x = a._data
    _check_batches(x, c)
    return _scalar_const(ops.ADD, x + c if type(x) is float is type(c) else _quiet(operator.add, x, c), a, _ONE, c)


def _mul(a: Value, other: Any) -> Value:
    """a * other for every case but two scalar Values outside switches (``Value.__mul__``, see ``_on_switch``)."""
    if isinstance(other, Value):
        x, y = a._data, other._data
        _check_batches(x, y)
        return _binary(ops.MUL, _quiet(operator.mul, x, y), a, y, other, x)
    c = _const(other)
    if c is None:
        return NotImplemented
    x = a._data
    _check_batches(x, c)
    return _scalar_const(ops.MUL, x * c if type(x) is float is type(c) else _quiet(operator.mul, x, c), a, c)


def _radd(a: Value, other: Any) -> Value:
    """other + a, tried before other's ``__add__`` when a's class is a subclass of other's: keep the inputs' order."""
    return _add(other, a) if isinstance(other, Value) else _add(a, other)


def _rmul(a: Value, other: Any) -> Value:
    """other * a (see ``_radd``)."""
    return _mul(other, a) if isinstance(other, Value) else _mul(a, other)


class Value:
    """A number (or a batch of numbers) that remembers how it was computed.

    ``Value(data, label="", requires_grad=True)``: ``data`` is a real number (stored as float) or a 1-D
    numpy array of samples (batch mode).  ``grad`` starts at 0.0 and is filled by :meth:`backward`;
    a leaf made with ``requires_grad=False`` (input data, as in PyTorch) is drawn and traced like any
    other, but ``backward`` sends it nothing and spends no work on it.
    """

    __slots__ = ("__weakref__", "_a", "_b", "_da", "_data", "_db", "_grad", "_label", "_n", "_op")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators: array * v works
    _data: Data  # an array only in a BatchValue: see ``_hold``
    _grad: Data  # left empty by ops until backward reaches them: see ``grad``
    _label: str  # left empty by ops (one store and one GC visit less per node): see ``label``
    _op: Op  # left empty by the inlined ``+``: see ``_rule``
    _a: Any
    _da: Any
    _b: Any
    _db: Any
    _n: int  # consumers not yet done, only while backward runs

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass (BatchValue, or a user's) gets the general ``+`` and ``*``: the inlined ones are for scalars."""
        super().__init_subclass__(**kwargs)
        for name, general in (("__add__", _add), ("__radd__", _radd), ("__mul__", _mul), ("__rmul__", _rmul)):
            if name not in cls.__dict__:
                setattr(cls, name, general)

    def __init__(self, data: Any, label: str = "", requires_grad: bool = True) -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be True or False, got {type(requires_grad).__name__}")
        _hold(self, as_data(data))
        self._grad = 0.0
        self._label = label
        self._op = ops.LEAF
        self._a = self._b = self._db = None
        self._da = None if requires_grad else NO_GRAD  # a leaf has no local derivative: the slot marks data
        self._n = 0

    # ------------------------------------------------------------ graph structure
    @property
    def op(self) -> str:
        """The name of the op that made this node (``""`` for a leaf)."""
        return self._rule.name

    @property
    def _rule(self) -> Op:
        return getattr(self, "_op", _ADD)  # ``+`` leaves the slot empty: one store less on the commonest op

    @property
    def data(self) -> Data:
        """The number (float) or batch (1-D float64 array) this node holds."""
        return self._data

    @data.setter
    def data(self, data: Any) -> None:
        if type(data) is float and type(self) is Value:  # p.data -= lr * p.grad on every parameter
            self._data = data
        else:
            _hold(self, as_data(data))

    @property
    def grad(self) -> Data:
        """d(root)/d(self) from ``backward`` (a leaf sums it over calls until ``zero_grad``); 0.0 before any."""
        try:
            return self._grad
        except AttributeError:  # an op leaves the slot empty (one store less per node): backward fills it
            return 0.0

    @grad.setter
    def grad(self, grad: Data | None) -> None:
        if type(grad) is float:
            self._grad = grad
        elif grad is None:  # PyTorch's way to clear a gradient: here it reads 0.0 again
            self._grad = 0.0
        else:
            g = as_data(grad, "grad")
            if type(g) is np.ndarray and np.shape(g) != np.shape(self._data):
                held = f"a batch of shape {np.shape(self._data)}" if self.shape else "a number"
                raise ValueError(f"grad of shape {g.shape} does not fit this Value, which holds {held}")
            self._grad = g

    @property
    def label(self) -> str:
        """The name shown in graphs, traces and errors (``""`` until set)."""
        return getattr(self, "_label", "")  # an op leaves the slot empty until a label is set

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._label = label

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
    def requires_grad(self) -> bool:
        """False only for a leaf made with ``requires_grad=False`` (data): ``backward`` leaves its grad at 0.0."""
        return self._a is not None or self._da is not NO_GRAD

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by the user (or under ``no_grad``), False for an op's result."""
        return self._a is None

    @property
    def shape(self) -> tuple[int, ...]:
        """``()`` for a scalar, ``(m,)`` for a batch of m samples."""
        d = self._data
        return () if type(d) is float else tuple(np.shape(d))

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1."""
        if other.__class__ is _SCALAR:  # two scalars (a batch is a BatchValue), no switch on: inlined
            x = self._data
            y = other._data
            v = _new(Value)
            v._data = x + y
            v._a = self
            v._da = _ONE
            v._b = other
            v._db = _ONE
            v._n = 0
            return v
        return _add(self, other)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Value:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        if isinstance(other, Value):
            x, y = self._data, other._data
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
        _check_batches(self._data, c)
        x = self._data
        return _scalar_const(
            ops.SUB, x - c if type(x) is float is type(c) else _quiet(operator.sub, x, c), self, _ONE, c
        )

    def __rsub__(self, other: Any) -> Value:
        """d(c-x)/dx = -1."""
        c = _const(other)
        if c is None:
            return NotImplemented
        _check_batches(self._data, c)
        x = self._data
        return _scalar_const(
            ops.SUB, c - x if type(x) is float is type(c) else _quiet(operator.sub, c, x), self, _MINUS_ONE, c
        )

    def __neg__(self) -> Value:
        """d(-x)/dx = -1."""
        return _node(-self._data, ops.NEG, self, _MINUS_ONE)

    def __pos__(self) -> Value:
        return self

    def __mul__(self, other: Any) -> Value:
        """d(ab)/da = b, d(ab)/db = a."""
        if other.__class__ is _SCALAR:  # two scalars (a batch is a BatchValue), no switch on: inlined
            x = self._data
            y = other._data
            v = _new(Value)
            v._data = x * y
            v._op = _MUL
            v._a = self
            v._da = y
            v._b = other
            v._db = x
            v._n = 0
            return v
        return _mul(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""
        if isinstance(other, Value):
            x, y = self._data, other._data
            _check_batches(x, y)
            div = _safe_div if type(x) is float and type(y) is float else _array_div
            q = div(x, y)
            inv = div(1.0, y)
            return _binary(ops.DIV, q, self, inv, other, _quiet(operator.mul, -q, inv))
        c = _const(other)
        if c is None:
            return NotImplemented
        x = self._data
        _check_batches(x, c)
        div = _safe_div if type(x) is float and type(c) is float else _array_div
        return _scalar_const(ops.DIV_CONST, div(x, c), self, div(1.0, c), c)

    def __rtruediv__(self, other: Any) -> Value:
        """d(c/x)/dx = -c/x^2."""
        c = _const(other)
        if c is None:
            return NotImplemented
        x = self._data
        _check_batches(x, c)
        div = _safe_div if type(x) is float and type(c) is float else _array_div
        q = div(c, x)
        return _scalar_const(ops.RDIV, q, self, _quiet(operator.mul, -q, div(1.0, x)), c)

    def __pow__(self, other: Any) -> Value:
        """d(x^c)/dx = c x^(c-1); with a Value exponent also d(x^y)/dy = x^y ln x."""
        if isinstance(other, Value):
            x, y = self._data, other._data
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

    def log1p(self) -> Value:
        """log(1 + x), accurate for tiny x (log1p(1e-300) is 1e-300); d log1p(x)/dx = 1/(1+x).  log1p(-1) is -inf,
        log1p(-2) is nan."""
        return _unary(self, ops.LOG1P)

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
        d = self._data
        if isinstance(d, float):
            return _node(d, ops.SUM, self, _ONE)
        with np.errstate(all="ignore"):
            total = float(d.sum())
        return _node(total, ops.SUM, self, np.ones_like(d))

    def mean(self) -> Value:
        """Mean over the batch: d(mean x)/dx_i = 1/m.  On a scalar Value: the identity."""
        d = self._data
        if isinstance(d, float):
            return _node(d, ops.MEAN, self, _ONE)
        with np.errstate(all="ignore"):
            mean = float(d.mean())
        return _node(mean, ops.MEAN, self, np.full_like(d, 1.0 / d.size))

    # ------------------------------------------------------------ comparisons (on data)
    def __lt__(self, other: Any) -> Any:
        return self._data < _cmp(self._data, other)

    def __le__(self, other: Any) -> Any:
        return self._data <= _cmp(self._data, other)

    def __gt__(self, other: Any) -> Any:
        return self._data > _cmp(self._data, other)

    def __ge__(self, other: Any) -> Any:
        return self._data >= _cmp(self._data, other)

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

    # ------------------------------------------------------------ copies (the graph below, without recursion)
    def __copy__(self) -> Value:
        from .copying import shallow_copy

        return shallow_copy(self)  # type: ignore[no-any-return]

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        from .copying import deep_copy

        return deep_copy(self, memo)  # type: ignore[no-any-return]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        from .copying import reduce

        return reduce(self)

    def zero_grad(self) -> None:
        """Set this Value's grad to 0.0."""
        self.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self._data, self.label)

    def item(self) -> float:
        """The data of a scalar Value as a Python float."""
        return float(self)

    def __float__(self) -> float:
        d = self._data
        if not isinstance(d, float):
            raise TypeError(f"only a scalar Value converts to float; this one holds a batch of shape {d.shape}")
        return d

    def __repr__(self) -> str:
        parts = [f"data={_fmt(self._data)}", f"grad={_fmt(self.grad)}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        if not self.requires_grad:
            parts.append("requires_grad=False")
        return f"Value({', '.join(parts)})"


class BatchValue(Value):
    """A Value holding a batch: ``Value(array)`` makes one, and assigning ``data`` switches between the two.

    Its own class so that ``+`` and ``*`` of two scalar Values, the bulk of a scalar graph, tell a scalar
    from a batch with the one check ``other.__class__ is Value``.  Every op accepts both.
    """

    __slots__ = ()


def _hold(v: Value, data: Data) -> None:
    """Store converted data in v; a Value holding an array becomes a BatchValue and back (a user's subclass stays)."""
    v._data = data
    t = type(v)
    if t is Value or t is BatchValue:
        cls = BatchValue if type(data) is np.ndarray else Value
        if t is not cls:
            v.__class__ = cls


def _array_div(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):
        q = np.divide(x, y)
    return float(q) if np.ndim(q) == 0 else q


def _cmp(x: Data, other: Any) -> Any:
    c = other._data if isinstance(other, Value) else _const(other)
    if c is None:
        raise TypeError(f"cannot compare a Value with {type(other).__name__}")
    _check_batches(x, c, "a comparison")
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


# nn's optimizers read and write every parameter each step: these loops reach the slots directly (a property
# call per Value would cost 3-4x more; operator.attrgetter 2x, as it misses CPython's attribute caches).
def _data_of(values: list[Value]) -> list[Any]:
    """``[v.data for v in values]`` (floats for Values, arrays for BatchValues)."""
    return [v._data for v in values]


def _grads_of(values: list[Value]) -> list[Data]:
    """``[v.grad for v in values]`` (an op's result whose grad slot is empty reads 0.0)."""
    try:
        return [v._grad for v in values]
    except AttributeError:
        return [v.grad for v in values]


def _assign_floats(values: list[Value], floats: list[float]) -> None:
    """``v.data = x`` for each pair, straight into the slot: the caller has just read every value into a float
    array, so each is a scalar and stays one."""
    for v, x in zip(values, floats):
        v._data = x


def _zero_grads(values: list[Value]) -> None:
    """``zero_grad`` for a list already checked to hold only Values (a model's or an optimizer's parameters)."""
    for v in values:
        v._grad = 0.0


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` of each Value to 0.0."""
    for v in _iterable(values, "zero_grad(values)"):
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad takes Values, got {type(v).__name__}")
        v._grad = 0.0


class _Never(Value):
    """A class nothing is an instance of: what the inlined ``+`` and ``*`` test for while a switch is on."""

    __slots__ = ()


_SCALAR: type[Value] = Value  # the class of a Value the inlined ``+`` and ``*`` take: see ``_on_switch``


def _on_switch(special: bool) -> None:
    """The inlined ``+`` and ``*`` record a node without asking whether a switch is on, so while any thread has
    ``no_grad`` or ``detect_anomaly`` on, their class test is made to fail and the general ops (which ask, per
    thread) run instead.  Asking in every ``+`` and ``*`` cost about 1.5% of a long chain's instructions;
    rebinding a module global, unlike replacing methods on the class, costs nothing elsewhere."""
    global _SCALAR
    _SCALAR = _Never if special else Value


on_special_change(_on_switch)
