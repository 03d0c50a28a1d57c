"""Switches that change how ops record the graph: ``no_grad`` and ``detect_anomaly``.

Each switch is per thread.  ``FLAGS.special`` is True while any thread has a switch on (``FLAGS.on``
counts them); while it is False (the usual case) ops skip the per-thread lookup altogether, and
``Value``'s inlined ``+`` and ``*`` skip even that test (see ``on_special_change``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class _Flags:
    __slots__ = ("on", "special")

    def __init__(self) -> None:
        self.on = 0
        self.special = False  # a bool, not the count: ``not FLAGS.special`` is then cheapest in the hot path


FLAGS = _Flags()
_local = threading.local()
_lock = threading.Lock()


def _depth(name: str) -> int:
    return int(getattr(_local, name, 0))


def _change(name: str, step: int) -> None:
    before = _depth(name)
    setattr(_local, name, before + step)
    with _lock:
        FLAGS.on += step
        FLAGS.special = special = FLAGS.on > 0
        for hook in _on_special:  # on every change, not only a flip: one interrupted by Ctrl-C is mended by the next
            hook(special)


_on_special: list[Callable[[bool], None]] = []


def on_special_change(hook: Callable[[bool], None]) -> None:
    """Call ``hook(FLAGS.special)`` each time a switch turns on or off, before the block it starts runs."""
    _on_special.append(hook)


def check_flag(value: Any, name: str) -> bool:
    """An on/off argument as a bool: True/False (numpy's too) or 1/0; anything else is a TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad()``."""
    return not FLAGS.special or _depth("no_grad") == 0


def is_anomaly_enabled() -> bool:
    """True while this thread is inside ``detect_anomaly()``."""
    return FLAGS.special and _depth("anomaly") > 0


class _Switch:
    """A re-entrant, per-thread context manager that also works as a decorator."""

    _name = ""

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"{cls.__name__}() takes no arguments or a function to decorate, got {type(func).__name__}")
        return self(func)

    def __enter__(self) -> _Switch:
        _change(self._name, +1)
        return self

    def __exit__(self, *exc: object) -> None:
        _change(self._name, -1)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Switch):
    """Record no graph inside this block (or decorated function): results are leaves.

    Use as ``with no_grad(): ...``, ``@no_grad()`` or ``@no_grad``.  Per thread: another
    thread keeps recording.
    """

    _name = "no_grad"


class detect_anomaly(_Switch):
    """Raise ``FloatingPointError`` at the first op whose output or local derivative is NaN/inf.

    The error names the op, its inputs' values and labels, and the file:line that created the
    node.  Slower: it inspects every op.  Per thread.
    """

    _name = "anomaly"
