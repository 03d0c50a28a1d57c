"""Losses vs numpy formulas (values and gradients), in every prediction layout, and vs torch when installed."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _np_loss(name: str, P: np.ndarray, T: np.ndarray) -> tuple[float, np.ndarray]:
    """(mean loss, d loss / d P) from the textbook formulas; P is (m, k), T (m, k) or (m,) classes."""
    m, k = P.shape
    if name == "mse":
        return float(np.mean((P - T) ** 2)), 2 * (P - T) / (m * k)
    if name == "bce":
        L = -(T * np.log(P) + (1 - T) * np.log(1 - P))
        return float(L.mean()), (P - T) / (P * (1 - P)) / (m * k)
    if name == "bce_logits":
        L = -(T * np.log(_sigmoid(P)) + (1 - T) * np.log(1 - _sigmoid(P)))
        return float(L.mean()), (_sigmoid(P) - T) / (m * k)
    if name == "hinge":
        return float(np.maximum(0, 1 - T * P).mean()), np.where(T * P < 1, -T, 0.0) / (m * k)
    # cross entropy
    S = np.exp(P) / np.exp(P).sum(axis=1, keepdims=True)
    Y = np.eye(k)[T]
    return float(-np.log(S[np.arange(m), T]).mean()), (S - Y) / m


FNS: dict[str, Callable[..., Value]] = {
    "mse": nn.mse_loss,
    "bce": nn.binary_cross_entropy,
    "bce_logits": nn.binary_cross_entropy_with_logits,
    "hinge": nn.hinge_loss,
    "ce": nn.cross_entropy,
}


def _data(name: str, m: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    P = rng.normal(size=(m, k))
    if name == "bce":
        P = rng.uniform(0.05, 0.95, size=(m, k))
        return P, rng.uniform(0, 1, size=(m, k))
    if name == "bce_logits":
        return P * 3, rng.uniform(0, 1, size=(m, k))
    if name == "hinge":
        return P, rng.choice([-1.0, 1.0], size=(m, k))
    if name == "ce":
        return P * 2, rng.integers(0, k, size=m)
    return P, rng.normal(size=(m, k))


def _layouts(P: np.ndarray) -> dict[str, tuple[object, list[list[Value]]]]:
    """The same predictions in all four layouts, with the leaves as an (m, k) grid of scalar Values or k columns."""
    m, k = P.shape
    grid = [[Value(P[i, j]) for j in range(k)] for i in range(m)]
    cols = [Value(P[:, j].copy()) for j in range(k)]
    out: dict[str, tuple[object, list[list[Value]]]] = {"rows": (grid, grid)}
    out["cols"] = (cols, [cols])
    if k == 1:
        flat = [[Value(P[i, 0])] for i in range(m)]
        out["scalars"] = ([r[0] for r in flat], flat)
        single = Value(P[:, 0].copy())
        out["batch"] = (single, [[single]])
    return out


def _grads(name: str, leaves: list[list[Value]], m: int, k: int) -> np.ndarray:
    if name == "cols" or (name == "batch"):
        return np.column_stack([np.asarray(v.grad) for v in leaves[0]])
    return np.array([[v.grad for v in row] for row in leaves])


@given(
    st.sampled_from(sorted(FNS)),
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(0, 2**31),
    st.sampled_from(["mean", "sum"]),
)
def test_loss_value_and_gradient_vs_numpy(name: str, m: int, k: int, seed: int, reduction: str) -> None:
    P, T = _data(name, m, k, seed)
    value, grad = _np_loss(name, P, T)
    scale = (m if name == "ce" else m * k) if reduction == "sum" else 1
    targets = T if name == "ce" or k > 1 else T[:, 0]
    for layout, (pred, leaves) in _layouts(P).items():
        loss = FNS[name](pred, targets, reduction=reduction)
        assert loss.shape == ()
        assert loss.data == pytest.approx(value * scale, rel=1e-12, abs=1e-14), layout
        loss.backward()
        np.testing.assert_allclose(_grads(layout, leaves, m, k), grad * scale, rtol=1e-10, atol=1e-14, err_msg=layout)


def test_bce_is_stable_at_0_and_1_like_torch() -> None:
    p = [Value(0.0), Value(1.0), Value(1e-300), Value(1 - 1e-17)]
    t = [1.0, 0.0, 0.0, 1.0]
    loss = nn.binary_cross_entropy(p, t, reduction="sum")
    assert loss.data == pytest.approx(200.0)  # two logs clamped at -100, the others ~0
    loss.backward()
    assert all(np.isfinite(v.grad) for v in p)
    torch = pytest.importorskip("torch")
    tp = torch.tensor([0.0, 1.0, 1e-300, 1 - 1e-17], dtype=torch.float64)
    ref = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(t, dtype=torch.float64), reduction="sum")
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)


def test_bce_with_logits_second_derivative_at_zero() -> None:
    # d2/dz2 (softplus(z) - t z) = sigmoid(z) (1 - sigmoid(z)): 1/4 at z = 0 exactly, in scalar and batch mode
    import autograd

    for z0 in (0.0, np.array([0.0, 0.0, 1.5, -2.0])):
        z = Value(z0)
        loss = nn.binary_cross_entropy_with_logits(z, np.zeros(np.shape(z0) or 1))
        (g,) = autograd.grad(loss, [z], create_graph=True)
        (h,) = autograd.grad(g.sum() if g.shape else g, [z])
        s = _sigmoid(np.asarray(z0, dtype=np.float64))
        m = np.size(z0)
        np.testing.assert_allclose(h, s * (1 - s) / m, rtol=1e-12)


def test_bce_with_logits_is_stable_and_right_at_zero() -> None:
    z = [Value(0.0), Value(1000.0), Value(-1000.0), Value(40.0)]
    t = [1.0, 0.0, 1.0, 1.0]
    loss = nn.binary_cross_entropy_with_logits(z, t, reduction="sum")
    assert loss.data == pytest.approx(np.log(2) + 1000 + 1000, rel=1e-12)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([0.5 - 1, 1.0, -1.0, _sigmoid(np.array(40.0)) - 1], abs=1e-15)
    torch = pytest.importorskip("torch")
    tz = torch.tensor([0.0, 1000.0, -1000.0, 40.0], dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        tz, torch.tensor(t, dtype=torch.float64), reduction="sum"
    )
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose([v.grad for v in z], tz.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_cross_entropy_vs_torch_with_huge_logits() -> None:
    torch = pytest.importorskip("torch")
    Z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-5.0, -5.0, -5.0]])
    c = [2, 1, 0]
    cols = [Value(Z[:, j].copy()) for j in range(3)]
    loss = nn.cross_entropy(cols, c)
    loss.backward()
    tz = torch.tensor(Z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tz, torch.tensor(c))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(np.column_stack([v.grad for v in cols]), tz.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_mse_and_hinge_vs_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    P, T = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    cols = [Value(P[:, j].copy()) for j in range(2)]
    loss = nn.mse_loss(cols, T)
    loss.backward()
    tp = torch.tensor(P, requires_grad=True)
    ref = torch.nn.functional.mse_loss(tp, torch.tensor(T))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(np.column_stack([v.grad for v in cols]), tp.grad.numpy(), rtol=1e-12)
    # hinge with {0, 1} labels means {-1, +1}
    p = Value(np.array([0.5, -2.0, 3.0]))
    a = nn.hinge_loss(p, [1, 0, 0]).data
    b = nn.hinge_loss(p, [1, -1, -1]).data
    assert a == b == pytest.approx(np.mean([0.5, 0.0, 4.0]))


def test_l2_penalty() -> None:
    ps = [Value(0.5), Value(-2.0), Value(3.0)]
    pen = nn.l2_penalty(ps, 1e-2)
    assert pen.data == pytest.approx(1e-2 * (0.25 + 4 + 9))
    pen.backward()
    assert [p.grad for p in ps] == pytest.approx([2e-2 * 0.5, 2e-2 * -2.0, 2e-2 * 3.0])
    with pytest.raises(ValueError, match="weight"):
        nn.l2_penalty(ps, -1.0)
    with pytest.raises(ValueError, match="empty"):
        nn.l2_penalty([], 0.1)
    with pytest.raises(TypeError, match="params"):
        nn.l2_penalty([1.0], 0.1)  # type: ignore[list-item]


@pytest.mark.parametrize("name", sorted(FNS))
def test_bad_inputs(name: str) -> None:
    fn = FNS[name]
    p = [Value(0.2), Value(0.7)]
    good = [0, 1] if name != "hinge" else [1, -1]
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        fn(p, [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="empty"):
        fn(p, [])
    with pytest.raises(ValueError, match="reduction"):
        fn(p, good, reduction="none")
    with pytest.raises(TypeError, match="predictions"):
        fn(np.array([0.2, 0.7]), good)
    with pytest.raises(TypeError, match="predictions"):
        fn([0.2, 0.7], good)
    with pytest.raises(TypeError, match="mixes"):
        fn([Value(0.2), Value(np.array([0.1, 0.2]))], good)
    with pytest.raises(ValueError, match="NaN"):
        fn(p, [0, float("nan")])
    with pytest.raises(ValueError, match="different numbers of samples"):
        fn([Value(np.array([0.1, 0.2])), Value(np.array([0.1, 0.2, 0.3]))], good)
    with pytest.raises(ValueError, match="same number"):
        fn([[Value(0.1), Value(0.2)], [Value(0.3)]], good)


def test_class_and_label_errors() -> None:
    rows = [[Value(1.0), Value(2.0)], [Value(0.0), Value(1.0)]]
    with pytest.raises(ValueError, match="class index 2 out of range"):
        nn.cross_entropy(rows, [0, 2])
    with pytest.raises(ValueError, match="class index -1 out of range"):
        nn.cross_entropy(rows, [-1, 0])
    with pytest.raises(ValueError, match="integers"):
        nn.cross_entropy(rows, [0.5, 1])
    with pytest.raises(ValueError, match="pass \\[outputs\\]"):
        nn.cross_entropy(rows[0], [1])
    with pytest.raises(ValueError, match="probabilities"):
        nn.binary_cross_entropy([Value(0.5)], [2.0])
    with pytest.raises(ValueError, match="labels"):
        nn.hinge_loss([Value(0.5), Value(1.0)], [2.0, 1.0])
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(2, 2\)"):
        nn.mse_loss(rows, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="not a Value"):
        nn.mse_loss([Value(1.0)], Value(1.0))


@pytest.mark.parametrize(
    "predictions",
    [
        [Value(1.5), Value(0.5)],  # per sample
        [Value(np.array([0.2, -0.3]))],  # one batch Value (a column of the documents' matrices)
    ],
)
def test_bce_refuses_predictions_that_are_not_probabilities(predictions: list[Value]) -> None:
    """Like PyTorch: a logit passed by mistake gave a loss of 0 and no gradient through the clamp."""
    targets = [1.0, 0.0]
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*binary_cross_entropy_with_logits"):
        nn.binary_cross_entropy(predictions, targets if len(predictions) == 2 else np.array(targets))
    assert math.isnan(nn.binary_cross_entropy([Value(math.nan)], [1.0]).data)  # NaN passes, as in every loss


def test_cross_entropy_with_a_masked_logit_is_the_same_over_a_batch() -> None:
    """A logit of -inf (a masked class) picked out with a one-hot dot gave -inf * 0 = NaN in batch mode."""
    Z = np.array([[0.5, -math.inf, 1.0], [2.0, 0.0, -math.inf], [-1.0, 3.0, 0.5]])
    c = np.array([0, 1, 2])
    cols = [Value(Z[:, j].copy()) for j in range(3)]
    rows = [[Value(float(z)) for z in row] for row in Z]
    batch, per_sample = nn.cross_entropy(cols, c), nn.cross_entropy(rows, c)
    batch.backward()
    per_sample.backward()
    expected = np.mean([np.log(np.sum(np.exp(r[np.isfinite(r)]))) - r[ci] for r, ci in zip(Z, c)])
    assert batch.data == pytest.approx(expected, rel=1e-12) and per_sample.data == pytest.approx(expected, rel=1e-12)
    for j in range(3):
        np.testing.assert_allclose(cols[j].grad, [rows[i][j].grad for i in range(3)], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- tails, signed zeros, non-finite logits, huge ints
_TAIL_Z = [20.0, 40.0, 100.0, 700.0, -20.0, -40.0, -100.0, -700.0]
_TAIL_T = [0.0, 0.3, 1.0]


def _softplus_tail(z: float, t: float) -> tuple[float, float]:
    """softplus(z) - t z and its derivative sigmoid(z) - t for |z| >= 20 from the series of log1p(u), u = e^-|z|
    <= 2.1e-9 (u - u^2/2 + u^3/3 is exact in float64 there): no log1p, no cancellation."""
    u = math.exp(-abs(z))
    tail = u - u * u / 2 + u**3 / 3
    if z >= 0:
        return z - t * z + tail, (1.0 - t) - u / (1.0 + u)
    return -t * z + tail, u / (1.0 + u) - t


@pytest.mark.parametrize("mode", ["scalar", "batch"])
def test_bce_with_logits_keeps_the_tail(mode: str) -> None:
    """Loss and gradient ~e^-|z| (4.2e-18 at z = -40, t = 0) were 0: z/2 + log(1 + e^-|z|) rounded the tail away."""
    pairs = [(z, t) for z in _TAIL_Z for t in _TAIL_T]
    want = [_softplus_tail(z, t) for z, t in pairs]
    if mode == "scalar":
        got = []
        for z, t in pairs:
            v = Value(z)
            loss = nn.binary_cross_entropy_with_logits(v, [t], reduction="sum")
            loss.backward()
            got.append((loss.data, v.grad))
    else:
        got = []
        for z, t in pairs:  # each value alone: a sum over mixed pairs would hide a 1e-18 term beside 700
            v = Value(np.array([z, z]))
            loss = nn.binary_cross_entropy_with_logits(v, np.array([t, t]), reduction="sum")
            got.append((loss.data / 2, None))
        zs = Value(np.array([z for z, _ in pairs]))
        nn.binary_cross_entropy_with_logits(zs, np.array([t for _, t in pairs]), reduction="sum").backward()
        got = [(value, float(g)) for (value, _), g in zip(got, zs.grad)]
    for (z, t), (value, grad), (want_value, want_grad) in zip(pairs, got, want):
        assert value == pytest.approx(want_value, rel=1e-12, abs=0), (z, t, "loss")
        assert grad == pytest.approx(want_grad, rel=1e-12, abs=0), (z, t, "gradient")
    torch = pytest.importorskip("torch")
    zt = torch.tensor([z for z, _ in pairs], dtype=torch.float64, requires_grad=True)
    tt = torch.tensor([t for _, t in pairs], dtype=torch.float64)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(zt, tt, reduction="none")
    ref.sum().backward()
    for (z, t), (value, grad), ref_value, ref_grad in zip(pairs, got, ref.tolist(), zt.grad.tolist()):
        # PyTorch computes (1 - t) z - log_sigmoid(z), which cancels to 0 for z <= -40, t = 0, and sigmoid(z) - t,
        # which cancels to 0 for z >= 40, t = 1: there the closed form above is the oracle
        if not (z < 0 and t == 0):
            assert value == pytest.approx(ref_value, rel=1e-12, abs=0), (z, t, "loss vs torch")
        if not (z > 0 and t == 1):
            assert grad == pytest.approx(ref_grad, rel=1e-12, abs=0), (z, t, "gradient vs torch")


@pytest.mark.parametrize("p", [0.0, 1e-50, 1.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("mode", ["scalar", "batch"])
def test_bce_where_a_log_is_clamped(p: float, t: float, mode: str) -> None:
    """p = 0 or p = 1e-50 < e^-100: loss 100 t, gradient 1 - t (the t log p term is clamped flat, so 0 for t = 1);
    p = 1: loss 100 (1 - t), gradient -t.  A zero loss is +0.0, as in PyTorch (it was -0.0)."""
    v = Value(p) if mode == "scalar" else Value(np.array([p, p]))
    loss = nn.binary_cross_entropy(v, [t] if mode == "scalar" else np.array([t, t]))
    loss.backward()
    clamped_log_weight, grad = (1.0 - t, -t) if p == 1.0 else (t, 1.0 - t)
    assert loss.data == pytest.approx(100.0 * clamped_log_weight, rel=1e-15, abs=0)
    assert math.copysign(1.0, loss.data) == 1.0, "a zero loss is +0.0"
    m = 1 if mode == "scalar" else 2
    np.testing.assert_array_equal(v.grad, grad / m)
    torch = pytest.importorskip("torch")
    pt = torch.tensor([p], dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy(pt, torch.tensor([t], dtype=torch.float64))
    ref.backward()
    # torch's log(1 - p) is log1p(-p): 1e-50 at p = 1e-50, t = 0, where ours is 0 (1 - 1e-50 rounds to 1)
    assert loss.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-45)
    assert math.copysign(1.0, ref.item()) == 1.0
    # the docstring's claim: PyTorch's gradient is (p - t) / max(p (1 - p), 1e-12), here (p - t) / 1e-12
    assert pt.grad.item() == pytest.approx((p - t) / 1e-12, rel=1e-6, abs=1e-30)


_NON_FINITE_ROWS = [
    ([math.inf, 0.0, 1.0], 0),
    ([math.inf, 0.0, 1.0], 1),
    ([math.inf, -math.inf, 0.0], 2),
    ([math.inf, math.inf, 0.0], 0),
    ([-math.inf, 0.0, 1.0], 0),
    ([-math.inf, 0.0, 1.0], 1),
    ([-math.inf, -math.inf, -math.inf], 0),
    ([math.nan, 0.0, 1.0], 1),
    ([1.0, 0.0, math.nan], 0),
    ([-math.inf, math.nan, math.inf], 1),
]


@pytest.mark.parametrize(("row", "c"), _NON_FINITE_ROWS)
def test_cross_entropy_with_non_finite_logits_is_the_same_per_sample_and_over_a_batch(row: list[float], c: int) -> None:
    """A +inf logit gave NaN gradients over a batch (as in PyTorch) but [nan, 0, 0] per sample (M = 0 there):
    each row with a well-behaved second row, whose gradients must stay finite and equal in both layouts."""
    Z = np.array([row, [1.0, 2.0, 3.0]])
    cs = [c, 2]
    rows = [[Value(float(z)) for z in r] for r in Z]
    cols = [Value(Z[:, j].copy()) for j in range(3)]
    per_sample, batch = nn.cross_entropy(rows, cs, reduction="sum"), nn.cross_entropy(cols, cs, reduction="sum")
    per_sample.backward()
    batch.backward()
    g_rows = np.array([[v.grad for v in r] for r in rows])
    g_cols = np.column_stack([v.grad for v in cols])
    np.testing.assert_array_equal(g_rows, g_cols)  # NaN where NaN, bit for bit elsewhere
    assert per_sample.data == batch.data or (math.isnan(per_sample.data) and math.isnan(batch.data))
    torch = pytest.importorskip("torch")
    zt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt, torch.tensor(cs), reduction="none")
    ref.sum().backward()
    np.testing.assert_allclose(g_rows, zt.grad.numpy(), rtol=1e-12, atol=1e-15)  # equal_nan, inf == inf
    np.testing.assert_allclose(per_sample.data, ref.sum().item(), rtol=1e-12)


def test_huge_int_targets_are_out_of_range_not_a_dtype_error() -> None:
    """numpy keeps [0, 10**30] as objects: a TypeError "got dtype object" instead of the promised ValueError."""
    rows = [[Value(0.1), Value(0.2)]] * 2
    for targets in ([0, 10**30], [0, -(10**30)], [10**400, 1], [0, -(10**400)], [[0], [10**30]], [0, 2**64]):
        with pytest.raises(ValueError, match=r"class index .* out of range for 2 outputs"):
            nn.cross_entropy(rows, targets)
    p = [Value(0.1), Value(0.2)]
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        nn.binary_cross_entropy(p, [0, 10**30])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        nn.binary_cross_entropy_with_logits(p, [0, -(10**30)])
    with pytest.raises(ValueError, match="labels"):
        nn.hinge_loss(p, [1, 10**30])
    assert nn.mse_loss(p, [0, 10**30]).data == nn.mse_loss(p, [0, 1e30]).data  # a huge target is still a number
    for fn in (nn.mse_loss, nn.binary_cross_entropy, nn.hinge_loss, nn.binary_cross_entropy_with_logits):
        with pytest.raises(ValueError, match=r"targets contain .*int of 1329 bits\), too large for a float64"):
            fn(p, [0, 10**400])
        with pytest.raises(TypeError, match="targets must be numbers"):
            fn(p, [None, 1])
