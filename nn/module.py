"""``Module``: the base of every layer: parameters by dotted name, state dicts, train/eval, a readable repr.

A module's parameters and sub-modules are found from its attributes, in the order they were assigned: a
``Value`` is a parameter, a ``Module`` a sub-module, and a list of Values or of Modules is indexed
(``neurons.3``, ``w.1``).  So ``MLP.layers[0].neurons[3].w[1]`` is named ``layers.0.neurons.3.w.1``.
Other attributes (numbers, strings, numpy arrays, random generators) are ignored, except ``buffers``:
non-learnable numbers listed in ``_buffer_names`` (BatchNorm's running statistics) that ``state_dict`` keeps.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from autograd import Value
from autograd.value import _zero_grads

__all__ = ["Module"]

_JUST_VALUE = {Value}


class Module:
    """Base class: subclasses assign Values / Modules / lists of them as attributes and define ``__call__``."""

    training: bool = True
    name: str = ""
    _buffer_names: tuple[str, ...] = ()
    _variance_buffers: tuple[str, ...] = ()  # buffers load_state_dict refuses to make negative

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    # ------------------------------------------------------------ traversal
    def _members(self) -> Iterator[tuple[str, Value | Module]]:
        """(local name, Value or Module) for each parameter / sub-module attribute, in assignment order."""
        for key, obj in vars(self).items():
            if key.startswith("_"):
                continue
            if isinstance(obj, (Value, Module)):
                yield key, obj
            elif isinstance(obj, (list, tuple)) and obj and all(isinstance(o, (Value, Module)) for o in obj):
                for i, o in enumerate(obj):
                    yield f"{key}.{i}", o

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """Every module in the tree, this one first (name ``prefix``), with its dotted name."""
        _check_prefix(prefix)
        out: list[tuple[str, Module]] = [(prefix, self)]
        for name, obj in self._members():
            if isinstance(obj, Module):
                out.extend(obj.named_modules(f"{prefix}.{name}" if prefix else name))
        return out

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """(dotted name, Value) for every learnable parameter, in a stable order (e.g. ``layers.0.neurons.3.w.1``)."""
        _check_prefix(prefix)
        out: list[tuple[str, Value]] = []
        for name, obj in self._members():
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(obj, Module):
                out.extend(obj.named_parameters(full))
            else:
                out.append((full, obj))
        return out

    def parameters(self) -> list[Value]:
        """The learnable parameters (leaf Values), in the order of ``named_parameters``."""
        out: list[Value] = []
        self._collect(out)
        return out

    def _collect(self, out: list[Value]) -> None:
        # the same walk as _members without building names: called every training step (zero_grad, l2_penalty)
        for key, obj in vars(self).items():
            t = type(obj)
            if t is str or key[0] == "_":
                continue
            if t is Value:
                out.append(obj)
            elif t is list or t is tuple:
                if obj:
                    if set(map(type, obj)) == _JUST_VALUE:
                        out.extend(obj)
                    else:
                        self._collect_sequence(obj, out)
            elif isinstance(obj, Module):
                obj._collect(out)
            elif isinstance(obj, Value):
                out.append(obj)
            elif isinstance(obj, (list, tuple)) and obj:
                self._collect_sequence(obj, out)

    @staticmethod
    def _collect_sequence(obj: list[Any] | tuple[Any, ...], out: list[Value]) -> None:
        if all(isinstance(o, (Value, Module)) for o in obj):
            for o in obj:
                if isinstance(o, Module):
                    o._collect(out)
                else:
                    out.append(o)

    def named_buffers(self, prefix: str = "") -> list[tuple[str, float]]:
        """(dotted name, float) of non-learnable state such as BatchNorm's running mean and variance."""
        out: list[tuple[str, float]] = []
        for mod_name, mod in self.named_modules(prefix):
            for key in mod._buffer_names:
                for i, x in enumerate(getattr(mod, key)):
                    out.append((f"{mod_name}.{key}.{i}" if mod_name else f"{key}.{i}", float(x)))
        return out

    def relabel(self, prefix: str = "") -> None:
        """Label every parameter with its dotted name and name every module (its neurons' z/a labels follow).

        MLP and Sequential do this when built; call it on your own Module after assigning its parts.
        """
        if not isinstance(prefix, str):
            raise TypeError(f"name must be a str, got {type(prefix).__name__}")
        for name, mod in self.named_modules(prefix):
            mod.name = name
        for name, p in self.named_parameters(prefix):
            p.label = name

    _relabel = relabel

    # ------------------------------------------------------------ gradients and modes
    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0 (gradients accumulate across backward calls)."""
        _zero_grads(self.parameters())

    def train(self, mode: bool = True) -> Module:
        """Training mode (BatchNorm uses batch statistics, Dropout drops) for this module and all below it."""
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be a bool, got {type(mode).__name__}")
        for mod in self._modules():
            mod.training = mode
        return self

    def _modules(self) -> list[Module]:
        # named_modules without the names: fit switches train/eval every epoch
        out: list[Module] = [self]
        for key, obj in vars(self).items():
            t = type(obj)
            if t is str or t is Value or key[0] == "_":
                continue
            if isinstance(obj, Module):
                out.extend(obj._modules())
            elif (
                isinstance(obj, (list, tuple))
                and set(map(type, obj)) - _JUST_VALUE
                and all(isinstance(o, (Value, Module)) for o in obj)
            ):
                out.extend(m for o in obj if isinstance(o, Module) for m in o._modules())
        return out

    def eval(self) -> Module:
        """Evaluation mode: BatchNorm uses its running statistics, Dropout is the identity."""
        return self.train(False)

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, float]:
        """{dotted name: float} of every parameter, then every buffer (BatchNorm running statistics)."""
        out = {name: float(p.data) for name, p in self.named_parameters()}
        out.update(self.named_buffers())
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from ``state`` into the parameters and buffers, by name.

        All names must match exactly and each value must be one finite real number; otherwise a ValueError
        lists every missing, unexpected and wrong-sized entry and nothing is changed.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of name -> float (from state_dict()), got {type(state).__name__}")
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = list(params) + list(buffers)
        missing = [k for k in expected if k not in state]
        unexpected = [k for k in state if k not in params and k not in buffers]
        bad: list[str] = []
        values: dict[str, float] = {}
        variances = {
            f"{mod_name}.{key}" if mod_name else key
            for mod_name, mod in self.named_modules()
            for key in mod._variance_buffers
        }
        for k in expected:
            if k in state:
                x = _one_number(state[k])
                if x is None:
                    bad.append(f"{k} (got {_describe(state[k])}; expected one finite number)")
                elif x < 0 and k.rsplit(".", 1)[0] in variances:
                    bad.append(f"{k} (got {x}; a variance cannot be negative)")
                else:
                    values[k] = x
        if missing or unexpected or bad:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)}: {_listing(missing)}")
            if unexpected:
                parts.append(f"unexpected {len(unexpected)}: {_listing(unexpected)}")
            if bad:
                parts.append(f"wrong size or type {len(bad)}: {_listing(bad)}")
            raise ValueError(f"state dict does not match {type(self).__name__}: " + "; ".join(parts))
        for k, p in params.items():
            p.data = values[k]
        for mod_name, mod in self.named_modules():
            for key in mod._buffer_names:
                buf = getattr(mod, key)
                for i in range(len(buf)):
                    buf[i] = values[f"{mod_name}.{key}.{i}" if mod_name else f"{key}.{i}"]

    # ------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside ``Name(...)`` for a module printed on one line."""
        return ""

    def _repr_children(self) -> list[tuple[str, Module]]:
        return [(n, m) for n, m in self._members() if isinstance(m, Module)]

    def __repr__(self) -> str:
        children = self._repr_children()
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, mod in children:
            sub = repr(mod).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        return "\n".join(lines) + "\n)"

    def num_parameters(self) -> int:
        """How many learnable numbers the module has."""
        return len(self.named_parameters())


def _one_number(x: Any) -> float | None:
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, np.ndarray):
        if x.size != 1 or x.dtype.kind not in "iuf":
            return None
        x = x.reshape(()).item()
    if not isinstance(x, (numbers.Real, np.integer, np.floating)):
        return None
    try:
        f = float(x)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of {len(x)}"
    return repr(x) if isinstance(x, (int, float)) else type(x).__name__


def _listing(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _check_prefix(prefix: Any) -> None:
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
