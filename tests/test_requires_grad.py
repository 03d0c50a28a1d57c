"""``Value(data, requires_grad=False)``: data that ``backward`` sends nothing to, as in PyTorch.

Oracle: the same graph with every leaf requiring grad (its other grads must not change), and the
documents' matrix formulas for a layer fed with data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import programs, reals, run_values
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd import Value


@given(
    prog=programs(),
    xs=st.lists(reals(-2, 2), min_size=4, max_size=4),
    data=st.lists(st.booleans(), min_size=4, max_size=4),
    anomaly=st.booleans(),
)
def test_data_leaves_get_nothing_and_the_other_grads_do_not_change(
    prog: tuple[int, list[Any]], xs: list[float], data: list[bool], anomaly: bool
) -> None:
    n, code = prog
    every = [Value(x) for x in xs[:n]]
    some = [Value(x, requires_grad=not d) for x, d in zip(xs[:n], data)]
    out_every, _ = run_values(code, every)
    out_some, regs = run_values(code, some)
    if not np.isfinite(out_every.data):
        return
    out_every.backward()
    if anomaly:
        try:
            with ag.detect_anomaly():
                out_some.backward()
        except FloatingPointError:
            return
    else:
        out_some.backward()
    for a, b, d in zip(every, some, data):
        if d:
            assert b.grad == 0.0 and not b.requires_grad
        else:
            assert b.grad == a.grad or (np.isnan(a.grad) and np.isnan(b.grad))
    assert all(v.requires_grad for v in regs[n:])


def test_a_layer_fed_with_data_gets_the_documents_dW_and_no_dX() -> None:
    rng = np.random.default_rng(0)
    W, X, G = rng.normal(size=(3, 4)), rng.normal(size=(4, 6)), rng.normal(size=(3, 6))
    ws = [[Value(w) for w in row] for row in W]
    xs = [Value(x, f"x.{i}", requires_grad=False) for i, x in enumerate(X)]
    zs = ag.linear(ws, xs, [Value(0.0) for _ in range(3)])
    ag.sum([(z * g).sum() for z, g in zip(zs, G)]).backward()
    np.testing.assert_allclose([[w.grad for w in row] for row in ws], G @ X.T, rtol=1e-12, atol=1e-12)
    assert all(x.grad == 0.0 for x in xs)
    # the same through the general dot path (a constant among the weights)
    z = ag.dot([ws[0][0], 2.0, ws[0][2], ws[0][3]], xs)
    ws[0][0].grad = 0.0
    z.sum().backward()
    assert ws[0][0].grad == pytest.approx(X[0].sum()) and all(x.grad == 0.0 for x in xs)


def test_mlp_inputs_from_an_array_are_data() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    out = model(X)[0]
    inputs = [v for v in ag.reverse_topological(out) if v.label.startswith("x.")]
    assert sorted(v.label for v in inputs) == ["x.0", "x.1"] and not any(v.requires_grad for v in inputs)
    out.sum().backward()
    assert all(v.grad == 0.0 for v in inputs)
    per_sample = [nn.MLP(2, [3, 1], seed=0) for _ in X]
    for m, x in zip(per_sample, X):
        m(x)[0].backward()
    for i, p in enumerate(model.parameters()):
        assert p.grad == pytest.approx(sum(m.parameters()[i].grad for m in per_sample), rel=1e-12, abs=1e-15)
    assert "no grad (data)" in ag.to_dot(out)


def test_requires_grad_is_checked_and_reported() -> None:
    assert Value(1.0).requires_grad and not Value(1.0, requires_grad=False).requires_grad
    assert repr(Value(1.0, requires_grad=False)) == "Value(data=1, grad=0, requires_grad=False)"
    assert (Value(1.0, requires_grad=False) * 2.0).requires_grad  # an op's result always does
    assert Value(np.array([1.0, 2.0]), requires_grad=np.bool_(False)).requires_grad is False
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        Value(1.0, requires_grad="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="requires_grad=False"):
        Value(1.0, requires_grad=False).backward()
    x = Value(3.0, requires_grad=False)
    (dx,) = ag.grad(x * x, [x])  # autograd.grad differentiates with respect to whatever it is asked for
    assert dx == 6.0 and x.grad == 0.0
