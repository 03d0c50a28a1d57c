"""``save`` / ``load`` an ``nn.MLP`` as plain JSON: a format version, the architecture and the weights by name.

A file looks like::

    {"format": "scalargrad-mlp", "version": 1,
     "architecture": {"nin": 2, "sizes": [16, 16, 1], "activations": ["relu", "relu", "linear"]},
     "parameters": {"layers.0.neurons.0.w.0": 0.123, ..., "layers.2.neurons.0.b": -0.5}}

Floats are written with ``repr`` so a round trip is bit-exact.  Saving writes a temporary file in the same
directory and renames it over the target (``os.replace``), so an interrupted save leaves the old file intact.
Loading never executes anything: it size-checks the file, parses JSON only, checks every field, rebuilds the
MLP from the architecture and copies the weights in; anything unexpected raises ``ValueError`` naming it.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from autograd.files import check_path, write_atomic

FORMAT = "scalargrad-mlp"
VERSION = 1
MAX_BYTES = 32 * 2**20
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "prelu", "linear")
_TOP_KEYS = {"format", "version", "architecture", "parameters"}
_ARCH_KEYS = {"nin", "sizes", "activations"}

__all__ = ["load", "save"]


def _architecture(model: Any) -> dict[str, Any]:
    from .layers import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"nn.save saves an nn.MLP, got {type(model).__name__}")
    layers = model.layers
    return {
        "nin": len(layers[0].neurons[0].w),
        "sizes": [len(layer.neurons) for layer in layers],
        "activations": [layer.neurons[0].activation for layer in layers],
    }


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (an ``nn.MLP``) to ``path`` as JSON, atomically (temp file + ``os.replace``)."""
    path = check_path(path)
    architecture = _architecture(model)
    params: dict[str, float] = {}
    for name, p in model.named_parameters():
        x = p.data
        if not isinstance(x, float):
            raise ValueError(f"parameter {name} holds {type(x).__name__}, not a float; cannot save it")
        if not math.isfinite(x):
            raise ValueError(f"parameter {name} is {x}; refusing to save a model with non-finite weights")
        params[name] = x
    doc = {"format": FORMAT, "version": VERSION, "architecture": architecture, "parameters": params}
    text = json.dumps(doc, allow_nan=False, indent=1)
    write_atomic(path, text.encode("utf-8"))


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a valid weight (weights must be finite numbers)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice")
        out[k] = v
    return out


def _parse(raw: bytes, where: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where} is not a model file: not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        body = text.strip()
        cut = body.startswith("{") and (not body.endswith("}") or e.pos >= len(text.rstrip()))
        hint = " (the file looks truncated)" if cut else ""
        raise ValueError(f"{where} is not valid JSON{hint}: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise ValueError(f"{where} is not a model file: JSON nested too deeply") from None
    except ValueError as e:
        raise ValueError(f"{where} is not a valid model file: {e}") from None


def _keys(obj: Any, expected: set[str], what: str, where: str) -> None:
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: {what} must be a JSON object, got {type(obj).__name__}")
    missing, extra = sorted(expected - obj.keys()), sorted(obj.keys() - expected)
    if missing or extra:
        raise ValueError(f"{where}: {what} has missing keys {missing} and unexpected keys {extra}")


def _int(x: Any, what: str, where: str) -> int:
    if type(x) is not int or x < 1:
        raise ValueError(f"{where}: {what} must be a positive integer, got {x!r}")
    return x


def _check_architecture(arch: Any, where: str) -> tuple[int, list[int], list[str]]:
    _keys(arch, _ARCH_KEYS, "architecture", where)
    nin = _int(arch["nin"], "architecture.nin", where)
    sizes, acts = arch["sizes"], arch["activations"]
    if not isinstance(sizes, list) or not sizes:
        raise ValueError(f"{where}: architecture.sizes must be a non-empty list of layer widths, got {sizes!r}")
    sizes = [_int(s, "each of architecture.sizes", where) for s in sizes]
    if not isinstance(acts, list) or len(acts) != len(sizes):
        raise ValueError(f"{where}: architecture.activations must be a list of {len(sizes)} names, got {acts!r}")
    for a in acts:
        if a not in ACTIVATIONS:
            raise ValueError(
                f"{where}: unknown activation {a!r} in architecture.activations; expected one of {ACTIVATIONS}"
            )
    if len(set(acts[:-1])) > 1:
        raise ValueError(f"{where}: hidden layers must share one activation, got {acts[:-1]}")
    return nin, sizes, acts


def load(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Any:
    """Read an ``nn.MLP`` written by ``nn.save``; any malformed file raises ``ValueError`` saying what is wrong.

    Files larger than ``max_bytes`` are refused before they are read.
    """
    from .layers import MLP

    path = check_path(path)
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    where = f"model file {path!r}"
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise ValueError(f"{where} is {size} bytes, over the limit of {max_bytes} (pass max_bytes= to allow it)")
        raw = f.read(min(max_bytes, size) + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"{where} is over the limit of {max_bytes} bytes (pass max_bytes= to allow it)")
    doc = _parse(raw, where)
    _keys(doc, _TOP_KEYS, "the top level", where)
    if doc["format"] != FORMAT:
        raise ValueError(f"{where}: format is {doc['format']!r}, expected {FORMAT!r}")
    if doc["version"] != VERSION or type(doc["version"]) is not int:
        raise ValueError(f"{where}: format version {doc['version']!r} is not supported (this library reads {VERSION})")
    nin, sizes, acts = _check_architecture(doc["architecture"], where)
    params = doc["parameters"]
    if not isinstance(params, dict):
        raise ValueError(f"{where}: parameters must be a JSON object of name -> number")
    dims = [nin, *sizes]
    expected = sum((a + 1) * b + (b if act == "prelu" else 0) for a, b, act in zip(dims, sizes, acts))
    if expected > 2 * len(params) + 1000:  # before building: a tiny file must not ask for a huge model
        raise ValueError(
            f"{where}: parameters do not match the architecture nin={nin}, sizes={sizes}: "
            f"it needs {expected} weights, the file has {len(params)}"
        )
    output = None if acts[-1] == "linear" else acts[-1]
    hidden = acts[0] if len(acts) > 1 else "relu"
    model = MLP(nin, sizes, activation=hidden, output_activation=output)
    names = [name for name, _ in model.named_parameters()]
    missing, extra = sorted(set(names) - params.keys()), sorted(params.keys() - set(names))
    if missing or extra:
        shown = [*missing[:5], "..."] if len(missing) > 5 else missing
        raise ValueError(
            f"{where}: parameters do not match the architecture nin={nin}, sizes={sizes} "
            f"({len(missing)} missing, e.g. {shown}; unexpected {extra[:5]})"
        )
    for name in names:
        x = params[name]
        if type(x) not in (int, float):
            raise ValueError(f"{where}: parameter {name} must be a number, got {type(x).__name__} {x!r}")
        try:
            ok = math.isfinite(float(x))
        except OverflowError:
            ok = False
        if not ok:
            raise ValueError(f"{where}: parameter {name} is {x}, not a finite float64 number")
    model.load_state_dict({name: float(params[name]) for name in names})
    return model
