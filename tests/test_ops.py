"""Every op: forward vs the math module, backward vs central differences and vs a closed form written here.

Each op is exercised through ``backward(g)`` with a random upstream ``g`` (the chain rule must multiply
by it), through ``local_grads`` (the number on the edge), and in batch mode against the same scalar
graph run sample by sample.  Then the IEEE corner cases of issue 2, with warnings turned into errors.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import assert_close, away_from_zero, central_diff, close, reals, same_float
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


# name -> (build on a Value, forward with math, closed-form derivative, input strategy, stencil, step scale)
# The closed forms are written differently from the engine's on purpose (1/cosh^2, not 1 - tanh^2).
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[float], float], Callable[[float], float], Any, int, str]] = {
    "neg": (lambda v: -v, lambda x: -x, lambda x: -1.0, reals(-1e3, 1e3), 5, "max1"),
    "exp": (lambda v: v.exp(), math.exp, math.exp, reals(-30, 30), 5, "max1"),
    "log": (lambda v: v.log(), math.log, lambda x: 1.0 / x, reals(1e-3, 1e6), 5, "abs"),
    "log1p": (lambda v: v.log1p(), math.log1p, lambda x: math.exp(-math.log1p(x)), reals(-0.9, 1e6), 5, "max1"),
    "sqrt": (lambda v: v.sqrt(), math.sqrt, lambda x: 0.5 * x**-0.5, reals(1e-3, 1e6), 5, "abs"),
    "tanh": (lambda v: v.tanh(), math.tanh, lambda x: 1.0 / math.cosh(x) ** 2, reals(-15, 15), 5, "max1"),
    "sigmoid": (
        lambda v: v.sigmoid(),
        _sig,
        lambda x: math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2,
        reals(-30, 30),
        5,
        "max1",
    ),
    "sin": (lambda v: v.sin(), math.sin, math.cos, reals(-50, 50), 5, "max1"),
    "cos": (lambda v: v.cos(), math.cos, lambda x: -math.sin(x), reals(-50, 50), 5, "max1"),
    "relu": (
        lambda v: v.relu(),
        lambda x: x if x > 0 else 0.0,
        lambda x: float(x > 0),
        away_from_zero(1e-3, 1e3),
        2,
        "max1",
    ),
    "leaky_relu": (
        lambda v: v.leaky_relu(),
        lambda x: x if x > 0 else 0.01 * x,
        lambda x: 1.0 if x > 0 else 0.01,
        away_from_zero(1e-3, 1e3),
        2,
        "max1",
    ),
    "leaky_relu_0.2": (
        lambda v: v.leaky_relu(0.2),
        lambda x: x if x > 0 else 0.2 * x,
        lambda x: 1.0 if x > 0 else 0.2,
        away_from_zero(1e-3, 1e3),
        2,
        "max1",
    ),
    "abs": (lambda v: abs(v), abs, lambda x: math.copysign(1.0, x), away_from_zero(1e-3, 1e3), 2, "max1"),
    "square": (lambda v: v**2, lambda x: x * x, lambda x: 2 * x, reals(-1e3, 1e3), 5, "max1"),
    "cube_int": (lambda v: v**3, lambda x: x * x * x, lambda x: 3 * x * x, reals(-100, 100), 5, "max1"),
    "inverse": (lambda v: v**-1, lambda x: 1 / x, lambda x: -1 / (x * x), away_from_zero(1e-2, 1e3), 5, "abs"),
    "pow_1.5": (lambda v: v**1.5, lambda x: x * math.sqrt(x), lambda x: 1.5 * math.sqrt(x), reals(1e-3, 1e4), 5, "abs"),
    "pow_0": (lambda v: v**0, lambda x: 1.0, lambda x: 0.0, reals(-1e3, 1e3), 5, "max1"),
    "rpow_2": (lambda v: 2**v, lambda x: 2.0**x, lambda x: math.log(2) * 2.0**x, reals(-30, 30), 5, "max1"),
    "rpow_0.3": (lambda v: 0.3**v, lambda x: 0.3**x, lambda x: math.log(0.3) * 0.3**x, reals(-20, 20), 5, "max1"),
    "add_c": (lambda v: v + 2.5, lambda x: x + 2.5, lambda x: 1.0, reals(-1e3, 1e3), 5, "max1"),
    "c_add": (lambda v: 2.5 + v, lambda x: 2.5 + x, lambda x: 1.0, reals(-1e3, 1e3), 5, "max1"),
    "sub_c": (lambda v: v - 2.5, lambda x: x - 2.5, lambda x: 1.0, reals(-1e3, 1e3), 5, "max1"),
    "c_sub": (lambda v: 2.5 - v, lambda x: 2.5 - x, lambda x: -1.0, reals(-1e3, 1e3), 5, "max1"),
    "mul_c": (lambda v: v * -3.5, lambda x: x * -3.5, lambda x: -3.5, reals(-1e3, 1e3), 5, "max1"),
    "c_mul": (lambda v: -3.5 * v, lambda x: -3.5 * x, lambda x: -3.5, reals(-1e3, 1e3), 5, "max1"),
    "div_c": (lambda v: v / 4.0, lambda x: x / 4.0, lambda x: 0.25, reals(-1e3, 1e3), 5, "max1"),
    "c_div": (lambda v: 3.0 / v, lambda x: 3.0 / x, lambda x: -3.0 / (x * x), away_from_zero(1e-2, 1e3), 5, "abs"),
    "int_mul": (lambda v: 3 * v, lambda x: 3.0 * x, lambda x: 3.0, reals(-1e3, 1e3), 5, "max1"),
    "np_scalar_mul": (lambda v: np.float64(2.0) * v, lambda x: 2.0 * x, lambda x: 2.0, reals(-1e3, 1e3), 5, "max1"),
    "sum_scalar": (lambda v: v.sum(), lambda x: x, lambda x: 1.0, reals(-1e3, 1e3), 5, "max1"),
    "mean_scalar": (lambda v: v.mean(), lambda x: x, lambda x: 1.0, reals(-1e3, 1e3), 5, "max1"),
}


def _scale(kind: str, x: float) -> float:
    return abs(x) if kind == "abs" else max(1.0, abs(x))


def _forward(build: Callable[[Any], Any], x: float) -> float:
    return build(Value(x)).data


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op(name: str) -> None:
    build, plain, closed, strategy, points, scale = UNARY[name]

    @given(x=strategy, g=away_from_zero(1e-3, 10))
    def check(x: float, g: float) -> None:
        v = Value(x)
        y = build(v)
        assert_close(y.data, plain(x), 1e-13, 1e-300, f"{name} forward")
        assert y.inputs == (v,), "a constant is not a graph input"
        assert len(y.local_grads) == 1
        d = closed(x)
        assert_close(y.local_grads[0], d, 1e-11, 1e-15, f"{name} local_grads vs closed form")
        y.backward(g)
        assert_close(v.grad, g * d, 1e-11, 1e-15 * abs(g), f"{name} backward(g) vs g * closed form")
        fd = central_diff(lambda t: _forward(build, t), x, points, _scale(scale, x))
        assert_close(v.grad, g * fd, 1e-6, 1e-7 * abs(g), f"{name} backward(g) vs g * finite differences")

    check()


def test_op_names() -> None:
    x, y = Value(1.5), Value(0.5)
    expected = {
        "+": x + y, "-": x - y, "*": x * y, "/": x / y, "**": x**y, "neg": -x, "exp": x.exp(), "log": x.log(),
        "log1p": x.log1p(), "sqrt": x.sqrt(), "tanh": x.tanh(), "sigmoid": x.sigmoid(), "relu": x.relu(),
        "leaky_relu": x.leaky_relu(), "abs": abs(x), "sin": x.sin(), "cos": x.cos(), "clip": x.clip(0, 1),
        "sum": ag.sum([x, y]), "mean": Value(np.array([1.0, 2.0])).mean(), "dot": ag.dot([x], [y]),
    }  # fmt: skip
    for op, node in expected.items():
        assert node.op == op
        assert not node.is_leaf
    assert x.op == "" and x.is_leaf
    assert (2**x).op == "**" and (x**2).op == "**" and (3 - x).op == "-" and (3 / x).op == "/" and (x * 3).op == "*"


# ---------------------------------------------------------------- binary ops, both operands Values
BINARY: dict[str, tuple[Callable[[Any, Any], Any], Callable[[float, float], tuple[float, float]], Any, Any]] = {
    "add": (lambda a, b: a + b, lambda a, b: (1.0, 1.0), reals(-1e3, 1e3), reals(-1e3, 1e3)),
    "sub": (lambda a, b: a - b, lambda a, b: (1.0, -1.0), reals(-1e3, 1e3), reals(-1e3, 1e3)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a), reals(-1e3, 1e3), reals(-1e3, 1e3)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b, -a / (b * b)), reals(-1e3, 1e3), away_from_zero(1e-2, 1e3)),
    "pow": (
        lambda a, b: a**b,
        lambda a, b: (b * math.exp((b - 1) * math.log(a)), math.exp(b * math.log(a)) * math.log(a)),
        reals(1e-2, 20),
        reals(-4, 4),
    ),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op(name: str) -> None:
    build, closed, sa, sb = BINARY[name]

    @given(a=sa, b=sb, g=away_from_zero(1e-3, 10))
    def check(a: float, b: float, g: float) -> None:
        va, vb = Value(a), Value(b)
        y = build(va, vb)
        assert y.inputs == (va, vb)
        da, db = closed(a, b)
        for got, want in zip(y.local_grads, (da, db)):
            assert_close(got, want, 1e-10, 1e-300, f"{name} local_grads")
        y.backward(g)
        assert_close(va.grad, g * da, 1e-10, 1e-300, f"{name} d/da")
        assert_close(vb.grad, g * db, 1e-10, 1e-300, f"{name} d/db")
        fa = central_diff(lambda t: build(Value(t), Value(b)).data, a, 5, max(1.0, abs(a)) if name != "pow" else a)
        fb = central_diff(lambda t: build(Value(a), Value(t)).data, b, 5, max(1.0, abs(b)) if name != "div" else abs(b))
        assert_close(va.grad, g * fa, 1e-6, 1e-6 * abs(g), f"{name} d/da vs finite differences")
        assert_close(vb.grad, g * fb, 1e-6, 1e-6 * abs(g), f"{name} d/db vs finite differences")

    check()


@given(a=away_from_zero(1e-100, 1e3))
def test_self_operands_list_input_twice(a: float) -> None:
    """x*x, x+x, x-x, x/x: the node lists x twice and backward adds both edges."""
    for build, closed in (
        (lambda v: v * v, lambda x: 2 * x),
        (lambda v: v + v, lambda x: 2.0),
        (lambda v: v - v, lambda x: 0.0),
        (lambda v: v / v, lambda x: 0.0),
    ):
        v = Value(a)
        y = build(v)
        assert y.inputs == (v, v)
        y.backward()
        assert_close(v.grad, closed(a), 1e-12, 1e-12)


@given(b=reals(-5, 5), base=reals(0.05, 20))
def test_number_base_value_exponent(b: float, base: float) -> None:
    """c ** v (number base) and Value(c) ** v agree; d/dv = c^v ln c."""
    v = Value(b)
    y = base**v
    assert y.inputs == (v,)
    y.backward()
    want = base**b * math.log(base)
    assert_close(v.grad, want, 1e-10, 1e-300)
    assert_close(v.grad, central_diff(lambda t: (base ** Value(t)).data, b), 1e-6, 1e-8)
    w, c = Value(b), Value(base)
    (c**w).backward()
    assert_close(w.grad, want, 1e-10, 1e-300)


# ---------------------------------------------------------------- clip, leaky_relu slope, sum, mean, dot
@st.composite
def clip_case(draw: Any) -> tuple[float, float, float]:
    lo = draw(reals(-10, 10))
    hi = lo + draw(reals(0.1, 10))
    where = draw(st.sampled_from(["below", "inside", "above"]))
    if where == "below":
        x = lo - draw(reals(1e-2, 10))
    elif where == "above":
        x = hi + draw(reals(1e-2, 10))
    else:
        x = lo + (hi - lo) * draw(reals(0.01, 0.99))
    return x, lo, hi


@given(case=clip_case(), g=away_from_zero(1e-3, 10))
def test_clip(case: tuple[float, float, float], g: float) -> None:
    x, lo, hi = case
    v = Value(x)
    y = v.clip(lo, hi)
    assert y.data == min(max(x, lo), hi)
    d = 1.0 if lo <= x <= hi else 0.0
    assert y.local_grads == (d,) and y.inputs == (v,)
    y.backward(g)
    assert v.grad == g * d
    assert_close(v.grad, g * central_diff(lambda t: Value(t).clip(lo, hi).data, x, 2), 1e-6, 1e-9)


@given(x=away_from_zero(1e-3, 1e3), slope=reals(-2, 2), g=away_from_zero(1e-3, 10))
def test_leaky_relu_slope(x: float, slope: float, g: float) -> None:
    v = Value(x)
    y = v.leaky_relu(slope)
    assert y.data == (x if x > 0 else slope * x)
    y.backward(g)
    assert_close(v.grad, g * (1.0 if x > 0 else slope), 1e-15, 0)
    assert_close(v.grad, g * central_diff(lambda t: Value(t).leaky_relu(slope).data, x, 2), 1e-6, 1e-9)


@given(xs=st.lists(reals(-100, 100), min_size=1, max_size=20), g=away_from_zero(1e-3, 10))
def test_sum_node(xs: list[float], g: float) -> None:
    vs = [Value(x) for x in xs]
    y = ag.sum([*vs, 2.0])  # a number is a constant, not an input
    assert y.op == "sum" and y.inputs == tuple(vs) and y.local_grads == (1.0,) * len(vs)
    assert_close(y.data, math.fsum(xs) + 2.0, 1e-12, 1e-9)
    y.backward(g)
    for v in vs:
        assert v.grad == g


@given(xs=st.lists(st.tuples(reals(-100, 100), reals(-100, 100)), min_size=1, max_size=12), g=away_from_zero(1e-3, 10))
def test_dot_node(xs: list[tuple[float, float]], g: float) -> None:
    ws = [Value(w) for w, _ in xs]
    vs = [Value(x) for _, x in xs]
    y = ag.dot(ws, vs)
    assert y.op == "dot"
    assert_close(y.data, math.fsum(w * x for w, x in xs), 1e-9, 1e-9)
    y.backward(g)
    for (w, x), wv, xv in zip(xs, ws, vs):
        assert_close(wv.grad, g * x, 1e-15, 0)
        assert_close(xv.grad, g * w, 1e-15, 0)
    # finite differences on the first weight
    w0 = xs[0][0]
    fd = central_diff(lambda t: ag.dot([Value(t), *ws[1:]], vs).data, w0)
    assert_close(ws[0].grad, g * fd, 1e-6, 1e-6 * abs(g) * len(xs))


def test_dot_constants_are_not_inputs() -> None:
    w, x = Value(2.0), Value(-3.0)
    y = ag.dot([w, 4.0, x], [5.0, x, 0.5])  # 2*5 + 4*(-3) + (-3)*0.5
    assert y.inputs == (w, x, x)
    assert y.local_grads == (5.0, 4.0, 0.5)
    assert y.data == 10.0 - 12.0 - 1.5
    y.backward()
    assert w.grad == 5.0 and x.grad == 4.5


def test_dot_same_value_both_factors() -> None:
    x = Value(3.0)
    y = ag.dot([x], [x])
    assert y.inputs == (x, x)
    y.backward()
    assert x.grad == 6.0


# ---------------------------------------------------------------- batch mode == sample by sample
BATCH_OPS: dict[str, Callable[..., Any]] = {
    "tanh": lambda a, b: (a * b + 0.3).tanh(),
    "sigmoid": lambda a, b: (a - b).sigmoid() * b,
    "exp_log": lambda a, b: (a * a + 1.0).log() + (-(b * b)).exp(),
    "log1p": lambda a, b: (a * a).log1p() * b + (b * b * 1e-20).log1p() * 1e20,
    "sqrt_div": lambda a, b: (a * a + 0.5).sqrt() / (1.0 + b * b),
    "rdiv_rsub": lambda a, b: 2.0 / (1.0 + a * a) - (3.0 - b),
    "pow": lambda a, b: (1.5 + a.sin()) ** b.tanh() + (a * a + 1.0) ** 1.5 + 2.0**b,
    "relu_abs": lambda a, b: a.relu() + abs(b) + a.leaky_relu(0.2) + b.clip(-0.5, 0.5),
    "sin_cos": lambda a, b: a.sin() * b.cos() - a,
    "dot": lambda a, b: ag.dot([a, b, a], [b, 2.0, a]),
    "sum": lambda a, b: ag.sum([a, b, a * b, 1.5]),
}


@pytest.mark.parametrize("name", sorted(BATCH_OPS))
@given(
    data=st.lists(st.tuples(reals(-3, 3), reals(-3, 3)), min_size=1, max_size=8),
    w=reals(-2, 2),
    reduce=st.sampled_from(["sum", "mean", "backward"]),
)
def test_batch_equals_per_sample(name: str, data: list[tuple[float, float]], w: float, reduce: str) -> None:
    """f(a * w, b) on a batch == the scalar graph per sample; the scalar w's grad is summed over the batch."""
    f = BATCH_OPS[name]
    m = len(data)
    A, B = np.array([a for a, _ in data]), np.array([b for _, b in data])
    wb, va, vb = Value(w), Value(A), Value(B)
    yb = f(va * wb, vb)
    assert yb.shape == (m,)
    per, ga, gb, gw = [], [], [], 0.0
    k = 1.0 / m if reduce == "mean" else 1.0
    for a, b in data:
        ws, xa, xb = Value(w), Value(a), Value(b)
        y = f(xa * ws, xb)
        per.append(y.data)
        (y * k).backward()
        ga.append(xa.grad)
        gb.append(xb.grad)
        gw += ws.grad
    np.testing.assert_allclose(yb.data, per, rtol=1e-12, atol=1e-12)
    if reduce == "sum":
        yb.sum().backward()
    elif reduce == "mean":
        yb.mean().backward()
    else:
        yb.backward()  # seeds every sample with 1: the same as sum()
    np.testing.assert_allclose(va.grad, ga, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vb.grad, gb, rtol=1e-12, atol=1e-12)
    assert isinstance(wb.grad, float)
    assert_close(wb.grad, math.fsum([gw]), 1e-12, 1e-12 * m)


@given(xs=st.lists(reals(-10, 10), min_size=1, max_size=10), c=away_from_zero(1e-2, 3))
def test_batch_constant_array_with_scalar_value(xs: list[float], c: float) -> None:
    """A scalar Value times / plus / minus / over a constant array: one batch node, grad summed."""
    X = np.array(xs)
    for build, closed in (
        (lambda v: v * X, lambda: X.sum()),
        (lambda v: X * v, lambda: X.sum()),
        (lambda v: v + X, lambda: float(len(xs))),
        (lambda v: X - v, lambda: -float(len(xs))),
        (lambda v: v / (1.0 + X * X), lambda: (1.0 / (1.0 + X * X)).sum()),
        (lambda v: (1.0 + X * X) / v, lambda: (-(1.0 + X * X) / (c * c)).sum()),
    ):
        v = Value(c)
        y = build(v)
        assert y.shape == (len(xs),) and y.inputs == (v,)
        y.sum().backward()
        assert isinstance(v.grad, float)
        assert_close(v.grad, closed(), 1e-12, 1e-12)


@given(xs=st.lists(reals(-10, 10), min_size=1, max_size=10))
def test_sum_mean_of_batch(xs: list[float]) -> None:
    X = np.array(xs)
    v = Value(X)
    s, m = v.sum(), v.mean()
    assert s.shape == () and m.shape == ()
    assert_close(s.data, float(np.sum(X)), 1e-13, 1e-13)
    assert_close(m.data, float(np.mean(X)), 1e-13, 1e-13)
    (s + 3.0 * m).backward()
    np.testing.assert_allclose(v.grad, np.full(len(xs), 1.0 + 3.0 / len(xs)), rtol=1e-15)


# ---------------------------------------------------------------- IEEE numerics (issue 2)
def _no_warnings(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


@pytest.mark.parametrize(
    ("build", "x", "value", "grad"),
    [
        (lambda v: v.exp(), 1000.0, math.inf, math.inf),
        (lambda v: v.exp(), -1000.0, 0.0, 0.0),
        (lambda v: v.log(), 0.0, -math.inf, math.inf),
        (lambda v: v.log(), -1.0, math.nan, -1.0),
        (lambda v: v.log1p(), -1.0, -math.inf, math.inf),
        (lambda v: v.log1p(), -2.0, math.nan, -1.0),
        (lambda v: v.log1p(), 1e-300, 1e-300, 1.0),
        (lambda v: v.log1p(), math.inf, math.inf, 0.0),
        (lambda v: v.log1p(), -math.inf, math.nan, 0.0),
        (lambda v: v.sqrt(), 0.0, 0.0, math.inf),
        (lambda v: v.sqrt(), -1.0, math.nan, math.nan),
        (lambda v: v.tanh(), 1000.0, 1.0, 0.0),
        (lambda v: v.tanh(), -1000.0, -1.0, 0.0),
        (lambda v: v.sigmoid(), 1000.0, 1.0, 0.0),
        (lambda v: v.sigmoid(), -1000.0, 0.0, 0.0),
        (lambda v: v**-1, 0.0, math.inf, -math.inf),
        (lambda v: v**0.5, -4.0, math.nan, math.nan),
        (lambda v: v ** (1 / 3), -8.0, math.nan, math.nan),
        (lambda v: v**2, 1e200, math.inf, 2e200),
        (lambda v: 10.0**v, 400.0, math.inf, math.inf),
        (lambda v: v.relu(), 0.0, 0.0, 0.0),
        (lambda v: abs(v), 0.0, 0.0, 0.0),
        (lambda v: abs(v), -0.0, 0.0, 0.0),
        (lambda v: 1.0 / v, 0.0, math.inf, -math.inf),
        (lambda v: v / 0.0, 1.0, math.inf, math.inf),
        (lambda v: v * 1e308 * 10.0, 1.0, math.inf, math.inf),
        (lambda v: (v * 1e308).exp(), 1.0, math.inf, math.inf),
    ],
)
def test_ieee_scalar(build: Callable[[Any], Any], x: float, value: float, grad: float) -> None:
    """IEEE results, never a Python exception, a complex number or a numpy warning; scalar and batch agree."""

    def run() -> tuple[float, float, Any, Any]:
        v = Value(x)
        y = build(v)
        y.backward()
        return y.data, v.grad

    def run_batch() -> tuple[Any, Any]:
        vb = Value(np.array([x, x]))
        yb = build(vb)
        yb.backward()
        return yb.data, vb.grad

    y, g = _no_warnings(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # batch arithmetic overflow warnings: see test_ieee_batch_binary_no_warning
        yb, gb = run_batch()
    assert type(y) is float and type(g) is float
    assert same_float(y, value), (y, value)
    assert same_float(g, grad) or (math.isnan(grad) and math.isnan(g)), (g, grad)
    assert all(same_float(a, y) for a in yb)
    assert all(same_float(a, g) for a in gb)


@pytest.mark.parametrize(
    "build",
    [
        lambda v: v * 1e308 * 10.0,
        lambda v: v + Value(np.array([1e308, 1e308])) + 1e308,
        lambda v: (v * 0.0) * (v * 1e308 * 10.0),
        lambda v: 2.0 / (v * 1e-200),
    ],
)
def test_ieee_batch_binary_no_warning(build: Callable[[Any], Any]) -> None:
    """Batch arithmetic that overflows gives inf/nan like the scalar path, without a numpy RuntimeWarning."""

    def run() -> None:
        v = Value(np.array([1.0, 1e-300]))
        build(v).backward()

    _no_warnings(run)


def test_ieee_value_pow_value() -> None:
    def run() -> list[float]:
        out = []
        for a, b in ((-8.0, 1 / 3), (0.0, -1.0), (-2.0, 0.5), (2.0, 5000.0)):
            x, y = Value(a), Value(b)
            z = x**y
            z.backward()
            out.append(z.data)
            assert not isinstance(z.data, complex) and type(x.grad) is float and type(y.grad) is float
        return out

    values = _no_warnings(run)
    assert math.isnan(values[0]) and values[1] == math.inf and math.isnan(values[2]) and values[3] == math.inf


@pytest.mark.parametrize("x", [-1.0, -2.0, -1e300, -math.inf, math.inf, math.nan, 1e-300, -1e-300, 5e-324, 1e-10, -0.5])
def test_log1p_ieee_edges_and_tiny_arguments(x: float) -> None:
    """log1p(x) and 1/(1+x) as numpy gives them (-inf at -1, nan below, no exception or warning), the same bits per
    sample and over a batch; for tiny x the series x - x^2/2 + x^3/3 (log(1 + x) gives 0 for 1e-300: 1 + x is 1)."""
    with np.errstate(all="ignore"):
        want_y, want_d = float(np.log1p(np.float64(x))), float(1.0 / (1.0 + np.float64(x)))
    v = Value(x)
    y = _no_warnings(v.log1p)
    if abs(x) < 1e-8:
        assert_close(y.data, x - x * x / 2 + x**3 / 3, 1e-15, 0, "log1p vs its series")
        assert not close((Value(x) + 1.0).log().data, y.data, 1e-12, 0), "log(1 + x) would pass too"
    assert same_float(y.data, want_y), (y.data, want_y)
    assert same_float(y.local_grads[0], want_d), (y.local_grads[0], want_d)
    b = Value(np.array([x, x, 0.25]))
    yb = _no_warnings(b.log1p)
    assert same_float(yb.data[0], y.data) and same_float(yb.data[1], y.data)
    assert same_float(yb.local_grads[0][0], want_d)
    _no_warnings(lambda: (y.backward(), yb.sum().backward()))
    assert same_float(b.grad[0], v.grad) and same_float(v.grad, 0.0 + want_d)  # a leaf's grad starts at +0.0
    if x > -1 and math.isfinite(x):  # the graph rule: the same first derivative, then -1/(1+x)^2
        w = Value(x)
        (d1,) = ag.grad(w.log1p(), [w], create_graph=True)
        (d2,) = ag.grad(d1, [w])
        assert_close(d1.data, want_d, 1e-15, 0)
        assert_close(d2, -(want_d**2), 1e-15, 0)


def test_ieee_exact_saturation() -> None:
    """tanh/sigmoid at +-1000 are exactly +-1 / 1 / 0 with zero derivative, through backward too."""
    for x, t, s in ((1000.0, 1.0, 1.0), (-1000.0, -1.0, 0.0)):
        v = Value(x)
        y = v.tanh() + v.sigmoid()
        assert y.data == t + s
        y.backward()
        assert v.grad == 0.0


@given(x=reals(-700, 700))
def test_sigmoid_stable_everywhere(x: float) -> None:
    v = Value(x)
    y = v.sigmoid()
    assert 0.0 <= y.data <= 1.0
    assert_close(y.data, _sig(x), 1e-14, 1e-300)
    y.backward()
    assert 0.0 <= v.grad <= 0.25


@pytest.mark.parametrize("c", [0.5, 1.5, 2.0, 3.0, -0.5, -2.0])
def test_pow_of_minus_inf_is_the_same_per_sample_and_over_a_batch(c: float) -> None:
    """Python's float says (-inf) ** 0.5 = inf; numpy and PyTorch say NaN: a scalar must give what a batch gives."""
    batch = Value(np.array([-math.inf, 2.0])) ** c
    scalar = Value(-math.inf) ** c
    assert same_float(scalar.data, float(batch.data[0]))
    assert same_float(scalar.local_grads[0], float(batch.local_grads[0][0]))


@pytest.mark.parametrize("e", [-2.0, -1.0, -0.5, 0.0, 0.5, 2.0])
def test_zero_to_a_value_has_pytorchs_exponent_derivative(e: float) -> None:
    """d(0**x)/dx = 0**x ln 0: -inf for x < 0, and 0 for x >= 0 by PyTorch's convention (as Value(0.) ** x gave)."""
    want = -math.inf if e < 0 else 0.0
    a, b = Value(e), Value(np.array([e, 1.0]))
    (0.0**a).backward()
    (0.0**b).sum().backward()
    c = Value(e)
    (Value(0.0) ** c).backward()
    x = Value(e)
    (second,) = ag.grad(0.0**x, [x], create_graph=True)
    assert a.grad == b.grad[0] == c.grad == second.data == want
