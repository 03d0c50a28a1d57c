"""Module: names, state dicts, train/eval, repr; BatchNorm vs the documents' batch_norm_forward and torch; Dropout."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nn
from autograd import Value


def test_named_parameters_are_stable_dotted_names() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
        "layers.0.neurons.1.w.1",
        "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.b",
    ]
    assert model.parameters()[3] is model.layers[0].neurons[1].w[0]
    seq = nn.Sequential(nn.Layer(2, 2, activation="prelu"), nn.BatchNorm(2), nn.Dropout(0.1), nn.Layer(2, 1))
    for m in (model, seq, nn.Neuron(3, "prelu")):
        assert m.parameters() == [p for _, p in m.named_parameters()]
        assert len({id(p) for p in m.parameters()}) == m.num_parameters()
    assert len(nn.MLP(3, [16, 16, 1]).parameters()) == (3 + 1) * 16 + (16 + 1) * 16 + 17
    prelu = nn.MLP(2, [1, 1], activation="prelu")
    assert "layers.0.neurons.0.slope" in dict(prelu.named_parameters())


def test_state_dict_round_trip_is_exact() -> None:
    a, b = nn.MLP(3, [4, 2], activation="prelu", seed=1), nn.MLP(3, [4, 2], activation="prelu", seed=2)
    a.layers[0].neurons[0].slope.data = 0.123456789
    state = a.state_dict()
    assert all(type(v) is float for v in state.values())
    b.load_state_dict(state)
    assert b.state_dict() == state
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(a(X)[1].data, b(X)[1].data)
    b.load_state_dict({k: np.float64(v) for k, v in state.items()})  # numpy scalars are fine
    b.load_state_dict({k: np.array([v]) for k, v in state.items()})  # so are size-1 arrays


def test_load_state_dict_lists_every_mismatch_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = dict(before)
    del state["layers.0.neurons.1.b"]
    state["layers.9.neurons.0.b"] = 1.0
    state["layers.0.neurons.0.w.0"] = [1.0, 2.0]
    state["layers.1.neurons.0.b"] = float("inf")
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    for part in ("missing 1", "layers.0.neurons.1.b", "unexpected 1", "layers.9.neurons.0.b", "wrong size or type 2"):
        assert part in msg
    assert "layers.0.neurons.0.w.0 (got list of 2" in msg and "layers.1.neurons.0.b (got inf" in msg
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wrong size"):
        model.load_state_dict({**before, "layers.1.neurons.0.b": True})


def test_train_eval_zero_grad_and_repr() -> None:
    model = nn.Sequential(nn.Layer(2, 3), nn.BatchNorm(3), nn.Dropout(0.5), nn.Layer(3, 1, activation="linear"))
    assert model.training and all(m.training for _, m in model.named_modules())
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())
    with pytest.raises(TypeError, match="bool"):
        model.train("yes")  # type: ignore[arg-type]
    out = model(np.random.default_rng(0).normal(size=(6, 2)))[0]
    out.sum().backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    text = repr(model)
    assert "(layers.0): Layer(2 -> 3, activation='relu')" in text
    assert "(layers.1): BatchNorm(3, momentum=0.1, eps=1e-05)" in text
    assert "(layers.2): Dropout(p=0.5)" in text
    assert repr(nn.MLP(2, [16, 1])).startswith("MLP(2 -> 16 -> 1, 65 parameters")
    assert repr(nn.Neuron(3, "tanh")) == "Neuron(3 inputs, activation='tanh')"


def test_sequential_names_and_labels() -> None:
    model = nn.Sequential(nn.Layer(2, 2), nn.BatchNorm(2), nn.Layer(2, 1))
    names = dict(model.named_parameters())
    assert names["layers.1.gamma.1"].label == "layers.1.gamma.1"
    assert names["layers.2.neurons.0.w.1"] is model[2].neurons[0].w[1]  # type: ignore[attr-defined]
    assert model(np.zeros((3, 2)))[0].label == "layers.2.neurons.0.a"
    assert len(model) == 3
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.Layer(2, 2), lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        nn.Sequential()


def test_user_module_composes() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            self.body = nn.Layer(2, 3, activation="tanh")
            self.scale = Value(2.0)
            self.head = nn.Neuron(3, activation="linear")
            self._cache: list[Any] = []

        def __call__(self, x: Any) -> Value:
            return self.head(self.body(x)) * self.scale

    net = Net()
    net.relabel()
    assert [n for n, _ in net.named_parameters()][-5:] == ["scale", "head.w.0", "head.w.1", "head.w.2", "head.b"]
    assert net.scale.label == "scale"
    assert net([1.0, 2.0]).data == pytest.approx(net.head(net.body([1.0, 2.0])).data * 2.0)


# ---------------------------------------------------------------- BatchNorm
def _documents_batch_norm_forward(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> Any:
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.var(Z, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta


def test_batchnorm_matches_documents_and_finite_differences() -> None:
    rng = np.random.default_rng(0)
    Z = rng.normal(2.0, 3.0, size=(3, 6))  # (features, samples): the documents' layout
    gamma, beta, R = rng.normal(size=(3, 1)), rng.normal(size=(3, 1)), rng.normal(size=(3, 6))
    bn = nn.BatchNorm(3)
    for k in range(3):
        bn.gamma[k].data, bn.beta[k].data = float(gamma[k, 0]), float(beta[k, 0])
    xs = [Value(Z[k].copy()) for k in range(3)]
    out = bn(xs)
    np.testing.assert_allclose(
        np.array([o.data for o in out]), _documents_batch_norm_forward(Z, gamma, beta), rtol=1e-12
    )
    sum(((o * R[k]).sum() for k, o in enumerate(out)), Value(0.0)).backward()

    def f(Zp: np.ndarray, g: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(_documents_batch_norm_forward(Zp, g, b) * R))

    h = 1e-6
    for arr, grads in ((Z, np.array([x.grad for x in xs])), (gamma, [[p.grad] for p in bn.gamma])):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            up, down = arr.copy(), arr.copy()
            up[idx] += h
            down[idx] -= h
            args_up = (up, gamma, beta) if arr is Z else (Z, up, beta)
            args_down = (down, gamma, beta) if arr is Z else (Z, down, beta)
            num[idx] = (f(*args_up) - f(*args_down)) / (2 * h)
        np.testing.assert_allclose(np.asarray(grads), num, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose([p.grad for p in bn.beta], R.sum(axis=1), rtol=1e-12)


def test_batchnorm_running_statistics_vs_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm(2, momentum=0.2)
    tbn = torch.nn.BatchNorm1d(2, momentum=0.2, dtype=torch.float64)
    for _ in range(3):
        X = rng.normal(1.0, 2.0, size=(5, 2))
        mine = np.column_stack([o.data for o in bn(X)])
        ref = tbn(torch.tensor(X)).detach().numpy()
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
    bn.eval()
    tbn.eval()
    X = rng.normal(size=(4, 2))
    np.testing.assert_allclose(
        np.column_stack([o.data for o in bn(X)]), tbn(torch.tensor(X)).detach().numpy(), rtol=1e-12
    )
    one = bn([Value(X[0, 0]), Value(X[0, 1])])  # eval mode takes one sample too
    np.testing.assert_allclose([o.data for o in one], tbn(torch.tensor(X[:1])).detach().numpy()[0], rtol=1e-12)
    assert "running_var.1" in bn.state_dict()


def test_batchnorm_bad_input() -> None:
    bn = nn.BatchNorm(2)
    with pytest.raises(ValueError, match="at least 2 samples"):
        bn([Value(1.0), Value(2.0)])
    with pytest.raises(ValueError, match="expected 2 inputs"):
        bn([Value(np.ones(3))])
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm(2, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        nn.BatchNorm(2, eps=0.0)
    for kwargs in ({"momentum": True}, {"eps": True}, {"momentum": "0.1"}, {"eps": None}):
        with pytest.raises(TypeError, match=f"{next(iter(kwargs))} must be a real number"):
            nn.BatchNorm(2, **kwargs)  # type: ignore[arg-type]
    for name in (123, None, np.array([1])):
        with pytest.raises(TypeError, match="name must be a str"):
            nn.Dropout(0.5, name=name)  # type: ignore[arg-type]
    assert nn.Dropout(0.5, name="drop").name == "drop"


# ---------------------------------------------------------------- Dropout
def test_dropout_train_and_eval() -> None:
    xs = [Value(np.full(2000, 3.0)), Value(2.0)]
    drop = nn.Dropout(0.25, seed=0)
    out = drop(xs)
    kept = out[0].data != 0
    np.testing.assert_array_equal(out[0].data[kept], 3.0 / 0.75)
    assert 0.70 < kept.mean() < 0.80
    assert out[1].data in (0.0, 2.0 / 0.75)
    out[0].sum().backward()
    np.testing.assert_array_equal(xs[0].grad, np.where(kept, 1 / 0.75, 0.0))
    again = nn.Dropout(0.25, seed=0)(xs)
    np.testing.assert_array_equal(again[0].data, out[0].data)
    drop.eval()
    same = drop(xs)
    assert same[0] is xs[0] and same[1] is xs[1]
    assert all(v.data == 0 for v in nn.Dropout(1.0)([Value(1.0), Value(-2.0)]))
    for p in (-0.1, 1.5, "half", True):
        with pytest.raises(ValueError, match="probability"):
            nn.Dropout(p)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of Values"):
        drop(Value(1.0))


def test_train_and_eval_reach_exactly_the_named_modules() -> None:
    class Holder(nn.Module):
        def __init__(self) -> None:
            self.parts = [nn.Layer(2, 2), Value(1.0), nn.Dropout(0.5)]  # modules and Values: walked
            self.mixed = [nn.Dropout(0.1), "not a module"]  # a list with other things: not part of the tree
            self.w = [Value(0.5), Value(2.0)]

    model = Holder()
    tree = [m for _, m in model.named_modules()]
    assert model.mixed[0] not in tree and len(tree) == 1 + 1 + 2 + 1  # holder, layer, its 2 neurons, dropout
    model.eval()
    assert not any(m.training for m in tree)
    assert model.mixed[0].training  # untouched, as named_modules does not list it
