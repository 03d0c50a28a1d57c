"""A model's architecture as plain JSON data, its weights' names, and the model rebuilt from it (``nn.save``/``load``).

Each built-in module is one object naming its type and its constructor's arguments; a ``Sequential`` lists its
modules::

    {"type": "Sequential", "modules": [
        {"type": "Layer", "nin": 2, "nout": 16, "activation": "relu"},
        {"type": "BatchNorm", "num_features": 16, "momentum": 0.1, "eps": 1e-05},
        {"type": "Dropout", "p": 0.1},
        {"type": "MLP", "nin": 16, "sizes": [8, 1], "activations": ["tanh", "linear"]}]}

Only these six types can be described: a module of any other class (a subclass included, whose ``__call__`` may
differ) could not be rebuilt from data without running its code.  Modules' names are not stored: the rebuilt
model is labelled from its root's name (``relabel``), as the model was when it was built.

``check`` validates a description read from a file and counts the weights it asks for; ``parameter_names`` and
``buffer_names`` list them without building anything, so a file is matched against its architecture before
``build`` allocates the model.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Iterator
from typing import Any

from .layers import ACTIVATIONS, MLP, BatchNorm, Dropout, Layer, Neuron, Sequential
from .limits import MAX_PARAMETERS, MAX_UNITS
from .module import Module

__all__ = [
    "buffer_names",
    "build",
    "check",
    "check_name",
    "describe",
    "keys",
    "parameter_names",
    "shown",
]

MAX_DEPTH = 64  # Sequentials nested inside each other
MAX_MODULES = 10_000
MAX_NAME = 256  # characters of a model's name (every parameter's label starts with it)
KEYS = {
    "Neuron": {"type", "nin", "activation"},
    "Layer": {"type", "nin", "nout", "activation"},
    "MLP": {"type", "nin", "sizes", "activations"},
    "BatchNorm": {"type", "num_features", "momentum", "eps"},
    "Dropout": {"type", "p"},
    "Sequential": {"type", "modules"},
}
_CLASSES: dict[type, str] = {Neuron: "Neuron", Layer: "Layer", MLP: "MLP", BatchNorm: "BatchNorm"}
_CLASSES.update({Dropout: "Dropout", Sequential: "Sequential"})
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60
_repr.maxlist = _repr.maxdict = 6


def shown(x: Any) -> str:
    """A value from a file, as its repr cut to about 60 characters (an error message stays short)."""
    return _repr.repr(x)


# ------------------------------------------------------------ model -> description
def _refused(model: Any, where: str) -> TypeError:
    return TypeError(
        f"nn.save saves the built-in modules {sorted(KEYS)}; {where} is a {type(model).__name__}, which could "
        "not be rebuilt from a file without running its code. Save its state_dict() (a dict of floats) as JSON "
        "instead, and load_state_dict() it into a model built in code"
    )


def _walk(model: Module) -> None:
    """Refuse, before describing, trees a file cannot rebuild: other classes, too deep, one object in two places."""
    seen: dict[int, str] = {}
    stack: list[tuple[Any, str, int]] = [(model, "the model", 0)]
    modules = 0
    while stack:
        mod, where, depth = stack.pop()
        modules += 1
        if type(mod) not in _CLASSES:
            raise _refused(mod, where)
        if depth > MAX_DEPTH or modules > MAX_MODULES:
            raise ValueError(f"cannot save: more than {MAX_DEPTH} nested Sequentials or {MAX_MODULES} modules")
        _once(seen, mod, where, "module")
        for key in mod._buffer_names:
            _once(seen, getattr(mod, key), f"{where}.{key}", "buffer")
        if isinstance(mod, Sequential):
            stack.extend(reversed([(m, f"{where}.layers.{i}", depth + 1) for i, m in enumerate(mod.layers)]))
    for name, p in model.named_parameters("the model"):
        _once(seen, p, name, "parameter")


def _once(seen: dict[int, str], obj: Any, where: str, what: str) -> None:
    if id(obj) in seen:
        raise ValueError(
            f"cannot save: the model uses one {what} in two places ({seen[id(obj)]} and {where}); a file holds "
            "each place separately, so the loaded model would not share them"
        )
    seen[id(obj)] = where


def _one_activation(units: list[Any], where: str) -> str:
    acts = {n.activation for n in units}
    if len(acts) != 1:
        raise ValueError(f"cannot save {where}: its neurons have different activations {sorted(map(str, acts))}")
    return str(acts.pop())


def _float(x: Any) -> Any:
    """A number as the float its constructor stores (an int or numpy float put there by hand); anything else as is."""
    return float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else x


def describe(model: Module) -> dict[str, Any]:
    """The JSON description of ``model``: one of the six built-in module types, Sequentials nesting any of them."""
    if not isinstance(model, Module):
        raise TypeError(f"nn.save saves a model (an nn.Module such as nn.MLP), got {type(model).__name__}")
    _walk(model)
    return _describe(model, "the model")


def _describe(model: Module, where: str) -> dict[str, Any]:
    kind = _CLASSES[type(model)]
    if isinstance(model, Neuron):
        return {"type": kind, "nin": model.nin, "activation": model.activation}
    if isinstance(model, Layer):
        return {"type": kind, "nin": model.nin, "nout": model.nout, "activation": _one_activation(model.neurons, where)}
    if isinstance(model, MLP):
        acts = [_one_activation(layer.neurons, f"{where}.layers.{i}") for i, layer in enumerate(model.layers)]
        return {"type": kind, "nin": model.nin, "sizes": model.sizes, "activations": acts}
    if isinstance(model, BatchNorm):
        momentum, eps = _float(model.momentum), _float(model.eps)
        return {"type": kind, "num_features": model.num_features, "momentum": momentum, "eps": eps}
    if isinstance(model, Dropout):
        return {"type": kind, "p": _float(model.p)}
    assert isinstance(model, Sequential)
    return {"type": kind, "modules": [_describe(m, f"{where}.layers.{i}") for i, m in enumerate(model.layers)]}


# ------------------------------------------------------------ checking a description read from a file
def keys(obj: Any, expected: set[str], what: str, where: str) -> None:
    """A ValueError unless ``obj`` is a JSON object with exactly the keys ``expected``."""
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: {what} must be a JSON object, got {type(obj).__name__}")
    missing, extra = sorted(expected - obj.keys()), sorted(obj.keys() - expected)
    if missing or extra:
        raise ValueError(f"{where}: {what} has missing keys {missing} and unexpected keys {shown(extra)}")


def _int(x: Any, what: str, where: str) -> int:
    if type(x) is not int or not 1 <= x <= MAX_UNITS:
        raise ValueError(
            f"{where}: {what} must be a positive integer of at most nn.limits.MAX_UNITS = {MAX_UNITS:,}, got {shown(x)}"
        )
    return x


def _number(x: Any, what: str, where: str) -> float:
    if type(x) not in (int, float) or not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be a finite number, got {shown(x)}")
    return float(x)


def _activation(x: Any, what: str, where: str) -> str:
    if not isinstance(x, str) or x not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {shown(x)} in {what}; expected one of {ACTIVATIONS}")
    return x


def check_name(x: Any, where: str) -> str:
    """A model's name from a file: a string of at most ``MAX_NAME`` characters."""
    if not isinstance(x, str) or len(x) > MAX_NAME:
        raise ValueError(f"{where}: name must be a string of at most {MAX_NAME} characters, got {shown(x)}")
    return x


def _check_mlp(arch: dict[str, Any], where: str, what: str = "architecture") -> tuple[int, list[int], list[str]]:
    """``(nin, sizes, activations)`` of an MLP's description (its keys already checked), or a ValueError."""
    nin = _int(arch["nin"], f"{what}.nin", where)
    sizes, acts = arch["sizes"], arch["activations"]
    if not isinstance(sizes, list) or not sizes or len(sizes) > MAX_MODULES:
        raise ValueError(f"{where}: {what}.sizes must be a non-empty list of layer widths, got {shown(sizes)}")
    sizes = [_int(s, f"each of {what}.sizes", where) for s in sizes]
    if not isinstance(acts, list) or len(acts) != len(sizes):
        raise ValueError(f"{where}: {what}.activations must be a list of {len(sizes)} names, got {shown(acts)}")
    acts = [_activation(a, f"{what}.activations", where) for a in acts]
    if len(set(acts[:-1])) > 1:
        raise ValueError(f"{where}: hidden layers must share one activation, got {acts[:-1]}")
    return nin, sizes, acts


def _check_one(spec: dict[str, Any], kind: str, what: str, where: str) -> tuple[int, int]:
    """Check a non-Sequential description's values; return its numbers of parameters and buffers."""
    if kind == "MLP":
        nin, sizes, acts = _check_mlp(spec, where, what)
        dims = [nin, *sizes]
        return sum((a + 1 + (act == "prelu")) * b for a, b, act in zip(dims, sizes, acts)), 0
    if kind == "BatchNorm":
        _number(spec["momentum"], f"{what}.momentum", where)
        _number(spec["eps"], f"{what}.eps", where)
        n = _int(spec["num_features"], f"{what}.num_features", where)
        return 2 * n, 2 * n
    if kind == "Dropout":
        _number(spec["p"], f"{what}.p", where)
        return 0, 0
    nin = _int(spec["nin"], f"{what}.nin", where)
    nout = _int(spec["nout"], f"{what}.nout", where) if kind == "Layer" else 1
    prelu = _activation(spec["activation"], f"{what}.activation", where) == "prelu"
    return (nin + 1 + prelu) * nout, 0


def check(spec: Any, where: str) -> tuple[int, int]:
    """Validate a description read from a file (``where`` names it in errors).

    Returns how many parameters and buffers it asks for.  Nothing is built, and the walk stops at
    ``MAX_DEPTH`` nested Sequentials and ``MAX_MODULES`` modules.
    """
    params = buffers = 0
    modules = 1
    stack: list[tuple[Any, str, int]] = [(spec, "architecture", 0)]
    while stack:
        spec, what, depth = stack.pop()
        kind = spec.get("type") if isinstance(spec, dict) else None
        if not isinstance(kind, str) or kind not in KEYS:
            got = shown(kind) if isinstance(spec, dict) else f"a {type(spec).__name__}"
            raise ValueError(f"{where}: {what} must be an object with a type among {sorted(KEYS)}, got {got}")
        keys(spec, KEYS[kind], what, where)
        if kind != "Sequential":
            p, b = _check_one(spec, kind, what, where)
            params, buffers = params + p, buffers + b
            continue
        children = spec["modules"]
        if not isinstance(children, list) or not children:
            raise ValueError(f"{where}: {what}.modules must be a non-empty list of modules, got {shown(children)}")
        modules += len(children)
        if modules > MAX_MODULES:
            raise ValueError(f"{where}: more than {MAX_MODULES} modules")
        if depth >= MAX_DEPTH:
            raise ValueError(f"{where}: Sequentials nested more than {MAX_DEPTH} deep")
        stack.extend((c, f"{what}.modules[{i}]", depth + 1) for i, c in enumerate(children))
    if params > MAX_PARAMETERS:
        raise ValueError(f"{where}: the architecture has {params:,} parameters, over nn.limits.MAX_PARAMETERS")
    return params, buffers


# ------------------------------------------------------------ names of the weights, without building
def _neuron_names(nin: int, prelu: bool, prefix: str) -> Iterator[str]:
    for i in range(nin):
        yield f"{prefix}w.{i}"
    yield f"{prefix}b"
    if prelu:
        yield f"{prefix}slope"


def _layer_names(nin: int, nout: int, prelu: bool, prefix: str) -> Iterator[str]:
    for j in range(nout):
        yield from _neuron_names(nin, prelu, f"{prefix}neurons.{j}.")


def parameter_names(spec: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The names ``named_parameters`` of the model ``build(spec)`` gives, in that order (``spec`` checked)."""
    kind = spec["type"]
    if kind == "Sequential":
        for i, child in enumerate(spec["modules"]):
            yield from parameter_names(child, f"{prefix}layers.{i}.")
    elif kind == "MLP":
        dims = [spec["nin"], *spec["sizes"]]
        for i, act in enumerate(spec["activations"]):
            yield from _layer_names(dims[i], dims[i + 1], act == "prelu", f"{prefix}layers.{i}.")
    elif kind == "Layer":
        yield from _layer_names(spec["nin"], spec["nout"], spec["activation"] == "prelu", prefix)
    elif kind == "Neuron":
        yield from _neuron_names(spec["nin"], spec["activation"] == "prelu", prefix)
    elif kind == "BatchNorm":
        for key in ("gamma", "beta"):
            yield from (f"{prefix}{key}.{k}" for k in range(spec["num_features"]))


def buffer_names(spec: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The names ``named_buffers`` of the model ``build(spec)`` gives, in that order (``spec`` checked)."""
    if spec["type"] == "Sequential":
        for i, child in enumerate(spec["modules"]):
            yield from buffer_names(child, f"{prefix}layers.{i}.")
    elif spec["type"] == "BatchNorm":
        for key in BatchNorm._buffer_names:
            yield from (f"{prefix}{key}.{k}" for k in range(spec["num_features"]))


# ------------------------------------------------------------ description -> model
def build(spec: dict[str, Any], model_name: str = "") -> Module:
    """The module a (checked) description describes, with fresh weights, labelled from ``model_name``."""
    model = _build(spec)
    model.relabel(model_name)
    return model


def _build(spec: dict[str, Any]) -> Module:
    kind = spec["type"]
    if kind == "Sequential":
        seq = Sequential.__new__(Sequential)  # Sequential(...) would relabel each level: once, in build, is enough
        seq.layers = [_build(c) for c in spec["modules"]]
        return seq
    if kind == "MLP":
        acts = spec["activations"]
        hidden = acts[0] if len(acts) > 1 else "relu"
        return MLP(spec["nin"], spec["sizes"], hidden, None if acts[-1] == "linear" else acts[-1])
    if kind == "Layer":
        return Layer(spec["nin"], spec["nout"], spec["activation"])
    if kind == "Neuron":
        return Neuron(spec["nin"], spec["activation"])
    if kind == "BatchNorm":
        return BatchNorm(spec["num_features"], spec["momentum"], spec["eps"])
    return Dropout(spec["p"])
