"""Per-thread switches: no_grad / detect_anomaly in one thread never change what another records."""

from __future__ import annotations

import math
import threading

import pytest

import autograd as ag
from autograd import Value
from autograd.config import FLAGS, is_anomaly_enabled, is_grad_enabled

ROUNDS = 200


def _run_pair(quiet: object, recorder: object) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrap(fn: object) -> object:
        def body() -> None:
            try:
                fn()  # type: ignore[operator]
            except BaseException as e:
                errors.append(e)

        return body

    threads = [threading.Thread(target=wrap(quiet)), threading.Thread(target=wrap(recorder))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
        assert not t.is_alive(), "thread hung"
    return errors


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, done = threading.Event(), threading.Event()
    record: list[bool] = []
    quiet_leaves: list[bool] = []

    def quiet() -> None:
        with ag.no_grad():
            inside.set()
            for _ in range(ROUNDS):
                y = Value(2.0) * Value(3.0) + 1.0
                quiet_leaves.append(y.is_leaf and y.inputs == ())
            done.wait(30)

    def recorder() -> None:
        inside.wait(30)
        for _ in range(ROUNDS):
            a, b = Value(2.0), Value(3.0)
            y = (a * b + 1.0).tanh()
            record.append(not y.is_leaf and is_grad_enabled())
            y.backward()
            record.append(a.grad == pytest.approx(3.0 * (1 - math.tanh(7.0) ** 2)))
        done.set()

    assert _run_pair(quiet, recorder) == []
    assert len(record) == 2 * ROUNDS and all(record)
    assert len(quiet_leaves) == ROUNDS and all(quiet_leaves)
    assert FLAGS.on == 0 and FLAGS.special is False


def test_interleaved_switches_many_threads() -> None:
    """Eight threads toggle no_grad / detect_anomaly at random points; each sees only its own state."""
    barrier = threading.Barrier(8)
    bad: list[str] = []

    def worker(k: int) -> None:
        barrier.wait(30)
        for i in range(ROUNDS):
            use_no_grad = (i + k) % 3 == 0
            use_anomaly = (i + k) % 4 == 0
            with ag.no_grad() if use_no_grad else _null(), ag.detect_anomaly() if use_anomaly else _null():
                if is_grad_enabled() == use_no_grad or is_anomaly_enabled() != use_anomaly:
                    bad.append(f"thread {k} round {i}: wrong switch state")
                x = Value(float(i))
                y = x * 2.0 + x.sin()
                if y.is_leaf != use_no_grad:
                    bad.append(f"thread {k} round {i}: is_leaf={y.is_leaf} under no_grad={use_no_grad}")
                nan = Value(-1.0).log
                if use_anomaly and not use_no_grad:
                    try:
                        nan()
                        bad.append(f"thread {k} round {i}: anomaly not raised")
                    except FloatingPointError:
                        pass
                else:
                    assert math.isnan(nan().data)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive()
    assert bad == []
    assert FLAGS.on == 0 and FLAGS.special is False and is_grad_enabled() and not is_anomaly_enabled()


def test_switch_state_restored_after_exception_in_thread() -> None:
    caught: list[bool] = []

    def boom() -> None:
        try:
            with ag.no_grad(), ag.detect_anomaly():
                raise RuntimeError("inside no_grad")
        except RuntimeError:
            caught.append(True)

    t = threading.Thread(target=boom)
    t.start()
    t.join(10)
    assert caught == [True] and FLAGS.on == 0 and FLAGS.special is False
    assert not Value(1.0).__mul__(Value(2.0)).is_leaf


def test_parallel_backward_on_separate_graphs() -> None:
    results: dict[int, float] = {}

    def worker(k: int) -> None:
        x = Value(0.1 * k)
        y = x
        for _ in range(2000):
            y = (y * 0.5 + x).tanh()
        y.backward()
        results[k] = x.grad

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for k in range(4):
        x = Value(0.1 * k)
        y = x
        for _ in range(2000):
            y = (y * 0.5 + x).tanh()
        y.backward()
        assert results[k] == x.grad


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_switch_change_cut_short_is_mended_by_the_next() -> None:
    """Ctrl-C between setting FLAGS.special and running its hooks would leave + and * inlined inside no_grad;
    the next switch that turns on or off runs the hooks again."""
    import autograd.value as value_module

    a, b = Value(2.0), Value(3.0)
    with ag.no_grad():
        value_module._SCALAR = Value  # the state an interrupted hook would leave
        with ag.no_grad():
            assert (a + b).is_leaf and (a * b).is_leaf
        assert (a + b).is_leaf and (a * b).is_leaf
    assert not (a + b).is_leaf and not (a * b).is_leaf
