"""grad() and derivative(): first, second and third derivatives vs closed forms and vs finite differences.

The finite differences are taken of the *analytic* lower-order derivative (itself checked against the
closed form), so each order is checked by an oracle one level below it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import assert_close, away_from_zero, central_diff, reals
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value


def _sech2(x: float) -> float:
    return 1.0 / math.cosh(x) ** 2


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# name -> (f on Values, [f', f'', f'''] closed forms, domain, step scale kind)
HIGHER: dict[str, tuple[Callable[[Any], Any], list[Callable[[float], float]], Any, str]] = {
    "exp": (lambda v: v.exp(), [math.exp, math.exp, math.exp], reals(-10, 10), "max1"),
    "neg": (lambda v: -v, [lambda x: -1.0, lambda x: 0.0, lambda x: 0.0], reals(-10, 10), "max1"),
    "square_mul": (lambda v: v * v * v, [lambda x: 3 * x * x, lambda x: 6 * x, lambda x: 6.0], reals(-10, 10), "max1"),
    "log": (lambda v: v.log(), [lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3], reals(0.05, 100), "abs"),
    "log1p": (
        lambda v: v.log1p(),
        [lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2, lambda x: 2 / (1 + x) ** 3],
        reals(-0.8, 100),
        "max1",
    ),
    "sqrt": (
        lambda v: v.sqrt(),
        [lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5, lambda x: 0.375 * x**-2.5],
        reals(0.05, 100),
        "abs",
    ),
    "tanh": (
        lambda v: v.tanh(),
        [
            _sech2,
            lambda x: -2 * math.tanh(x) * _sech2(x),
            lambda x: (4 * math.tanh(x) ** 2 - 2 * _sech2(x)) * _sech2(x),
        ],
        reals(-4, 4),
        "max1",
    ),
    "sigmoid": (
        lambda v: v.sigmoid(),
        [
            lambda x: _sig(x) * _sig(-x),
            lambda x: _sig(x) * _sig(-x) * (1 - 2 * _sig(x)),
            lambda x: _sig(x) * _sig(-x) * (1 - 6 * _sig(x) * _sig(-x)),
        ],
        reals(-8, 8),
        "max1",
    ),
    "sin": (lambda v: v.sin(), [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)], reals(-10, 10), "max1"),
    "cos": (lambda v: v.cos(), [lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin], reals(-10, 10), "max1"),
    "pow_3.5": (
        lambda v: v**3.5,
        [lambda x: 3.5 * x**2.5, lambda x: 8.75 * x**1.5, lambda x: 13.125 * x**0.5],
        reals(0.05, 10),
        "abs",
    ),
    "pow_-2": (
        lambda v: v**-2,
        [lambda x: -2 * x**-3, lambda x: 6 * x**-4, lambda x: -24 * x**-5],
        away_from_zero(0.1, 10),
        "abs",
    ),
    "rpow_3": (
        lambda v: 3.0**v,
        [lambda x: 3.0**x * math.log(3), lambda x: 3.0**x * math.log(3) ** 2, lambda x: 3.0**x * math.log(3) ** 3],
        reals(-5, 5),
        "max1",
    ),
    "c_div": (
        lambda v: 2.0 / v,
        [lambda x: -2 / x**2, lambda x: 4 / x**3, lambda x: -12 / x**4],
        away_from_zero(0.1, 10),
        "abs",
    ),
    "div_self_sq": (
        lambda v: v / (v * v + 1.0),
        [
            lambda x: (1 - x * x) / (x * x + 1) ** 2,
            lambda x: 2 * x * (x * x - 3) / (x * x + 1) ** 3,
            lambda x: -6 * (x**4 - 6 * x * x + 1) / (x * x + 1) ** 4,
        ],
        reals(-5, 5),
        "max1",
    ),
    "relu": (
        lambda v: v.relu(),
        [lambda x: float(x > 0), lambda x: 0.0, lambda x: 0.0],
        away_from_zero(0.01, 10),
        "max1",
    ),
    "leaky_relu": (
        lambda v: v.leaky_relu(0.3),
        [lambda x: 1.0 if x > 0 else 0.3, lambda x: 0.0, lambda x: 0.0],
        away_from_zero(0.01, 10),
        "max1",
    ),
    "abs": (
        lambda v: abs(v),
        [lambda x: math.copysign(1, x), lambda x: 0.0, lambda x: 0.0],
        away_from_zero(0.01, 10),
        "max1",
    ),
    "clip": (
        lambda v: (v * v).clip(-1.0, 4.0),
        [lambda x: 2 * x if x * x < 4 else 0.0, lambda x: 2.0 if x * x < 4 else 0.0, lambda x: 0.0],
        st.sampled_from([-3.0, -1.5, -0.5, 0.7, 1.9, 2.5]),
        "max1",
    ),
}


@pytest.mark.parametrize("name", sorted(HIGHER))
def test_higher_order(name: str) -> None:
    f, closed, domain, scale_kind = HIGHER[name]

    @given(x=domain)
    def check(x: float) -> None:
        scale = abs(x) if scale_kind == "abs" else max(1.0, abs(x))
        v = Value(x)
        y = f(v)
        g1: Any = y
        previous: Callable[[float], float] = lambda t: f(Value(t)).data  # noqa: E731
        for order, want in enumerate(closed, start=1):
            (g1,) = ag.grad(g1, [v], create_graph=True)
            assert isinstance(g1, Value)
            assert_close(g1.data, want(x), 1e-9, 1e-12, f"{name} order {order} vs closed form")
            fd = central_diff(previous, x, 5, scale)
            assert_close(g1.data, fd, 1e-5, 1e-7 * (1 + abs(want(x))), f"{name} order {order} vs finite differences")
            previous = (lambda k: lambda t: ag.derivative(f, order=k)(t))(order)
            assert_close(ag.derivative(f, order=order)(x), g1.data, 1e-10, 1e-12, f"{name} derivative(order)")
        assert v.grad == 0.0, "grad() touches no .grad"

    check()


@given(x=reals(-2, 2), y=reals(-2, 2))
def test_mixed_partials(x: float, y: float) -> None:
    """f = sin(x y) + x^2 y^3 + exp(x) tanh(y): d2f/dxdy == d2f/dydx == the closed form."""

    def f(a: Any, b: Any) -> Any:
        return (a * b).sin() + a**2 * b**3 + a.exp() * b.tanh()

    a, b = Value(x), Value(y)
    fx, fy = ag.grad(f(a, b), [a, b], create_graph=True)
    (fxy,) = ag.grad(fx, [b])
    (fyx,) = ag.grad(fy, [a])
    want = math.cos(x * y) - x * y * math.sin(x * y) + 6 * x * y**2 + math.exp(x) * _sech2(y)
    assert_close(fxy, want, 1e-10, 1e-12)
    assert_close(fyx, want, 1e-10, 1e-12)
    fx_fd = central_diff(lambda t: ag.derivative(f, 1, 0)(x, t), y)  # d/dy of the analytic df/dx
    assert_close(fxy, fx_fd, 1e-6, 1e-8)
    fxx, fxy2 = ag.grad(fx, [a, b])
    assert_close(fxy2, want, 1e-10, 1e-12)
    assert_close(fxx, -(y**2) * math.sin(x * y) + 2 * y**3 + math.exp(x) * math.tanh(y), 1e-10, 1e-12)


def test_third_derivative_of_sin_and_tanh_by_derivative() -> None:
    d3 = ag.derivative(lambda v: v.sin(), order=3)
    assert_close(d3(0.3), -math.cos(0.3), 1e-14, 0)
    dd = ag.derivative(ag.derivative(lambda v: v.tanh()))
    t = math.tanh(0.4)
    assert_close(dd(0.4), -2 * t * (1 - t * t), 1e-13, 0)
    assert isinstance(dd(Value(0.4)), Value)
    assert isinstance(dd(0.4), float)


def test_derivative_argnum_and_constants() -> None:
    def f(a: Any, b: Any) -> Any:
        return a * a * b + 3.0 * b

    assert ag.derivative(f, argnum=1)(2.0, 5.0) == 4.0 + 3.0
    assert ag.derivative(f, argnum=0)(2.0, 5.0) == 20.0
    assert ag.derivative(f, order=2)(2.0, 5.0) == 10.0
    assert ag.derivative(f, order=3)(2.0, 5.0) == 0.0
    assert ag.derivative(lambda v: v * 0.0 + 7.0, order=2)(1.0) == 0.0


def test_grad_does_not_touch_grads_and_zero_for_unrelated() -> None:
    x, y, z = Value(1.5), Value(-0.5), Value(2.0)
    out = (x * y).exp() + x
    gx, gy, gz = ag.grad(out, [x, y, z])
    assert_close(gx, -0.5 * math.exp(-0.75) + 1, 1e-15, 0)
    assert_close(gy, 1.5 * math.exp(-0.75), 1e-15, 0)
    assert gz == 0.0
    assert x.grad == y.grad == z.grad == out.grad == 0.0
    (single,) = ag.grad(out, x)
    assert single == gx
    (c,) = ag.grad(out, [z], create_graph=True)
    assert isinstance(c, Value) and c.data == 0.0


@given(xs=st.lists(reals(-2, 2), min_size=1, max_size=6), w=reals(-2, 2))
def test_grad_batch_second_order(xs: list[float], w: float) -> None:
    """d2/dw2 of mean(tanh(w x)) over a batch == numpy closed form; grads of batch inputs are arrays."""
    X = np.array(xs)
    wv, xv = Value(w), Value(X)
    loss = (wv * xv).tanh().mean()
    (gw,) = ag.grad(loss, [wv], create_graph=True)
    t = np.tanh(w * X)
    assert_close(gw.data, float(np.mean((1 - t * t) * X)), 1e-12, 1e-13)
    (gww,) = ag.grad(gw, [wv])
    assert_close(gww, float(np.mean(-2 * t * (1 - t * t) * X * X)), 1e-10, 1e-12)
    (gx,) = ag.grad(loss, [xv])
    np.testing.assert_allclose(gx, (1 - t * t) * w / len(xs), rtol=1e-12, atol=1e-14)
    # a scalar times a constant batch, then a graph rule above it (tanh)
    c = Value(w)
    (g2,) = ag.grad((c * X).tanh().sum(), [c], create_graph=True)
    assert_close(g2.data, float(np.sum((1 - t * t) * X)), 1e-12, 1e-13)


# ---------------------------------------------------------------- bad arguments
def test_grad_bad_arguments() -> None:
    x = Value(1.0)
    y = x * 2.0
    with pytest.raises(TypeError, match="float"):
        ag.grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\].*float"):
        ag.grad(y, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="int"):
        ag.grad(y, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ag.grad(y, [x], grad_output="1")


def test_derivative_bad_arguments() -> None:
    with pytest.raises(TypeError, match="function"):
        ag.derivative(3.0)  # type: ignore[arg-type]
    for order in (0, -1, 1.5, True, "2"):
        with pytest.raises((TypeError, ValueError), match="order"):
            ag.derivative(lambda v: v, order=order)  # type: ignore[arg-type]
    for argnum in (-1, 0.5, True):
        with pytest.raises((TypeError, ValueError), match="argnum"):
            ag.derivative(lambda v: v, argnum=argnum)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="argument 2"):
        ag.derivative(lambda a, b: a * b, argnum=2)(1.0, 2.0)


def _pow_partials(x: float, y: float) -> tuple[float, float]:
    """d x^y / dx and d x^y / dy with PyTorch's conventions: 0 where y == 0, and 0 where x == 0 and y >= 0."""
    dx = 0.0 if y == 0 else y * (math.inf if x == 0 and y < 1 else x ** (y - 1.0))
    dy = 0.0 if x == 0 and y >= 0 else x**y * math.log(x)
    return dx, dy


@pytest.mark.parametrize(
    ("x", "y"), [(0.0, 2.0), (0.0, 0.0), (0.0, 0.5), (0.0, 3.0), (2.0, 0.0), (1.5, 2.5), (1e-310, 0.0), (5e-324, 0.0)]
)
def test_pow_of_two_values_keeps_its_conventions_with_create_graph(x: float, y: float) -> None:
    """create_graph=True must give what the first-order rule gives where x**y meets 0 (it gave NaN: 0 * log 0)."""
    expected = _pow_partials(x, y)
    for scalar in (True, False):
        xv = Value(x) if scalar else Value(np.array([x, 1.25]))
        yv = Value(y) if scalar else Value(np.array([y, 0.5]))
        out = xv**yv if scalar else (xv**yv).sum()
        first = ag.grad(out, [xv, yv])
        graph = ag.grad(out, [xv, yv], create_graph=True)
        for got_first, got_graph, want in zip(first, graph, expected):
            assert np.asarray(got_first).flat[0] == pytest.approx(want, abs=1e-300)
            assert np.asarray(got_graph.data).flat[0] == pytest.approx(want, abs=1e-300)
            np.testing.assert_allclose(got_graph.data, got_first, rtol=1e-14)
    a, b = Value(1.3), Value(2.0)
    z = (a - a) ** b + a * b  # a base that is 0 through a graph
    assert [g.data for g in ag.grad(z, [a, b], create_graph=True)] == pytest.approx([2.0, 1.3])
    assert ag.derivative(lambda e: Value(0.0) ** e)(Value(2.0)).data == 0.0


def test_pow_second_derivative_beside_a_zero_base() -> None:
    """The substitution only applies where a convention does: elsewhere d2/dy2 x^y = x^y ln(x)^2 is unchanged."""
    x, y = Value(np.array([0.0, 2.0])), Value(np.array([2.0, 1.5]))
    _, dy = ag.grad((x**y).sum(), [x, y], create_graph=True)
    (d2y,) = ag.grad(dy.sum(), [y])
    np.testing.assert_allclose(d2y, [0.0, 2.0**1.5 * math.log(2.0) ** 2], rtol=1e-13)


@pytest.mark.parametrize(("x", "y"), [(2.0, 0.0), (0.5, 0.0), (3.0, 1e-12), (1.5, 2.5), (0.25, -1.0)])
def test_pow_mixed_partials_agree_with_the_formula_and_each_other(x: float, y: float) -> None:
    """d/dy (d/dx x^y) = d/dx (d/dy x^y) = x^(y-1) (1 + y ln x); the rule once put 1 in place of x wherever
    y == 0, which made d/dy (d/dx x^y) = 1 there for every x."""
    want = x ** (y - 1.0) * (1.0 + y * math.log(x))
    for scalar in (True, False):
        xv = Value(x) if scalar else Value(np.array([x, 1.25]))
        yv = Value(y) if scalar else Value(np.array([y, 0.5]))
        gx, gy = ag.grad(xv**yv if scalar else (xv**yv).sum(), [xv, yv], create_graph=True)
        (dxy,) = ag.grad(gx if scalar else gx.sum(), [yv])
        (dyx,) = ag.grad(gy if scalar else gy.sum(), [xv])
        assert np.asarray(dxy).flat[0] == pytest.approx(want, rel=1e-12)
        assert np.asarray(dyx).flat[0] == pytest.approx(want, rel=1e-12)


def test_an_unused_batch_input_gets_zeros_of_its_shape_in_both_modes() -> None:
    x, unused = Value(np.array([1.0, 2.0, 3.0])), Value(np.array([4.0, 5.0, 6.0]))
    out = (x * x).sum()
    plain = ag.grad(out, [unused])[0]
    graph = ag.grad(out, [unused], create_graph=True)[0]
    assert isinstance(graph, Value) and graph.shape == (3,)
    np.testing.assert_array_equal(plain, np.zeros(3))
    np.testing.assert_array_equal(graph.data, np.zeros(3))


def test_derivative_passes_keyword_and_non_numeric_arguments_through() -> None:
    """As jax.grad does: keyword arguments and non-numbers go to f unchanged; only argument argnum is the variable."""
    d_scaled = ag.derivative(lambda v, k=2.0: v * k)
    assert d_scaled(1.0) == 2.0 and d_scaled(1.0, k=3.0) == 3.0
    d_mode = ag.derivative(lambda v, mode: v * v if mode == "square" else v, order=2)
    assert d_mode(3.0, "square") == 2.0 and d_mode(3.0, "identity") == 0.0
    d_other = ag.derivative(lambda a, b: a * b.tanh(), argnum=1)  # b is the variable, a a constant Value
    assert d_other(2.0, 0.5) == pytest.approx(2.0 * (1.0 - math.tanh(0.5) ** 2), rel=1e-15)
    assert ag.derivative(lambda v: 5.0)(2.0) == 0.0  # a constant function


@pytest.mark.parametrize(
    ("f", "arg", "words"),
    [
        (lambda v: "a", 1.0, "f must return a Value (or a number), not str"),
        (lambda v: None, 1.0, "f must return a Value (or a number), not NoneType"),
        (lambda v: True, 1.0, "f must return a Value (or a number), not bool"),
        (lambda v: v, "z", "argument 0, the variable, must be a real number"),
        (lambda v: v, None, "argument 0, the variable, must be a real number"),
    ],
)
def test_derivative_says_which_side_is_wrong(f: Any, arg: Any, words: str) -> None:
    with pytest.raises(TypeError, match=re.escape(words)):
        ag.derivative(f)(arg)
