"""Neuron, Layer, MLP: forward values vs numpy, input forms, batch mode = per-sample graphs, labels, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value

ACTS = ("relu", "tanh", "sigmoid", "leaky_relu", "prelu", "linear")


def _np_act(z: np.ndarray, act: str, slope: float = 0.25) -> np.ndarray:
    if act == "relu":
        return np.maximum(z, 0)
    if act == "tanh":
        return np.tanh(z)
    if act == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if act == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if act == "prelu":
        return np.where(z > 0, z, slope * z)
    return z


def _np_forward(model: nn.MLP, X: np.ndarray) -> np.ndarray:
    A = X.T
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([[n.b.data] for n in layer.neurons])
        Z = W @ A + b
        slope = np.array([[n.slope.data] for n in layer.neurons]) if layer.activation == "prelu" else 0.0
        A = _np_act(Z, layer.activation, slope)  # type: ignore[arg-type]
    return A.T


@pytest.mark.parametrize("act", ACTS)
def test_forward_matches_numpy_matrix_formula(act: str) -> None:
    model = nn.MLP(3, [5, 4, 2], activation=act, output_activation=act, seed=7)
    for n in model.layers[0].neurons:
        n.b.data = 0.3
    X = np.random.default_rng(0).normal(size=(6, 3))
    expected = _np_forward(model, X)
    batch = np.column_stack([o.data for o in model(X)])
    np.testing.assert_allclose(batch, expected, rtol=1e-12, atol=1e-14)
    single = np.array([[o.data for o in model(list(x))] for x in X])
    np.testing.assert_allclose(single, expected, rtol=1e-12, atol=1e-14)


@st.composite
def _net(draw: st.DrawFn) -> tuple:
    seed = draw(st.integers(0, 2**31))
    nin = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    act = draw(st.sampled_from(ACTS))
    out = draw(st.sampled_from([None, *ACTS]))
    m = draw(st.integers(1, 5))
    return seed, nin, sizes, act, out, m


@given(_net())
def test_batch_mode_equals_per_sample_graphs(case: tuple) -> None:
    seed, nin, sizes, act, out, m = case
    model = nn.MLP(nin, sizes, activation=act, output_activation=out, seed=seed)
    X = np.random.default_rng(seed).normal(size=(m, nin))
    y = np.random.default_rng(seed + 1).normal(size=(m, sizes[-1]))

    outs = model(X)
    nn.mse_loss(outs, y).backward()
    batch_grads = [p.grad for p in model.parameters()]
    batch_out = np.column_stack([np.broadcast_to(o.data, (m,)) for o in outs])

    model.zero_grad()
    rows = [model(list(x)) for x in X]
    nn.mse_loss(rows, y).backward()
    np.testing.assert_allclose(np.array([[v.data for v in r] for r in rows]), batch_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([p.grad for p in model.parameters()], batch_grads, rtol=1e-12, atol=1e-12)


def test_input_forms_agree() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    a = model(X)[0].data
    b = model([Value(X[:, 0]), Value(X[:, 1])])[0].data
    c = [model(X[i])[0].data for i in range(2)]  # a 1-D array is one sample
    d = [model([Value(X[i, 0]), Value(X[i, 1])])[0].data for i in range(2)]
    e = [model(tuple(X[i].tolist()))[0].data for i in range(2)]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=1e-15)
    assert c == d == e


def test_outputs_are_lists_even_for_width_one() -> None:
    model = nn.MLP(2, [1, 1, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    layer = nn.Layer(2, 1, name="solo")
    assert isinstance(layer([1.0, 2.0]), list)
    assert isinstance(nn.Neuron(2)([1.0, 2.0]), Value)
    out[0].backward()
    assert all(isinstance(p.grad, float) for p in model.parameters())


def test_labels_name_parameters_and_intermediates() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    for name, p in model.named_parameters():
        assert p.label == name
    out = model(np.zeros((4, 2)))[0]
    assert out.label == "layers.1.neurons.0.z"
    nodes = autograd.reverse_topological(out)
    labels = {v.label for v in nodes}
    assert {"x.0", "x.1", "layers.0.neurons.2.z", "layers.0.neurons.2.a", "layers.0.neurons.1.w.0"} <= labels
    # one dot node per neuron: z = dot(w, x) + b
    z = next(v for v in nodes if v.label == "layers.0.neurons.0.z")
    assert z.op == "+" and z.inputs[0].op == "dot" and z.inputs[1] is model.layers[0].neurons[0].b


def test_prelu_slope_is_learnable_and_its_gradient_is_right() -> None:
    neuron = nn.Neuron(2, activation="prelu", rng=0, name="n")
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b", "slope"]
    assert neuron.slope.data == 0.25 and neuron.slope.label == "n.slope"
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.5, -1.0, 0.1
    x = [1.0, 2.0]  # z = 0.5 - 2 + 0.1 = -1.4 < 0
    out = neuron(x)
    out.backward()
    assert out.data == pytest.approx(0.25 * -1.4)
    assert neuron.slope.grad == pytest.approx(-1.4)
    assert neuron.w[1].grad == pytest.approx(0.25 * 2.0)

    def f(a: float) -> float:
        z = 0.5 * 1 - 1.0 * 2 + 0.1
        return max(z, 0) + a * min(z, 0)

    h = 1e-6
    assert neuron.slope.grad == pytest.approx((f(0.25 + h) - f(0.25 - h)) / (2 * h), rel=1e-6)


@pytest.mark.parametrize("act", ACTS)
def test_neuron_gradient_vs_finite_differences(act: str) -> None:
    neuron = nn.Neuron(3, activation=act, init="xavier", rng=4)
    x = [0.3, -0.7, 1.1]
    params = neuron.parameters()
    neuron(x).backward()

    def f(vals: np.ndarray) -> float:
        w, b = vals[:3], vals[3]
        z = float(np.dot(w, x) + b)
        return float(_np_act(np.array(z), act, vals[4] if act == "prelu" else 0.25))

    v0 = np.array([p.data for p in params])
    for i, p in enumerate(params):
        e = np.zeros_like(v0)
        e[i] = 1e-6
        assert p.grad == pytest.approx((f(v0 + e) - f(v0 - e)) / 2e-6, rel=1e-5, abs=1e-9)


def test_seed_reproducible_and_init_schemes() -> None:
    a, b, c = nn.MLP(3, [4, 2], seed=11), nn.MLP(3, [4, 2], seed=11), nn.MLP(3, [4, 2], seed=12)
    assert a.state_dict() == b.state_dict() != c.state_dict()
    a = nn.MLP(3, [4, 2], init="he", seed=11)
    # the documented draw: one Generator(PCG64(seed)), W[l] = standard_normal((nout, nin)) * sqrt(2 / nin) per layer
    rng = np.random.default_rng(11)
    W1 = rng.standard_normal((4, 3)) * math.sqrt(2 / 3)
    W2 = rng.standard_normal((2, 4)) * math.sqrt(2 / 4)
    np.testing.assert_array_equal(nn.reference.parameters_from_mlp(a)["W1"], W1)
    np.testing.assert_array_equal(nn.reference.parameters_from_mlp(a)["W2"], W2)
    assert all(n.b.data == 0.0 for layer in a.layers for n in layer.neurons)


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("small", lambda i, o: 0.01),
        ("xavier_normal", lambda i, o: math.sqrt(2 / (i + o))),
        ("xavier_uniform", lambda i, o: math.sqrt(6 / (i + o)) / math.sqrt(3)),
        ("he", lambda i, o: math.sqrt(2 / i)),
        ("he_uniform", lambda i, o: math.sqrt(6 / i) / math.sqrt(3)),
        ("normal", lambda i, o: 1 / math.sqrt(i)),
        ("uniform", lambda i, o: 1 / math.sqrt(i) / math.sqrt(3)),
    ],
)
def test_init_scheme_spread(init: str, std: object) -> None:
    nin, nout = 200, 100
    W = nn.init.init_weights(nin, nout, init, rng=0)
    assert W.shape == (nout, nin)
    assert W.std() == pytest.approx(std(nin, nout), rel=0.03)  # type: ignore[operator]
    assert abs(W.mean()) < 0.05 * std(nin, nout)  # type: ignore[operator]


def test_auto_init_depends_on_activation() -> None:
    assert nn.init.resolve_init("auto", "relu") == "he_normal"
    assert nn.init.resolve_init("auto", "tanh") == "xavier_uniform"
    assert nn.init.resolve_init("Glorot", "relu") == "xavier_uniform"
    for bad in (None, "swish", object()):
        with pytest.raises(ValueError, match="activation must be one of"):
            nn.init.resolve_init("auto", bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="activation must be one of"):
            nn.init.init_weights(2, 3, "auto", activation=bad)  # type: ignore[arg-type]
        assert nn.init.resolve_init("he", bad) == "he_normal"  # a named scheme does not depend on it


def test_bad_inputs() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        model(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        model(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="one sample"):
        model(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="single Value"):
        model(Value(1.0))
    with pytest.raises(TypeError, match="sequence"):
        model("ab")
    with pytest.raises(TypeError, match="real numbers"):
        model(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="activation"):
        nn.MLP(2, [3], activation="swish")
    with pytest.raises(ValueError, match="output_activation"):
        nn.MLP(2, [3], output_activation="softmax")
    with pytest.raises(TypeError, match="list of layer widths"):
        nn.MLP(2, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one layer width"):
        nn.MLP(2, [])
    for bad in (b"\x02\x01", "21", {3, 1}):
        with pytest.raises(TypeError, match="list of layer widths"):
            nn.MLP(2, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sequence"):
        model(b"ab")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        nn.MLP(2, [3], seed=-1)
    as_array = nn.MLP(2, np.array([3, 1]), seed=0)  # type: ignore[arg-type]
    assert as_array.sizes == [3, 1] and [p.data for p in as_array.parameters()] == [
        p.data for p in nn.MLP(2, [3, 1], seed=0).parameters()
    ]
    with pytest.raises(ValueError, match="at least 1"):
        nn.MLP(2, [3, 0])
    with pytest.raises(TypeError, match="nin"):
        nn.MLP(2.5, [3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown init"):
        nn.MLP(2, [3], init="lecun_magic")
    with pytest.raises(TypeError, match="seed"):
        nn.MLP(2, [3], seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dot term"):
        model(["a", 1.0])


SIZE_CAPS = [
    (lambda: nn.Neuron(nn.limits.MAX_UNITS + 1), "nin", "MAX_UNITS"),
    (lambda: nn.Layer(2, nn.limits.MAX_UNITS + 1), "nout", "MAX_UNITS"),
    (lambda: nn.Layer(10**4, 10**4), "nin * nout", "MAX_PARAMETERS"),
    (lambda: nn.MLP(10**18, [3, 1]), "nin", "MAX_UNITS"),
    (lambda: nn.MLP(2, [3, 10**400]), "sizes[1]", "MAX_UNITS"),
    (lambda: nn.MLP(100, [4000] * 30), "sizes", "MAX_PARAMETERS"),  # every layer fits, the model does not
    (lambda: nn.BatchNorm(nn.limits.MAX_UNITS + 1), "num_features", "MAX_UNITS"),
    (lambda: nn.init.init_weights(10**18, 2), "nin", "MAX_UNITS"),
    (lambda: nn.reference.initialize_parameters([2, 10**12, 1]), "layer_dims", "MAX_UNITS"),
    (lambda: nn.reference.initialize_parameters([5000, 5000, 1]), "layer_dims", "MAX_PARAMETERS"),
    (lambda: nn.spiral(10**12), "n", "MAX_SAMPLES"),
    (lambda: nn.xor(nn.limits.MAX_SAMPLES + 1), "n", "MAX_SAMPLES"),
    (lambda: nn.blobs(10**6, features=1000), "n * features", "MAX_DATA_VALUES"),
]


@pytest.mark.parametrize(("make", "arg", "limit"), SIZE_CAPS)
def test_absurd_sizes_are_refused_before_allocating(make, arg: str, limit: str) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            make()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = str(err.value)
    assert arg in msg and f"nn.limits.{limit}" in msg and f"{getattr(nn.limits, limit):,}" in msg
    assert peak < 2_000_000, f"{peak:,} bytes allocated before the refusal"


def test_sizes_at_the_caps_are_accepted_by_the_check() -> None:
    for limit in ("MAX_UNITS", "MAX_PARAMETERS", "MAX_SAMPLES", "MAX_DATA_VALUES"):
        cap = getattr(nn.limits, limit)
        assert nn.limits.check_size(cap, "n", limit) == cap
        with pytest.raises(ValueError, match=f"n={cap + 1:,} is more than"):
            nn.limits.check_size(cap + 1, "n", limit)
    assert len(nn.MLP(10, [5, 1], seed=0).parameters()) == 61  # ordinary sizes are untouched


@pytest.mark.parametrize("rows", [[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (np.ones(2),)])
def test_a_batch_given_as_a_list_of_rows_gets_a_hint(rows: object) -> None:
    """X.tolist() is a plausible mistake: the error says to pass a 2-D array, not 'expected 2 inputs, got 3'."""
    with pytest.raises(TypeError, match=r"list of rows\? Pass it as a 2-D numpy array of shape \(m, 2\)"):
        nn.MLP(2, [3, 1], seed=0)(rows)
    batch = nn.MLP(2, [3, 1], seed=0)(np.array([[1.0, 2.0], [3.0, 4.0]]))[0].data
    one = nn.MLP(2, [3, 1], seed=0)([3.0, 4.0])[0].data
    assert batch[1] == pytest.approx(one, rel=1e-12)  # what the hint says to do works
