"""no_grad(): context manager, decorator with and without parentheses, nesting, exceptions, per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd as ag
from autograd import Value


def _records(x: Value) -> bool:
    """Does an op on x record a graph right now?  (Checked on every kind of op.)"""
    results = [
        x + 1.0, x * x, x * 2.0, x - x, 3.0 - x, x / 2.0, 2.0 / x, x**2, 2.0**x, x**x, -x, abs(x), x.exp(), x.tanh(),
        x.sigmoid(), x.relu(), x.leaky_relu(), x.sin(), x.cos(), x.clip(0, 1), x.sum(), x.mean(),
        ag.sum([x, x]), ag.dot([x], [x]), x.log(), x.sqrt(),
    ]  # fmt: skip
    leaves = [r.is_leaf for r in results]
    assert all(leaves) or not any(leaves), "every op obeys the switch"
    return not leaves[0]


def test_no_grad_context_manager() -> None:
    x = Value(2.0)
    assert ag.is_grad_enabled() and _records(x)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        assert not _records(x)
        y = x * 3.0
        assert y.data == 6.0 and y.inputs == () and y.op == ""
    assert ag.is_grad_enabled() and _records(x)


def test_no_grad_batch_values() -> None:
    x = Value(np.array([1.0, 2.0]))
    with ag.no_grad():
        y = (x * 2.0).tanh().sum()
    assert y.is_leaf and y.data == pytest.approx(np.tanh([2.0, 4.0]).sum())


def test_no_grad_nested_and_exception() -> None:
    x = Value(1.0)
    with ag.no_grad():
        with ag.no_grad():
            assert not _records(x)
        assert not _records(x), "leaving the inner block keeps the outer one"
    assert _records(x)
    with pytest.raises(RuntimeError), ag.no_grad():
        raise RuntimeError("boom")
    assert _records(x), "an exception leaves no_grad"


def test_no_grad_decorators() -> None:
    @ag.no_grad()
    def f(v: Value) -> Value:
        return v * 2.0

    @ag.no_grad
    def g(v: Value) -> Value:
        """Docstring kept."""
        return v * 2.0

    x = Value(1.0)
    assert f(x).is_leaf and g(x).is_leaf
    assert g.__name__ == "g" and g.__doc__ == "Docstring kept."
    assert _records(x)
    with pytest.raises(TypeError, match="int"):
        ag.no_grad(3)  # type: ignore[call-overload]


def test_no_grad_per_thread() -> None:
    """no_grad in one thread does not stop another thread from recording."""
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with ag.no_grad():
            seen["worker_records"] = _records(Value(1.0))
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert inside.wait(10)
        seen["main_records"] = _records(Value(1.0))
        seen["main_enabled"] = ag.is_grad_enabled()
    finally:
        release.set()
        t.join(10)
    assert seen == {"worker_records": False, "main_records": True, "main_enabled": True}
    assert _records(Value(1.0))


def test_no_grad_in_many_threads() -> None:
    errors: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        x = Value(float(i))
        barrier.wait(10)
        for _ in range(200):
            if i % 2:
                with ag.no_grad():
                    if not (x * 2.0).is_leaf:
                        errors.append("recorded under no_grad")
            elif (x * 2.0).is_leaf:
                errors.append("not recorded outside no_grad")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert _records(Value(1.0))


def test_no_grad_result_is_usable_leaf() -> None:
    w = Value(0.5)
    with ag.no_grad():
        c = w * 4.0
    y = c * w
    y.backward()
    assert w.grad == 2.0 and c.grad == 0.5
