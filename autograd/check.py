"""Numeric derivatives and the gradient check the documents teach.

``numeric_grad`` uses central differences, (f(x+h) - f(x-h)) / 2h with h scaled to |x|; its error
is O(h^2).  ``gradcheck`` compares those numbers with the engine's, input by input, and reports
the documents' figure ||g - g_num|| / (||g|| + ||g_num||) (below 2e-7: the backward is right).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import check_flag, no_grad
from .functional import grad
from .value import Value

DEFAULT_EPS = 6.0554544523933395e-06  # cbrt(2**-52): the best step for central differences in float64
DOCUMENTS_THRESHOLD = 2e-7
_EPS_MIN = 2.220446049250313e-16  # machine epsilon: a relative step below it can give x + h == x - h


def _floats(xs: Sequence[Any], what: str = "xs") -> list[float]:
    if isinstance(xs, (Value, numbers.Real, np.number)):
        xs = [xs]
    elif isinstance(xs, (str, bytes, set, frozenset)) or not isinstance(xs, Iterable):
        raise TypeError(f"{what} must be a number, a scalar Value or a sequence of them, got {type(xs).__name__}")
    out = []
    for i, x in enumerate(xs):
        d = x.data if isinstance(x, Value) else x
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (numbers.Real, np.integer, np.floating)):
            raise TypeError(f"{what}[{i}] must be a real number or a scalar Value, got {type(x).__name__}")
        try:
            out.append(float(d))
        except OverflowError:
            raise ValueError(f"{what}[{i}] is too large for a float64") from None
    return out


def _evaluate(f: Callable[..., Any], point: list[float]) -> float:
    with no_grad():
        y = f(*[Value(p) for p in point])
    d = y.data if isinstance(y, Value) else y
    if not isinstance(d, (int, float)):
        raise TypeError(f"f must return a scalar Value or number, got {type(y).__name__}")
    return float(d)


def numeric_grad(f: Callable[..., Any], xs: Sequence[Any], eps: float | None = None) -> list[float]:
    """Central differences: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h, h = eps * max(1, |x_i|).

    ``f`` is called with scalar Values (under ``no_grad``) and must return a scalar Value or number.
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    point = _floats(xs)
    step = DEFAULT_EPS if eps is None else eps
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not _EPS_MIN <= step <= 1e300:
        raise ValueError(f"eps must be a finite number >= {_EPS_MIN:.3g} (smaller steps vanish), got {eps!r}")
    result = []
    for i, x in enumerate(point):
        h = step * max(1.0, abs(x))
        up, down = list(point), list(point)
        up[i], down[i] = x + h, x - h
        result.append((_evaluate(f, up) - _evaluate(f, down)) / (up[i] - down[i]))
    return result


def _reals(xs: Any, name: str) -> list[float]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{name} must be a list of numbers, got {type(xs).__name__}")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs):
        raise TypeError(f"{name} must hold numbers (one derivative per input)")
    try:
        return [float(x) for x in xs]
    except OverflowError:
        raise ValueError(f"{name} holds a number too large for a float64") from None


@dataclass
class GradcheckResult:
    """Truthy when every input's analytic and numeric derivative agree within rtol/atol."""

    analytic: list[float]
    numeric: list[float]
    rtol: float
    atol: float
    labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.analytic = _reals(self.analytic, "analytic")
        self.numeric = _reals(self.numeric, "numeric")
        if len(self.analytic) != len(self.numeric):
            raise ValueError(f"analytic has {len(self.analytic)} values but numeric {len(self.numeric)}: one per input")
        for name in ("rtol", "atol"):
            tol = getattr(self, name)
            if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
                raise ValueError(f"{name} must be a finite number >= 0, got {tol!r}")
        if not isinstance(self.labels, (list, tuple)) or not all(isinstance(t, str) for t in self.labels):
            raise TypeError("labels must be a list of str")
        self.labels = list(self.labels)

    @property
    def abs_errors(self) -> list[float]:
        return [abs(a - n) if a != n else 0.0 for a, n in zip(self.analytic, self.numeric)]  # inf == inf: 0

    @property
    def rel_errors(self) -> list[float]:
        return [
            abs(a - n) / max(abs(a), abs(n), 1e-300) if a != n else 0.0 for a, n in zip(self.analytic, self.numeric)
        ]

    @property
    def difference(self) -> float:
        """The documents' figure ||g - g_num|| / (||g|| + ||g_num||) (0 when both are 0)."""
        num = math.sqrt(sum(e * e for e in self.abs_errors))
        den = math.sqrt(sum(a * a for a in self.analytic)) + math.sqrt(sum(n * n for n in self.numeric))
        return num / den if den else 0.0

    @property
    def passed(self) -> bool:
        """|g - g_num| <= atol + rtol |g_num| for every input, as numpy.isclose: a NaN fails (nothing was checked),
        an inf agrees only with the same inf."""
        return all(
            a == n or (math.isfinite(n) and abs(a - n) <= self.atol + self.rtol * abs(n))
            for a, n in zip(self.analytic, self.numeric)
        )

    def __bool__(self) -> bool:
        return self.passed

    def table(self) -> str:
        head = f"{'input':<12}{'analytic':>16}{'numeric':>16}{'abs error':>12}{'rel error':>12}"
        rows = [head, "-" * len(head)]
        for i, (a, n, e, r) in enumerate(zip(self.analytic, self.numeric, self.abs_errors, self.rel_errors)):
            name = self.labels[i] if i < len(self.labels) and self.labels[i] else f"x[{i}]"
            rows.append(f"{name:<12}{a:>16.9g}{n:>16.9g}{e:>12.3g}{r:>12.3g}")
        d = self.difference
        verdict = "below" if d < DOCUMENTS_THRESHOLD else "ABOVE"
        rows.append(f"||g - g_num|| / (||g|| + ||g_num||) = {d:.3g} ({verdict} the documents' 2e-7)")
        rows.append(f"passed (rtol={self.rtol:g}, atol={self.atol:g}): {self.passed}")
        return "\n".join(rows)

    __str__ = table

    def __repr__(self) -> str:  # one line: gradcheck has printed the table already
        return f"GradcheckResult(passed={self.passed}, difference={self.difference:.3g}, inputs={len(self.analytic)})"


def gradcheck(
    f: Callable[..., Any],
    xs: Sequence[Any],
    rtol: float = 1e-5,
    atol: float = 1e-8,
    eps: float | None = None,
    verbose: bool = True,
) -> GradcheckResult:
    """Compare the engine's df/dx_i with central differences for each input; truthy when all agree.

    Agreement per input: |g - g_num| <= atol + rtol |g_num| (a NaN fails).  Prints the table, one row per input,
    and the documents' figure ||g - g_num|| / (||g|| + ||g_num||), unless ``verbose=False``; ``print(result)``
    shows it again.
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    verbose = check_flag(verbose, "verbose")
    for name, val in (("rtol", rtol), ("atol", atol)):
        huge = type(val) is int and val > 1e300
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not val >= 0 or huge:
            raise ValueError(f"{name} must be a number >= 0, got {val!r}")
    point = _floats(xs)
    labels = [x.label if isinstance(x, Value) else "" for x in (xs if isinstance(xs, (list, tuple)) else [xs])]
    leaves = [Value(p) for p in point]
    out = f(*leaves)
    if not isinstance(out, Value) or type(out.data) is not float:
        raise TypeError(f"f must return a scalar Value, got {type(out).__name__}")
    analytic = [float(g) for g in grad(out, leaves)]
    result = GradcheckResult(analytic, numeric_grad(f, point, eps), float(rtol), float(atol), labels)
    if verbose:
        print(result.table())
    return result
