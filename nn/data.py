"""Small seeded datasets as numpy arrays: ``X`` of shape (m, features), float64, and ``y`` of shape (m,), int.

``spiral`` is the documents' ``load_data`` generator (same numbers for the same seed); ``moons``, ``circles``,
``xor`` and ``blobs`` are the usual 2-D toy problems; ``digits`` is scikit-learn's 8x8 handwritten digits
(shipped inside scikit-learn, no download).  ``train_test_split`` splits any of them reproducibly.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from autograd.config import check_flag
from autograd.value import refuse_masked

from .limits import check_size

__all__ = ["blobs", "circles", "digits", "moons", "spiral", "train_test_split", "xor"]


def _count(value: Any, name: str, minimum: int = 1, limit: str = "MAX_SAMPLES") -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return check_size(int(value), name, limit)


MAX_SCALE = 1e100  # noise / std: far above any useful value, far below where float64 samples overflow


def _scale(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r})")
    try:
        value = float(value) + 0.0  # -0.0 -> 0.0: numpy's samplers refuse a negative-signed scale
    except OverflowError:
        raise ValueError(f"{name} is too large for a float64") from None
    if not 0 <= value <= MAX_SCALE:  # NaN fails too; beyond the cap, samples would overflow to inf
        raise ValueError(f"{name} must be a number from 0 to {MAX_SCALE:g} (the features are of order 1), got {value}")
    return value


def _seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (numbers.Integral, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__} ({seed!r})")
    value = int(seed)
    if not 0 <= value < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {value}")
    return value


def _split_sizes(n: int, parts: int) -> list[int]:
    """``n`` samples over ``parts`` classes as evenly as possible (the first classes get the remainder)."""
    return [n // parts + (j < n % parts) for j in range(parts)]


def spiral(n: int = 400, classes: int = 2, noise: float = 0.2, seed: int | None = 1) -> tuple[np.ndarray, np.ndarray]:
    """The documents' spiral: class j has r = linspace(0, 1), t = linspace(s j, s (j+1)) + noise * N(0, 1).

    Point = (r sin t, r cos t).  The documents' two classes take s = 3.12 radians each; k classes share the same
    6.24 radians (s = 6.24 / k), so that no arm wraps onto another one.  With the defaults (400 points, 2 classes,
    noise 0.2, seed 1) the points are exactly those of the documents' ``load_data()`` (which seeds numpy's global
    generator with 1), but as ``X`` (m, 2) and ``y`` (m,) instead of their transposes; the global numpy generator
    is not touched.
    """
    n = _count(n, "n")
    classes = _count(classes, "classes")
    if n < classes:
        raise ValueError(f"n must be at least classes ({classes}) so that every class has a point, got n={n}")
    noise = _scale(noise, "noise")
    rng = np.random.RandomState(_seed(seed))
    X = np.zeros((n, 2))
    y = np.zeros(n, dtype=np.int64)
    start = 0
    span = 6.24 / classes  # 3.12 for the documents' two classes
    for j, size in enumerate(_split_sizes(n, classes)):
        ix = slice(start, start + size)
        r = np.linspace(0.0, 1, size)
        t = np.linspace(j * span, (j + 1) * span, size) + rng.randn(size) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
        start += size
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on (cos s, sin s), class 1 on (1 - cos s, 0.5 - sin s), s in [0, pi].

    Gaussian noise of standard deviation ``noise`` is added to every coordinate.
    """
    n = _count(n, "n", 2)
    noise = _scale(noise, "noise")
    rng = np.random.default_rng(_seed(seed))
    n0, n1 = _split_sizes(n, 2)
    s0, s1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.c_[np.cos(s0), np.sin(s0)], np.c_[1 - np.cos(s1), 0.5 - np.sin(s1)]])
    X += rng.normal(0.0, noise, X.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return X, y


def circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor`` (0 < factor < 1), plus noise."""
    n = _count(n, "n", 2)
    noise = _scale(noise, "noise")
    factor = _scale(factor, "factor")
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (the inner radius), got {factor}")
    rng = np.random.default_rng(_seed(seed))
    n0, n1 = _split_sizes(n, 2)
    s0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    s1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.c_[np.cos(s0), np.sin(s0)], factor * np.c_[np.cos(s1), np.sin(s1)]])
    X += rng.normal(0.0, noise, X.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return X, y


def xor(n: int = 200, noise: float = 0.0, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2 with class y = 1 when x1 * x2 < 0 (the XOR of the signs), else 0.

    The labels come from the clean points; ``noise`` (standard deviation) then jitters them.
    """
    n = _count(n, "n")
    noise = _scale(noise, "noise")
    rng = np.random.default_rng(_seed(seed))
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    X += rng.normal(0.0, noise, X.shape)
    return X, y


def blobs(
    n: int = 300, centers: int = 3, features: int = 2, std: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``centers`` Gaussian clusters: class k ~ N(c_k, std^2 I), centres c_k drawn uniform in [-4, 4]^features."""
    n = _count(n, "n")
    centers = _count(centers, "centers")
    features = _count(features, "features", limit="MAX_UNITS")
    check_size(n * features, "n * features", "MAX_DATA_VALUES")
    if n < centers:
        raise ValueError(f"n must be at least centers ({centers}) so that every class has a point, got n={n}")
    std = _scale(std, "std")
    rng = np.random.default_rng(_seed(seed))
    c = rng.uniform(-4.0, 4.0, (centers, features))
    sizes = _split_sizes(n, centers)
    y = np.repeat(np.arange(centers, dtype=np.int64), sizes)
    X = c[y] + rng.normal(0.0, std, (n, features))
    return X, y


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 handwritten digits: ``X`` (1797, 64) = 8x8 pixel intensities / 16, in [0, 1]; ``y`` in 0..9.

    The data ships inside scikit-learn (no download); install it with ``pip install scalargrad[digits]``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            "nn.data.digits() needs scikit-learn, which ships the digits data: pip install scalargrad[digits]"
        ) from e
    d = load_digits()
    return np.asarray(d.data, dtype=np.float64) / 16.0, np.asarray(d.target, dtype=np.int64)


def _test_count(test_size: Any, m: int) -> int:
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, (numbers.Real, np.integer, np.floating)):
        raise TypeError(
            f"test_size must be a fraction in (0, 1) or a number of samples, got {type(test_size).__name__}"
        )
    if isinstance(test_size, (numbers.Integral, np.integer)):
        k = int(test_size)
        if not 0 < k < m:
            raise ValueError(f"test_size must be between 1 and {m - 1} samples (there are {m}), got {k}")
        return k
    f = float(test_size)
    if not 0 < f < 1:
        raise ValueError(f"test_size as a fraction must be strictly between 0 and 1, got {f}")
    k = math.ceil(f * m)
    if not 0 < k < m:
        raise ValueError(f"test_size={f} of {m} samples leaves an empty train or test set")
    return k


def _stratified_counts(sizes: list[int], k: int) -> list[int]:
    """Test samples per class: k split in proportion to the class sizes, largest remainders rounded up, so they
    add up to k; each class keeps at least one training sample (so a class of one gives none)."""
    m = sum(sizes)
    quotas = [k * n / m for n in sizes]
    counts = [min(n - 1, math.floor(q)) for n, q in zip(sizes, quotas)]
    left = k - sum(counts)
    for i in sorted(range(len(sizes)), key=lambda i: counts[i] - quotas[i]):  # largest remainder first
        if left <= 0:
            break
        if counts[i] < sizes[i] - 1:
            counts[i] += 1
            left -= 1
    return counts


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, seed: int | None = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``seed`` and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size``: a fraction (test count = ceil(fraction * m)) or a number of samples.  With ``stratify=True``
    the test set is shared among the classes in proportion to their sizes (largest remainders rounded up, each
    class keeping a training sample), so class proportions are kept and the test set has the size asked for.
    """
    refuse_masked(X, "X")
    refuse_masked(y, "y")
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays of samples (first axis = samples)")
    m = X.shape[0]
    if y.shape[0] != m:
        raise ValueError(f"X and y must have the same number of samples, got {m} and {y.shape[0]}")
    if m < 2:
        raise ValueError(f"need at least 2 samples to split, got {m}")
    k = _test_count(test_size, m)
    rng = np.random.default_rng(_seed(seed))
    if not check_flag(stratify, "stratify"):
        order = rng.permutation(m)
        test, train = order[:k], order[k:]
    else:
        if y.ndim != 1:
            raise ValueError("stratify=True needs y of shape (m,) holding class labels")
        members = [rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y)]
        test_parts, train_parts = [], []
        for idx, kc in zip(members, _stratified_counts([len(idx) for idx in members], k)):
            test_parts.append(idx[:kc])
            train_parts.append(idx[kc:])
        test = rng.permutation(np.concatenate(test_parts))
        train = rng.permutation(np.concatenate(train_parts))
        if len(test) == 0:
            raise ValueError(f"test_size={test_size} is too small to take a sample of any class (stratified)")
    return X[train], X[test], y[train], y[test]
