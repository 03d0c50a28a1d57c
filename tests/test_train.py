"""nn.fit / predict / accuracy: accuracy reached on the documents' spiral and on digits, the History against
numpy recomputations of the loss and accuracy, the decision rule against a numpy forward pass, bad input."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import nn
from autograd import Value
from nn import data
from nn.train import History, default_loss


def numpy_forward(model: Any, X: np.ndarray, last_z: bool = False) -> np.ndarray:
    """The documents' matrix forward pass A[l] = g(W[l] A[l-1] + b[l]) from the model's weights, (m, outputs)."""
    g = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "linear": lambda z: z,
    }
    A = X.T
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([[n.b.data] for n in layer.neurons])
        Z = W @ A + b
        A = g[layer.neurons[0].activation](Z)
    return Z.T if last_z else A.T


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0, z) - y * z))


@pytest.fixture(scope="module")
def spiral_split() -> tuple[np.ndarray, ...]:
    X, y = data.spiral()
    return tuple(data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True))


def test_fit_reaches_95_percent_test_accuracy_on_spiral(spiral_split: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = spiral_split
    model = nn.MLP(2, [16, 16, 1], seed=0)
    hist = nn.fit(
        model, X_train, y_train, loss="bce_with_logits", optimizer="adam", lr=0.02, epochs=250, progress=False
    )
    assert isinstance(hist, History) and hist.epochs == 250
    predicted = (numpy_forward(model, X_test)[:, 0] > 0).astype(int)
    assert np.mean(predicted == y_test) >= 0.95
    assert nn.accuracy(model, X_test, y_test) == np.mean(predicted == y_test)


def test_history_matches_numpy_recomputation(spiral_split: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = spiral_split
    model = nn.MLP(2, [8, 1], activation="tanh", seed=3)
    z0 = numpy_forward(model, X_train)[:, 0]
    hist = nn.fit(model, X_train, y_train, epochs=5, lr=0.05, validation_data=(X_test, y_test), progress=False)
    # full batch: epoch 0's loss and accuracy are those of the initial weights (measured before the first step)
    assert hist.loss[0] == pytest.approx(bce_with_logits(z0, y_train), rel=1e-12)
    assert hist.accuracy[0] == np.mean((z0 > 0) == y_train)
    zv = numpy_forward(model, X_test)[:, 0]  # validation is measured after the last step
    assert hist.val_loss[-1] == pytest.approx(bce_with_logits(zv, y_test), rel=1e-12)
    assert hist.val_accuracy[-1] == np.mean((zv > 0) == y_test)
    assert len(hist.loss) == len(hist.accuracy) == len(hist.val_loss) == len(hist.val_accuracy) == 5
    assert hist.loss[-1] < hist.loss[0]
    assert all(0 <= a <= 1 for a in hist.accuracy + hist.val_accuracy)
    assert set(hist.as_dict()) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert "5 epochs" in repr(hist) and hist.seconds > 0


def test_minibatches_take_ceil_m_over_b_steps_and_are_seeded() -> None:
    X, y = data.moons(n=50, seed=1)

    def run(seed: int) -> tuple[list[float], int]:
        model = nn.MLP(2, [4, 1], seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)
        steps = 0
        step = opt.step

        def counting_step() -> None:
            nonlocal steps
            steps += 1
            step()

        opt.step = counting_step  # type: ignore[method-assign]
        nn.fit(model, X, y, optimizer=opt, epochs=3, batch_size=16, progress=False, seed=seed)
        return [p.data for p in model.parameters()], steps

    w1, steps = run(seed=5)
    assert steps == 3 * math.ceil(50 / 16)
    assert run(seed=5)[0] == w1
    assert run(seed=6)[0] != w1


@pytest.mark.parametrize(
    ("loss", "output", "labels"),
    [
        ("mse", "sigmoid", (0, 1)),
        ("bce", "sigmoid", (0, 1)),
        ("bce_with_logits", None, (0, 1)),
        ("hinge", None, (-1, 1)),
        ("cross_entropy", None, None),
    ],
)
def test_every_loss_name_trains(loss: str, output: str | None, labels: tuple[int, int] | None) -> None:
    X, y = data.moons(n=120, noise=0.05, seed=2)
    outputs = 2 if labels is None else 1
    if labels is not None:
        y = np.where(y == 1, labels[1], labels[0])
    model = nn.MLP(2, [12, outputs], activation="tanh", output_activation=output, seed=1)
    before = nn.accuracy(model, X, y)
    hist = nn.fit(model, X, y, loss=loss, lr=0.05, epochs=60, progress=False)
    assert hist.loss[-1] < hist.loss[0]
    assert nn.accuracy(model, X, y) >= max(0.85, before)


def test_callable_loss_and_multiclass_blobs() -> None:
    X, y = data.blobs(n=150, centers=3, std=0.6, seed=4)
    model = nn.MLP(2, [8, 3], seed=0)
    seen: list[Any] = []

    def loss(outputs: Any, targets: np.ndarray) -> Any:
        seen.append((len(outputs), targets.shape))
        return nn.losses.cross_entropy(outputs, targets)

    nn.fit(model, X, y, loss=loss, optimizer="rmsprop", lr=0.02, epochs=40, progress=False)
    assert seen[0] == (3, (150,))
    assert nn.accuracy(model, X, y) >= 0.95


def test_default_loss_rule() -> None:
    assert default_loss(nn.MLP(2, [3, 1])) == "bce_with_logits"
    assert default_loss(nn.MLP(2, [3, 1], output_activation="sigmoid")) == "bce"
    assert default_loss(nn.MLP(2, [3, 4])) == "cross_entropy"


@pytest.mark.parametrize(("sizes", "output"), [([5, 1], None), ([5, 1], "sigmoid"), ([5, 1], "tanh"), ([5, 4], None)])
def test_predict_decision_rule_against_numpy(sizes: list[int], output: str | None) -> None:
    model = nn.MLP(3, sizes, activation="relu", output_activation=output, seed=11)
    X = np.random.default_rng(0).normal(size=(200, 3))
    threshold = 0.5 if output == "sigmoid" else 0.0
    if sizes[-1] == 1:  # move the output bias so that samples fall on both sides (threshold = output at z = 0)
        model.layers[-1].neurons[0].b.data -= float(np.median(numpy_forward(model, X, last_z=True)))
    s = numpy_forward(model, X)
    if sizes[-1] > 1:
        expected = s.argmax(axis=1)
    else:
        expected = (s[:, 0] > threshold).astype(int)
    assert len(set(expected.tolist())) > 1  # both sides of the threshold occur
    np.testing.assert_array_equal(nn.predict(model, X), expected)
    np.testing.assert_allclose(nn.train.scores(model, X), s, rtol=1e-12, atol=1e-15)
    y = np.random.default_rng(1).integers(0, sizes[-1] if sizes[-1] > 1 else 2, 200)
    assert nn.accuracy(model, X, y) == np.mean(expected == y)
    if sizes[-1] == 1:  # {-1, +1} labels: -1 counts as class 0
        assert nn.accuracy(model, X, 2 * y - 1) == np.mean(expected == y)


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = data.xor(n=40, seed=0)
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err and "acc=" in err
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_digits_reach_95_percent_test_accuracy() -> None:
    pytest.importorskip("sklearn")
    X, y = data.digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    model = nn.MLP(64, [32, 10], seed=0)
    nn.fit(model, X_train, y_train, loss="cross_entropy", lr=0.02, epochs=60, progress=False)
    predicted = numpy_forward(model, X_test).argmax(axis=1)
    assert np.mean(predicted == y_test) >= 0.95


BAD_FIT = [
    ({"X": np.zeros((10, 3))}, ValueError, r"shape \(m, 2\)"),
    ({"X": np.zeros(10)}, ValueError, "shape"),
    ({"X": np.full((10, 2), np.nan)}, ValueError, "NaN"),
    ({"X": [["a", "b"]] * 10}, TypeError, "numbers"),
    ({"y": np.zeros(9)}, ValueError, "one row per sample"),
    ({"epochs": 0}, ValueError, "epochs must be at least 1"),
    ({"epochs": 2.5}, TypeError, "epochs must be an int"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"loss": "l1"}, ValueError, "loss must be a callable or one of"),
    ({"optimizer": "adagrad"}, ValueError, "optimizer must be one of"),
    ({"optimizer": 3}, TypeError, "optimizer must be"),
    ({"validation_data": np.zeros((3, 2))}, TypeError, "validation_data"),
    ({"loss": lambda out, y: 1.0}, TypeError, "must return a Value"),
    ({"loss": lambda out, y: out * 2.0}, ValueError, "reduce the batch"),
]


@pytest.mark.parametrize(("change", "exc", "match"), BAD_FIT)
def test_fit_bad_input(change: dict[str, Any], exc: type[Exception], match: str) -> None:
    args: dict[str, Any] = {"X": np.zeros((10, 2)), "y": np.zeros(10), "epochs": 1, "progress": False}
    args.update(change)
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(exc, match=match):
        nn.fit(model, args.pop("X"), args.pop("y"), **args)


def test_lr_with_optimizer_instance_is_refused() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="lr is only used"):
        nn.fit(model, np.zeros((4, 2)), np.zeros(4), optimizer=nn.optim.Adam(model.parameters()), lr=0.1)


@pytest.mark.parametrize(("sizes", "loss"), [([5, 1], "bce_with_logits"), ([5, 3], "cross_entropy")])
def test_batched_and_per_sample_training_agree(sizes: list[int], loss: str) -> None:
    X, y = data.blobs(n=24, centers=sizes[-1] if sizes[-1] > 1 else 2, seed=3)
    weights = []
    for batched in (True, False):
        model = nn.MLP(2, sizes, activation="tanh", seed=5)
        hist = nn.fit(model, X, y, loss=loss, epochs=4, batch_size=10, lr=0.05, progress=False, batched=batched)
        weights.append((np.array([p.data for p in model.parameters()]), hist.loss))
    np.testing.assert_allclose(weights[0][0], weights[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights[0][1], weights[1][1], rtol=1e-10)


def test_sequential_with_batchnorm_and_dropout_trains_and_predicts_in_eval_mode() -> None:
    X, y = data.moons(n=160, noise=0.05, seed=1)
    model = nn.Sequential(
        nn.Layer(2, 16, activation="relu", name="a", rng=1),
        nn.BatchNorm(16),
        nn.Dropout(0.2, seed=0),
        nn.Layer(16, 1, activation="linear", name="b", rng=2),
    )
    # seeded: unseeded, 80 epochs left 1 init in 10 at 0.89; at 200 epochs 40 inits reached 0.956 to 1.0
    nn.fit(model, X, y, epochs=200, lr=0.03, progress=False)
    assert model.training  # fit leaves the mode as it found it
    first = nn.predict(model, X)
    np.testing.assert_array_equal(nn.predict(model, X), first)  # eval mode: dropout off, deterministic
    assert model.training
    assert np.mean(first == y) >= 0.9


def test_divergence_stops_training_with_a_warning() -> None:
    X, y = data.moons(n=40, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="training stopped after epoch"), np.errstate(all="ignore"):
        hist = nn.fit(model, X, y * 1e3, loss="mse", optimizer="sgd", lr=1e6, epochs=50, progress=False)
    assert hist.epochs < 50 and not math.isfinite(hist.loss[-1])
    assert all(math.isfinite(v) for v in hist.loss[:-1])


def test_a_sequential_that_starts_with_an_mlp_takes_the_mlps_inputs() -> None:
    X, y = data.moons(40, seed=1)
    model = nn.Sequential(nn.MLP(2, [4, 4], seed=0), nn.Layer(4, 1, "linear"))
    history = nn.fit(model, X, y, epochs=3, progress=False)  # read nin from the Layer inside: "shape (m, 4)"
    assert history.epochs == 3
    logits = np.array([model(list(row))[0].data for row in X])
    assert nn.accuracy(model, X, y) == np.mean((logits > 0) == (y > 0.5))


@pytest.mark.parametrize("labels", [np.array([0.0, 1.0]), np.array([-1.0, 1.0]), np.array([0.3, 0.7])])
def test_accuracy_reads_flat_and_column_labels_alike(labels: np.ndarray) -> None:
    X, y = data.moons(40, seed=2)
    y = labels[y.astype(int)]
    model = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    probs = np.array([model(list(row))[0].data for row in X])
    expected = np.mean((probs > 0.5) == (y > 0.5))
    assert nn.accuracy(model, X, y) == nn.accuracy(model, X, y.reshape(-1, 1)) == expected


@pytest.mark.parametrize(("m", "kwargs"), [(41, {"batch_size": 5}), (41, {"batch_size": 1}), (41, {"batched": False})])
def test_fit_refuses_before_any_step_what_would_give_batch_norm_one_sample(m: int, kwargs: dict[str, Any]) -> None:
    X, y = data.moons(m, seed=0)
    model = nn.Sequential(nn.Layer(2, 4, name="l0"), nn.BatchNorm(4), nn.Layer(4, 1, "linear", name="out"))
    before = model.state_dict()
    with pytest.raises(ValueError, match="BatchNorm") as err:
        nn.fit(model, X, y, epochs=2, progress=False, **kwargs)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing trained, no running statistic moved
    match = re.search(r"e\.g\. (\d+)", str(err.value))
    if match:  # the suggested batch_size trains
        assert nn.fit(model, X, y, epochs=1, progress=False, batch_size=int(match.group(1))).epochs == 1


def test_fit_reads_bool_labels_and_names_a_wrong_optimizer_argument() -> None:
    X, y = data.moons(40, seed=3)
    as_bool = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y > 0.5, epochs=5, progress=False)
    as_float = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y.astype(float), epochs=5, progress=False)
    assert as_bool.loss == as_float.loss
    with pytest.raises(TypeError, match=r"got the class Adam: pass Adam\(model.parameters\(\), lr=...\)"):
        nn.fit(nn.MLP(2, [4, 1]), X, y, optimizer=nn.optim.Adam, progress=False)
    with pytest.raises(TypeError, match=r"must hold numbers.*dtype <U1"):
        nn.fit(nn.MLP(2, [4, 1]), X, np.array(["a"] * 40), progress=False)


class _Net(nn.Module):
    """A user's own model, as a PyTorch user writes one: two Layers, called in the order they were assigned."""

    def __init__(self, one_value: bool = False) -> None:
        self.hidden = nn.Layer(2, 8, activation="tanh", name="hidden", rng=3)
        self.out = nn.Layer(8, 1, activation="linear", name="out", rng=4)
        self.one_value = one_value

    def __call__(self, x: Any) -> Any:
        outs = self.out(self.hidden(x))
        return outs[0] if self.one_value else outs


@pytest.mark.parametrize("one_value", [False, True])
def test_fit_trains_a_users_module_as_the_same_sequential(one_value: bool) -> None:
    X, y = data.moons(60, noise=0.1, seed=2)
    net = _Net(one_value)
    twin = nn.Sequential(nn.Layer(2, 8, activation="tanh", rng=3), nn.Layer(8, 1, activation="linear", rng=4))
    assert [p.data for p in net.parameters()] == [p.data for p in twin.parameters()]
    for model in (net, twin):
        nn.fit(model, X, y, epochs=20, batch_size=16, lr=0.05, progress=False)
    np.testing.assert_allclose([p.data for p in net.parameters()], [p.data for p in twin.parameters()], rtol=1e-12)
    assert nn.accuracy(net, X, y) == nn.accuracy(twin, X, y)
    np.testing.assert_array_equal(nn.predict(net, X), nn.predict(twin, X))
    assert default_loss(net) == "bce_with_logits"


def test_a_bare_layer_is_logistic_regression() -> None:
    X, y = data.blobs(n=80, centers=2, std=0.6, seed=4)
    model = nn.Layer(2, 1, activation="linear", rng=0)
    nn.fit(model, X, y, epochs=100, lr=0.1, progress=False)
    w, b = np.array([p.data for p in model.neurons[0].w]), model.neurons[0].b.data
    np.testing.assert_array_equal(nn.predict(model, X), (X @ w + b > 0).astype(int))
    assert nn.accuracy(model, X, y) >= 0.95


def test_a_model_without_layers_is_refused_by_name() -> None:
    class Empty(nn.Module):
        def __call__(self, x: Any) -> Any:
            return x

    for model in (Empty(), nn.BatchNorm(2), object()):
        with pytest.raises(TypeError, match=r"at least one nn\.Layer .* got (Empty|BatchNorm|object)"):
            nn.fit(model, np.zeros((4, 2)), np.zeros(4), progress=False)

    class Bad(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Layer(2, 1)

        def __call__(self, x: Any) -> Any:
            return "not a Value"

    with pytest.raises(TypeError, match="must return a Value or a list of Values"):
        nn.predict(Bad(), np.zeros((4, 2)))


_MASKED_X = np.ma.masked_array([[1.0, 2.0], [3.0, 1e9]], mask=[[0, 0], [0, 1]])
_MASKED_CALLS = {
    "model(X)": lambda m: m(_MASKED_X),
    "model(row)": lambda m: m(_MASKED_X[1]),
    "predict": lambda m: nn.predict(m, _MASKED_X),
    "fit": lambda m: nn.fit(m, _MASKED_X, [0, 1], epochs=1, progress=False),
    "fit y": lambda m: nn.fit(m, _MASKED_X.data, np.ma.masked_array([0, 1], mask=[0, 1]), epochs=1, progress=False),
    "split": lambda m: data.train_test_split(_MASKED_X, [0, 1]),
    "loss targets": lambda m: nn.mse_loss(Value(np.ones(2)), np.ma.masked_array([1.0, 5.0], mask=[0, 1])),
}


@pytest.mark.parametrize("call", list(_MASKED_CALLS))
def test_masked_arrays_are_refused_rather_than_read_without_their_mask(call: str) -> None:
    with pytest.raises(TypeError, match="masked array, whose mask would be lost"):
        _MASKED_CALLS[call](nn.MLP(2, [1], seed=0))


def test_an_optimizer_of_another_model_is_refused_before_training() -> None:
    X, y = data.moons(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="none of this model's parameters"):
        nn.fit(model, X, y, optimizer=nn.optim.SGD(nn.MLP(2, [4, 1]).parameters(), lr=0.1), progress=False)
    assert [p.data for p in model.parameters()] == before
    frozen_first_layer = nn.optim.SGD(model.layers[1].parameters(), lr=0.1)  # a part of the model is fine
    nn.fit(model, X, y, optimizer=frozen_first_layer, epochs=3, progress=False)
    assert [p.data for p in model.layers[0].parameters()] == before[: len(model.layers[0].parameters())]
    assert [p.data for p in model.layers[1].parameters()] != before[len(model.layers[0].parameters()) :]


def test_a_users_module_may_declare_its_output_activation() -> None:
    """A sigmoid applied in __call__ after a linear Layer: the model says so, and predict thresholds at 0.5."""

    class SigmoidOut(nn.Module):
        output_activation = "sigmoid"

        def __init__(self) -> None:
            self.hidden = nn.Layer(2, 16, activation="tanh", rng=0)
            self.out = nn.Layer(16, 1, activation="linear", rng=1)

        def __call__(self, x: Any) -> Any:
            return [z.sigmoid() for z in self.out(self.hidden(x))]

    X, y = data.moons(200, noise=0.1, seed=0)
    model = SigmoidOut()
    assert default_loss(model) == "bce"
    nn.fit(model, X, y, epochs=200, lr=0.05, progress=False)
    p = np.array([model(list(row))[0].data for row in X])
    np.testing.assert_array_equal(nn.predict(model, X), (p > 0.5).astype(int))
    assert nn.accuracy(model, X, y) == np.mean((p > 0.5) == (y > 0.5)) >= 0.95


def test_masked_arrays_with_nothing_masked_are_plain_arrays() -> None:
    X = np.ma.array(np.random.default_rng(0).normal(size=(6, 2)))
    model = nn.MLP(2, [3, 1], seed=0)
    np.testing.assert_array_equal(nn.predict(model, X), nn.predict(model, X.data))
    assert data.train_test_split(X, np.arange(6))[0].shape == (4, 2)


def test_a_huge_int_label_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="too large for a float64"):
        nn.fit(nn.MLP(2, [1]), np.zeros((4, 2)), [0, 1, 0, 10**400], progress=False)
