"""Bad input, everywhere: every public function and constructor of ``autograd`` and ``nn``.

Targets are enumerated from ``__all__`` (plus Value's methods and operators), so new public
functions are covered automatically; each parameter gets a valid value from ``VALID`` (by
``(function, parameter)`` or by parameter name, else its default).  Then, one parameter at a
time, it is replaced by values from each bad class: wrong type, wrong length/shape, empty,
NaN/inf, huge, tiny.  Each call must either work or raise TypeError / ValueError /
FloatingPointError whose message names the parameter; never another exception type, never a
hang (SIGALRM per call).  Set TRUST_COUNTS=path.json to record the outcome counts.
"""

from __future__ import annotations

import atexit
import inspect
import json
import math
import os
import signal
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Value

try:
    import nn
except ImportError:  # pragma: no cover - nn is part of the project
    nn = None

ALLOWED = (TypeError, ValueError, FloatingPointError)
TIMEOUT = 5.0
COUNTS: Counter[str] = Counter()


def _dump_counts() -> None:
    path = os.environ.get("TRUST_COUNTS")
    if path and COUNTS:
        old: dict[str, int] = {}
        if os.path.exists(path):
            with open(path) as fh:
                old = json.load(fh)
        for k, v in COUNTS.items():
            old[f"bad_input.{k}"] = old.get(f"bad_input.{k}", 0) + v
        with open(path, "w") as fh:
            json.dump(old, fh, indent=1, sort_keys=True)


atexit.register(_dump_counts)


class Hang(BaseException):
    """Raised by the alarm; a BaseException so the library cannot swallow it."""


@contextmanager
def deadline(seconds: float = TIMEOUT) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------ valid arguments
def _graph() -> tuple[Value, list[Value]]:
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    return (a * b + a.tanh()).sigmoid(), [a, b]


def _f(*xs: Any) -> Any:
    return ag.sum([x * x for x in xs]) if xs else Value(0.0)


class Ctx:
    """Valid values that must agree with each other inside one call (a graph and its leaves)."""

    def __init__(self) -> None:
        self.out, self.leaves = _graph()


# (target, param) or param -> factory(ctx) of a valid value
VALID: dict[Any, Callable[[Ctx], Any]] = {
    "data": lambda c: 0.5,
    "label": lambda c: "x",
    "values": lambda c: [Value(1.0), Value(2.0)],
    "weights": lambda c: [Value(1.0), Value(2.0)],
    ("dot", "inputs"): lambda c: [3.0, Value(4.0)],
    "inputs": lambda c: list(c.leaves),
    "output": lambda c: c.out,
    "root": lambda c: c.out,
    "leaf": lambda c: c.leaves[0],
    "f": lambda c: _f,
    "xs": lambda c: [0.5, -0.25],
    "analytic": lambda c: [1.0, 2.0],
    "numeric": lambda c: [1.0, 2.0],
    "labels": lambda c: ["a", "b"],
    "rtol": lambda c: 1e-5,
    "atol": lambda c: 1e-8,
    "grad": lambda c: 1.0,
    "other": lambda c: Value(0.75),
    "slope": lambda c: 0.1,
    "lo": lambda c: -1.0,
    "hi": lambda c: 1.0,
}

# words that may name a parameter in an error message besides its own name
ALIASES: dict[str, tuple[str, ...]] = {
    "data": ("value data",),
    "other": ("operand", "exponent", "base", "compare"),
    "grad": ("backward grad",),
    "weights": ("dot",),
    "values": ("autograd.sum", "zero_grad", "sum"),
    "lo": ("clip bounds", "lo <= hi"),
    "hi": ("clip bounds", "lo <= hi"),
    "slope": ("leaky_relu slope",),
    "func": ("decorate",),
}


@dataclass
class Target:
    name: str
    fn: Callable[..., Any]
    params: list[str]
    defaults: dict[str, Any] = field(default_factory=dict)
    kwonly: set[str] = field(default_factory=set)

    def valid(self, ctx: Ctx, p: str) -> Any:
        key = (self.name.rsplit(".", 1)[-1], p)
        if key in VALID:
            return VALID[key](ctx)
        if (self.name, p) in VALID:
            return VALID[(self.name, p)](ctx)
        if p in VALID:
            return VALID[p](ctx)
        if p in self.defaults:
            return self.defaults[p]
        raise LookupError(f"no valid value for {self.name}({p}=...): add one to VALID in tests/test_bad_input.py")

    def call(self, ctx: Ctx, override: dict[str, Any]) -> Any:
        args, kwargs = [], {}
        for p in self.params:
            v = override[p] if p in override else self.valid(ctx, p)
            if p in self.kwonly:
                kwargs[p] = v
            else:
                args.append(v)
        return self.fn(*args, **kwargs)


def _from_signature(name: str, fn: Callable[..., Any], bound: Callable[..., Any] | None = None) -> Target:
    sig = inspect.signature(fn)
    params, defaults, kwonly = [], {}, set()
    for p in sig.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        params.append(p.name)
        if p.default is not p.empty:
            defaults[p.name] = p.default
        if p.kind is p.KEYWORD_ONLY:
            kwonly.add(p.name)
    return Target(name, bound or fn, params, defaults, kwonly)


def _method(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(Value(0.3), name)(*args, **kwargs)

    return call


OPERATORS = [
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
    "__pow__", "__rpow__", "__lt__", "__le__", "__gt__", "__ge__",
]  # fmt: skip


def _binop(name: str) -> Callable[..., Any]:
    op = {"__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__pow__": "**"}

    def call(other: Any) -> Any:
        v = Value(0.3)
        forward = name.replace("__r", "__", 1) if name.startswith("__r") and name != "__rpow__" else name
        if name == "__rpow__":
            forward = "__pow__"
        sym = op.get(forward)
        if sym is None:  # comparisons
            return getattr(v, name)(other) if True else None
        # go through Python's operator protocol, as users do
        if name.startswith("__r"):
            return eval(f"other {sym} v", {}, {"other": other, "v": v})
        return eval(f"v {sym} other", {}, {"other": other, "v": v})

    call.__name__ = name
    return call


def _public(mod: Any) -> list[str]:
    names = getattr(mod, "__all__", None)
    return list(names) if names is not None else [n for n in dir(mod) if not n.startswith("_")]


def autograd_targets() -> list[Target]:
    targets = []
    for n in _public(ag):
        obj = getattr(ag, n)
        if callable(obj) and not isinstance(obj, type(ag)):
            targets.append(_from_signature(f"autograd.{n}", obj))
    for m in ("backward", "leaky_relu", "clip"):
        targets.append(_from_signature(f"Value.{m}", getattr(Value, m), _method(m)))
    for op in OPERATORS:
        targets.append(Target(f"Value.{op}", _binop(op), ["other"]))
    return targets


TARGETS = {t.name: t for t in autograd_targets()}


# ------------------------------------------------------------------ bad values, by class
def bad_values(valid: Any) -> Iterator[tuple[str, Any]]:
    nan, inf = math.nan, math.inf
    for v in (None, "1.0", b"1", 1 + 2j, True, object(), {"a": 1}, np.array(["a", "b"]), print):
        yield "wrong_type", v
    if isinstance(valid, (list, tuple)):
        yield "wrong_type", 1.0
        yield "wrong_type", [object(), object()]
        yield "wrong_type", ["a"] * max(1, len(valid))
        yield "wrong_length", list(valid)[:-1]
        yield "wrong_length", [*list(valid), *list(valid)[:1]]
        yield "wrong_length", [list(valid)]
        yield "wrong_length", np.zeros((2, 2))
        like_value = any(isinstance(x, Value) for x in valid)
        for cls, x in (("nan_inf", nan), ("nan_inf", inf), ("huge", 1e308), ("huge", 10**400), ("tiny", 5e-324)):
            yield cls, [Value(x) if like_value and not isinstance(x, int) else x for _ in valid]
    elif isinstance(valid, Value):
        yield "wrong_type", 1.0
        yield "wrong_type", [valid]
        yield "nan_inf", Value(nan)
        yield "huge", Value(1e308)
        yield "wrong_length", Value(np.array([1.0, 2.0, 3.0]))
    else:
        yield "wrong_type", Value(1.0) if not callable(valid) else 1.0
        yield "wrong_type", [1.0]
        yield "wrong_length", np.zeros((2, 2))
        yield "wrong_length", np.array([1.0, 2.0, 3.0])
    for v in ([], (), "", np.array([]), {}):
        yield "empty", v
    for v in (nan, inf, -inf, np.float64(nan)):
        yield "nan_inf", v
    for v in (1e308, -1e308, 10**400, -(10**400), 10**18, np.float64(1.7e308)):
        yield "huge", v
    for v in (5e-324, -5e-324, 0.0, -0.0, 0, -1):
        yield "tiny", v


@dataclass
class Outcome:
    cls: str
    kind: str  # "worked", "TypeError", ..., or "BAD: ..."
    detail: str = ""


def names_param(msg: str, p: str) -> bool:
    m = msg.lower()
    words = (p.lower(), p.lower().replace("_", " "), *ALIASES.get(p, ()))
    return any(w in m for w in words)


def try_call(target: Target, p: str, value: Any, cls: str) -> Outcome:
    ctx = Ctx()
    try:
        with np.errstate(all="ignore"), deadline():
            target.call(ctx, {p: value})
    except ALLOWED as e:
        if target.name.startswith("Value.__") and isinstance(e, TypeError):
            # Python's operator protocol: "unsupported operand type(s)", "can't multiply sequence by ..."
            ok = any(w in str(e) for w in ("operand", "compare", "sequence", "Value", type(value).__name__))
        else:
            ok = names_param(str(e), p)
        if not ok:
            return Outcome(cls, f"BAD: {type(e).__name__} does not name {p!r}", str(e)[:200])
        return Outcome(cls, type(e).__name__)
    except Hang:
        return Outcome(cls, "BAD: hang", "")
    except LookupError:
        raise
    except BaseException as e:
        return Outcome(cls, f"BAD: {type(e).__name__}", str(e)[:200])
    return Outcome(cls, "worked")


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) < 40 else r[:37] + "..."


def run_target(target: Target) -> list[str]:
    problems = []
    ctx = Ctx()
    with deadline():
        target.call(ctx, {})  # the baseline call must work
    for p in target.params:
        for cls, value in bad_values(target.valid(Ctx(), p)):
            out = try_call(target, p, value, cls)
            COUNTS[f"{cls}.{out.kind if not out.kind.startswith('BAD') else 'BAD'}"] += 1
            COUNTS["calls"] += 1
            if out.kind.startswith("BAD"):
                problems.append(f"{target.name}({p}={_short(value)}) [{cls}]: {out.kind}: {out.detail}")
    return problems


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_autograd_bad_inputs(name: str) -> None:
    problems = run_target(TARGETS[name])
    assert not problems, "\n".join(problems)


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.complex_numbers(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.lists(st.floats(), max_size=4),
    st.lists(st.integers(), max_size=4),
    st.lists(st.floats().map(Value), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.floats().map(Value),
    st.tuples(st.floats(), st.floats()),
)


def _class_of(v: Any) -> str:
    if isinstance(v, (float, int)) and not isinstance(v, bool):
        if isinstance(v, float) and not math.isfinite(v):
            return "nan_inf"
        return "huge" if abs(v) > 1e100 else ("tiny" if abs(v) < 1e-100 else "random_number")
    if isinstance(v, (list, tuple, str, bytes, dict)) and len(v) == 0:
        return "empty"
    return "random_other"


@settings(max_examples=150)
@given(st.sampled_from(sorted(TARGETS)), st.data())
def test_random_values_anywhere(name: str, data: st.DataObject) -> None:
    target = TARGETS[name]
    if not target.params:
        return
    p = data.draw(st.sampled_from(target.params))
    value = data.draw(ANY_VALUE)
    out = try_call(target, p, value, _class_of(value))
    COUNTS[f"{out.cls}.{out.kind if not out.kind.startswith('BAD') else 'BAD'}"] += 1
    COUNTS["calls"] += 1
    assert not out.kind.startswith("BAD"), f"{name}({p}={_short(value)}): {out.kind}: {out.detail}"


def test_every_public_name_is_covered() -> None:
    """A new public function without a valid value in VALID fails here, naming the table entry to add."""
    for t in TARGETS.values():
        for p in t.params:
            t.valid(Ctx(), p)
    assert tempfile  # keeps the import for the nn file tests below
