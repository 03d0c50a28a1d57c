"""Independent oracles for the engine tests: float64 central differences and a plain-float interpreter.

Nothing here calls the engine's backward: the finite differences run plain Python functions, and
the straight-line program interpreter has two back ends, one on ``Value`` and one on :mod:`math`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

import autograd as ag
from autograd import Value

EPS = 2.0**-52
H2 = EPS ** (1 / 3)  # best step for the 2-point stencil, error O(h^2)
H4 = EPS ** (1 / 5)  # best step for the 4th-order 5-point stencil, error O(h^4)


def central_diff(f: Callable[[float], float], x: float, points: int = 5, scale: float | None = None) -> float:
    """df/dx by central differences in float64; the step is scaled to |x| (``scale`` overrides max(1, |x|))."""
    x = float(x)
    s = max(1.0, abs(x)) if scale is None else scale
    if points == 2:
        h = H2 * s
        xp, xm = x + h, x - h
        return (f(xp) - f(xm)) / (xp - xm)
    h = H4 * s
    return (8.0 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12.0 * h)


def fd_gradient(f: Callable[[list[float]], float], xs: Sequence[float], points: int = 5) -> list[float]:
    """The gradient of a function of a list of floats, one central difference per coordinate."""
    point = [float(x) for x in xs]
    out = []
    for i in range(len(point)):

        def fi(t: float, i: int = i) -> float:
            p = list(point)
            p[i] = t
            return f(p)

        out.append(central_diff(fi, point[i], points))
    return out


def close(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """|a - b| <= atol + rtol * max(|a|, |b|); equal infinities and two NaNs count as close."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def assert_close(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-9, what: str = "") -> None:
    assert close(a, b, rtol, atol), f"{what}: {a!r} != {b!r} (rtol={rtol}, atol={atol})"


def same_float(a: float, b: float) -> bool:
    """Bitwise-equal floats, NaN equal to NaN."""
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


# ---------------------------------------------------------------- strategies
def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats with lo <= |x| <= hi and either sign (kinks at 0 stay out of a finite difference's reach)."""
    return st.builds(lambda m, s: m if s else -m, reals(lo, hi), st.booleans())


# ---------------------------------------------------------------- straight-line programs
# An instruction reads registers and appends one.  Each entry: (arity, Value rule, plain-float rule).
# Rules keep every intermediate inside its op's domain (log of 1 + r^2, division by 1 + r^2, ...).
def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


INSTRUCTIONS: dict[str, tuple[int, Callable[..., Any], Callable[..., float]]] = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (1.0 + b * b), lambda a, b: a / (1.0 + b * b)),
    "pow": (2, lambda a, b: (1.5 + a.sin()) ** b.tanh(), lambda a, b: (1.5 + math.sin(a)) ** math.tanh(b)),
    "neg": (1, lambda a: -a, lambda a: -a),
    "addc": (1, lambda a: 0.75 + a, lambda a: 0.75 + a),
    "rsubc": (1, lambda a: 0.5 - a, lambda a: 0.5 - a),
    "mulc": (1, lambda a: a * -1.25, lambda a: a * -1.25),
    "rdivc": (1, lambda a: 2.0 / (1.0 + a * a), lambda a: 2.0 / (1.0 + a * a)),
    "square": (1, lambda a: a**2, lambda a: a**2.0),
    "cube": (1, lambda a: a**3, lambda a: a**3.0),
    "rpow": (1, lambda a: 2.0 ** a.tanh(), lambda a: 2.0 ** math.tanh(a)),
    "exp": (1, lambda a: (-(a * a)).exp(), lambda a: math.exp(-(a * a))),
    "log": (1, lambda a: (1.0 + a * a).log(), lambda a: math.log(1.0 + a * a)),
    "log1p": (1, lambda a: (a * a).log1p(), lambda a: math.log1p(a * a)),
    "sqrt": (1, lambda a: (1.0 + a * a).sqrt(), lambda a: math.sqrt(1.0 + a * a)),
    "tanh": (1, lambda a: a.tanh(), math.tanh),
    "sigmoid": (1, lambda a: a.sigmoid(), _sigmoid),
    "sin": (1, lambda a: a.sin(), math.sin),
    "cos": (1, lambda a: a.cos(), math.cos),
    "relu": (1, lambda a: a.relu(), lambda a: max(a, 0.0)),
    "leaky": (1, lambda a: a.leaky_relu(0.1), lambda a: a if a > 0 else 0.1 * a),
    "abs": (1, lambda a: abs(a), abs),
}
KINKED = {"relu": 0.0, "leaky": 0.0, "abs": 0.0}  # op -> where its derivative jumps


@st.composite
def programs(draw: Any, n_inputs: int | None = None, max_len: int = 10) -> tuple[int, list[tuple[Any, ...]]]:
    """(number of inputs, instructions); the last instruction reduces several registers to the output.

    Operands are drawn from all registers so far, so a register can be read twice by one instruction
    (x*x, x+x) and by many instructions (fan-out).
    """
    n = draw(st.integers(1, 4)) if n_inputs is None else n_inputs
    prog: list[tuple[Any, ...]] = []
    names = sorted(INSTRUCTIONS)
    for k in range(draw(st.integers(1, max_len))):
        name = draw(st.sampled_from(names))
        arity = INSTRUCTIONS[name][0]
        regs = n + k
        if draw(st.booleans()):  # favour the newest register: deep chains, not only wide ones
            first = regs - 1
        else:
            first = draw(st.integers(0, regs - 1))
        operands = [first] + [draw(st.integers(0, regs - 1)) for _ in range(arity - 1)]
        prog.append((name, *operands))
    regs = n + len(prog)
    kind = draw(st.sampled_from(["last", "sum", "builtin_sum", "dot"]))
    picks = draw(st.lists(st.integers(0, regs - 1), min_size=1, max_size=5))
    if kind == "dot":
        others = draw(st.lists(st.integers(0, regs - 1), min_size=len(picks), max_size=len(picks)))
        prog.append(("dot", tuple(picks), tuple(others)))
    elif kind == "last":
        prog.append(("last",))
    else:
        prog.append((kind, tuple(picks)))
    return n, prog


def run_values(prog: Sequence[tuple[Any, ...]], xs: Sequence[Value]) -> tuple[Value, list[Value]]:
    """Run a program on Values: (output, registers)."""
    regs: list[Any] = list(xs)
    for ins in prog[:-1]:
        name, *operands = ins
        regs.append(INSTRUCTIONS[name][1](*(regs[i] for i in operands)))
    last = prog[-1]
    if last[0] == "last":
        out = regs[-1]
    elif last[0] == "sum":
        out = ag.sum(regs[i] for i in last[1])
    elif last[0] == "builtin_sum":
        out = sum(regs[i] for i in last[1])
    else:
        out = ag.dot([regs[i] for i in last[1]], [regs[i] for i in last[2]])
    return out, regs


def run_plain(prog: Sequence[tuple[Any, ...]], xs: Sequence[float], kinks: list[float] | None = None) -> float:
    """Run a program with the math module only.  ``kinks`` collects each kinked op's distance to its kink."""
    regs = [float(x) for x in xs]
    for ins in prog[:-1]:
        name, *operands = ins
        args = [regs[i] for i in operands]
        if kinks is not None and name in KINKED:
            kinks.append(abs(args[0] - KINKED[name]))
        regs.append(float(INSTRUCTIONS[name][2](*args)))
    last = prog[-1]
    if last[0] == "last":
        return regs[-1]
    if last[0] == "dot":
        return math.fsum(regs[i] * regs[j] for i, j in zip(last[1], last[2]))
    return math.fsum(regs[i] for i in last[1])


def plain_registers(prog: Sequence[tuple[Any, ...]], xs: Sequence[float]) -> list[float]:
    regs = [float(x) for x in xs]
    for ins in prog[:-1]:
        name, *operands = ins
        regs.append(float(INSTRUCTIONS[name][2](*(regs[i] for i in operands))))
    return regs


def dump_counts_at_exit(counts: Any, prefix: str) -> None:
    """At exit, add ``counts`` (a Counter) under ``prefix.`` to the JSON file named by $TRUST_COUNTS, if set.

    The trust suites use this to report how many ops, graphs and bad inputs they tried (README, testing section).
    """
    import atexit
    import json
    import os

    def dump() -> None:
        path = os.environ.get("TRUST_COUNTS")
        if not path or not counts:
            return
        old: dict[str, int] = {}
        if os.path.exists(path):
            with open(path) as fh:
                old = json.load(fh)
        for k, v in counts.items():
            old[f"{prefix}.{k}"] = old.get(f"{prefix}.{k}", 0) + v
        with open(path, "w") as fh:
            json.dump(old, fh, indent=1, sort_keys=True)

    atexit.register(dump)
