"""nn.save / nn.load: exact round trip, atomic writes, and every malformed file refused with ValueError."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from nn import io as nnio


def make_model(activation: str = "tanh", output: str | None = "sigmoid") -> Any:
    return nn.MLP(3, [4, 5, 2], activation=activation, output_activation=output, seed=7)


def outputs(model: Any, X: np.ndarray) -> np.ndarray:
    return np.column_stack([o.data for o in model(X)])


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Any, Path, dict[str, Any]]:
    model = make_model()
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path, json.loads(path.read_text())


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("activation", "output"), [("tanh", "sigmoid"), ("relu", None), ("leaky_relu", "tanh"), ("prelu", "prelu")]
)
def test_round_trip_is_bit_exact(tmp_path: Path, activation: str, output: str | None) -> None:
    model = make_model(activation, output)
    rng = np.random.default_rng(0)
    for p in model.parameters():  # awkward floats: full 17 significant digits, tiny and huge magnitudes
        p.data = float(rng.normal() * 10.0 ** rng.integers(-300, 300)) if rng.random() < 0.2 else float(rng.normal())
    path = tmp_path / "m.json"
    nn.save(model, str(path))
    back = nn.load(path)
    assert type(back) is type(model)
    names = [n for n, _ in model.named_parameters()]
    assert [n for n, _ in back.named_parameters()] == names
    for (_, a), (_, b) in zip(model.named_parameters(), back.named_parameters()):
        assert a.data.hex() == b.data.hex()
    assert [n.activation for layer in back.layers for n in layer.neurons] == [
        n.activation for layer in model.layers for n in layer.neurons
    ]
    X = rng.normal(size=(6, 3))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(outputs(back, X), outputs(model, X))


def test_file_is_plain_json_with_version_and_architecture(saved: tuple[Any, Path, dict[str, Any]]) -> None:
    model, _, doc = saved
    assert doc["format"] == "scalargrad-mlp" and doc["version"] == 1
    assert doc["architecture"] == {"nin": 3, "sizes": [4, 5, 2], "activations": ["tanh", "tanh", "sigmoid"]}
    assert doc["parameters"] == {n: p.data for n, p in model.named_parameters()}


def test_save_replaces_atomically_and_interrupted_save_keeps_old_file(
    saved: tuple[Any, Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path, _ = saved
    before = path.read_bytes()
    model.parameters()[0].data += 1.0

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nn.save(model, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["model.json"]  # the temp file was removed
    monkeypatch.undo()
    nn.save(model, path)
    assert nn.load(path).parameters()[0].data == model.parameters()[0].data
    assert sorted(os.listdir(path.parent)) == ["model.json"]


def test_save_refuses_non_finite_weights_and_non_models(tmp_path: Path) -> None:
    model = make_model()
    model.parameters()[3].data = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        nn.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
    with pytest.raises(TypeError, match="MLP"):
        nn.save(object(), tmp_path / "m.json")
    with pytest.raises(TypeError, match="path"):
        nn.save(make_model(), 3)  # type: ignore[arg-type]


def mutate(doc: dict[str, Any], how: str) -> Any:
    doc = json.loads(json.dumps(doc))
    arch, params = doc["architecture"], doc["parameters"]
    first = next(iter(params))
    if how == "wrong version":
        doc["version"] = 2
    elif how == "string version":
        doc["version"] = "1"
    elif how == "wrong format":
        doc["format"] = "pickle"
    elif how == "extra top-level key":
        doc["__reduce__"] = "os.system"
    elif how == "missing parameters":
        del doc["parameters"]
    elif how == "extra parameter":
        params["layers.0.neurons.9.w.0"] = 1.0
    elif how == "missing parameter":
        del params[first]
    elif how == "wrong shape (sizes)":
        arch["sizes"] = [4, 6, 2]
    elif how == "wrong shape (nin)":
        arch["nin"] = 2
    elif how == "string weight":
        params[first] = "0.5"
    elif how == "null weight":
        params[first] = None
    elif how == "bool weight":
        params[first] = True
    elif how == "list weight":
        params[first] = [0.5]
    elif how == "huge int weight":
        return json.dumps(doc).replace(json.dumps(params[first]), "1" + "0" * 400, 1)
    elif how == "overflowing float weight":
        return json.dumps(doc).replace(json.dumps(params[first]), "1e999", 1)
    elif how == "NaN weight":
        return json.dumps(doc).replace(json.dumps(params[first]), "NaN", 1)
    elif how == "unknown activation":
        arch["activations"][0] = "__import__('os').system('echo pwned')"
    elif how == "mixed hidden activations":
        arch["activations"] = ["tanh", "relu", "sigmoid"]
    elif how == "zero width":
        arch["sizes"] = [4, 0, 2]
    elif how == "extra architecture key":
        arch["class"] = "subprocess.Popen"
    elif how == "top level is a list":
        return json.dumps([doc])
    elif how == "duplicate key":
        text = json.dumps(doc)
        return text.replace('"version": 1', '"version": 1, "version": 1', 1)
    elif how == "deeply nested":
        return '{"format": ' + "[" * 5000 + "]" * 5000 + "}"  # past the parser's recursion limit
    else:  # pragma: no cover
        raise AssertionError(how)
    return doc


BAD = [
    ("wrong version", "version 2 is not supported"),
    ("string version", "version '1' is not supported"),
    ("wrong format", "format is 'pickle'"),
    ("extra top-level key", r"unexpected keys \['__reduce__'\]"),
    ("missing parameters", r"missing keys \['parameters'\]"),
    ("extra parameter", r"unexpected \['layers.0.neurons.9.w.0'\]"),
    ("missing parameter", "1 missing"),
    ("wrong shape (sizes)", r"do not match the architecture nin=3, sizes=\[4, 6, 2\]"),
    ("wrong shape (nin)", "do not match the architecture nin=2"),
    ("string weight", "must be a number, got str"),
    ("null weight", "must be a number, got NoneType"),
    ("bool weight", "must be a number, got bool"),
    ("list weight", "must be a number, got list"),
    ("huge int weight", "not a finite float64"),
    ("overflowing float weight", "not a finite float64"),
    ("NaN weight", "NaN is not a valid weight"),
    ("unknown activation", "unknown activation"),
    ("mixed hidden activations", "share one activation"),
    ("zero width", "positive integer"),
    ("extra architecture key", r"unexpected keys \['class'\]"),
    ("top level is a list", "must be a JSON object"),
    ("duplicate key", "appears twice"),
    ("deeply nested", "nested too deeply|not a valid model file"),
]


@pytest.mark.parametrize(("how", "match"), BAD, ids=[b[0] for b in BAD])
def test_malformed_files_are_refused(saved: tuple[Any, Path, dict[str, Any]], how: str, match: str) -> None:
    _, path, doc = saved
    bad = mutate(doc, how)
    path.write_text(bad if isinstance(bad, str) else json.dumps(bad))
    with pytest.raises(ValueError, match=match):
        nn.load(path)


@pytest.mark.parametrize("cut", [1, 10, 0.5, -1])
def test_truncated_file_is_refused(saved: tuple[Any, Path, dict[str, Any]], cut: float) -> None:
    _, path, _ = saved
    raw = path.read_bytes()
    end = int(len(raw) * cut) if isinstance(cut, float) else cut if cut > 0 else len(raw) - 2
    path.write_bytes(raw[:end])
    with pytest.raises(ValueError, match=r"not valid JSON \(the file looks truncated\)"):
        nn.load(path)


def test_empty_binary_and_pickle_files_are_refused(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    cases = {
        "empty.json": b"",
        "binary.json": bytes(range(256)),
        "pickle.json": pickle.dumps(Evil()),
        "python.json": b"__import__('os').system('touch pwned')",
    }
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(ValueError, match="not"):
            nn.load(tmp_path / name)
    assert not (tmp_path / "pwned").exists()


def test_oversized_file_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(100 * 2**20)  # a sparse 100 MB file
    parsed: list[bytes] = []
    monkeypatch.setattr(nnio, "_parse", lambda raw, where: parsed.append(raw))
    with pytest.raises(ValueError, match=r"104857600 bytes, over the limit"):
        nn.load(big)
    assert parsed == []


def test_max_bytes_limit_is_adjustable(saved: tuple[Any, Path, dict[str, Any]]) -> None:
    _, path, _ = saved
    size = path.stat().st_size
    with pytest.raises(ValueError, match="over the limit"):
        nn.load(path, max_bytes=size - 1)
    assert nn.load(path, max_bytes=size) is not None
    with pytest.raises(ValueError, match="max_bytes"):
        nn.load(path, max_bytes=0)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")
