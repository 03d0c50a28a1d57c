"""numeric_grad and gradcheck: the oracle itself, a sabotaged backward caught, the table and the documents' figure."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import assert_close, reals
from hypothesis import example, given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value


def f3(a: Any, b: Any, c: Any) -> Any:
    return (a * b).tanh() + (c * c + 1.0).log() * a - b.sigmoid() / (1.0 + c * c)


def f3_plain(a: float, b: float, c: float) -> float:
    return math.tanh(a * b) + math.log(c * c + 1.0) * a - 1.0 / (1.0 + math.exp(-b)) / (1.0 + c * c)


@given(xs=st.lists(reals(-2, 2), min_size=3, max_size=3))
def test_numeric_grad_matches_an_independent_difference(xs: list[float]) -> None:
    """numeric_grad == the central difference it documents (h = eps max(1, |x|)), computed here with math."""
    got = ag.numeric_grad(f3, xs)
    eps = 2.0 ** (-52 / 3)
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i], down[i] = x + h, x - h
        want = (f3_plain(*up) - f3_plain(*down)) / (up[i] - down[i])
        assert_close(got[i], want, 1e-7, 1e-9)


def test_numeric_grad_accepts_values_and_custom_eps() -> None:
    x = Value(3.0)
    assert_close(ag.numeric_grad(lambda v: v * v, [x])[0], 6.0, 1e-9, 0)
    assert_close(ag.numeric_grad(lambda v: v * v, x)[0], 6.0, 1e-9, 0)
    assert_close(ag.numeric_grad(lambda v: v * v, 3.0, eps=1e-3)[0], 6.0, 1e-9, 0)
    assert x.grad == 0.0
    assert ag.numeric_grad(lambda v: 5.0, [1.0]) == [0.0], "f may return a number"


@given(xs=st.lists(reals(-2, 2), min_size=3, max_size=3))
@example(xs=[0.25, 8.277254915110443e-42, 0.0])  # g = (8e-42, 0, 0); the central difference gives 0
def test_gradcheck_passes_on_correct_function(xs: list[float]) -> None:
    result = ag.gradcheck(f3, xs)
    assert result and result.passed
    # f3's gradient vanishes at (0.25, 0, 0).  Near there the documents' relative measure divides the central
    # difference's error by a tiny ||g|| (it is 1 at ||g|| = 8e-42), so it is held to 2e-7 where ||g|| > 0.01.
    if math.hypot(*result.analytic) > 0.01:
        assert result.difference < 2e-7
    assert len(result.analytic) == len(result.numeric) == 3


def _sabotaged(a: Any, b: Any) -> Any:
    """a*b + tanh(a), with the tanh edge's stored local derivative replaced by a wrong number."""
    t = a.tanh()
    if not t.is_leaf:  # numeric_grad runs f under no_grad, where there is no edge to break
        t._da = t._da + 0.5  # wrong edge: backward must now disagree with the finite differences
    return a * b + t


def test_gradcheck_catches_a_wrong_backward() -> None:
    result = ag.gradcheck(_sabotaged, [0.3, -0.7])
    assert not result and not result.passed
    assert result.difference > 1e-2
    assert abs(result.analytic[0] - result.numeric[0]) == pytest.approx(0.5, rel=1e-6)
    assert result.analytic[1] == pytest.approx(result.numeric[1], rel=1e-8), "the b edge is untouched"
    text = str(result)
    assert "ABOVE" in text and "False" in text


def test_gradcheck_table_and_documents_figure(capsys) -> None:
    xs = [Value(0.4, label="w"), Value(-1.1, label="b"), Value(0.9)]
    result = ag.gradcheck(f3, xs)
    text = str(result)
    assert capsys.readouterr().out == text + "\n"  # the call prints the table
    lines = text.splitlines()
    assert "analytic" in lines[0] and "numeric" in lines[0] and "abs error" in lines[0] and "rel error" in lines[0]
    assert lines[2].startswith("w") and lines[3].startswith("b") and lines[4].startswith("x[2]")
    assert "||g - g_num|| / (||g|| + ||g_num||)" in text
    assert repr(result) == f"GradcheckResult(passed=True, difference={result.difference:.3g}, inputs=3)"
    assert ag.gradcheck(f3, xs, verbose=False) and capsys.readouterr().out == ""
    # the documents' figure, computed independently with numpy from the engine's and our own numbers
    g = np.array(result.analytic)
    gn = np.array(result.numeric)
    want = np.linalg.norm(g - gn) / (np.linalg.norm(g) + np.linalg.norm(gn))
    assert_close(result.difference, float(want), 1e-12, 1e-300)
    assert f"{result.difference:.3g}" in text
    # the analytic column is the true gradient (closed form), the numeric one within FD error of it
    a, b, c = 0.4, -1.1, 0.9
    t, s = math.tanh(a * b), 1.0 / (1.0 + math.exp(-b))
    closed = [b * (1 - t * t) + math.log(c * c + 1), a * (1 - t * t) - s * (1 - s) / (1 + c * c)]
    closed.append(2 * c * a / (c * c + 1) + s * 2 * c / (1 + c * c) ** 2)
    for got, want_i in zip(result.analytic, closed):
        assert_close(got, want_i, 1e-12, 1e-14)
    for got, want_i in zip(result.numeric, closed):
        assert_close(got, want_i, 1e-8, 1e-10)
    for r, a_, n_ in zip(result.rel_errors, result.analytic, result.numeric):
        assert_close(r, abs(a_ - n_) / max(abs(a_), abs(n_)), 1e-12, 1e-300)


def test_gradcheck_fails_where_either_derivative_is_nan() -> None:
    """A NaN derivative checks nothing: sqrt at -1 (both sides NaN) and a NaN point must not pass."""
    for f, xs in ((lambda a: a.sqrt(), [-1.0]), (lambda a: a * a, [math.nan]), (lambda a, b: a * b, [1.0, math.nan])):
        result = ag.gradcheck(f, xs, verbose=False)
        assert not result and any(math.isnan(a) for a in result.analytic + result.numeric)
        assert "ABOVE" in str(result) and str(result).endswith("False")
    assert not ag.gradcheck(lambda a: a.exp(), [1.0], eps=1e3, verbose=False)  # numeric inf against e
    assert not ag.GradcheckResult([-5.0], [math.inf], 1e-5, 1e-8)
    assert not ag.GradcheckResult([math.inf], [-math.inf], 1e-5, 1e-8)
    same_inf = ag.GradcheckResult([math.inf, 1.0], [math.inf, 1.0], 1e-5, 1e-8)
    assert same_inf and same_inf.abs_errors == [0.0, 0.0]  # as numpy.isclose
    assert "below" in str(same_inf) and str(same_inf).endswith("True")  # the table agrees with the verdict


def test_gradcheck_tolerances() -> None:
    assert ag.gradcheck(lambda v: v.exp(), [1.0], rtol=0.0, atol=1e-6)
    zero = ag.gradcheck(lambda v: v * 0.0, [1.0])
    assert zero and zero.difference == 0.0


@pytest.mark.parametrize("bad", [True, "3", None, 1j, [1.0, "a"], [np.array([1.0, 2.0])], [Value(np.array([1.0]))]])
def test_numeric_grad_and_gradcheck_bad_points(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        ag.numeric_grad(lambda v: v, bad)
    with pytest.raises((TypeError, ValueError)):
        ag.gradcheck(lambda v: v, bad)


def test_bad_arguments_have_messages() -> None:
    with pytest.raises(TypeError, match="function"):
        ag.numeric_grad(3.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="function"):
        ag.gradcheck(3.0, [1.0])  # type: ignore[arg-type]
    for eps in (0.0, -1e-3, math.nan, math.inf, True, "1e-6"):
        with pytest.raises(ValueError, match="eps"):
            ag.numeric_grad(lambda v: v, [1.0], eps=eps)  # type: ignore[arg-type]
    for kw in ({"rtol": -1.0}, {"atol": "0"}, {"rtol": True}, {"atol": math.nan}):
        with pytest.raises(ValueError, match="tol"):
            ag.gradcheck(lambda v: v, [1.0], **kw)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scalar"):
        ag.numeric_grad(lambda v: Value(np.array([1.0, 2.0])) * v, [1.0])
    with pytest.raises(TypeError, match="scalar"):
        ag.gradcheck(lambda v: "x", [1.0])
