"""Copying and pickling a Value with the graph below it, without recursion.

``copy.deepcopy`` and ``pickle`` walk an object's references recursively, one level of Python recursion per node,
so on their own they stop at a graph a few hundred ops deep.  Here the graph is visited inputs first: when a node
is reached, its inputs are already in the deepcopy memo or the pickler's memo, and nothing recurses.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from typing import Any

_SLOT_NAMES: dict[type, tuple[str, ...]] = {}
_pickling = threading.local()  # ids of the nodes a root's pickle has listed, each taken out as it is pickled


def _slot_names(cls: type) -> tuple[str, ...]:
    known = _SLOT_NAMES.get(cls)
    if known is not None:
        return known
    names: list[str] = []
    for c in cls.__mro__:
        slots = c.__dict__.get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{c.__name__.lstrip('_')}{name}"  # a private slot is stored under its mangled name
            if name not in ("__weakref__", "__dict__") and name not in names:
                names.append(name)
    _SLOT_NAMES[cls] = found = tuple(names)
    return found


def _slots_of(v: Any) -> dict[str, Any]:
    """The filled slots (an op leaves some empty: its grad until backward, its label, a ``+`` its op)."""
    state = {}
    for name in _slot_names(type(v)):
        with contextlib.suppress(AttributeError):
            state[name] = getattr(v, name)
    return state


def _inputs_first(root: Any) -> list[Any]:
    from .backprop import reverse_topological

    return reverse_topological(root)[::-1]


def _filled(cls: type, slots: dict[str, Any], attrs: dict[str, Any] | None) -> Any:
    """A new ``cls`` object, not initialised, holding these slots (and ``__dict__`` entries)."""
    v: Any = object.__new__(cls)
    for name, value in slots.items():
        object.__setattr__(v, name, value)
    if attrs:
        v.__dict__.update(attrs)
    return v


def shallow_copy(v: Any) -> Any:
    """``copy.copy``: a new node with the same slots, sharing data arrays and inputs."""
    return _filled(type(v), _slots_of(v), getattr(v, "__dict__", None))


def deep_copy(root: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy``: every node of the graph below ``root`` copied, inputs first."""
    for v in _inputs_first(root):
        if id(v) in memo:
            continue
        c = object.__new__(type(v))
        memo[id(v)] = c
        for name, value in _slots_of(v).items():
            object.__setattr__(c, name, copy.deepcopy(value, memo))
        if getattr(v, "__dict__", None):
            c.__dict__.update(copy.deepcopy(v.__dict__, memo))
    return memo[id(root)]


def reduce(v: Any) -> tuple[Any, ...]:
    """``pickle``: a root is pickled after the list of the nodes below it, inputs first; each of those is then
    pickled on its own (its inputs are already in the pickler's memo)."""
    state = (getattr(v, "__dict__", None) or None, _slots_of(v))
    listed: set[int] = _pickling.__dict__.setdefault("listed", set())
    if id(v) in listed:
        listed.discard(id(v))
        return _new, (type(v),), state
    below = _inputs_first(v)[:-1]
    listed.clear()  # ids left by an earlier pickle that stopped half-way
    listed.update(id(u) for u in below)
    return _rebuild, (below, type(v), state)


def _new(cls: type) -> Any:
    return object.__new__(cls)


def _rebuild(below: list[Any], cls: type, state: tuple[dict[str, Any] | None, dict[str, Any]]) -> Any:
    """Unpickle a root; ``below`` (its graph, already rebuilt) is there only to have been pickled first."""
    attrs, slots = state
    return _filled(cls, slots, attrs)
