"""Timing helpers shared by the benchmarks: interleaved runs, medians, ratios, a markdown table."""

from __future__ import annotations

import math
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any


def run_deep(fn: Callable[[], Any]) -> Any:
    """Run fn in a thread with a big stack and a high recursion limit (micrograd recurses per level)."""
    result: list[Any] = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10**7)
    threading.stack_size(1 << 29)
    try:
        t = threading.Thread(target=lambda: result.append(fn()))
        t.start()
        t.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    if not result:
        raise RuntimeError("benchmark thread failed")
    return result[0]


def interleaved(
    workloads: dict[str, Callable[[], Any]], repeats: int = 7, min_seconds: float = 1.0, sample_seconds: float = 0.05
) -> dict[str, float]:
    """Median seconds per call of each workload, sampled A B C A B C ... so drift hits them all alike.

    The GC stays on and is never forced: as in a training loop, each workload pays for collecting its
    own garbage (a collection forced between runs, outside the timing, would hide micrograd's reference
    cycles).  A sample times back-to-back calls for at least ``sample_seconds``, so the collections that
    come every few calls are averaged in rather than dropped by the median.  At least ``repeats``
    samples, more (up to 500) until each workload has run ``min_seconds``.
    """
    calls: dict[str, int] = {}
    for name, fn in workloads.items():  # warm-up, and how many calls make a sample
        t = time.perf_counter()
        fn()
        calls[name] = max(1, math.ceil(sample_seconds / max(time.perf_counter() - t, 1e-9)))
    times: dict[str, list[float]] = {name: [] for name in workloads}
    rounds = 0
    while rounds < repeats or (rounds < 500 and min(sum(ts) * calls[n] for n, ts in times.items()) < min_seconds):
        for name, fn in workloads.items():
            k = calls[name]
            t = time.perf_counter()
            for _ in range(k):
                fn()
            times[name].append((time.perf_counter() - t) / k)
        rounds += 1
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep, *body])
