"""The MLP's gradients vs the documents' matrix formulas (nn.reference) and vs finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn import reference as ref

HIDDEN = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")


def _random_model(rng: np.random.Generator, nin: int, sizes: list[int], act: str, out: str | None) -> nn.MLP:
    """An MLP with random weights AND biases (so no bias is 0 and no Z sits on a ReLU kink by construction)."""
    model = nn.MLP(nin, sizes, activation=act, output_activation=out, init="zeros")
    dims = [nin, *sizes]
    params = {}
    for k in range(1, len(dims)):
        params[f"W{k}"] = rng.normal(0, 0.8, size=(dims[k], dims[k - 1]))
        params[f"b{k}"] = rng.normal(0, 0.5, size=(dims[k], 1))
    ref.parameters_to_mlp(params, model)
    return model


def _reference_grads(model: nn.MLP, X: np.ndarray, Y: np.ndarray, act: str, out: str) -> dict[str, np.ndarray]:
    params = ref.parameters_from_mlp(model)
    AL, caches = ref.L_model_forward(X.T, params, act, out)
    return ref.L_model_backward(AL, Y, caches, act)


def _mlp_loss(model: nn.MLP, X: np.ndarray, y: np.ndarray, kind: str, batch: bool) -> nn.Module:
    k = model.layers[-1].nout
    if batch:
        outs = model(X)
        pred = outs[0] if k == 1 else outs
    else:
        rows = [model(list(x)) for x in X]
        pred = [r[0] for r in rows] if k == 1 else rows
    if kind == "bce_logits":
        return nn.binary_cross_entropy_with_logits(pred, y)
    if kind == "bce":
        return nn.binary_cross_entropy(pred, y)
    if kind == "ce":
        return nn.cross_entropy(pred, y)
    return nn.mse_loss(pred, y) * (k / 2.0)  # the reference's cost is 1/(2m) sum (A - Y)^2


def _assert_same(model: nn.MLP, grads: dict[str, np.ndarray], rtol: float = 1e-10) -> None:
    mine = ref.grads_from_mlp(model)
    for key, g in mine.items():
        np.testing.assert_allclose(g, grads[key], rtol=rtol, atol=1e-13, err_msg=key)


@st.composite
def _case(draw: st.DrawFn) -> tuple:
    seed = draw(st.integers(0, 2**32 - 1))
    nin = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    act = draw(st.sampled_from(HIDDEN))
    kind = draw(st.sampled_from(["bce_logits", "bce", "ce", "mse"]))
    k = draw(st.integers(2, 4)) if kind == "ce" else draw(st.integers(1, 3)) if kind == "mse" else 1
    m = draw(st.integers(1, 6))
    return seed, nin, hidden, act, kind, k, m


def _setup(case: tuple) -> tuple[nn.MLP, np.ndarray, np.ndarray, np.ndarray, str, str]:
    seed, nin, hidden, act, kind, k, m = case
    rng = np.random.default_rng(seed)
    out = {"bce_logits": None, "bce": "sigmoid", "ce": None, "mse": None}[kind]
    model = _random_model(rng, nin, [*hidden, k], act, out)
    X = rng.normal(size=(m, nin))
    if kind == "ce":
        y = rng.integers(0, k, size=m)
        Y = np.eye(k)[y].T
        ref_out = "softmax"
    elif kind == "mse":
        y = rng.normal(size=(m, k))
        Y = y.T
        ref_out = "linear"
    else:
        y = rng.integers(0, 2, size=m).astype(float)
        Y = y.reshape(1, m)
        ref_out = "sigmoid"
    return model, X, y, Y, act, ref_out


@given(_case(), st.booleans())
def test_mlp_gradients_equal_the_documents_matrix_formulas(case: tuple, batch: bool) -> None:
    model, X, y, Y, act, ref_out = _setup(case)
    loss = _mlp_loss(model, X, y, case[4], batch)
    loss.backward()
    grads = _reference_grads(model, X, Y, act, ref_out)
    _assert_same(model, grads)
    # the loss value is the documents' cost
    params = ref.parameters_from_mlp(model)
    AL, _ = ref.L_model_forward(X.T, params, act, ref_out)
    assert loss.data == pytest.approx(ref.compute_cost(AL, Y, ref_out), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("act", HIDDEN)
@pytest.mark.parametrize("kind", ["bce_logits", "ce", "mse"])
def test_mlp_gradients_equal_finite_differences(act: str, kind: str) -> None:
    seed = 1000 + HIDDEN.index(act)
    k = 3 if kind == "ce" else 1
    model, X, y, Y, _, ref_out = _setup((seed, 3, [4, 3], act, kind, k, 5))
    loss = _mlp_loss(model, X, y, kind, batch=True)
    loss.backward()
    params = ref.parameters_from_mlp(model)
    mine = ref.grads_from_mlp(model)
    h = 1e-6
    for key, P in params.items():
        num = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            costs = []
            for sign in (1, -1):
                q = {k2: v.copy() for k2, v in params.items()}
                q[key][idx] += sign * h
                AL, _ = ref.L_model_forward(X.T, q, act, ref_out)
                costs.append(ref.compute_cost(AL, Y, ref_out))
            num[idx] = (costs[0] - costs[1]) / (2 * h)
        np.testing.assert_allclose(mine["d" + key], num, rtol=1e-5, atol=1e-8, err_msg=key)


def test_the_documents_initialisation_numbers() -> None:
    state = np.random.get_state()
    try:
        np.random.seed(1)
        W1 = np.random.randn(4, 2) * 0.01
        W2 = np.random.randn(3, 4) * 0.01
    finally:
        np.random.set_state(state)
    before = np.random.get_state()[1].copy()
    p = ref.initialize_parameters([2, 4, 3])
    np.testing.assert_array_equal(p["W1"], W1)
    np.testing.assert_array_equal(p["W2"], W2)
    np.testing.assert_array_equal(p["b1"], np.zeros((4, 1)))
    assert (np.random.get_state()[1] == before).all(), "initialize_parameters must not touch the global RNG"


def test_reference_backward_matches_its_own_finite_differences() -> None:
    rng = np.random.default_rng(3)
    params = {
        "W1": rng.normal(size=(3, 2)),
        "b1": rng.normal(size=(3, 1)),
        "W2": rng.normal(size=(1, 3)),
        "b2": rng.normal(size=(1, 1)),
    }
    X = rng.normal(size=(2, 7))
    Y = rng.integers(0, 2, size=(1, 7)).astype(float)
    AL, caches = ref.L_model_forward(X, params, "tanh", "sigmoid")
    grads = ref.L_model_backward(AL, Y, caches, "tanh")
    h = 1e-6
    for key in params:
        for idx in np.ndindex(params[key].shape):
            q = {k: v.copy() for k, v in params.items()}
            q[key][idx] += h
            up = ref.compute_cost(ref.L_model_forward(X, q, "tanh", "sigmoid")[0], Y)
            q[key][idx] -= 2 * h
            down = ref.compute_cost(ref.L_model_forward(X, q, "tanh", "sigmoid")[0], Y)
            assert grads["d" + key][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)
    # dZ[l] = W[l+1]^T dZ[l+1] * g'(Z[l]), written out independently
    Z1 = params["W1"] @ X + params["b1"]
    dZ2 = AL - Y
    np.testing.assert_allclose(grads["dZ1"], (params["W2"].T @ dZ2) * (1 - np.tanh(Z1) ** 2), rtol=1e-12)


def test_documents_default_network_trains_on_spiral() -> None:
    X, y = nn.spiral(seed=1)
    params = ref.initialize_parameters([2, 8, 1], scale=0.5)
    costs = []
    for _ in range(300):
        AL, caches = ref.L_model_forward(X.T, params)
        costs.append(ref.compute_cost(AL, y.reshape(1, -1)))
        grads = ref.L_model_backward(AL, y.reshape(1, -1), caches)
        for k in range(1, 3):
            params[f"W{k}"] -= 0.5 * grads[f"dW{k}"]
            params[f"b{k}"] -= 0.5 * grads[f"db{k}"]
    assert costs[-1] < costs[0]


def test_converters_round_trip() -> None:
    model = nn.MLP(3, [4, 2], seed=5)
    params = ref.parameters_from_mlp(model)
    assert params["W1"].shape == (4, 3) and params["b2"].shape == (2, 1)
    np.testing.assert_array_equal(params["W1"][2], [w.data for w in model.layers[0].neurons[2].w])
    copy = ref.mlp_from_parameters(params, activation="relu")
    assert copy.state_dict() == model.state_dict()
    assert copy.sizes == [4, 2]


def test_converter_errors() -> None:
    model = nn.MLP(3, [4, 2], seed=5)
    params = ref.parameters_from_mlp(model)
    with pytest.raises(ValueError, match="W1"):
        ref.parameters_to_mlp({**params, "W1": np.zeros((3, 3))}, model)
    with pytest.raises(ValueError, match="keys"):
        ref.parameters_to_mlp({"W1": params["W1"]}, model)
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        ref.parameters_from_mlp(object())
    with pytest.raises(ValueError, match="PReLU"):
        ref.parameters_from_mlp(nn.MLP(2, [2, 1], activation="prelu"))
    with pytest.raises(ValueError, match="hidden_activation"):
        ref.L_model_forward(np.zeros((3, 1)), params, hidden_activation="swish")
    with pytest.raises(ValueError, match="layer_dims"):
        ref.initialize_parameters([3])


def _small() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    params = ref.initialize_parameters([2, 3, 1], scale=0.5)
    return params, rng.normal(size=(2, 5)), rng.integers(0, 2, size=(1, 5))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        # the usual mistakes: the MLP's (m, n_x) layout, labels of shape (m,), lists instead of arrays
        (lambda p, X, Y: ref.L_model_forward(X.T, p), ValueError, ["X has 5 rows", "(2, m)", "X_mlp.T"]),
        (lambda p, X, Y: ref.L_model_forward(X.tolist(), p), TypeError, ["X", "2-D numpy array", "list"]),
        (lambda p, X, Y: ref.compute_cost(ref.L_model_forward(X, p)[0], Y[0]), ValueError, ["Y", "reshape(1, -1)"]),
        (lambda p, X, Y: ref.compute_cost(ref.L_model_forward(X, p)[0], Y.astype(str)), TypeError, ["Y", "real"]),
        (lambda p, X, Y: ref.L_model_forward(X, {**p, "W3": p["W2"]}), ValueError, ["parameters", "W1, b1"]),
        (lambda p, X, Y: ref.L_model_forward(X, list(p.values())), TypeError, ["parameters", "dict"]),
        (lambda p, X, Y: ref.L_model_forward(X, {**p, "b2": np.zeros(1)}), ValueError, ["parameters['b2']", "2-D"]),
        (lambda p, X, Y: ref.L_model_forward(X, p, hidden_activation=None), TypeError, ["hidden_activation"]),
        (lambda p, X, Y: ref.L_model_forward(X[:, :0], p), ValueError, ["X", "non-empty"]),
        (lambda p, X, Y: ref.linear_forward(X, p["W1"], p["b2"]), ValueError, ["b must have shape (3, 1)", "W"]),
        (lambda p, X, Y: ref.linear_forward(X, p["W2"], p["b2"]), ValueError, ["W has shape (1, 3)", "A must have 3"]),
        (lambda p, X, Y: ref.linear_activation_forward(X, p["W1"], p["b1"], "swish"), ValueError, ["activation"]),
        (lambda p, X, Y: ref.linear_backward(np.ones((2, 5)), ref.L_model_forward(X, p)[1][0][0]), ValueError, ["dZ"]),
        (lambda p, X, Y: ref.linear_backward(np.ones((3, 5)), ref.L_model_forward(X, p)[1][0]), TypeError, ["cache"]),
        (
            lambda p, X, Y: ref.linear_activation_backward(np.ones((3, 4)), ref.L_model_forward(X, p)[1][0], "relu"),
            ValueError,
            ["dA", "(3, 5)"],
        ),
        (
            lambda p, X, Y: ref.linear_activation_backward(np.ones((3, 5)), ref.L_model_forward(X, p)[1][0], "softmax"),
            ValueError,
            ["activation"],
        ),
        (
            lambda p, X, Y: ref.L_model_backward(ref.L_model_forward(X, p)[0], Y, ref.L_model_forward(X, p)[1][::-1]),
            ValueError,
            ["caches[1]", "one L_model_forward"],
        ),
        (lambda p, X, Y: ref.L_model_backward(ref.L_model_forward(X, p)[0], Y, []), TypeError, ["caches"]),
        (
            lambda p, X, Y: ref.L_model_backward(ref.L_model_forward(X, p)[0][:, :3], Y, ref.L_model_forward(X, p)[1]),
            ValueError,
            ["AL", "caches"],
        ),
        (lambda p, X, Y: ref.initialize_parameters([2, 3.0, 1]), TypeError, ["layer_dims", "float"]),
        (lambda p, X, Y: ref.initialize_parameters("231"), TypeError, ["layer_dims"]),
        (lambda p, X, Y: ref.initialize_parameters([2, 1], seed=-1), ValueError, ["seed"]),
        (lambda p, X, Y: ref.initialize_parameters([2, 1], scale=float("nan")), ValueError, ["scale"]),
        (lambda p, X, Y: ref.initialize_parameters([2, 1], scale=10**400), ValueError, ["scale"]),
        (lambda p, X, Y: ref.mlp_from_parameters(p, activation="prelu"), ValueError, ["activation", "prelu"]),
        (lambda p, X, Y: ref.parameters_to_mlp(5, nn.MLP(2, [3, 1])), TypeError, ["parameters", "dict"]),
    ],
)
def test_bad_arguments_are_named(call, error: type, words: list[str]) -> None:
    params, X, Y = _small()
    with pytest.raises(error) as err:
        call(params, X, Y)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_checks_do_not_change_the_numbers() -> None:
    """The checked functions compute exactly the documents' formulas, written out here with numpy."""
    params, X, Y = _small()
    AL, caches = ref.L_model_forward(X, params, "tanh", "sigmoid")
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    np.testing.assert_array_equal(AL, 1.0 / (1.0 + np.exp(-Z2)))
    m = X.shape[1]
    assert ref.compute_cost(AL, Y) == float(-1.0 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))
    grads = ref.L_model_backward(AL, Y, caches, "tanh")
    dZ2 = AL - Y
    np.testing.assert_array_equal(grads["dW2"], 1.0 / m * (dZ2 @ A1.T))
    np.testing.assert_array_equal(grads["dZ1"], (params["W2"].T @ dZ2) * (1.0 - np.tanh(Z1) ** 2))
    # integer data and labels are real numbers too (the documents' labels often are)
    AL_int, _ = ref.L_model_forward(np.array([[1, 2], [3, 4]]), params)
    assert AL_int.shape == (1, 2)
