"""Model files: every malformed or hostile file is refused with a clear error, loading runs no code,
and an interrupted save leaves the previous file intact."""

from __future__ import annotations

import builtins
import json
import os
import pickle
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

nn = pytest.importorskip("nn")
if not hasattr(nn, "save") or not hasattr(nn, "load"):
    pytest.skip("nn.save / nn.load not available yet", allow_module_level=True)

MARKER = "scalargrad_pwned_marker"


@pytest.fixture
def model() -> Any:
    return nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=3)


@pytest.fixture
def saved(tmp_path: Path, model: Any) -> Path:
    path = tmp_path / "model.json"
    nn.save(model, path)
    return path


def _doc(path: Path) -> dict[str, Any]:
    with open(path) as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def _write(path: Path, doc: Any) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def refused(path: Path, *words: str) -> str:
    """The short ValueError message ``nn.load(path)`` raises, naming the file and each of ``words``."""
    old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("load hung")))
    signal.alarm(10)
    try:
        with pytest.raises(ValueError) as err:
            nn.load(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    msg = str(err.value)
    assert str(path) in msg, f"the message should name the file: {msg!r}"
    for w in words:
        assert w.lower() in msg.lower(), f"{w!r} not in {msg!r}"
    assert len(msg) < 2000, "the message should be short and readable"
    return msg


def test_round_trip_is_exact(saved: Path, model: Any) -> None:
    back = nn.load(saved)
    assert back.state_dict() == model.state_dict()
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert [list(o.data) for o in back(X)] == [list(o.data) for o in model(X)]


@pytest.mark.parametrize("cut", [0, 1, 10, 0.5, -1, -2])
def test_truncated(saved: Path, cut: float) -> None:
    raw = saved.read_bytes()
    n = int(len(raw) * cut) if isinstance(cut, float) else (cut if cut >= 0 else len(raw) + cut - 1)
    saved.write_bytes(raw[:n])
    refused(saved, "model file")


@pytest.mark.parametrize("version", [0, 2, 99, "1", 1.0, None, True, [1]])
def test_wrong_version(saved: Path, version: Any) -> None:
    doc = _doc(saved)
    doc["version"] = version
    refused(_write(saved, doc), "version")


def test_wrong_format_name(saved: Path) -> None:
    doc = _doc(saved)
    doc["format"] = "pytorch"
    refused(_write(saved, doc), "format")


def _mutations() -> list[tuple[str, Callable[[dict[str, Any]], None], str]]:
    def set_arch(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["architecture"].__setitem__(key, value)

    def drop_param(d: dict[str, Any]) -> None:
        d["parameters"].pop(sorted(d["parameters"])[0])

    def extra_param(d: dict[str, Any]) -> None:
        d["parameters"]["layers.9.neurons.0.w.0"] = 1.0

    def set_param(value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["parameters"].__setitem__(sorted(d["parameters"])[0], value)

    return [
        ("wrong shape: nin", set_arch("nin", 4), "parameters"),
        ("wrong shape: sizes", set_arch("sizes", [5, 2]), "parameters"),
        ("wrong shape: fewer layers", set_arch("sizes", [4]), "activations"),
        ("missing weight", drop_param, "missing"),
        ("extra weight", extra_param, "unexpected"),
        ("extra top-level key", lambda d: d.__setitem__("comment", "hi"), "unexpected"),
        ("__class__ hook", lambda d: d.__setitem__("__class__", "os.system"), "unexpected"),
        ("__reduce__ in architecture", lambda d: d["architecture"].__setitem__("__reduce__", ["os.system", "id"]), ""),
        ("missing architecture", lambda d: d.pop("architecture"), "missing"),
        ("architecture not an object", lambda d: d.__setitem__("architecture", [3, [4, 2]]), "architecture"),
        ("parameters not an object", lambda d: d.__setitem__("parameters", [1.0, 2.0]), "parameters"),
        ("weight is a string", set_param("0.5"), "number"),
        ("weight is a list", set_param([0.5]), "number"),
        ("weight is null", set_param(None), "number"),
        ("weight is a bool", set_param(True), "number"),
        ("weight is an object", set_param({"__class__": "float", "value": 1}), "number"),
        ("weight is a huge int", set_param(10**400), "finite"),
        ("unknown activation", set_arch("activations", ["tanh", "os.system"]), "activation"),
        ("negative size", set_arch("sizes", [-4, 2]), "positive"),
        ("zero nin", set_arch("nin", 0), "positive"),
        ("float size", set_arch("sizes", [4.0, 2]), "positive"),
        ("bool size", set_arch("sizes", [True, 2]), "positive"),
        ("huge architecture", set_arch("sizes", [10**6, 10**6]), "parameters"),
        ("huge nin", set_arch("nin", 10**12), "MAX_UNITS"),
        ("top level is a list", lambda d: (d.clear(), None)[1], "missing"),
    ]


MUTATIONS = _mutations()


@pytest.mark.parametrize(("what", "mutate", "word"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_malformed_contents(saved: Path, what: str, mutate: Callable[[dict[str, Any]], None], word: str) -> None:
    doc = _doc(saved)
    mutate(doc)
    refused(_write(saved, doc), word)


@pytest.mark.parametrize(
    "text",
    [
        '{"format": "scalargrad-mlp", "version": 1, "version": 1}',  # duplicate key
        '{"parameters": {"a": NaN}}',
        '{"parameters": {"a": Infinity}}',
        '{"parameters": {"a": -Infinity}}',
        "[" * 100_000 + "]" * 100_000,  # nesting bomb
        "",
        "null",
        "3.0",
        '"scalargrad-mlp"',
        "\ufeff{}",
        "!!python/object/apply:os.system ['echo pwned']",  # YAML tag
        "--- !ruby/object:Gem::Installer\ni: x\n",
        "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    ],
)
def test_not_a_model_file(tmp_path: Path, text: str) -> None:
    refused(_write(tmp_path / "m.json", text), "model file")


def test_binary_garbage_and_utf16(tmp_path: Path, saved: Path) -> None:
    (tmp_path / "g.bin").write_bytes(bytes(range(256)) * 10)
    refused(tmp_path / "g.bin", "not")
    (tmp_path / "u16.json").write_bytes(saved.read_text().encode("utf-16"))
    refused(tmp_path / "u16.json", "not")


class _Payload:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {MARKER}",))


def test_pickle_payload_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for proto in (0, 2, pickle.HIGHEST_PROTOCOL):
        path = tmp_path / f"evil{proto}.json"
        path.write_bytes(pickle.dumps(_Payload(), protocol=proto))
        refused(path, "model file")
    assert not (tmp_path / MARKER).exists()


def test_loading_calls_no_code_executing_function(
    saved: Path, monkeypatch: pytest.MonkeyPatch, model: Any, tmp_path: Path
) -> None:
    """Booby-trap every way to run code from data; a valid and a hostile file both load/fail without them."""

    def trap(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nn.load must not execute or unpickle anything")

    for mod, name in [(pickle, "loads"), (pickle, "load"), (builtins, "eval"), (builtins, "exec"), (os, "system")]:
        monkeypatch.setattr(mod, name, trap)
    monkeypatch.setattr(pickle, "Unpickler", trap)
    assert nn.load(saved).state_dict() == model.state_dict()
    doc = _doc(saved)
    doc["__class__"] = "subprocess.Popen"
    refused(_write(tmp_path / "hook.json", doc), "unexpected")


def test_huge_file_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:  # 100 MB (sparse: the size is what matters)
        fh.truncate(100 * 2**20)
    refused(path, "bytes")


def test_real_100mb_json_refused(tmp_path: Path, saved: Path) -> None:
    """A 100 MB file of valid-looking JSON (a huge parameters object) is refused by its size."""
    path = tmp_path / "big.json"
    head = saved.read_text().rstrip()[:-1]
    with open(path, "w") as fh:
        fh.write(head + ', "padding": "')
        chunk = "x" * 2**20
        for _ in range(100):
            fh.write(chunk)
        fh.write('"}')
    assert path.stat().st_size > 100 * 2**20
    refused(path, "bytes")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")
    with pytest.raises((IsADirectoryError, PermissionError, ValueError)):
        nn.load(tmp_path)
    with pytest.raises(TypeError, match="path"):
        nn.load(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ saving is atomic
def _perturbed(model: Any) -> Any:
    other = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=4)
    assert other.state_dict() != model.state_dict()
    return other


def _no_temp_files(directory: Path) -> None:
    assert sorted(p.name for p in directory.iterdir()) == ["model.json"]


@pytest.mark.parametrize("where", ["os.replace", "os.fsync", "json.dumps", "os.fdopen", "write"])
def test_interrupted_save_keeps_old_file(saved: Path, model: Any, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    before = saved.read_bytes()

    class Interrupted(KeyboardInterrupt):
        pass

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise Interrupted(f"simulated interruption in {where}")

    if where == "write":
        real_fdopen = os.fdopen

        def half_writer(fd: int, *args: Any, **kwargs: Any) -> Any:
            fh = real_fdopen(fd, *args, **kwargs)
            real_write = fh.write

            class Half:
                def __enter__(self) -> Any:
                    return self

                def __exit__(self, *exc: Any) -> None:
                    fh.close()

                def write(self, text: str) -> int:
                    real_write(text[: len(text) // 2])
                    fh.flush()
                    raise Interrupted("simulated interruption half-way through the write")

                def __getattr__(self, name: str) -> Any:
                    return getattr(fh, name)

            return Half()

        monkeypatch.setattr(os, "fdopen", half_writer)
    elif where == "json.dumps":
        monkeypatch.setattr(json, "dumps", boom)
    else:
        _, name = where.split(".")
        monkeypatch.setattr(os, name, boom)
    with pytest.raises(Interrupted):
        nn.save(_perturbed(model), saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert nn.load(saved).state_dict() == model.state_dict()
    _no_temp_files(saved.parent)


def test_save_refuses_non_finite_weights_and_keeps_old_file(saved: Path, model: Any) -> None:
    before = saved.read_bytes()
    bad = _perturbed(model)
    bad.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match=r"non-finite|nan"):
        nn.save(bad, saved)
    assert saved.read_bytes() == before
    _no_temp_files(saved.parent)


def test_save_over_existing_file_replaces_it(saved: Path, model: Any) -> None:
    other = _perturbed(model)
    nn.save(other, saved)
    assert nn.load(saved).state_dict() == other.state_dict()
    _no_temp_files(saved.parent)


def test_save_bad_arguments(tmp_path: Path, model: Any) -> None:
    with pytest.raises(TypeError, match=r"model|MLP"):
        nn.save("not a model", tmp_path / "x.json")
    with pytest.raises(TypeError, match="path"):
        nn.save(model, 3.5)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        nn.save(model, tmp_path / "no" / "such" / "dir.json")
