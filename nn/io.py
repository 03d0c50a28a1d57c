"""``save`` / ``load`` a model as plain JSON: a format name and version, the architecture and the weights by name.

An ``nn.MLP`` is written in the ``scalargrad-mlp`` format::

    {"format": "scalargrad-mlp", "version": 1,
     "architecture": {"nin": 2, "sizes": [16, 16, 1], "activations": ["relu", "relu", "linear"]},
     "parameters": {"layers.0.neurons.0.w.0": 0.123, ..., "layers.2.neurons.0.b": -0.5}}

Any other tree of the built-in modules (a ``Sequential`` with ``BatchNorm`` and ``Dropout``, a ``Layer``, ...) in
the ``scalargrad-module`` format: ``architecture`` as in ``nn.architecture``, and ``buffers`` beside
``parameters`` (BatchNorm's running statistics).  A loaded model is in ``train()`` mode, as a new one is, and a
Dropout gets a fresh random generator: call ``.eval()`` to predict.  Labels are rebuilt from the model's name (its
``relabel`` prefix, kept): labels given by hand to a sub-module or a weight are not stored, nor an MLP's ``seed``.
Architectures beyond ``nn.limits`` are refused, as the constructors refuse them.

Floats are written with ``repr`` so a round trip is bit-exact.  Saving writes a temporary file in the same
directory and renames it over the target (``os.replace``), so an interrupted save leaves the old file intact.
Loading never executes anything: it size-checks the file, parses JSON only, checks every field, rebuilds the
model from the architecture and copies the weights in; anything unexpected raises ``ValueError`` naming it.
"""

from __future__ import annotations

import json
import math
import os
import stat
import warnings
from collections.abc import Iterator
from typing import Any

from autograd.files import check_path, write_atomic

from . import architecture
from .architecture import shown as _shown
from .module import Module

FORMAT = "scalargrad-mlp"
MODULE_FORMAT = "scalargrad-module"
VERSION = 1
MAX_BYTES = 32 * 2**20
MAX_CONTAINERS = 100_000  # a model file has a few per module, and at most 10,000 modules
_TOP_KEYS = {FORMAT: {"format", "version", "architecture", "parameters"}}
_TOP_KEYS[MODULE_FORMAT] = {"format", "version", "name", "architecture", "parameters", "buffers"}
_ARCH_KEYS = architecture.KEYS["MLP"] - {"type"}  # the MLP format's architecture has no type

__all__ = ["load", "save"]


def _numbers(pairs: list[tuple[str, Any]], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, x in pairs:
        if not isinstance(x, float):
            raise ValueError(f"{what} {name} holds {type(x).__name__}, not a float; cannot save it")
        if not math.isfinite(x):
            raise ValueError(f"{what} {name} is {x}; refusing to save a model with non-finite weights")
        out[name] = x
    return out


def _structure(model: Module) -> tuple[list[tuple[str, type]], list[str], list[str]]:
    modules = [(n, type(m)) for n, m in model.named_modules()]
    return modules, [n for n, _ in model.named_parameters()], [n for n, _ in model.named_buffers()]


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically (temp file + ``os.replace``).

    ``model`` is an ``nn.MLP``, ``Sequential``, ``Layer``, ``Neuron``, ``BatchNorm`` or ``Dropout`` (Sequentials
    may nest any of them); weights must be finite floats.  A model the file could not give back exactly is
    refused, and an existing file is then left as it was.
    """
    path = check_path(path)
    spec = architecture.describe(model)
    name = model.name
    try:
        architecture.check_name(name, "the model")
        architecture.check(spec, "the model")
        rebuilt = architecture.build(spec, name)
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot save: {e}") from None
    if _structure(model) != _structure(rebuilt):
        raise ValueError(
            "cannot save: the model's modules or weights no longer match what its layers say they are (was it "
            "changed after it was built?); the file could not be loaded back"
        )
    params = _numbers([(n, p.data) for n, p in model.named_parameters()], "parameter")
    buffers = _numbers(model.named_buffers(), "buffer")
    try:
        rebuilt.load_state_dict({**params, **buffers})  # what load will check, e.g. that no variance is negative
    except ValueError as e:
        raise ValueError(f"cannot save: {_capped(str(e))}") from None
    if type(model) is architecture.MLP and name == "":
        del spec["type"]
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "architecture": spec, "parameters": params}
    else:
        doc = {"format": MODULE_FORMAT, "version": VERSION, "name": name, "architecture": spec}
        doc.update(parameters=params, buffers=buffers)
    data = json.dumps(doc, allow_nan=False, indent=1).encode("utf-8")
    write_atomic(path, data)
    if len(data) > MAX_BYTES:
        warnings.warn(
            f"{str(path)!r} is {len(data):,} bytes, over nn.load's default limit of {MAX_BYTES:,}: "
            f"load it with nn.load(path, max_bytes={len(data)})",
            stacklevel=2,
        )


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a valid weight (weights must be finite numbers)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {_shown(k)} appears twice")
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


def _matched(names: Iterator[str], table: Any, needed: int, what: str, arch: str, where: str) -> dict[str, float]:
    """The file's ``parameters`` (or ``buffers``) object checked against the architecture's names: name -> float.

    The names are generated one by one and their total length is capped by the file's own keys, so a small file
    cannot make this build a huge list; nothing is allocated for the model before they match.
    """
    if not isinstance(table, dict):
        raise ValueError(f"{where}: {what} must be a JSON object of name -> number")
    too_many = f"{where}: {what} do not match the architecture {arch}: it needs {needed}, the file has {len(table)}"
    if needed > len(table) + 1000:
        raise ValueError(too_many)
    budget = sum(map(len, table)) + 100_000
    expected: set[str] = set()
    missing: list[str] = []
    for name in names:
        budget -= len(name)
        if budget < 0:
            raise ValueError(f"{too_many} (e.g. missing {_shown(missing)})")
        expected.add(name)
        if name not in table:
            missing.append(name)
    extra = [k for k in table if k not in expected]
    if missing or extra:
        raise ValueError(
            f"{where}: {what} do not match the architecture {arch} "
            f"({len(missing)} missing, e.g. {_shown(missing)}; unexpected {_shown(extra)})"
        )
    out = {}
    for name, x in table.items():
        if type(x) not in (int, float):
            raise ValueError(f"{where}: {what[:-1]} {name} must be a number, got {type(x).__name__} {_shown(x)}")
        try:
            out[name] = float(x)
        except OverflowError:
            out[name] = math.inf
        if not math.isfinite(out[name]):
            raise ValueError(f"{where}: {what[:-1]} {name} is {_shown(x)}, not a finite float64 number")
    return out


def _capped(message: str) -> str:
    return message if len(message) <= 600 else f"{message[:580]} ... ({len(message):,} characters)"


def load(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Any:
    """Read a model written by ``nn.save``; any malformed file raises ``ValueError`` saying what is wrong.

    Files larger than ``max_bytes`` are refused before they are read.
    """
    path = check_path(path)
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    where = f"model file {path!r}"
    # non-blocking: opening a FIFO must not wait for a writer (it is refused below, as anything not a file is)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # refused before fdopen, whose error would name the descriptor, not the path
        os.close(fd)
        raise ValueError(f"{where} is {'a directory' if stat.S_ISDIR(info.st_mode) else 'not a regular file'}")
    with os.fdopen(fd, "rb") as f:
        size = info.st_size
        if size > max_bytes:
            raise ValueError(f"{where} is {size} bytes, over the limit of {max_bytes} (pass max_bytes= to allow it)")
        raw = f.read(min(max_bytes, size) + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"{where} is over the limit of {max_bytes} bytes (pass max_bytes= to allow it)")
    if raw.count(b"[") + raw.count(b"{") > MAX_CONTAINERS:  # before parsing: 32 MB of [[[... takes GBs as lists
        raise ValueError(f"{where} is not a model file: more than {MAX_CONTAINERS:,} JSON arrays and objects")
    doc = _parse(raw, where)
    fmt = doc.get("format", FORMAT) if isinstance(doc, dict) else FORMAT
    if not isinstance(fmt, str) or fmt not in _TOP_KEYS:
        raise ValueError(f"{where}: format is {_shown(fmt)}, expected {FORMAT!r} or {MODULE_FORMAT!r}")
    architecture.keys(doc, _TOP_KEYS[fmt], "the top level", where)
    if doc["version"] != VERSION or type(doc["version"]) is not int:
        raise ValueError(
            f"{where}: format version {_shown(doc['version'])} is not supported (this library reads {VERSION})"
        )
    spec = doc["architecture"]
    if fmt == FORMAT:
        architecture.keys(spec, _ARCH_KEYS, "architecture", where)
        spec, model_name = {"type": "MLP", **spec}, ""
    else:
        model_name = architecture.check_name(doc["name"], where)
    n_params, n_buffers = architecture.check(spec, where)
    arch = f"nin={spec['nin']}, sizes={_shown(spec['sizes'])}" if fmt == FORMAT else "in the file"
    state = _matched(architecture.parameter_names(spec), doc["parameters"], n_params, "parameters", arch, where)
    if fmt == MODULE_FORMAT:
        state.update(_matched(architecture.buffer_names(spec), doc["buffers"], n_buffers, "buffers", arch, where))
    try:
        model = architecture.build(spec, model_name)
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: {_capped(str(e))}") from None
    return model
