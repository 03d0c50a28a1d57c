"""Timing helpers shared by the benchmarks: interleaved runs, medians, ratios, a markdown table."""

from __future__ import annotations

import gc
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


def interleaved(workloads: dict[str, Callable[[], Any]], repeats: int = 7) -> dict[str, float]:
    """Median seconds per workload, run A B C A B C ... so drift hits them all alike (GC stays on)."""
    times: dict[str, list[float]] = {name: [] for name in workloads}
    for fn in workloads.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in workloads.items():
            gc.collect()
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep, *body])
