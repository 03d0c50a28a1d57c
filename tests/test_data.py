"""nn.data: the documents' spiral generator (oracle: their load_data loop), shapes, seeding, splits, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import data

GENERATORS = {
    "spiral": data.spiral,
    "moons": data.moons,
    "circles": data.circles,
    "xor": data.xor,
    "blobs": data.blobs,
}


def documents_load_data() -> tuple[np.ndarray, np.ndarray]:
    """The documents' load_data() (000_ffa5edea744756a5.txt), minus plotting; it seeds numpy's global generator."""
    np.random.seed(1)
    m = 400
    N = int(m / 2)
    D = 2
    X = np.zeros((m, D))
    y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    X = X.T
    y = y.T
    return X, y


def test_spiral_equals_documents_generator() -> None:
    X_doc, y_doc = documents_load_data()
    X, y = data.spiral()
    assert X.shape == (400, 2) and y.shape == (400,)
    assert X.dtype == np.float64 and y.dtype.kind == "i"
    np.testing.assert_array_equal(X, X_doc.T)
    np.testing.assert_array_equal(y, y_doc.ravel())


def test_spiral_leaves_global_generator_alone() -> None:
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    data.spiral(seed=7)
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_spiral_geometry_radius_and_classes() -> None:
    X, y = data.spiral(n=300, classes=3, noise=0.0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    for j in range(3):
        pts = X[y == j]
        np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), np.linspace(0, 1, 100), atol=1e-12)
        angle = np.arctan2(pts[:, 0], pts[:, 1])  # x = r sin t, y = r cos t
        expected = np.linspace(j * 6.24 / 3, (j + 1) * 6.24 / 3, 100)  # the documents' two arms' 6.24 rad, shared
        wrapped = np.angle(np.exp(1j * (angle - expected)))
        np.testing.assert_allclose(wrapped[1:], 0, atol=1e-9)  # r = 0 at the first point: angle undefined


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_shapes_dtypes_and_reproducible(name: str) -> None:
    gen = GENERATORS[name]
    X1, y1 = gen(n=101, seed=5)
    X2, y2 = gen(n=101, seed=5)
    X3, _ = gen(n=101, seed=6)
    assert X1.shape == (101, 2) and y1.shape == (101,)
    assert X1.dtype == np.float64 and y1.dtype == np.int64
    assert np.isfinite(X1).all()
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    counts = np.bincount(y1)
    assert counts.min() >= 101 // len(counts) - 1 or name == "xor"


def test_labels_follow_the_definitions() -> None:
    X, y = data.xor(n=500, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    X, y = data.circles(n=200, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 0, 1.0, 0.3))
    X, y = data.moons(n=200, noise=0.0)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)


def test_blobs_multiclass_clusters() -> None:
    X, y = data.blobs(n=600, centers=4, features=3, std=0.1, seed=2)
    assert X.shape == (600, 3) and set(y.tolist()) == {0, 1, 2, 3}
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    spread = np.array([X[y == k].std(axis=0) for k in range(4)])
    np.testing.assert_allclose(spread, 0.1, rtol=0.25)
    assert min(np.linalg.norm(means[i] - means[j]) for i in range(4) for j in range(i)) > 0.5


def test_digits_scaled_to_unit_interval() -> None:
    pytest.importorskip("sklearn")
    X, y = data.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_digits_without_sklearn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install scalargrad\[digits\]"):
        data.digits()


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: data.spiral(n=0), ValueError, "n must be at least 1"),
        (lambda: data.spiral(n=-5), ValueError, "n must"),
        (lambda: data.spiral(n=2.5), TypeError, "n must be an int"),
        (lambda: data.spiral(n=True), TypeError, "n must be an int"),
        (lambda: data.spiral(n=3, classes=4), ValueError, "every class"),
        (lambda: data.spiral(classes=0), ValueError, "classes"),
        (lambda: data.spiral(noise=-0.1), ValueError, "noise"),
        (lambda: data.spiral(noise=float("nan")), ValueError, "noise"),
        (lambda: data.spiral(seed=-1), ValueError, "seed"),
        (lambda: data.spiral(seed="a"), TypeError, "seed"),
        (lambda: data.moons(n=1), ValueError, "n must be at least 2"),
        (lambda: data.circles(factor=1.5), ValueError, "factor"),
        (lambda: data.blobs(centers=0), ValueError, "centers"),
        (lambda: data.blobs(features=0), ValueError, "features"),
        (lambda: data.xor(noise="x"), TypeError, "noise"),
        (lambda: data.spiral(noise=1e308), ValueError, "noise must be a number from 0 to 1e"),
        (lambda: data.moons(noise=1e101), ValueError, "noise"),
        (lambda: data.blobs(std=1e308), ValueError, "std"),
    ],
)
def test_bad_arguments(call, exc, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=match):
        call()


def test_train_test_split_partitions_and_is_seeded() -> None:
    X = np.arange(200, dtype=float).reshape(100, 2)
    y = np.arange(100)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.25, seed=3)
    assert len(Xte) == 25 and len(Xtr) == 75
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(100))
    np.testing.assert_array_equal(Xtr[:, 0], 2 * ytr)  # rows stay with their labels
    np.testing.assert_array_equal(Xte[:, 0], 2 * yte)
    again = data.train_test_split(X, y, test_size=0.25, seed=3)
    np.testing.assert_array_equal(again[3], yte)
    other = data.train_test_split(X, y, test_size=0.25, seed=4)
    assert not np.array_equal(other[3], yte)
    assert len(data.train_test_split(X, y, test_size=10)[1]) == 10


def test_train_test_split_stratified_keeps_proportions() -> None:
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100, dtype=float)[:, None]
    _, _, ytr, yte = data.train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    assert np.bincount(yte).tolist() == [12, 6, 2]
    assert np.bincount(ytr).tolist() == [48, 24, 8]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_size": 0.0}, "strictly between 0 and 1"),
        ({"test_size": 1.0}, "strictly between 0 and 1"),
        ({"test_size": 10}, "between 1 and 9"),
        ({"test_size": 0}, "between 1 and 9"),
        ({"y": np.zeros(9)}, "same number of samples"),
    ],
)
def test_train_test_split_bad_input(kwargs: dict, match: str) -> None:
    args = {"X": np.zeros((10, 2)), "y": np.zeros(10), "test_size": 0.25}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        data.train_test_split(args.pop("X"), args.pop("y"), **args)


@pytest.mark.parametrize("classes", [3, 4, 5])
def test_spiral_arms_of_more_than_two_classes_do_not_overlap(classes: int) -> None:
    """3.12 radians per class wrapped class 2 onto class 0 (points 0.04 apart); the classes share 6.24 radians."""
    X, y = data.spiral(n=60 * classes, classes=classes, noise=0.0)
    span = 6.24 / classes
    angle = np.arctan2(X[:, 0], X[:, 1]) % (2 * np.pi)  # t, as point = (r sin t, r cos t)
    far = np.hypot(X[:, 0], X[:, 1]) > 1e-9  # the centre has no angle
    for j in range(classes):
        a = angle[(y == j) & far]
        assert a.min() >= j * span - 1e-9 and a.max() <= (j + 1) * span + 1e-9


@pytest.mark.parametrize(
    ("sizes", "test_size"), [((3, 3, 3), 5), ((3,) * 10, 0.5), ((3,) * 5, 0.2), ((7, 1, 12, 5), 0.3), ((50, 5), 0.25)]
)
def test_stratified_split_has_the_size_asked_for(sizes: tuple[int, ...], test_size: float) -> None:
    y = np.repeat(np.arange(len(sizes)), sizes)
    X = np.arange(len(y), dtype=float)[:, None]
    m = len(y)
    k = test_size if isinstance(test_size, int) else math.ceil(test_size * m)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=test_size, stratify=True)
    assert len(y_test) == k and len(y_train) == m - k
    assert sorted(np.concatenate([X_train, X_test])[:, 0]) == list(range(m))  # disjoint, and every sample used
    for c, n in enumerate(sizes):
        assert abs((y_test == c).sum() - k * n / m) < 1 + 1e-9  # each class within one of its share
        assert (y_train == c).sum() >= 1


def test_the_largest_noise_allowed_still_gives_finite_data() -> None:
    for X, _ in (data.spiral(noise=1e100), data.moons(noise=1e100), data.circles(noise=1e100), data.blobs(std=1e100)):
        assert np.isfinite(X).all()
