"""A graph lives exactly as long as the user holds its output; training does not leak."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import autograd as ag
from autograd import Value


@pytest.fixture
def no_gc() -> Iterator[None]:
    """Reference counting alone must free graphs: a cycle would survive with gc off."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _interior(out: Value) -> list[weakref.ref[Value]]:
    return [weakref.ref(v) for v in ag.reverse_topological(out) if not v.is_leaf]


def _every_op(x: Value, y: Value) -> Value:
    terms = [
        x + y, x - y, x * y, x / (y * y + 1.0), (x * x + 1.0) ** y, 2.0**x, x**2.0, -x, abs(x),
        x.exp(), (x * x + 1.0).log(), (x * x + 1.0).sqrt(), x.tanh(), x.sigmoid(), x.relu(),
        x.leaky_relu(0.2), x.sin(), x.cos(), x.clip(-0.5, 0.5), 3.0 - x, 1.0 / (y * y + 1.0),
        ag.dot([x, y, 2.0], [y, 3.0, x]),
    ]  # fmt: skip
    return ag.sum(terms).sum().mean()


@pytest.mark.parametrize("batch", [False, True])
def test_graph_freed_when_output_dropped(no_gc: None, batch: bool) -> None:
    data = np.array([0.3, -0.7, 1.2]) if batch else 0.3
    x, y = Value(data, label="x"), Value(-0.4, label="y")
    out = _every_op(x, y)
    refs = _interior(out)
    assert len(refs) > 20
    out.backward()
    del out
    assert [r for r in refs if r() is not None] == []
    assert x.inputs == () and y.grad != 0.0  # leaves are the user's, and keep their grads


def test_graph_freed_after_create_graph(no_gc: None) -> None:
    x = Value(0.7)
    y = (x * x).tanh() * x.sin()
    (g,) = ag.grad(y, [x], create_graph=True)
    (g2,) = ag.grad(g, [x], create_graph=True)
    refs = _interior(y) + _interior(g) + _interior(g2)
    del y, g, g2
    assert [r for r in refs if r() is not None] == []


def test_freed_under_anomaly_mode(no_gc: None) -> None:
    x = Value(0.5)
    with ag.detect_anomaly():
        out = _every_op(x, Value(0.25))
        refs = _interior(out)
        out.backward()
        del out
    assert [r for r in refs if r() is not None] == []


def test_deep_chain_freed(no_gc: None) -> None:
    x = Value(0.1)
    y = x
    for _ in range(200_000):
        y = y * 1.0 + 0.0
    first = weakref.ref(ag.reverse_topological(y)[-2])
    y.backward()
    del y  # deallocation of a 400k-node chain must not overflow the C stack
    assert first() is None
    assert x.grad == 1.0


def test_no_grad_and_detach_keep_nothing(no_gc: None) -> None:
    x = Value(2.0)
    inner = x * 3.0
    ref = weakref.ref(inner)
    d = inner.detach()
    del inner
    assert ref() is None and d.is_leaf
    with ag.no_grad():
        z = (x * 3.0).tanh()
    assert z.is_leaf and z.inputs == ()


def _measure(step: object, n: int) -> list[int]:
    """Traced memory after n/10, n/2 and n steps.

    A full ``gc.collect()`` first empties CPython's free lists (freed tuples and floats it keeps
    for reuse), which tracemalloc would otherwise count as live until they saturate.
    """
    tracemalloc.start()
    try:
        sizes = []
        for i in range(n):
            step()  # type: ignore[operator]
            if i + 1 in (n // 10, n // 2, n):
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
        return sizes
    finally:
        tracemalloc.stop()


def test_training_loop_memory_is_flat() -> None:
    rng = np.random.default_rng(0)
    w = [Value(float(v)) for v in rng.normal(size=(4, 3)).ravel()]
    b = [Value(0.0) for _ in range(4)]
    v = [Value(float(c)) for c in rng.normal(size=4)]
    params = [*w, *b, *v]
    xs = rng.normal(size=(4, 3))
    ys = np.sign(xs[:, 0])

    def step() -> None:
        loss = ag.sum(
            (ag.dot(v, [ag.dot(w[3 * j : 3 * j + 3], list(x)).__add__(b[j]).tanh() for j in range(4)]) - y) ** 2
            for x, y in zip(xs, ys)
        )
        ag.zero_grad(params)
        loss.backward()
        for p in params:
            p.data -= 0.01 * p.grad

    sizes = _measure(step, 1000)
    growth = sizes[-1] - sizes[0]
    assert growth < 32 * 1024, f"memory grew by {growth} bytes over 900 training steps: {sizes}"


def test_nn_training_memory_is_flat() -> None:
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "MLP") or not hasattr(nn, "optim"):
        pytest.skip("nn.MLP / nn.optim not available yet")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 2))
    Y = (X[:, 0] * X[:, 1] > 0).astype(float)
    model = nn.MLP(2, [8, 1], activation="tanh", seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)

    def step() -> None:
        (out,) = model(X)
        loss = ((out - Y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    sizes = _measure(step, 1000)
    growth = sizes[-1] - sizes[0]
    assert growth < 128 * 1024, f"memory grew by {growth} bytes over 900 nn training steps: {sizes}"


def test_drawing_and_predicting_keep_nothing_alive(no_gc: None) -> None:
    """to_dot's and fit's helpers were recursive inner functions: reference cycles holding the graph or the model."""
    import nn

    x = Value(0.5, "x")
    out = (x * x + 1.0).tanh()
    refs = _interior(out)
    ag.to_dot(out, clusters=True)
    ag.draw_dot(out).source  # noqa: B018 - built, then dropped
    ag.trace(out, x)
    del out
    assert all(r() is None for r in refs)

    model = nn.Sequential(nn.MLP(2, [3], seed=0), nn.Layer(3, 1, "linear"))
    params = [weakref.ref(p) for p in model.parameters()]
    X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.0, 1.0])
    nn.fit(model, X, y, epochs=2, progress=False)
    nn.predict(model, X)
    nn.accuracy(model, X, y)
    del model
    assert all(r() is None for r in params)
