"""Anomaly detection: find the first op whose output or backward contribution is NaN or inf.

Only active inside ``autograd.detect_anomaly()``.  Then every recorded node is checked as it is
made (``check_forward``) and remembers where user code created it, and ``backward`` runs the
checked loop below instead of its fast one.  Outside the block nothing here runs: the creation
sites live in a weak table filled only while the mode is on.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any

import numpy as np

from .functional import _edges

_HERE = os.path.dirname(os.path.abspath(__file__))
_NN = os.path.join(os.path.dirname(_HERE), "nn")
_sites: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _inside(filename: str, folder: str) -> bool:
    return filename.startswith(folder + os.sep)


def _creation_site() -> str:
    """``file:line in function`` of the innermost frame outside autograd/ (and, if that is in nn/, its caller)."""
    f: Any = sys._getframe(1)
    while f is not None and _inside(f.f_code.co_filename, _HERE):
        f = f.f_back
    if f is None:
        return "<unknown>"
    site = f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}"
    if _inside(f.f_code.co_filename, _NN):
        g = f.f_back
        while g is not None and _inside(g.f_code.co_filename, _NN):
            g = g.f_back
        if g is not None:
            site += f", called from {g.f_code.co_filename}:{g.f_lineno} in {g.f_code.co_name}"
    return site


def creation_site(v: Any) -> str | None:
    """Where ``v`` was created, if it was created inside ``detect_anomaly()``."""
    return _sites.get(v)


def _finite(x: Any) -> bool:
    if type(x) is float:
        return x - x == 0.0  # False for nan and +-inf
    return bool(np.all(np.isfinite(x)))


def _show(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    if isinstance(x, np.ndarray):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        return f"<batch of {x.size}, {bad} non-finite, first {np.array2string(x[:4], precision=6)}>"
    return repr(x)


def _describe(v: Any) -> str:
    """Each input with its value and its edge's local derivative (where a constant operand, such as the x of a
    neuron's w*x or the c of x/c, shows), the op's stored constant, and where the node was made."""
    lines = []
    for i, (p, d) in enumerate(zip(v.inputs, v.local_grads)):
        label = f" {p.label!r}" if p.label else ""
        what = f"op {p.op!r}" if p.op else "leaf"
        lines.append(f"  input {i}{label} ({what}) = {_show(p.data)}, local derivative {_show(d)}")
    if not lines:
        lines.append("  (no Value inputs: only constants)")
    if v._a is not None and type(v._a) is not tuple and v._b is None and v._db is not None:
        lines.append(f"  constant operand = {_show(v._db)}")  # an exponent, a slope, clip bounds
    site = _sites.get(v)
    lines.append(f"  created at {site}" if site else "  created outside detect_anomaly(), so its site is unknown")
    return "\n".join(lines)


def _name(v: Any) -> str:
    return f"op {v.op!r}" + (f" (label {v.label!r})" if v.label else "")


def check_forward(v: Any) -> None:
    """Remember where ``v`` was made; raise ``FloatingPointError`` if its value is NaN or inf."""
    site = _creation_site()
    with _lock:
        _sites[v] = site
    if not _finite(v.data):
        raise FloatingPointError(
            f"detect_anomaly: {_name(v)} produced {_show(v.data)} in the forward pass\n{_describe(v)}"
        )


def backward_checked(order: list[Any]) -> None:
    """The backward pass over ``order`` (root first, grads already seeded/reset), checking each contribution.

    Same arithmetic in the same order as the fast loop, so the grads are identical; the first
    edge whose contribution ``upstream * local derivative`` is NaN or inf raises ``FloatingPointError``.
    """
    _checked(order)


def _bad_seed(root: Any, seed: Any, where: str) -> FloatingPointError:
    return FloatingPointError(
        f"detect_anomaly: the gradient seeded into {_name(root)}{where} is {_show(seed)}\n{_describe(root)}"
    )


def _bad_contribution(v: Any, i: int, g: Any, d: Any, c: Any, where: str) -> FloatingPointError:
    local = d.d if type(d).__name__ == "_Reduce" else d
    return FloatingPointError(
        f"detect_anomaly: the backward of {_name(v)}{where} produced {_show(c)} for input {i}: "
        f"upstream grad {_show(g)} x local derivative {_show(local)}\n{_describe(v)}"
    )


def _bad_sum(v: Any, i: int, old: Any, c: Any, total: Any, where: str) -> FloatingPointError:
    return FloatingPointError(
        f"detect_anomaly: the gradient of input {i} of {_name(v)}{where} overflowed to {_show(total)}: finite "
        f"contributions summed past the float range ({_show(old)} + {_show(c)})\n{_describe(v)}"
    )


def _checked(order: list[Any]) -> None:
    if order and not _finite(order[0].grad):
        raise _bad_seed(order[0], order[0].grad, "")
    for v in order:
        if v._a is None:
            continue
        g = v.grad
        ins, locs = _edges(v)
        for i, (p, d) in enumerate(zip(ins, locs)):
            if not p.requires_grad:  # data: nothing flows in
                continue
            c = g * d
            if not _finite(c):
                raise _bad_contribution(v, i, g, d, c, "")
            old = p.grad
            p._grad = total = old + c  # the fast loop's sum (a new array here, so old stays for the message)
            if not _finite(total) and _finite(old):
                raise _bad_sum(v, i, old, c, total, "")


_IN_GRAD = " (in autograd.grad)"


def check_grad_seed(output: Any, seed: Any) -> None:
    """``autograd.grad`` under ``detect_anomaly()``: a NaN or inf ``grad_output`` raises ``FloatingPointError``."""
    if not _finite(seed):
        raise _bad_seed(output, seed, _IN_GRAD)


def check_grad_edge(v: Any, i: int, g: Any, d: Any, c: Any, old: Any, total: Any) -> None:
    """One edge of ``autograd.grad``'s loop under ``detect_anomaly()``: contribution ``c = g * d`` into input i of v,
    summed with ``old`` into ``total``.  A NaN/inf contribution, or finite ones summing past the float range, raise."""
    if not _finite(c):
        raise _bad_contribution(v, i, g, d, c, _IN_GRAD)
    if old is not None and not _finite(total) and _finite(old):
        raise _bad_sum(v, i, old, c, total, _IN_GRAD)
