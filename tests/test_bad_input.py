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

import inspect
import math
import os
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import dump_counts_at_exit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Value

try:
    import nn
    from nn import limits
except ImportError:  # pragma: no cover - nn is part of the project
    nn = None

ALLOWED = (TypeError, ValueError, FloatingPointError)
TIMEOUT = 3.0
COUNTS: Counter[str] = Counter()


dump_counts_at_exit(COUNTS, "bad_input")


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

    mlp: Any

    def __init__(self) -> None:
        self.out, self.leaves = _graph()


# (target, param) or param -> factory(ctx) of a valid value
VALID: dict[Any, Callable[[Ctx], Any]] = {
    "data": lambda c: 0.5,
    "label": lambda c: "x",
    "values": lambda c: [Value(1.0), Value(2.0)],
    "weights": lambda c: [Value(1.0), Value(2.0)],
    ("dot", "inputs"): lambda c: [3.0, Value(4.0)],
    ("linear", "weights"): lambda c: [[Value(1.0), Value(2.0)], [Value(-1.0), 0.5]],
    ("linear", "inputs"): lambda c: [3.0, Value(4.0)],
    ("linear", "biases"): lambda c: [Value(0.5), 0.25],
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
    except LookupError:
        raise
    except (Hang, MemoryError, OverflowError, *ALLOWED) as e:
        if p in TIME_WORK and (isinstance(e, Hang) or (cls == "huge" and isinstance(e, OverflowError))):
            # fit(epochs=10**18) runs until the alarm (the work asked for); epochs=10**400 overflows range()
            return Outcome(cls, "too_big_by_request")
        if not isinstance(e, ALLOWED):
            return Outcome(cls, f"BAD: {type(e).__name__}", str(e)[:200])
        if target.name.startswith("Value.__") and isinstance(e, TypeError):
            # Python's operator protocol: "unsupported operand type(s)", "can't multiply sequence by ..."
            ok = any(w in str(e) for w in ("operand", "compare", "sequence", "Value", type(value).__name__))
        else:
            ok = names_param(str(e), p)
        if not ok:
            return Outcome(cls, f"BAD: {type(e).__name__} does not name {p!r}", str(e)[:200])
        return Outcome(cls, type(e).__name__)
    except OSError as e:  # a bad file path: the OS's own error (FileNotFoundError, IsADirectoryError, ...)
        if p == "path":
            return Outcome(cls, "OSError")
        return Outcome(cls, f"BAD: {type(e).__name__}", str(e)[:200])
    except BaseException as e:
        return Outcome(cls, f"BAD: {type(e).__name__}", str(e)[:200])
    return Outcome(cls, "worked")


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) < 40 else r[:37] + "..."


def run_target(target: Target) -> list[str]:
    problems: list[str] = []
    ctx = Ctx()
    with deadline(60.0):  # the first call may import a lot (nn.digits loads scikit-learn)
        target.call(ctx, {})  # the baseline call must work
    for p in target.params:
        for cls, value in bad_values(target.valid(Ctx(), p)):
            out = try_call(target, p, value, cls)
            scope = "reference." if target.name.startswith("nn.reference.") else ""
            COUNTS[f"{scope}{cls}.{out.kind if not out.kind.startswith('BAD') else 'BAD'}"] += 1
            COUNTS[f"{scope}calls"] += 1
            if out.kind.startswith("BAD"):
                problems.append(f"{target.name}({p}={_short(value)}) [{cls}]: {out.kind}: {out.detail}")
    return problems


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_autograd_bad_inputs(name: str) -> None:
    problems = run_target(TARGETS[name])
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ nn
def _X(c: Ctx) -> np.ndarray:
    return np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 0.75], [0.1, 0.2]])


def _mlp(c: Ctx) -> Any:
    """One model per call, shared by the arguments that must agree (model, params, a loss built from it)."""
    if not hasattr(c, "mlp"):
        c.mlp = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    return c.mlp


def _saved(c: Ctx) -> str:
    path = os.path.abspath("valid_model.json")
    if not os.path.exists(path):
        nn.save(_mlp(c), path)
    return path


def _torch_seq(c: Ctx) -> Any:
    import torch

    return torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))


def _ref_params(c: Ctx) -> Any:
    return nn.reference.initialize_parameters([2, 3, 1], seed=1)


def _ref_forward(c: Ctx) -> Any:
    return nn.reference.L_model_forward(_X(c).T, _ref_params(c))


NN_VALID: dict[Any, Callable[[Ctx], Any]] = {
    "nin": lambda c: 2,
    "nout": lambda c: 3,
    "sizes": lambda c: [3, 1],
    "activation": lambda c: "tanh",
    "hidden_activation": lambda c: "relu",
    "output_activation": lambda c: None,
    ("compute_cost", "output_activation"): lambda c: "sigmoid",
    ("L_model_forward", "output_activation"): lambda c: "sigmoid",
    ("linear_activation_forward", "activation"): lambda c: "relu",
    ("L_model_forward", "X"): lambda c: _X(c).T,  # the documents' layout: (n_x, m)
    ("linear_activation_backward", "activation"): lambda c: "relu",
    "init": lambda c: "xavier",
    "seed": lambda c: 0,
    "rng": lambda c: 0,
    "name": lambda c: "n",
    "params": lambda c: _mlp(c).parameters(),
    "lr": lambda c: 0.01,
    "momentum": lambda c: 0.5,
    "dampening": lambda c: 0.0,
    "nesterov": lambda c: False,
    "weight_decay": lambda c: 0.0,
    "betas": lambda c: (0.9, 0.999),
    "eps": lambda c: 1e-8,
    "amsgrad": lambda c: False,
    "alpha": lambda c: 0.99,
    "centered": lambda c: False,
    "num_features": lambda c: 2,
    "p": lambda c: 0.5,
    "model": _mlp,
    "X": _X,
    "y": lambda c: np.array([0.0, 1.0, 1.0, 0.0]),
    "predictions": lambda c: [Value(np.array([0.2, 0.7, 0.4]))],
    "targets": lambda c: [0.0, 1.0, 1.0],
    ("cross_entropy", "predictions"): lambda c: [Value(np.array([0.2, 0.7, 0.4])), Value(np.array([1.0, -1.0, 0.5]))],
    ("hinge_loss", "targets"): lambda c: [-1.0, 1.0, 1.0],
    "reduction": lambda c: "mean",
    "weight": lambda c: 0.1,
    "n": lambda c: 20,
    "classes": lambda c: 2,
    "noise": lambda c: 0.1,
    "centers": lambda c: 3,
    "features": lambda c: 2,
    "std": lambda c: 0.5,
    "factor": lambda c: 0.5,
    "test_size": lambda c: 0.25,
    "stratify": lambda c: False,
    ("train_test_split", "X"): lambda c: np.arange(40.0).reshape(20, 2),
    ("train_test_split", "y"): lambda c: np.array([0.0, 1.0] * 10),
    "max_norm": lambda c: 1.0,
    "norm_type": lambda c: 2.0,
    "clip_value": lambda c: 1.0,
    "loss": lambda c: None,
    ("trace_layers", "loss"): lambda c: nn.mse_loss(_mlp(c)(_X(c)), [0.0, 1.0, 1.0, 0.0]),
    ("History", "loss"): lambda c: [0.7, 0.5],
    ("History", "accuracy"): lambda c: [0.6, 0.8],
    "optimizer": lambda c: "adam",
    "epochs": lambda c: 2,
    "batch_size": lambda c: None,
    "validation_data": lambda c: None,
    "progress": lambda c: False,
    "batched": lambda c: True,
    "path": _saved,
    ("save", "path"): lambda c: os.path.abspath("saved_model.json"),
    "max_bytes": lambda c: 10**6,
    "seq": _torch_seq,
    "x": lambda c: [0.5, -1.0],
    "state": lambda c: _mlp(c).state_dict(),
    "mode": lambda c: True,
    "m1": lambda c: nn.Layer(2, 3, name="a"),
    "m2": lambda c: nn.Layer(3, 1, name="b"),
    "layer_dims": lambda c: [2, 3, 1],
    "scale": lambda c: 0.01,
    "parameters": _ref_params,
    "AL": lambda c: _ref_forward(c)[0],
    "Y": lambda c: np.array([[0.0, 1.0, 1.0, 0.0]]),
    "caches": lambda c: _ref_forward(c)[1],
    "A": lambda c: _X(c).T,
    "A_prev": lambda c: _X(c).T,
    "W": lambda c: _ref_params(c)["W1"],
    "b": lambda c: _ref_params(c)["b1"],
    "dZ": lambda c: np.ones((3, 4)),
    "dA": lambda c: np.ones((3, 4)),
    "cache": lambda c: _ref_forward(c)[1][0],
    ("linear_backward", "cache"): lambda c: _ref_forward(c)[1][0][0],
}
VALID.update(NN_VALID)
ALIASES.update(
    {
        "x": ("input",),
        "X": ("input", "x", "y must"),
        "m1": ("module",),
        "m2": ("module",),
        "seq": ("sequential",),
        "betas": ("beta",),
        "path": ("model file", "file"),
        "state": ("state_dict",),
        "model": ("mlp",),
        # a mismatch between two arguments may be reported under the other one's name
        "predictions": ("sample", "targets", "outputs", "class"),
        "targets": ("class",),
        "parameters": ("w1", "b1", "parameters"),
    }
)
# parameters that ask for an amount of work.  Sizes are capped (nn.limits): a huge one must be refused with a
# ValueError naming it before anything is allocated; a huge amount of time (epochs) may run until the alarm.
WORK = {"nin", "nout", "sizes", "n", "epochs", "num_features", "centers", "features", "classes", "layer_dims"}
TIME_WORK = {"epochs"}
# sizes up to the largest cap are real requests: a random one is tried only when small or beyond every cap
LARGEST_CAP = max(limits.MAX_UNITS, limits.MAX_PARAMETERS, limits.MAX_SAMPLES, limits.MAX_DATA_VALUES) if nn else 0


def _nn_call(cls_name: str, method: str) -> Callable[..., Any]:
    def call(arg: Any) -> Any:
        obj = _mlp(Ctx()) if cls_name == "MLP" else nn.Layer(2, 3) if cls_name == "Layer" else nn.Neuron(2)
        return getattr(obj, method)(arg)

    return call


def nn_targets() -> list[Target]:
    if nn is None:
        return []
    targets: list[Target] = []
    seen: set[int] = set()
    modules = [(nn, "nn"), (nn.init, "nn.init"), (nn.reference, "nn.reference")]
    for mod, prefix in modules:
        for n in _public(mod):
            obj = getattr(mod, n)
            if not callable(obj) or isinstance(obj, type(nn)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            if n == "Sequential":
                targets.append(Target("nn.Sequential", lambda m1, m2: nn.Sequential(m1, m2), ["m1", "m2"]))
                continue
            t = _from_signature(f"{prefix}.{n}", obj)
            t.params = [p for p in t.params if not p.startswith("_")]
            targets.append(t)
    for cls_name in ("MLP", "Layer", "Neuron"):
        targets.append(Target(f"{cls_name}.__call__", _nn_call(cls_name, "__call__"), ["x"]))
    targets.append(Target("Module.load_state_dict", _nn_call("MLP", "load_state_dict"), ["state"]))
    targets.append(Target("Module.train", _nn_call("MLP", "train"), ["mode"]))
    return targets


NN_TARGETS = {t.name: t for t in nn_targets()}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """nn calls that write files (save with a bad path that is still a string) write here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(NN_TARGETS))
def test_nn_bad_inputs(name: str, in_tmp: Path) -> None:
    target = NN_TARGETS[name]
    if target.name.endswith("_torch"):
        pytest.importorskip("torch", reason="SKIPPED LOUDLY: torch not installed, nn.to_torch/from_torch not fuzzed")
    problems = run_target(target)
    assert not problems, "\n".join(problems)


def test_torch_bridge_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    for fn, arg in ((nn.to_torch, nn.MLP(2, [1], seed=0)), (nn.from_torch, object())):
        with pytest.raises(ImportError, match=r"pip install 'scalargrad\[torch\]'"):
            fn(arg)


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


RANDOM_TARGETS = {
    **TARGETS,
    **{k: v for k, v in NN_TARGETS.items() if not k.startswith(("nn.reference.", "nn.to_torch", "nn.from_torch"))},
}


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(RANDOM_TARGETS)), data=st.data())
def test_random_values_anywhere(name: str, data: st.DataObject, in_tmp: Path) -> None:
    target = RANDOM_TARGETS[name]
    if not target.params:
        return
    p = data.draw(st.sampled_from(target.params))
    value = data.draw(ANY_VALUE)
    # a random size like nin=10**5 is a real request for gigabytes: tried only when small or beyond every cap
    ints = (
        [value]
        if isinstance(value, int)
        else [v for v in value if isinstance(v, int)]
        if isinstance(value, (list, tuple))
        else []
    )
    assume(not (p in WORK and any(1000 < abs(v) <= LARGEST_CAP for v in ints)))
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


# ------------------------------------------------------------------ found by a second, wider fuzz (40k calls)
def _raises(exc: type[Exception], match: str, f: Callable[[], Any]) -> None:
    with deadline(), pytest.raises(exc, match=match):
        f()


def test_second_fuzz_findings_raise_named_errors() -> None:
    """Each of these raised another exception type (StopIteration, OverflowError, IndexError, KeyError,
    AttributeError), hung, or ran on with a wrong value before."""
    x = Value(0.5, "x")
    t = ag.trace(x * x, x)
    model = nn.MLP(2, [1], seed=0)
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    cases: list[tuple[type[Exception], str, Callable[[], Any]]] = [
        (ValueError, r"order must be a whole number from 1 to 100", lambda: ag.derivative(lambda v: v * v, 10**400)),
        (TypeError, r"mixes Values and lists", lambda: nn.mse_loss([Value(0.3), [Value(0.5)]], [0.0, 1.0])),
        (
            TypeError,
            r"X must be a 2-D array of real numbers",
            lambda: nn.plot.decision_boundary(model, [["a", "b"]], [0]),
        ),
        (
            ValueError,
            r"X holds a number too large",
            lambda: nn.plot.decision_boundary(model, [[10**400, 0], [0, 1]], [0, 1]),
        ),
        (ValueError, r"X contains NaN or inf", lambda: nn.plot.decision_boundary(model, X + math.inf, [0, 1])),
        (
            ValueError,
            r"padding must be between 0 and 100",
            lambda: nn.plot.decision_boundary(model, X, [0, 1], padding=1e300),
        ),
        (TypeError, r"padding must be a real number", lambda: nn.plot.decision_boundary(model, X, [0, 1], padding=1j)),
        (ValueError, r"Dropout input\[0\] is an int of", lambda: nn.Dropout(0.5, seed=0)([10**400, 1.0])),
        (TypeError, r"Dropout input\[0\] must be a real number", lambda: nn.Dropout(0.5, seed=0)([1j, 2j])),
        (TypeError, r"Trace.name takes a Value, got float", lambda: t.name(3.0)),  # type: ignore[arg-type]
        (TypeError, r"format must be a str", lambda: ag.draw_dot(x).pipe(format=3)),  # type: ignore[arg-type]
        (ValueError, r"History needs one accuracy per loss", lambda: nn.History(loss=[1.0], accuracy=[])),
        (TypeError, r"History loss must be a list of numbers", lambda: nn.History(loss="abc", accuracy=[0.5] * 3)),
        (ValueError, r"analytic has 2 values but numeric 1", lambda: ag.GradcheckResult([1.0, 5.0], [1.0], 1e-5, 1e-8)),
        (ValueError, r"limit must be one of", lambda: limits.check_size(3, "n", "MAX_WIDTH")),
        (TypeError, r"n must be an int", lambda: limits.check_size(math.nan, "n", "MAX_UNITS")),  # type: ignore[arg-type]
        (ValueError, r"class index 1e\+19 out of range", lambda: nn.cross_entropy([[Value(0.1), Value(0.2)]], [1e19])),
        (TypeError, r"prefix must be a str", lambda: model.named_parameters(prefix=5)),  # type: ignore[arg-type]
        (ValueError, r"invalid dampening nan", lambda: nn.optim.SGD([Value(1.0)], momentum=0.9, dampening=math.nan)),
        (ValueError, r"batch sizes differ in a comparison: 3 and 2", lambda: Value(np.ones(3)) < np.ones(2)),
    ]
    for exc, match, f in cases:
        _raises(exc, match, f)
    bn = nn.BatchNorm(2)
    state = bn.state_dict()
    state["running_var.0"] = -1.0
    _raises(ValueError, r"running_var.0 \(got -1.0; a variance cannot be negative\)", lambda: bn.load_state_dict(state))
    assert bn.running_var == [1.0, 1.0]  # refused as a whole: nothing loaded


def test_sets_are_refused_where_order_pairs_terms_up() -> None:
    xs = [Value(1.0), Value(10.0)]
    for call, what in (
        (lambda: ag.dot({3.0, 1.0}, xs), "dot"),
        (lambda: ag.dot(xs, {3.0, 1.0}), "dot"),
        (lambda: ag.linear([[1.0, 2.0]], set(xs)), "linear"),
        (lambda: ag.linear([{1.0, 2.0}], xs), "linear weights"),
        (lambda: ag.gradcheck(lambda a, b: a * b, {1.0, 2.0}), "xs"),
        (lambda: ag.numeric_grad(lambda a, b: a * b, frozenset({1.0, 2.0})), "xs"),
    ):
        with pytest.raises(TypeError, match=what):
            call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.grad(Value(1.0) * 2, [Value(1.0)], create_graph=-1),
        lambda: ag.to_dot(Value(1.0) * 2, show_edge_grads=5),
        lambda: nn.data.train_test_split(np.zeros((4, 2)), np.zeros(4), stratify=5),
        lambda: nn.fit(nn.MLP(2, [1]), np.zeros((4, 2)), np.zeros(4), progress=5),
        lambda: nn.fit(nn.MLP(2, [1]), np.zeros((4, 2)), np.zeros(4), batched=-1),
        lambda: ag.gradcheck(lambda a: a, [1.0], verbose="yes"),
        lambda: ag.grad(Value(1.0) * 2, [Value(1.0)], create_graph=np.int64(2)),
    ],
)
def test_on_off_arguments_take_true_false_or_one_zero_only(call: Any) -> None:
    with pytest.raises(TypeError, match="must be True or False"):
        call()


def test_numpy_ones_and_zeros_are_flags_too() -> None:
    x = Value(1.5)
    (g,) = ag.grad(x * x, [x], create_graph=np.int64(1))
    assert isinstance(g, Value) and g.data == 3.0
    assert ag.grad(x * x, [x], create_graph=np.int8(0)) == (3.0,)
