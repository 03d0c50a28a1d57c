"""nn.trace_layers: graph deltas equal the documents' dZ (nn.reference and a numpy re-derivation), both modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import reference as R


def numpy_deltas(model: nn.MLP, X: np.ndarray, dZL: np.ndarray) -> list[np.ndarray]:
    """Forward in numpy from the weights, then dZ[l] = W[l+1]^T dZ[l+1] * g'(Z[l]); X is (m, nin)."""
    A, Zs = X.T, []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([[n.b.data] for n in layer.neurons])
        Z = W @ A + b
        Zs.append(Z)
        A = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}.get(
            layer.activation, lambda z: z
        )(Z)
    dZ = [dZL]
    for k in range(len(model.layers) - 2, -1, -1):
        W = np.array([[w.data for w in n.w] for n in model.layers[k + 1].neurons])
        Z, act = Zs[k], model.layers[k].activation
        g = {"tanh": 1 - np.tanh(Z) ** 2, "relu": (Z > 0) * 1.0, "sigmoid": np.exp(-Z) / (1 + np.exp(-Z)) ** 2}[act]
        dZ.insert(0, (W.T @ dZ[0]) * g)
    return dZ


@given(
    st.integers(1, 4),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.sampled_from(["tanh", "relu", "sigmoid"]),
    st.integers(1, 6),
    st.integers(0, 2**16),
)
def test_batch_deltas_equal_reference_dZ(nin, hidden, act, m, seed) -> None:
    rng = np.random.default_rng(seed)
    model = nn.MLP(nin, [*hidden, 1], activation=act, seed=seed)
    X = rng.normal(size=(m, nin))
    Y = (rng.random(m) > 0.5).astype(float)
    loss = nn.binary_cross_entropy_with_logits(model(X), Y)
    t = nn.trace_layers(model, loss)
    assert len(t) == len(hidden) + 1
    # the documents' network: sigmoid output + mean cross-entropy, dZ[L] = A - Y; the graph's delta is dZ / m
    params = R.parameters_from_mlp(model)
    AL, caches = R.L_model_forward(X.T, params, act, "sigmoid")
    grads = R.L_model_backward(AL, Y.reshape(1, -1), caches, act)
    ours = numpy_deltas(model, X, AL - Y.reshape(1, -1))
    for k, layer in enumerate(t):
        assert layer.delta.shape == (model.layers[k].nout, m)
        np.testing.assert_allclose(m * layer.delta, grads[f"dZ{k + 1}"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(m * layer.delta, ours[k], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.formula, layer.delta, rtol=1e-9, atol=1e-14)
        assert layer.max_abs_diff < 1e-12


def test_scalar_mode_samples_match_batch_mode() -> None:
    rng = np.random.default_rng(3)
    model = nn.MLP(2, [3, 2], activation="tanh", seed=3)
    X = rng.normal(size=(4, 2))
    T = rng.normal(size=(4, 2))
    outs = model(X)  # the mean squared error over 4 samples x 2 outputs, written out in both modes
    batch = nn.trace_layers(model, ((outs[0] - T[:, 0]) ** 2 + (outs[1] - T[:, 1]) ** 2).sum() / 8.0)
    total = 0.0
    for i in range(4):
        o = model(list(X[i]))
        total = total + (o[0] - T[i, 0]) ** 2 + (o[1] - T[i, 1]) ** 2
    scalar = nn.trace_layers(model, total / 8.0)
    for a, b in zip(batch, scalar):
        np.testing.assert_allclose(a.delta, b.delta, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(a.z, b.z, rtol=1e-12)


@pytest.mark.parametrize("act", ["leaky_relu", "prelu", "linear"])
def test_other_activations_formula_matches_graph(act) -> None:
    rng = np.random.default_rng(5)
    model = nn.MLP(3, [4, 3, 1], activation=act, seed=5)
    out = model(rng.normal(size=(7, 3)))
    loss = nn.mse_loss(out, rng.normal(size=7))
    for layer in nn.trace_layers(model, loss):
        np.testing.assert_allclose(layer.formula, layer.delta, rtol=1e-9, atol=1e-14)
        assert np.any(layer.delta != 0)


def test_one_sample_table_and_no_grad_side_effects() -> None:
    model = nn.MLP(2, [2, 1], activation="sigmoid", seed=0)
    loss = nn.mse_loss(model([0.5, -1.0]), [1.0])
    t = nn.trace_layers(model, loss)
    assert all(p.grad == 0.0 for p in model.parameters())
    loss.backward()  # after a backward, the graph's z.grad is the same delta
    text = str(t)
    assert "layer 1 (layers.1, linear" in text and "layer 0 (layers.0, sigmoid" in text
    assert text.index("layer 1") < text.index("layer 0")  # printed in backward order
    assert "<table>" in t._repr_html_() and "LayerTrace(2 layers" in repr(t)


def test_bad_input() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    other = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse_loss(other([1.0, 2.0]), [0.0])
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        nn.trace_layers("model", loss)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="loss"):
        nn.trace_layers(model, 1.0)  # type: ignore[arg-type]
    from autograd import Value

    with pytest.raises(ValueError, match="does not depend"):
        nn.trace_layers(model, Value(1.0) * 2)
    with pytest.raises(ValueError, match="this model"):
        nn.trace_layers(model, loss)  # same labels, but another model's graph


def test_gradient_flow_shows_vanishing_sigmoid_gradients() -> None:
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4))
    Y = (X[:, 0] > 0).astype(float)
    ratios = {}
    for act, init in (("sigmoid", "xavier"), ("relu", "he")):
        model = nn.MLP(4, [12] * 6 + [1], activation=act, init=init, seed=1)
        with pytest.warns(UserWarning, match="backward"):
            nn.plot.gradient_flow(model)
        nn.binary_cross_entropy_with_logits(model(X), Y).backward()
        fig = nn.plot.gradient_flow(model)
        ax = fig.axes[0]
        assert ax.get_yscale() == "log"
        expected = [np.mean([abs(p.grad) for p in layer.parameters()]) for layer in model.layers]
        mean_line = next(line for line in ax.get_lines() if line.get_label() == "mean |grad|")
        np.testing.assert_allclose(mean_line.get_ydata(), expected, rtol=1e-12)
        ratios[act] = expected[0] / expected[-1]
    assert ratios["sigmoid"] < 1e-3 < ratios["relu"]


def test_gradient_flow_draws_a_network_whose_gradients_all_vanished() -> None:
    import matplotlib

    matplotlib.use("Agg")
    model = nn.MLP(2, [3, 1], output_activation="relu", seed=0)
    for p in model.layers[1].parameters():
        p.data = -1.0  # the output ReLU is dead for these inputs: nothing flows back
    out = model([Value(1.0), Value(2.0)])[0]
    out.backward()
    assert out.data == 0.0
    with pytest.warns(UserWarning, match="no gradient reaches any parameter"):
        fig = nn.plot.gradient_flow(model)
    ax = fig.axes[0]
    assert "every gradient is 0" in ax.get_title()
    marked = [c for c in ax.collections if c.get_offsets().shape[0]]
    assert sum(c.get_offsets().shape[0] for c in marked) == 4  # mean and max of both layers, marked as zero


def test_gradient_flow_says_when_no_gradient_can_be_drawn() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    for i, p in enumerate(model.parameters()):
        p.grad = math.nan if i % 2 else 0.0  # an exploded backward: NaN or zero everywhere
    with pytest.raises(ValueError, match=r"zero or NaN.*detect_anomaly"):
        nn.plot.gradient_flow(model)
