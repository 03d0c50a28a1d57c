"""nn.save / nn.load beyond the MLP: Sequentials with BatchNorm and Dropout, nested Sequentials, single layers.

The round trip must give the same module tree, labels, hyper-parameters, weights and running statistics, so the
loaded model predicts exactly what the saved one did; every malformed architecture is refused with a ValueError
naming it before anything large is built; a model that could not be rebuilt from a file is refused at save time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_model_files import refused

import nn
import nn.architecture

ACTS = ["relu", "tanh", "sigmoid", "leaky_relu", "prelu", "linear"]


def trained_sequential() -> Any:
    """A Sequential whose running statistics and weights moved away from their initial values."""
    model = nn.Sequential(
        nn.Layer(2, 6, "tanh", rng=1), nn.BatchNorm(6, momentum=0.3, eps=1e-4), nn.Dropout(0.2, seed=0),
        nn.Layer(6, 1, "linear", rng=2),
    )  # fmt: skip
    X, y = nn.data.moons(60, seed=0)
    nn.fit(model, X, y, loss="bce_with_logits", optimizer=nn.optim.Adam(model.parameters(), 0.05), epochs=3,
           batch_size=20, progress=False)  # fmt: skip
    return model


CASES: dict[str, tuple[Callable[[], Any], int]] = {  # how to make the model, its number of inputs
    "trained Sequential with BatchNorm and Dropout": (trained_sequential, 2),
    "nested Sequential with an MLP": (
        lambda: nn.Sequential(
            nn.Sequential(nn.MLP(3, [4, 4], activation="prelu", seed=0), nn.BatchNorm(4)),
            nn.Layer(4, 2, "sigmoid", rng=5),
        ),
        3,
    ),
    "a named Layer": (lambda: nn.Layer(3, 2, "leaky_relu", rng=0, name="hidden"), 3),
    "a prelu Neuron": (lambda: nn.Neuron(3, "prelu", rng=4, name="unit"), 3),
    "a BatchNorm": (lambda: nn.BatchNorm(3, momentum=0.5), 3),
    "a relabelled Sequential": (lambda: _relabelled(nn.Sequential(nn.Layer(3, 2, rng=0), nn.BatchNorm(2))), 3),
    "a relabelled MLP": (lambda: _relabelled(nn.MLP(3, [2, 1], seed=0)), 3),
    "a Dropout": (lambda: nn.Dropout(0.25), 3),
}


def _relabelled(model: Any) -> Any:
    model.relabel("net")
    return model


def _tree(model: Any) -> list[tuple[str, str, str]]:
    """Every module's name, class and one-line repr: the structure and hyper-parameters, independent of weights."""
    return [(name, type(m).__name__, m.extra_repr()) for name, m in model.named_modules()]


def _randomise(model: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for p in model.parameters():  # awkward floats: all 17 digits, tiny and huge magnitudes
        p.data = float(rng.normal() * 10.0 ** rng.integers(-200, 200)) if rng.random() < 0.1 else float(rng.normal())


@pytest.mark.parametrize(("make", "nin"), CASES.values(), ids=list(CASES))
def test_round_trip_is_exact(tmp_path: Path, make: Callable[[], Any], nin: int) -> None:
    model = make()
    if not isinstance(model, nn.Dropout):
        _randomise(model, 0)
    path = tmp_path / "m.json"
    nn.save(model, path)
    back = nn.load(path)
    assert type(back) is type(model) and _tree(back) == _tree(model)
    assert repr(back) == repr(model)
    state, back_state = model.state_dict(), back.state_dict()
    assert list(back_state) == list(state)
    assert [x.hex() for x in back_state.values()] == [x.hex() for x in state.values()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]
    assert back.training  # a loaded model starts in train mode, as a new one does
    X = np.random.default_rng(1).normal(size=(7, nin))
    model.eval(), back.eval()
    a, b = model(X), back(X)
    a, b = (a, b) if isinstance(a, list) else ([a], [b])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(np.column_stack([o.data for o in b]), np.column_stack([o.data for o in a]))


def test_file_is_plain_json_naming_each_module(tmp_path: Path) -> None:
    model = trained_sequential()
    nn.save(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "scalargrad-module" and doc["version"] == 1
    assert [m["type"] for m in doc["architecture"]["modules"]] == ["Layer", "BatchNorm", "Dropout", "Layer"]
    bn = model.layers[1]
    assert doc["buffers"]["layers.1.running_var.2"] == bn.running_var[2] != 1.0  # trained, not the initial 1
    assert doc["parameters"]["layers.1.gamma.0"] == bn.gamma[0].data
    nn.save(nn.MLP(2, [3, 1]), tmp_path / "mlp.json")  # an MLP keeps the format earlier versions wrote
    assert json.loads((tmp_path / "mlp.json").read_text())["format"] == "scalargrad-mlp"


def test_loaded_model_predicts_as_the_saved_one(tmp_path: Path) -> None:
    model = trained_sequential()
    X, _ = nn.data.moons(40, seed=1)
    nn.save(model, tmp_path / "m.json")
    back = nn.load(tmp_path / "m.json")
    np.testing.assert_array_equal(nn.predict(back, X), nn.predict(model, X))


# ------------------------------------------------------------------ malformed files
def _arch(i: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["architecture"]["modules"][i].__setitem__(key, value)


def _nest(depth: int) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        spec = d["architecture"]
        for _ in range(depth):
            spec = {"type": "Sequential", "modules": [spec]}
        d["architecture"] = spec

    return mutate


MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown type", _arch(2, "type", "os.system"), "type"),
    ("type missing", lambda d: d["architecture"]["modules"][1].pop("type"), "type"),
    ("module is a list", lambda d: d["architecture"]["modules"].__setitem__(0, [2, 6]), "modules[0]"),
    ("missing key", lambda d: d["architecture"]["modules"][1].pop("eps"), "missing"),
    ("extra key", _arch(2, "__reduce__", ["os.system", "id"]), "unexpected"),
    ("negative width", _arch(0, "nout", -6), "positive"),
    ("float width", _arch(0, "nout", 6.0), "positive"),
    ("bool width", _arch(0, "nin", True), "positive"),
    ("width changed", _arch(0, "nout", 5), "parameters"),
    ("unknown activation", _arch(0, "activation", "__import__"), "activation"),
    ("momentum out of range", _arch(1, "momentum", 2.0), "momentum"),
    ("momentum a string", _arch(1, "momentum", "0.1"), "momentum"),
    ("eps zero", _arch(1, "eps", 0), "eps"),
    ("dropout p out of range", _arch(2, "p", 1.5), "probability"),
    ("dropout p null", _arch(2, "p", None), "p"),
    ("a module has a name", _arch(2, "name", "x"), "unexpected"),
    ("name not a string", lambda d: d.__setitem__("name", {"x": 1}), "name"),
    ("name too long", lambda d: d.__setitem__("name", "x" * 3_000_000), "name"),
    ("format a list", lambda d: d.__setitem__("format", [1]), "format"),
    ("format an object", lambda d: d.__setitem__("format", {}), "format"),
    ("type an object", _arch(1, "type", {}), "type"),
    ("type a list", lambda d: d["architecture"].__setitem__("type", ["Sequential"]), "type"),
    ("huge format string", lambda d: d.__setitem__("format", "y" * 1_000_000), "format"),
    ("huge type string", _arch(0, "type", "y" * 1_000_000), "type"),
    ("huge version", lambda d: d.__setitem__("version", ["v" * 1_000_000]), "version"),
    ("huge activation", _arch(0, "activation", "a" * 1_000_000), "activation"),
    ("huge weight string", lambda d: d["parameters"].__setitem__("layers.0.neurons.0.b", "1" * 1_000_000), "number"),
    ("huge key", lambda d: d["parameters"].__setitem__("k" * 1_000_000, 1.0), "unexpected"),
    ("many children", lambda d: d["architecture"].__setitem__("modules", [0] * 1_000_000), "modules"),
    ("empty Sequential", lambda d: d["architecture"].__setitem__("modules", []), "non-empty"),
    ("modules not a list", lambda d: d["architecture"].__setitem__("modules", {"0": 1}), "modules"),
    ("nested too deep", _nest(100), "nested"),
    ("nested within the limit", _nest(40), "parameters"),  # the names gain a prefix per level
    (
        "too many modules",
        lambda d: d["architecture"].__setitem__("modules", [{"type": "Dropout", "p": 0.1, "name": ""}] * 20_000),
        "modules",
    ),
    ("huge BatchNorm", _arch(1, "num_features", 10**9), "MAX_UNITS"),
    ("huge width", _arch(0, "nin", 10**400), "MAX_UNITS"),
    (
        "over MAX_PARAMETERS",
        lambda d: d.__setitem__(
            "architecture", {"type": "MLP", "nin": 10**6, "sizes": [10**6], "activations": ["relu"]}
        ),
        "MAX_PARAMETERS",
    ),
    (
        "products past 4300 digits",
        lambda d: d.__setitem__(
            "architecture", {"type": "Layer", "nin": 10**4000, "nout": 10**4000, "activation": "relu"}
        ),
        "MAX_UNITS",
    ),
    ("32 MB of brackets", lambda d: d.__setitem__("buffers", [[]] * 5_000_000), "JSON arrays"),
    (
        "wide unused Neuron",
        lambda d: d.__setitem__("architecture", {"type": "Neuron", "nin": 999, "activation": "relu"}),
        "parameters",
    ),
    (
        "weights renamed",
        lambda d: d.__setitem__("parameters", {f"x{k}": v for k, v in d["parameters"].items()}),
        "unexpected",
    ),
    ("buffers missing", lambda d: d.pop("buffers"), "missing"),
    ("buffers a list", lambda d: d.__setitem__("buffers", [0.0]), "buffers"),
    ("buffer missing", lambda d: d["buffers"].pop("layers.1.running_mean.3"), "running_mean.3"),
    ("buffer extra", lambda d: d["buffers"].__setitem__("layers.9.running_mean.0", 0.0), "unexpected"),
    ("buffer not finite", lambda d: d["buffers"].__setitem__("layers.1.running_var.0", 10**400), "finite"),
    ("buffer a string", lambda d: d["buffers"].__setitem__("layers.1.running_var.0", "1"), "number"),
    ("negative variance", lambda d: d["buffers"].__setitem__("layers.1.running_var.0", -1.0), "variance"),
    ("weight missing", lambda d: d["parameters"].pop("layers.3.neurons.0.b"), "missing"),
    (
        "MLP architecture in a module file",
        lambda d: d.__setitem__("architecture", {"nin": 2, "sizes": [1], "activations": ["linear"]}),
        "type",
    ),
    ("mlp format with buffers", lambda d: d.__setitem__("format", "scalargrad-mlp"), "unexpected"),
    ("unknown format", lambda d: d.__setitem__("format", "scalargrad-module2"), "format"),
]


@pytest.mark.parametrize(("what", "mutate", "word"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_malformed_module_file(tmp_path: Path, what: str, mutate: Callable[[dict[str, Any]], None], word: str) -> None:
    path = tmp_path / "m.json"
    nn.save(trained_sequential(), path)
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc))
    refused(path, word)


# ------------------------------------------------------------------ what cannot be saved
class Custom(nn.Module):
    def __init__(self) -> None:
        self.w = nn.Layer(2, 2)

    def __call__(self, x: Any) -> Any:
        return self.w(x)


class MyLayer(nn.Layer):
    def __call__(self, x: Any) -> Any:
        return [v * 2 for v in super().__call__(x)]


@pytest.mark.parametrize(
    ("make", "where"),
    [
        (Custom, "the model is a Custom"),
        (lambda: MyLayer(2, 2), "the model is a MyLayer"),
        (lambda: nn.Sequential(nn.Layer(2, 2), Custom()), "the model.layers.1 is a Custom"),
    ],
)
def test_save_refuses_modules_it_cannot_rebuild(tmp_path: Path, make: Callable[[], Any], where: str) -> None:
    with pytest.raises(TypeError, match="state_dict") as err:
        nn.save(make(), tmp_path / "m.json")
    assert where in str(err.value)
    assert not (tmp_path / "m.json").exists()


def _shrunk(model: Any) -> None:
    model.layers[0].neurons[1].w.pop()  # the Layer's nin (from its first neuron) no longer describes it


def _mixed(model: Any) -> None:
    model.layers[0].neurons[1].activation = "relu"


def _bad_momentum(model: Any) -> None:
    model.layers[1].momentum = 7.0


def _nan_buffer(model: Any) -> None:
    model.layers[1].running_mean[0] = float("nan")


def _negative_variance(model: Any) -> None:
    model.layers[1].running_var[0] = -1.0


def _extra_module(model: Any) -> None:
    model.layers[1].extra = nn.Dropout(0.5)


def _tied_weight(model: Any) -> None:
    model.layers[3].neurons[0].w[1] = model.layers[0].neurons[2].w[1]


def _shared_statistics(model: Any) -> None:
    model.layers[2] = nn.BatchNorm(6)
    model.layers[2].running_mean = model.layers[1].running_mean


def _nested_too_deep(model: Any) -> None:
    inner = model.layers[3]
    for _ in range(1500):  # deeper than Python's recursion limit: refused, not a RecursionError
        outer = nn.Sequential(nn.Dropout())
        outer.layers[0] = inner  # (a Sequential built around it would relabel the whole depth at each level)
        inner = outer
    model.layers[3] = inner


def test_save_refuses_a_shared_module(tmp_path: Path) -> None:
    layer = nn.Layer(2, 2, "tanh")
    with pytest.raises(ValueError, match=r"one module in two places \(the model.layers.0 and the model.layers.2\)"):
        nn.save(nn.Sequential(layer, nn.Dropout(0.1), layer), tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    ("change", "word"),
    [(_shrunk, "no longer match"), (_mixed, "different activations"), (_bad_momentum, "momentum"),
     (_nan_buffer, "non-finite"), (_negative_variance, "variance"), (_extra_module, "no longer match"),
     (_tied_weight, r"one parameter in two places \(the model.layers.0.neurons.2.w.1 and the model.layers.3"),
     (_shared_statistics, "one buffer in two places"), (_nested_too_deep, "nested")],
)  # fmt: skip
def test_save_refuses_a_model_it_could_not_load_back(tmp_path: Path, change: Callable[[Any], None], word: str) -> None:
    path = tmp_path / "m.json"
    nn.save(trained_sequential(), path)
    before = path.read_bytes()
    model = trained_sequential()
    change(model)
    with pytest.raises(ValueError, match=word):
        nn.save(model, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_hand_set_numbers_are_saved_as_the_floats_a_constructor_stores(tmp_path: Path) -> None:
    bn = nn.BatchNorm(2)
    bn.momentum, bn.eps = np.float64(0.25), 1
    nn.save(bn, tmp_path / "m.json")
    back = nn.load(tmp_path / "m.json")
    assert (back.momentum, back.eps) == (0.25, 1.0) and type(back.momentum) is float


def test_an_mlp_with_a_name_keeps_it(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    model.relabel("net")
    nn.save(model, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["name"] == "net"
    back = nn.load(tmp_path / "m.json")
    assert type(back) is nn.MLP and back.parameters()[0].label == "net.layers.0.neurons.0.w.0"


def _nested_layer(depth: int, nin: int, nout: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "Layer", "nin": nin, "nout": nout, "activation": "relu"}
    for _ in range(depth):
        spec = {"type": "Sequential", "modules": [spec]}
    return spec


@pytest.mark.parametrize(
    ("spec", "weights"),
    [
        (_nested_layer(0, 300, 300), 300 * 301),  # as many weights as the layer has, all misnamed
        (_nested_layer(60, 100, 100), 100 * 101),  # the right count, but names 60 levels short
        (_nested_layer(0, 10**6, 10**6), 1000),
    ],
)
def test_weights_are_matched_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any], weights: int
) -> None:
    def no_build(*args: Any) -> Any:
        raise AssertionError("load built the model before matching the file's weights")

    monkeypatch.setattr(nn.architecture, "build", no_build)  # (a refusal by nn.limits comes first, as well)
    doc = {"format": "scalargrad-module", "version": 1, "name": "", "architecture": spec, "buffers": {}}
    doc["parameters"] = {f"neurons.{k}.w.0": 0.5 for k in range(weights)}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    refused(path, "parameters")


_leaf_specs = st.one_of(
    st.builds(lambda n, a: {"type": "Neuron", "nin": n, "activation": a}, st.integers(1, 3), st.sampled_from(ACTS)),
    st.builds(
        lambda n, m, a: {"type": "Layer", "nin": n, "nout": m, "activation": a},
        st.integers(1, 3),
        st.integers(1, 3),
        st.sampled_from(ACTS),
    ),
    st.builds(
        lambda n, sizes, h, o: {"type": "MLP", "nin": n, "sizes": sizes, "activations": [h] * (len(sizes) - 1) + [o]},
        st.integers(1, 3),
        st.lists(st.integers(1, 3), min_size=1, max_size=3),
        st.sampled_from(ACTS),
        st.sampled_from(ACTS),
    ),
    st.builds(lambda n: {"type": "BatchNorm", "num_features": n, "momentum": 0.1, "eps": 1e-5}, st.integers(1, 3)),
    st.just({"type": "Dropout", "p": 0.5}),
)
_specs = st.recursive(
    _leaf_specs,
    lambda inner: st.builds(lambda ms: {"type": "Sequential", "modules": ms}, st.lists(inner, min_size=1, max_size=3)),
)


@given(_specs)
def test_names_from_the_architecture_are_those_of_the_built_model(spec: dict[str, Any]) -> None:
    """load matches a file's weights by these names before building: they must be exactly what the model has."""
    assert nn.architecture.check(spec, "test") == (
        len(list(nn.architecture.parameter_names(spec))),
        len(list(nn.architecture.buffer_names(spec))),
    )
    model = nn.architecture.build(spec)
    assert list(nn.architecture.parameter_names(spec)) == [n for n, _ in model.named_parameters()]
    assert list(nn.architecture.buffer_names(spec)) == [n for n, _ in model.named_buffers()]
    assert nn.architecture.describe(model) == spec


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    refused(tmp_path / "pipe", "not a regular file")


def test_a_directory_is_refused_by_its_path(tmp_path: Path) -> None:
    refused(tmp_path, "is a directory")


def test_saving_past_the_load_limit_warns_how_to_load_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nn.io, "MAX_BYTES", 1000)
    model = nn.Layer(10, 10)
    with pytest.warns(UserWarning, match="max_bytes="):
        nn.save(model, tmp_path / "m.json")
    size = (tmp_path / "m.json").stat().st_size
    assert nn.load(tmp_path / "m.json", max_bytes=size).state_dict() == model.state_dict()
