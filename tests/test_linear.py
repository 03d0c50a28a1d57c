"""``autograd.linear``: a layer's Z = W X + b as one ``dot`` and one ``+`` node per row.

Oracles: the documents' matrix formulas in numpy (Z = W X + b, dW = G X^T, dX = W^T G, db = sum G over
the samples) and the per-row graph ``dot(W[j], xs) + b[j]`` built node by node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import reals
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value


@st.composite
def layers(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W (k, n), X (n, m), b (k,), an upstream gradient G (k, m)."""
    k, n, m = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 7))

    def matrix(*shape: int) -> np.ndarray:
        return np.array(draw(st.lists(reals(-3, 3), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))

    return matrix(k, n).reshape(k, n), matrix(n, m).reshape(n, m), matrix(k), matrix(k, m).reshape(k, m)


def _values(W: np.ndarray, X: np.ndarray, b: np.ndarray) -> tuple[list[list[Value]], list[Value], list[Value]]:
    return [[Value(w) for w in row] for row in W], [Value(x) for x in X], [Value(v) for v in b]


@given(layer=layers())
def test_batch_linear_is_the_documents_matrix_formulas(layer: Any) -> None:
    W, X, b, G = layer
    ws, xs, bs = _values(W, X, b)
    zs = ag.linear(ws, xs, bs)
    np.testing.assert_allclose([z.data for z in zs], W @ X + b[:, None], rtol=1e-12, atol=1e-12)
    ag.sum([(z * g).sum() for z, g in zip(zs, G)]).backward()
    np.testing.assert_allclose([[w.grad for w in row] for row in ws], G @ X.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([x.grad for x in xs], W.T @ G, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([v.grad for v in bs], G.sum(axis=1), rtol=1e-12, atol=1e-12)


@given(layer=layers(), batch=st.booleans(), with_bias=st.booleans())
def test_linear_builds_the_nodes_of_dot_plus_bias(layer: Any, batch: bool, with_bias: bool) -> None:
    W, X, b, G = layer
    if not batch:
        X, G = X[:, 0], G[:, 0]
    ws, xs, bs = _values(W, X, b)
    zs = ag.linear(ws, xs, bs if with_bias else None)
    by_row = [ag.dot(row, xs) + v if with_bias else ag.dot(row, xs) for row, v in zip(ws, bs)]
    for z, r in zip(zs, by_row):
        assert z.op == r.op
        dz, dr = (z.inputs[0], r.inputs[0]) if with_bias else (z, r)
        assert dz.op == dr.op == "dot"
        assert dz.inputs == dr.inputs
        if with_bias:
            assert z.inputs[1] is r.inputs[1]
        np.testing.assert_allclose(z.data, r.data, rtol=1e-12, atol=1e-12)
        for got, want in zip(dz.local_grads, dr.local_grads):
            np.testing.assert_array_equal(got, want)
    # the same gradients through both graphs
    grads = []
    for outs in (zs, by_row):
        for v in [*(w for row in ws for w in row), *xs, *bs]:
            v.grad = 0.0
        loss = ag.sum([(z * g).sum() if batch else z * g for z, g in zip(outs, G)])
        loss.backward()
        grads.append([np.copy(v.grad) for v in [*(w for row in ws for w in row), *xs, *bs]])
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_numbers_and_constants_take_the_general_path() -> None:
    x0, x1 = Value(np.array([1.0, 2.0])), Value(np.array([-1.0, 0.5]))
    w = Value(2.0)
    zs = ag.linear([[w, 3.0], [0.5, w]], [x0, x1], [1.0, Value(-1.0)])
    np.testing.assert_array_equal(zs[0].data, 2.0 * x0.data + 3.0 * x1.data + 1.0)
    np.testing.assert_array_equal(zs[1].data, 0.5 * x0.data + 2.0 * x1.data - 1.0)
    ag.sum([z.sum() for z in zs]).backward()
    assert w.grad == pytest.approx(x0.data.sum() + x1.data.sum())


def test_no_grad_gives_leaves_and_anomaly_mode_still_checks() -> None:
    ws, xs, bs = _values(np.ones((2, 3)), np.ones((3, 4)), np.zeros(2))
    with ag.no_grad():
        zs = ag.linear(ws, xs, bs)
    assert all(z.is_leaf for z in zs)
    np.testing.assert_array_equal(zs[0].data, np.full(4, 3.0))
    xs[0].data[0] = np.inf
    ws[0][0].data = 0.0
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="dot"):
        ag.linear(ws, xs, bs)


def test_bad_shapes_name_the_problem() -> None:
    x = [Value(np.ones(3)), Value(np.ones(3))]
    w = [[Value(1.0), Value(2.0)]]
    with pytest.raises(ValueError, match=r"weights\[0\] has 1 weights for 2 inputs"):
        ag.linear([[Value(1.0)]], x)
    with pytest.raises(ValueError, match="1 rows of weights but 2 biases"):
        ag.linear(w, x, [Value(0.0), Value(1.0)])
    with pytest.raises(ValueError, match="at least one row"):
        ag.linear([], x)
    with pytest.raises(ValueError, match="batch sizes differ"):
        ag.linear(w, [Value(np.ones(3)), Value(np.ones(4))])
    with pytest.raises(TypeError, match=r"biases\[0\]"):
        ag.linear(w, x, ["0.5"])


@pytest.mark.parametrize(
    "build",
    [
        lambda one, three: ag.dot([three, one], [three, one]),
        lambda one, three: ag.dot([one, three], [2.0, three]),
        lambda one, three: ag.sum([one, three]),
        lambda one, three: ag.sum([one, np.array([1.0, 2.0, 3.0])]),
        lambda one, three: ag.sum([three, np.array([1.0])]),
    ],
)
def test_a_batch_of_one_does_not_broadcast_in_dot_or_sum(build: Any) -> None:
    """As for + and *: a 1-sample batch beside a 3-sample one is an error, not a gradient of 3 entries for 1."""
    one, three = Value(np.array([2.0])), Value(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"batch sizes differ in (dot|autograd\.sum): [13] and [13] samples"):
        build(one, three)
    assert one.grad == 0.0 and three.grad == 0.0


def test_a_zero_coefficient_keeps_nan_and_inf_as_per_sample() -> None:
    """numpy scales a single row with BLAS, which zeroes it for 0 and hid 0 * NaN = NaN (0 * inf too)."""
    x = Value(np.array([np.nan, np.inf, -np.inf, 1.0]))
    per_sample = [0.0 * float(v) for v in x.data]
    for coefs, xs in (([0.0], [x]), ([0.0, 0.0], [x, x])):
        np.testing.assert_array_equal(ag.dot(coefs, xs).data, np.array(per_sample) * len(coefs))
