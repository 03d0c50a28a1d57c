"""The benchmark scripts stay runnable and honest: their agreement checks pass on small workloads.

Nothing here is timed; the timings themselves are for ``make bench``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import chain
import common
import demo_step
import minimal
from micrograd.engine import Value as Micro

from autograd import Value


@pytest.mark.parametrize("m", [2, 7, 40])
def test_demo_step_implementations_agree(m: int) -> None:
    """Building the workloads takes a step of each and asserts equal losses and gradients (numpy formulas: oracle)."""
    work = demo_step.workloads(m)
    assert {"micrograd", "ours, per sample", "ours, batch", "numpy formulas"} <= set(work)


def test_chain_gives_the_closed_form_gradient_in_every_engine() -> None:
    n = 600
    assert chain.chain(Value, n) == pytest.approx(chain.expected_grad(n), rel=1e-12)
    assert chain.chain(minimal.Value, n) == pytest.approx(chain.expected_grad(n), rel=1e-12)
    assert common.run_deep(lambda: chain.chain(Micro, n)) == pytest.approx(chain.expected_grad(n), rel=1e-12)


@given(st.lists(st.sampled_from("+*"), min_size=1, max_size=30), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_minimal_engine_matches_ours_on_random_dags(program: list[str], start: list[float]) -> None:
    """Each step combines two earlier nodes (fan-out, shared inputs, self-operands): grads equal ours."""
    graphs = []
    for cls in (Value, minimal.Value):
        nodes = [cls(x) for x in start]
        for i, op in enumerate(program):
            a, b = nodes[(7 * i) % len(nodes)], nodes[(3 * i + 1) % len(nodes)]
            nodes.append(a + b if op == "+" else a * b)
        nodes[-1].backward()
        graphs.append(nodes)
    assert [v.data for v in graphs[1]] == [v.data for v in graphs[0]]
    assert [v.grad for v in graphs[1][:3]] == pytest.approx([v.grad for v in graphs[0][:3]], rel=1e-12, abs=1e-300)


def test_interleaved_samples_every_workload_until_enough() -> None:
    calls = {"a": 0, "b": 0}

    def a() -> None:
        calls["a"] += 1

    def b() -> None:
        calls["b"] += 1

    medians = common.interleaved({"a": a, "b": b}, repeats=4, min_seconds=0.0, sample_seconds=0.0)
    assert set(medians) == {"a", "b"} and all(t >= 0 for t in medians.values())
    assert calls == {"a": 5, "b": 5}  # one warm-up call, then one call per sample: 4 samples each


def test_instructions_script_runs_every_engine_and_counts_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counted workload runs in each engine; a run builds n nodes, so per node is (3 runs - 1 run) / 2n."""
    import instructions

    for engine in instructions.ENGINES:
        instructions.run_chain(engine, 200, 2)
    summary = """==1== I   refs:      1,999,474,897
==1== I1  misses:          120,000
==1== D1  misses:       12,895,691  ( 11,629,402 rd   +   1,266,289 wr)
==1== LLd misses:          566,262  (     85,291 rd   +     480,971 wr)
==1== LL misses:           587,679  (    106,708 rd   +     480,971 wr)"""
    assert instructions.parse_summary(summary) == {
        "instructions": 1_999_474_897,
        "L1 data misses": 12_895_691,
        "last-level misses": 587_679,
    }
    with pytest.raises(RuntimeError, match="I   refs"):
        instructions.parse_summary("valgrind: command not found")
    names = instructions.COUNTERS.values()
    monkeypatch.setattr(instructions, "counted", lambda e, n, reps: dict.fromkeys(names, 1000 + 7 * reps * n))
    assert set(instructions.per_node("ours", 50).values()) == {7.0}
