"""The benchmark scripts stay runnable and honest: their agreement checks pass on small workloads.

Nothing here is timed; the timings themselves are for ``make bench``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import chain
import common
import demo_step
from micrograd.engine import Value as Micro

from autograd import Value


@pytest.mark.parametrize("m", [2, 7, 40])
def test_demo_step_implementations_agree(m: int) -> None:
    """Building the workloads takes a step of each and asserts equal losses and gradients (numpy formulas: oracle)."""
    work = demo_step.workloads(m)
    assert {"micrograd", "ours, per sample", "ours, batch", "numpy formulas"} <= set(work)


def test_chain_gives_the_closed_form_gradient_in_both_engines() -> None:
    n = 600
    assert chain.chain(Value, n) == pytest.approx(chain.expected_grad(n), rel=1e-12)
    assert common.run_deep(lambda: chain.chain(Micro, n)) == pytest.approx(chain.expected_grad(n), rel=1e-12)


def test_interleaved_samples_every_workload_until_enough() -> None:
    calls = {"a": 0, "b": 0}

    def a() -> None:
        calls["a"] += 1

    def b() -> None:
        calls["b"] += 1

    medians = common.interleaved({"a": a, "b": b}, repeats=4, min_seconds=0.0, sample_seconds=0.0)
    assert set(medians) == {"a", "b"} and all(t >= 0 for t in medians.values())
    assert calls == {"a": 5, "b": 5}  # one warm-up call, then one call per sample: 4 samples each
