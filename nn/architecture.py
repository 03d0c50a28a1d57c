"""A model's architecture as plain JSON data, and the model rebuilt from it (for ``nn.save`` / ``nn.load``).

Each built-in module is one object naming its type and its constructor's arguments; a ``Sequential`` lists its
modules::

    {"type": "Sequential", "modules": [
        {"type": "Layer", "nin": 2, "nout": 16, "activation": "relu", "name": "layers.0"},
        {"type": "BatchNorm", "num_features": 16, "momentum": 0.1, "eps": 1e-05, "name": "layers.1"},
        {"type": "Dropout", "p": 0.1, "name": "layers.2"},
        {"type": "MLP", "nin": 16, "sizes": [8, 1], "activations": ["tanh", "linear"]}]}

Only these six types can be described: a module of any other class (a subclass included, whose ``__call__`` may
differ) could not be rebuilt from data without running its code.  ``check`` validates a description read from a
file and counts the parameters it asks for before ``build`` allocates anything.
"""

from __future__ import annotations

import math
from typing import Any

from .layers import ACTIVATIONS, MLP, BatchNorm, Dropout, Layer, Neuron, Sequential
from .module import Module

__all__ = ["build", "check", "check_mlp", "describe", "keys", "mlp_parameters"]

MAX_DEPTH = 64  # Sequentials nested inside each other
MAX_MODULES = 10_000
KEYS = {
    "Neuron": {"type", "nin", "activation", "name"},
    "Layer": {"type", "nin", "nout", "activation", "name"},
    "MLP": {"type", "nin", "sizes", "activations"},
    "BatchNorm": {"type", "num_features", "momentum", "eps", "name"},
    "Dropout": {"type", "p", "name"},
    "Sequential": {"type", "modules"},
}
_CLASSES: dict[type, str] = {Neuron: "Neuron", Layer: "Layer", MLP: "MLP", BatchNorm: "BatchNorm"}
_CLASSES.update({Dropout: "Dropout", Sequential: "Sequential"})


def _one_activation(units: list[Any], where: str) -> str:
    acts = {n.activation for n in units}
    if len(acts) != 1:
        raise ValueError(f"cannot save {where}: its neurons have different activations {sorted(acts)}")
    return str(acts.pop())


def describe(model: Module, where: str = "the model") -> dict[str, Any]:
    """The JSON description of ``model`` (one of the six built-in module types, nested in Sequentials)."""
    if not isinstance(model, Module):
        raise TypeError(f"nn.save saves a model (an nn.Module such as nn.MLP), got {type(model).__name__}")
    seen: dict[int, str] = {}
    for name, mod in model.named_modules():
        if id(mod) in seen:
            raise ValueError(
                f"cannot save {where}: it uses one module twice ({seen[id(mod)]} and {name}); a file holds each "
                "place's weights separately, so the loaded model would not share them"
            )
        seen[id(mod)] = name
    return _describe(model, where)


def _describe(model: Module, where: str) -> dict[str, Any]:
    kind = _CLASSES.get(type(model))
    if kind is None:
        raise TypeError(
            f"nn.save saves the built-in modules {sorted(KEYS)}; {where} is a {type(model).__name__}, which could "
            "not be rebuilt from a file without running its code. Save its state_dict() (a dict of floats) as JSON "
            "instead, and load_state_dict() it into a model built in code"
        )
    if isinstance(model, Neuron):
        return {"type": kind, "nin": model.nin, "activation": model.activation, "name": model.name}
    if isinstance(model, Layer):
        act = _one_activation(model.neurons, where)
        return {"type": kind, "nin": model.nin, "nout": model.nout, "activation": act, "name": model.name}
    if isinstance(model, MLP):
        acts = [_one_activation(layer.neurons, f"{where}.layers.{i}") for i, layer in enumerate(model.layers)]
        return {"type": kind, "nin": model.nin, "sizes": model.sizes, "activations": acts}
    if isinstance(model, BatchNorm):
        features, momentum, eps = model.num_features, model.momentum, model.eps
        return {"type": kind, "num_features": features, "momentum": momentum, "eps": eps, "name": model.name}
    if isinstance(model, Dropout):
        return {"type": kind, "p": model.p, "name": model.name}
    assert isinstance(model, Sequential)
    return {"type": kind, "modules": [_describe(m, f"{where}.layers.{i}") for i, m in enumerate(model.layers)]}


def _int(x: Any, what: str, where: str) -> int:
    if type(x) is not int or x < 1:
        raise ValueError(f"{where}: {what} must be a positive integer, got {x!r}")
    return x


def _number(x: Any, what: str, where: str) -> float:
    if type(x) not in (int, float) or not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be a finite number, got {x!r}")
    return float(x)


def _activation(x: Any, what: str, where: str) -> str:
    if x not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {x!r} in {what}; expected one of {ACTIVATIONS}")
    return str(x)


def keys(obj: Any, expected: set[str], what: str, where: str) -> None:
    """A ValueError unless ``obj`` is a JSON object with exactly the keys ``expected``."""
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: {what} must be a JSON object, got {type(obj).__name__}")
    missing, extra = sorted(expected - obj.keys()), sorted(obj.keys() - expected)
    if missing or extra:
        raise ValueError(f"{where}: {what} has missing keys {missing} and unexpected keys {extra}")


def check_mlp(arch: dict[str, Any], where: str, what: str = "architecture") -> tuple[int, list[int], list[str]]:
    """``(nin, sizes, activations)`` of an MLP's description (its keys already checked), or a ValueError."""
    nin = _int(arch["nin"], f"{what}.nin", where)
    sizes, acts = arch["sizes"], arch["activations"]
    if not isinstance(sizes, list) or not sizes:
        raise ValueError(f"{where}: {what}.sizes must be a non-empty list of layer widths, got {sizes!r}")
    sizes = [_int(s, f"each of {what}.sizes", where) for s in sizes]
    if not isinstance(acts, list) or len(acts) != len(sizes):
        raise ValueError(f"{where}: {what}.activations must be a list of {len(sizes)} names, got {acts!r}")
    acts = [_activation(a, f"{what}.activations", where) for a in acts]
    if len(set(acts[:-1])) > 1:
        raise ValueError(f"{where}: hidden layers must share one activation, got {acts[:-1]}")
    return nin, sizes, acts


def mlp_parameters(nin: int, sizes: list[int], activations: list[str]) -> int:
    """How many parameters ``MLP(nin, sizes)`` with these activations has: (a + 1) * b per layer, + b for prelu."""
    dims = [nin, *sizes]
    return sum((a + 1) * b + (b if act == "prelu" else 0) for a, b, act in zip(dims, sizes, activations))


def _check_one(spec: dict[str, Any], kind: str, what: str, where: str) -> int:
    """Check a non-Sequential description's values; return its number of parameters."""
    if "name" in spec and not isinstance(spec["name"], str):
        raise ValueError(f"{where}: {what}.name must be a string, got {spec['name']!r}")
    if kind == "MLP":
        return mlp_parameters(*check_mlp(spec, where, what))
    if kind == "BatchNorm":
        _number(spec["momentum"], f"{what}.momentum", where)
        _number(spec["eps"], f"{what}.eps", where)
        return 2 * _int(spec["num_features"], f"{what}.num_features", where)
    if kind == "Dropout":
        _number(spec["p"], f"{what}.p", where)
        return 0
    nin = _int(spec["nin"], f"{what}.nin", where)
    nout = _int(spec["nout"], f"{what}.nout", where) if kind == "Layer" else 1
    prelu = _activation(spec["activation"], f"{what}.activation", where) == "prelu"
    return (nin + 1 + prelu) * nout


def check(spec: Any, where: str, what: str = "architecture") -> int:
    """Validate a description read from a file (``where`` names it in errors); return its number of parameters.

    Nothing is built: a small file cannot ask for a huge model before its weights are counted.
    """
    total, modules = 0, 0
    stack = [(spec, what, 0)]
    while stack:
        spec, what, depth = stack.pop()
        modules += 1
        if modules > MAX_MODULES:
            raise ValueError(f"{where}: more than {MAX_MODULES} modules")
        if not isinstance(spec, dict) or spec.get("type") not in KEYS:
            got = spec.get("type") if isinstance(spec, dict) else type(spec).__name__
            raise ValueError(f"{where}: {what} must be an object with a type among {sorted(KEYS)}, got {got!r}")
        kind = spec["type"]
        keys(spec, KEYS[kind], what, where)
        if kind != "Sequential":
            total += _check_one(spec, kind, what, where)
            continue
        children = spec["modules"]
        if not isinstance(children, list) or not children:
            raise ValueError(f"{where}: {what}.modules must be a non-empty list of modules, got {children!r}")
        if depth >= MAX_DEPTH:
            raise ValueError(f"{where}: Sequentials nested more than {MAX_DEPTH} deep")
        stack.extend((c, f"{what}.modules[{i}]", depth + 1) for i, c in enumerate(children))
    return total


def build(spec: dict[str, Any]) -> Module:
    """The module a description (already ``check``-ed) describes, with fresh weights (``load_state_dict`` them)."""
    kind = spec["type"]
    if kind == "Sequential":
        return Sequential(*(build(c) for c in spec["modules"]))
    if kind == "MLP":
        acts = spec["activations"]
        hidden = acts[0] if len(acts) > 1 else "relu"
        return MLP(spec["nin"], spec["sizes"], hidden, None if acts[-1] == "linear" else acts[-1])
    if kind == "Layer":
        return Layer(spec["nin"], spec["nout"], spec["activation"], name=spec["name"])
    if kind == "Neuron":
        return Neuron(spec["nin"], spec["activation"], name=spec["name"])
    if kind == "BatchNorm":
        return BatchNorm(spec["num_features"], spec["momentum"], spec["eps"], name=spec["name"])
    return Dropout(spec["p"], name=spec["name"])
