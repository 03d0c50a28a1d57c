"""Losses on a batch of predictions, like PyTorch's: each returns one Value (the mean by default).

``predictions`` may be

* a list of scalar Values, one per sample (a single output);
* a list of lists of scalar Values, one list of k outputs per sample (e.g. ``[model(x) for x in X]``);
* a batch Value (one output for m samples, e.g. ``model(X)[0]``);
* a list of k batch Values (k outputs for m samples, e.g. ``model(X)``).

``targets`` is a list or array: shape (m,) for one output, (m, k) for k outputs, and (m,) integer classes for
``cross_entropy``.  ``reduction="mean"`` divides the sum by the number of terms (m * k elementwise, m for
``cross_entropy``); ``"sum"`` does not.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.nary import pick
from autograd.value import refuse_masked

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "mse_loss",
]

_LOG_FLOOR = math.exp(-100.0)  # PyTorch clamps log(p) at -100 in binary_cross_entropy


class _Batch:
    """Predictions in one of two layouts: ``cols`` (k batch Values) or ``rows`` (m lists of k scalar Values)."""

    def __init__(self, m: int, k: int, cols: list[Value] | None = None, rows: list[list[Value]] | None = None) -> None:
        self.m, self.k, self.cols, self.rows = m, k, cols, rows


def _predictions(pred: Any, fn: str) -> _Batch:
    if isinstance(pred, Value):
        if pred.shape == ():
            return _Batch(1, 1, rows=[[pred]])
        return _Batch(pred.shape[0], 1, cols=[pred])
    if isinstance(pred, np.ndarray) or not isinstance(pred, (list, tuple)):
        raise TypeError(
            f"{fn}: predictions must be a Value, a list of Values or a list of lists of Values, "
            f"got {type(pred).__name__}"
        )
    if len(pred) == 0:
        raise ValueError(f"{fn}: empty batch: predictions has no samples")
    if all(isinstance(p, Value) for p in pred):
        batch = [p.shape != () for p in pred]
        if all(batch):
            sizes = {p.shape[0] for p in pred}
            if len(sizes) > 1:
                raise ValueError(f"{fn}: the batch Values hold different numbers of samples: {sorted(sizes)}")
            return _Batch(pred[0].shape[0], len(pred), cols=list(pred))
        if any(batch):
            raise TypeError(f"{fn}: predictions mixes batch Values and scalar Values; use one layout")
        return _Batch(len(pred), 1, rows=[[p] for p in pred])
    if all(isinstance(p, (list, tuple)) for p in pred):
        k = len(pred[0])
        for i, row in enumerate(pred):
            if len(row) != k or k == 0:
                raise ValueError(
                    f"{fn}: every sample must have the same number (>= 1) of outputs; "
                    f"sample {i} has {len(row)}, sample 0 has {k}"
                )
            for v in row:
                if not isinstance(v, Value) or v.shape != ():
                    raise TypeError(f"{fn}: sample {i} must be a list of scalar Values, found {type(v).__name__}")
        return _Batch(len(pred), k, rows=[list(r) for r in pred])
    bad = next((type(p).__name__ for p in pred if not isinstance(p, (Value, list, tuple))), None)
    if bad is None:
        raise TypeError(f"{fn}: predictions mixes Values and lists of Values; use one layout")
    raise TypeError(f"{fn}: predictions must hold Values (one per sample) or lists of Values, found {bad}")


def _exact_ints(t: np.ndarray, fn: str, k: int | None) -> np.ndarray:
    """numpy keeps a list holding an int beyond int64 (10**30, -10**30) as objects: give float64, as for a float
    target (so a class index is out of range, a ValueError); an int beyond float64 too is refused here (``k``: the
    number of classes, None for other targets).  Anything else stays an object array, which the caller refuses."""
    items = t.ravel().tolist()
    if not all(isinstance(x, (numbers.Real, np.bool_)) for x in items):
        return t
    out = []
    for x in items:
        try:
            out.append(float(x))
        except OverflowError:
            shown = f"{reprlib.repr(x)} (an int of {x.bit_length()} bits)" if isinstance(x, int) else reprlib.repr(x)
            if k is not None:
                raise ValueError(
                    f"{fn}: class index {shown} out of range for {k} outputs (valid: 0..{k - 1})"
                ) from None
            raise ValueError(f"{fn}: targets contain {shown}, too large for a float64") from None
    return np.array(out, dtype=np.float64).reshape(t.shape)


def _targets(targets: Any, b: _Batch, fn: str, classes: bool = False) -> np.ndarray:
    """Targets as float64 (m, k), or int64 (m,) class indices when ``classes``."""
    if isinstance(targets, Value):
        raise TypeError(f"{fn}: targets must be numbers (a list or array), not a Value")
    refuse_masked(targets, f"{fn}: targets")
    try:
        t = np.asarray(targets)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: targets must be a list or array of numbers") from None
    if t.dtype == object:
        t = _exact_ints(t, fn, b.k if classes else None)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: targets must be numbers, got dtype {t.dtype}")
    if t.ndim == 0:
        t = t.reshape(1)
    if t.size == 0:
        raise ValueError(f"{fn}: empty batch: targets has no samples")
    if t.shape[0] != b.m:
        raise ValueError(f"{fn}: {b.m} predictions but {t.shape[0]} targets; give one target per sample")
    if not np.isfinite(t.astype(np.float64)).all():
        raise ValueError(f"{fn}: targets contain NaN or inf")
    if classes:
        if t.ndim == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.ndim != 1:
            raise ValueError(f"{fn}: targets must be one class index per sample, shape ({b.m},), got {t.shape}")
        if (t != np.round(t)).any():
            raise ValueError(f"{fn}: class targets must be integers, got {t[t != np.round(t)][:3]}")
        outside = (t < 0) | (t >= b.k)  # before the cast to int64, which 1e19 would overflow
        if outside.any():
            bad = t[outside][0]
            raise ValueError(f"{fn}: class index {bad:g} out of range for {b.k} outputs (valid: 0..{b.k - 1})")
        return t.astype(np.int64)
    t = t.astype(np.float64)
    if t.ndim == 1:
        t = t.reshape(-1, 1)
    if t.ndim != 2 or t.shape[1] != b.k:
        raise ValueError(f"{fn}: targets must have shape ({b.m},) or ({b.m}, {b.k}) for {b.k} outputs, got {t.shape}")
    return t


def _reduce(terms: list[Value], count: int, reduction: str) -> Value:
    """Sum of the terms (scalar or batch Values) over everything, divided by ``count`` for the mean."""
    total = terms[0] if len(terms) == 1 else autograd.sum(terms)
    if total.shape != ():
        total = total.sum()
    return total * (1.0 / count) if reduction == "mean" else total


def _check_reduction(reduction: Any, fn: str) -> str:
    if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
        raise ValueError(f'{fn}: reduction must be "mean" or "sum", got {reduction!r}')
    return str(reduction)


def _elementwise(
    pred: Any, targets: Any, reduction: str, fn: str, term: Callable[[Value, Any], Value], prep: Any = None
) -> Value:
    _check_reduction(reduction, fn)
    b = _predictions(pred, fn)
    t = _targets(targets, b, fn)
    if prep is not None:
        t = prep(t, fn)
    if b.cols is not None:
        terms = [term(v, t[:, j]) for j, v in enumerate(b.cols)]
    else:
        assert b.rows is not None
        terms = [term(v, float(t[i, j])) for i, row in enumerate(b.rows) for j, v in enumerate(row)]
    return _reduce(terms, b.m * b.k, reduction)


def mse_loss(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: mean over samples and outputs of (p - t)^2; d/dp = 2 (p - t) / (m k)."""
    return _elementwise(predictions, targets, reduction, "mse_loss", lambda p, t: (p - t) ** 2)


def _check_probabilities(t: np.ndarray, fn: str) -> np.ndarray:
    if (t < 0).any() or (t > 1).any():
        raise ValueError(f"{fn}: targets must be probabilities in [0, 1], got values from {t.min()} to {t.max()}")
    return t


def _bce_term(p: Value, t: Any) -> Value:
    d = p.data
    outside = (d < 0) | (d > 1)  # NaN is neither: it passes through, as in every other loss
    if outside.any() if isinstance(outside, np.ndarray) else outside:
        bad = d[outside][0] if isinstance(d, np.ndarray) else d
        raise ValueError(
            f"binary_cross_entropy: predictions must be probabilities in [0, 1] (a sigmoid output), got {bad}; "
            "for raw scores (logits) use binary_cross_entropy_with_logits"
        )
    # log clamped at -100 like PyTorch, by clipping its argument to [e^-100, 1]: never -inf, never 0 * inf
    logp = p.clip(_LOG_FLOOR, 1.0).log()
    log1mp = (1.0 - p).clip(_LOG_FLOOR, 1.0).log()
    # 0 - (...), not -(...): a zero loss (p = t = 0, p = t = 1) sums -100 * 0 = -0.0 and 0.0; negated it read -0.0
    return 0.0 - (logp * t + log1mp * (1.0 - t))


def binary_cross_entropy(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """BCE on probabilities p in [0, 1]: -(t log p + (1 - t) log(1 - p)), each log clamped at -100 (as PyTorch).

    d/dp = (p - t) / (p (1 - p)); with a sigmoid output that makes dL/dz = p - t, the documents' dZ = A - Y.
    The gradient is always the derivative of the clamped loss.  PyTorch's backward is (p - t) / max(p (1 - p), 1e-12)
    instead, which differs in two places.  Where p (1 - p) < 1e-12 but no log is clamped, its gradient is smaller than
    the true one (this one).  Where a log is clamped (p < e^-100, or 1 - p < e^-100, i.e. p = 1), that term is flat,
    so here only the other term is left: d/dp = (1 - t) / (1 - p) = 1 - t near 0 (0 for t = 1) and -t / p = -t at 1
    (0 for t = 0), while PyTorch's stays at (p - t) / 1e-12 (-t * 1e12 at p = 0).  Through a sigmoid, which multiplies
    by p (1 - p) < e^-100, both are ~0; for logits use binary_cross_entropy_with_logits, accurate in the tails.
    """
    return _elementwise(predictions, targets, reduction, "binary_cross_entropy", _bce_term, _check_probabilities)


def _bce_logits_term(z: Value, t: Any) -> Value:
    # softplus(z) - t z = z ((1 + s)/2 - t) + log1p(e^(-s z)) holds for s = +1 and for s = -1; s = sign(z)
    # (+1 at 0) as a constant keeps e^(-s z) <= 1 (no overflow) and leaves no kink, so every derivative is right
    # at z = 0 too (with abs(z), d2/dz2 came out 0 there instead of 1/4).  (1 + s)/2 - t is 1 - t or -t, so nothing
    # of size |z| is added and cancelled, and log1p keeps e^(-|z|) where log(1 + e^(-|z|)) rounded it away: the tail
    # (loss and gradient ~e^-|z|, e.g. 4.2e-18 at z = -40, t = 0) keeps full precision up to |z| = 700
    d = z.data
    s: Any
    c: Any
    if isinstance(d, np.ndarray):
        s = np.where(d >= 0, 1.0, -1.0)
        c = np.where(d >= 0, 1.0 - t, -t)
    else:
        s, c = (1.0, 1.0 - t) if d >= 0 else (-1.0, -t)
    return z * c + (z * -s).exp().log1p()


def binary_cross_entropy_with_logits(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """BCE on logits z: -(t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))) = softplus(z) - t z, computed stably.

    d/dz = sigmoid(z) - t (the documents' dZ[L] = A[L] - Y, divided by m for the mean).
    """
    return _elementwise(
        predictions, targets, reduction, "binary_cross_entropy_with_logits", _bce_logits_term, _check_probabilities
    )


def _check_signs(t: np.ndarray, fn: str) -> np.ndarray:
    values = set(np.unique(t).tolist())
    if values <= {0.0, 1.0}:
        return 2.0 * t - 1.0
    if values <= {-1.0, 1.0}:
        return t
    raise ValueError(f"{fn}: targets must be labels in {{-1, +1}} (or {{0, 1}}), got {sorted(values)[:5]}")


def hinge_loss(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Hinge (SVM) loss: max(0, 1 - t p) with t in {-1, +1} ({0, 1} labels are mapped to {-1, +1}).

    d/dp = -t where t p < 1, else 0.
    """
    return _elementwise(predictions, targets, reduction, "hinge_loss", lambda p, t: (1.0 - p * t).relu(), _check_signs)


def cross_entropy(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Softmax + negative log-likelihood on logits z (k per sample) and integer classes c:
    loss = log(sum_j e^{z_j}) - z_c, computed as M + log(sum_j e^{z_j - M}) - z_c with M = max_j z_j.

    d/dz_j = softmax(z)_j - [j == c] (the documents' dZ = A - Y with one-hot Y).
    """
    fn = "cross_entropy"
    _check_reduction(reduction, fn)
    b = _predictions(predictions, fn)
    if b.rows is not None and b.k == 1 and b.m > 1:
        t_len = np.size(targets) if not isinstance(targets, Value) else -1
        if t_len == 1:
            raise ValueError(
                f"cross_entropy: {b.m} predictions but 1 target; for one sample's {b.m} logits pass [outputs], "
                "a list of one list of Values"
            )
    c = _targets(targets, b, fn, classes=True)
    terms: list[Value] = []
    if b.cols is not None:
        zs = b.cols
        M = np.max(np.stack([z.data for z in zs]), axis=0)
        lse = autograd.sum([(z - M).exp() for z in zs]).log() + M
        terms.append(lse - pick(zs, c))  # z_c per sample: a one-hot dot that never computes -inf * 0
    else:
        assert b.rows is not None
        for row, ci in zip(b.rows, c.tolist()):
            # M as in the batch path (np.max): NaN if any logit is, inf kept (then z - M is NaN or -inf, as there
            # and in PyTorch: a +inf logit makes every gradient NaN); a NaN is not always max()'s answer
            data = [z.data for z in row]
            Mi = math.nan if any(x != x for x in data) else max(data)
            lse = autograd.sum([(z - Mi).exp() for z in row]).log() + Mi
            terms.append(lse - row[ci])
    return _reduce(terms, b.m, reduction)


def l2_penalty(params: Iterable[Value], weight: float) -> Value:
    """weight * sum_i p_i^2 (add it to the loss); d/dp_i = 2 weight p_i."""
    big = isinstance(weight, int) and weight > 1e300
    if isinstance(weight, bool) or not isinstance(weight, (numbers.Real, np.floating)) or not weight >= 0 or big:
        raise ValueError(f"l2_penalty: weight must be a non-negative number, got {weight!r}")
    if isinstance(params, Value) or not isinstance(params, Iterable):
        what = "one Value" if isinstance(params, Value) else type(params).__name__
        raise TypeError(f"l2_penalty: params must be a list of Values (e.g. model.parameters()), got {what}")
    ps = list(params)
    if not ps:
        raise ValueError("l2_penalty: params is empty; pass model.parameters()")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"l2_penalty: params[{i}] is a {type(p).__name__}, not a Value")
    return autograd.dot(ps, ps) * float(weight)
