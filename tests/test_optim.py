"""Optimizer trajectories vs numpy versions of the torch.optim algorithm boxes (and vs torch.optim), clipping."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest

import autograd
import nn
from autograd import Value

A = np.array([0.5, 2.0, -1.0, 3.0])
X0 = np.array([1.0, -0.5, 2.0, 0.1])
STEPS = 7


def _loss(xs: list[Value]) -> Value:
    """f(x) = sum_i a_i x_i^2 / 2 + sin(x_i): gradient a x + cos x."""
    return autograd.sum([a * x * x * 0.5 + x.sin() for a, x in zip(A.tolist(), xs)])


def _np_grad(x: np.ndarray) -> np.ndarray:
    return A * x + np.cos(x)


def _run(make: Any) -> np.ndarray:
    xs = [Value(v) for v in X0]
    opt = make(xs)
    traj = []
    for _ in range(STEPS):
        opt.zero_grad()
        _loss(xs).backward()
        opt.step()
        traj.append([x.data for x in xs])
    return np.array(traj)


# ---------------------------------------------------------------- numpy oracles, written from the algorithm boxes
def _np_sgd(lr: float, momentum: float = 0, dampening: float = 0, nesterov: bool = False, wd: float = 0) -> np.ndarray:
    x, b, out = X0.copy(), None, []
    for t in range(1, STEPS + 1):
        g = _np_grad(x) + wd * x
        if momentum:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        x = x - lr * g
        out.append(x)
    return np.array(out)


def _np_rmsprop(lr: float, alpha: float, eps: float, wd: float = 0, momentum: float = 0, centered: bool = False):
    x, v, gav, b, out = X0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for _ in range(STEPS):
        g = _np_grad(x) + wd * x
        v = alpha * v + (1 - alpha) * g**2
        vt = v - (gav := alpha * gav + (1 - alpha) * g) ** 2 if centered else v
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(vt) + eps)
            x = x - lr * b
        else:
            x = x - lr * g / (np.sqrt(vt) + eps)
        out.append(x)
    return np.array(out)


def _np_adam(lr: float, b1: float, b2: float, eps: float, wd: float = 0, amsgrad: bool = False) -> np.ndarray:
    x, m, v, vmax, out = X0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for t in range(1, STEPS + 1):
        g = _np_grad(x) + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        mhat = m / (1 - b1**t)
        vmax = np.maximum(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2**t)
        x = x - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(x)
    return np.array(out)


CASES = [
    ("sgd", {"lr": 0.1}, lambda: _np_sgd(0.1)),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, lambda: _np_sgd(0.1, 0.9)),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}, lambda: _np_sgd(0.05, 0.8, 0.3)),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, lambda: _np_sgd(0.1, 0.9, nesterov=True)),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}, lambda: _np_sgd(0.1, 0.5, wd=0.1)),
    ("rmsprop", {"lr": 0.01}, lambda: _np_rmsprop(0.01, 0.99, 1e-8)),
    ("rmsprop", {"lr": 0.02, "alpha": 0.9, "momentum": 0.5}, lambda: _np_rmsprop(0.02, 0.9, 1e-8, momentum=0.5)),
    (
        "rmsprop",
        {"lr": 0.01, "centered": True, "weight_decay": 0.05},
        lambda: _np_rmsprop(0.01, 0.99, 1e-8, 0.05, 0, True),
    ),
    ("adam", {"lr": 0.1}, lambda: _np_adam(0.1, 0.9, 0.999, 1e-8)),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}, lambda: _np_adam(0.05, 0.8, 0.99, 1e-6)),
    ("adam", {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}, lambda: _np_adam(0.1, 0.9, 0.999, 1e-8, 0.1, True)),
]
CLASSES = {"sgd": nn.SGD, "rmsprop": nn.RMSprop, "adam": nn.Adam}


@pytest.mark.parametrize(("name", "kw", "oracle"), CASES)
def test_trajectory_vs_numpy(name: str, kw: dict[str, Any], oracle: Any) -> None:
    traj = _run(lambda xs: CLASSES[name](xs, **kw))
    np.testing.assert_allclose(traj, oracle(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(traj[-1], X0)


@pytest.mark.parametrize(("name", "kw", "oracle"), CASES)
def test_trajectory_vs_torch(name: str, kw: dict[str, Any], oracle: Any) -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    opt = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name]([x], **kw)
    a = torch.tensor(A, dtype=torch.float64)
    ref = []
    for _ in range(STEPS):
        opt.zero_grad()
        (a * x * x * 0.5 + torch.sin(x)).sum().backward()
        opt.step()
        ref.append(x.detach().numpy().copy())
    np.testing.assert_allclose(_run(lambda xs: CLASSES[name](xs, **kw)), np.array(ref), rtol=1e-11, atol=1e-14)


def test_defaults_are_pytorchs() -> None:
    ps = [Value(1.0)]
    assert nn.SGD(ps).lr == 1e-3
    r = nn.RMSprop(ps)
    assert (r.lr, r.alpha, r.eps, r.momentum, r.centered) == (1e-2, 0.99, 1e-8, 0.0, False)
    a = nn.Adam(ps)
    assert (a.lr, a.beta1, a.beta2, a.eps, a.weight_decay) == (1e-3, 0.9, 0.999, 1e-8, 0.0)


def test_zero_grad_and_model_training_step() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    loss = nn.mse_loss(model(np.array([[1.0, 2.0], [0.5, -1.0]]))[0], [1.0, 0.0])
    loss.backward()
    before = [p.data for p in model.parameters()]
    grads = [p.grad for p in model.parameters()]
    opt.step()
    assert [p.data for p in model.parameters()] == pytest.approx([b - 0.1 * g for b, g in zip(before, grads)])
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize("batches", [[np.array([1.0, 2.0]), 2.0], [np.array([1.0, 2.0]), np.array([3.0, 4.0])]])
def test_step_refuses_a_parameter_turned_into_a_batch(batches: list[Any]) -> None:
    ps = [Value(1.0), Value(2.0)]
    opt = nn.SGD(ps, lr=0.1)
    ps[0].data, ps[1].data = batches
    kept = [np.copy(p.data) for p in ps]
    with pytest.raises(ValueError, match=r"params\[0\] now holds a batch"):
        opt.step()
    for p, k in zip(ps, kept):
        np.testing.assert_array_equal(p.data, k)


def test_clip_grad_value() -> None:
    ps = [Value(0.0) for _ in range(4)]
    for p, g in zip(ps, [-3.0, 0.5, 2.0, -0.1]):
        p.grad = g
    nn.clip_grad_value(ps, 1.0)
    assert [p.grad for p in ps] == [-1.0, 0.5, 1.0, -0.1]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_vs_numpy_and_torch(norm_type: float, max_norm: float) -> None:
    g = np.array([-3.0, 0.5, 2.0, -0.1])
    ps = [Value(0.0) for _ in g]
    for p, gi in zip(ps, g):
        p.grad = float(gi)
    total = nn.clip_grad_norm(ps, max_norm, norm_type)
    expected_total = np.abs(g).max() if math.isinf(norm_type) else (np.abs(g) ** norm_type).sum() ** (1 / norm_type)
    assert total == pytest.approx(expected_total, rel=1e-12)
    coef = min(1.0, max_norm / (expected_total + 1e-6))
    np.testing.assert_allclose([p.grad for p in ps], g * coef, rtol=1e-12)
    torch = pytest.importorskip("torch")
    t = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(g)
    ref_total = torch.nn.utils.clip_grad_norm_([t], max_norm, norm_type)
    assert total == pytest.approx(ref_total.item(), rel=1e-12)
    np.testing.assert_allclose([p.grad for p in ps], t.grad.numpy(), rtol=1e-12)


def test_bad_hyper_parameters() -> None:
    ps = [Value(1.0)]
    bad: list[tuple[Any, dict[str, Any], str]] = [
        (nn.SGD, {"lr": -0.1}, "lr"),
        (nn.SGD, {"lr": float("nan")}, "lr"),
        (nn.SGD, {"momentum": -0.5}, "momentum"),
        (nn.SGD, {"weight_decay": -1}, "weight_decay"),
        (nn.SGD, {"nesterov": True}, "Nesterov"),
        (nn.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov"),
        (nn.RMSprop, {"alpha": 1.0}, "alpha"),
        (nn.RMSprop, {"alpha": -0.1}, "alpha"),
        (nn.RMSprop, {"eps": -1e-8}, "eps"),
        (nn.Adam, {"betas": (1.0, 0.999)}, "beta1"),
        (nn.Adam, {"betas": (0.9, -0.1)}, "beta2"),
        (nn.Adam, {"eps": -1.0}, "eps"),
        (nn.Adam, {"lr": -1e-3}, "lr"),
    ]
    for cls, kw, word in bad:
        with pytest.raises(ValueError, match=word):
            cls(ps, **kw)
    with pytest.raises(TypeError, match="lr"):
        nn.Adam(ps, lr="fast")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="betas"):
        nn.Adam(ps, betas=0.9)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        nn.Adam([])
    with pytest.raises(TypeError, match=r"model\.parameters"):
        nn.Adam(nn.MLP(2, [1]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="params\\[1\\]"):
        nn.SGD([Value(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="more than once"):
        nn.SGD([ps[0], ps[0]])
    with pytest.raises(ValueError, match="clip_value"):
        nn.clip_grad_value(ps, -1.0)
    with pytest.raises(ValueError, match="max_norm"):
        nn.clip_grad_norm(ps, -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        nn.clip_grad_norm(ps, 1.0, norm_type=0)


def test_step_reads_grads_of_any_real_type() -> None:
    ps = [Value(1.0), Value(2.0), Value(3.0)]
    ps[0].grad, ps[1].grad, ps[2].grad = 0.5, np.float64(-1.0), 2  # a float, a numpy scalar, an int set by hand
    nn.SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == pytest.approx([0.95, 2.1, 2.8])


def test_sgd_takes_its_arguments_in_the_documented_order() -> None:
    """SGD(params, lr, momentum=0, nesterov=False, weight_decay=0): dampening, PyTorch's extra, is keyword-only."""
    names = list(inspect.signature(nn.optim.SGD).parameters)
    assert names == ["params", "lr", "momentum", "nesterov", "weight_decay", "dampening"]
    assert inspect.signature(nn.optim.SGD).parameters["dampening"].kind is inspect.Parameter.KEYWORD_ONLY
    runs = []
    for make in (
        lambda ps: nn.optim.SGD(ps, 0.1, 0.9, True, 0.01),
        lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    ):
        x = Value(1.5)
        opt = make([x])
        for _ in range(3):
            opt.zero_grad()
            (x * x).backward()
            opt.step()
        runs.append(x.data)
    assert runs[0] == runs[1]
    x, g, b = 1.5, 0.0, 0.0  # PyTorch's rule by hand: g = 2x + wd x; b = g, then 0.9 b + g; x -= lr (g + 0.9 b)
    for step in range(3):
        g = 2 * x + 0.01 * x
        b = g if step == 0 else 0.9 * b + g
        x -= 0.1 * (g + 0.9 * b)
    assert runs[0] == pytest.approx(x, rel=1e-15)
