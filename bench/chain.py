"""Per-node cost of a long chain: forward + backward + freeing the graph, GC on.

The chain is y = y * w + b (two nodes per step, every op between Values, so micrograd builds
the same number of nodes).  Each engine is timed in a fresh process of its own, the processes
interleaved.  Also bytes per live node (tracemalloc) and the deepest chain each engine survives.
Gradients are compared before anything is timed.  Beside micrograd, ours and torch runs ``minimal.py``,
an engine with nothing but what this chain needs: the floor for any pure-Python graph here.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import statistics
import subprocess
import sys
import tracemalloc
from typing import Any

from common import interleaved, run_deep, table

from autograd import Value

HEADER = ["workload", "micrograd 0.1.0 (= 1)", "minimal engine", "ours", "torch (float64)"]


def chain(cls: Any, n: int) -> Any:
    x, w, b = cls(0.5), cls(0.999), cls(0.001)
    y = x
    for _ in range(n // 2):
        y = y * w + b
    y.backward()
    return x.grad


def expected_grad(n: int) -> float:
    return 0.999 ** (n // 2)


def bytes_per_node(cls: Any, n: int) -> float:
    gc.collect()
    tracemalloc.start()
    x, w, b = cls(0.5), cls(0.999), cls(0.001)
    y = x
    for _ in range(n // 2):
        y = y * w + b
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del y
    return used / n


def torch_chain(n: int) -> float:
    import torch

    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.999, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.001, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * w + b
    y.backward()
    return float(x.grad)


def one(engine: str, n: int) -> float:
    """Median ns per node of ``engine`` on a chain of n ops, in this process (imports only that engine)."""
    if engine == "torch":
        fn = lambda: torch_chain(n)  # noqa: E731
    elif engine == "minimal":
        from minimal import Value as Minimal

        fn = lambda: chain(Minimal, n)  # noqa: E731
    elif engine == "micrograd":
        from micrograd.engine import Value as Micro

        fn = lambda: run_deep(lambda: chain(Micro, n))  # noqa: E731
    else:
        fn = lambda: chain(Value, n)  # noqa: E731
    got = fn()
    assert math.isclose(got, expected_grad(n), rel_tol=1e-9), (engine, got)
    return interleaved({engine: fn}, repeats=3)[engine] / n * 1e9


def in_fresh_process(engine: str, n: int) -> float:
    """``one`` in a new interpreter: no engine pays for another's imported objects (torch adds ~150k that
    every full GC pass walks, slowing a pure-Python graph by a third)."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", engine, str(n)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.split()[-1])


def main(repeats: int = 5) -> list[list[str]]:
    engines = ["ours", "micrograd", "minimal"]
    if importlib.util.find_spec("torch") is not None:
        engines.append("torch")
    rows = []
    for n in (10**4, 10**5):
        samples: dict[str, list[float]] = {e: [] for e in engines}
        for _ in range(repeats):  # A B C A B C ...: drift hits every engine alike
            for e in engines:
                samples[e].append(in_fresh_process(e, n))
        ns = {e: statistics.median(v) for e, v in samples.items()}
        row = [f"ns per node, chain of {n:.0e} (fwd+bwd+free)", f"{ns['micrograd']:.0f}"]
        row += [f"{ns[e]:.0f} ({ns['micrograd'] / ns[e]:.1f}x)" for e in ("minimal", "ours")]
        row.append(f"{ns['torch']:.0f} ({ns['micrograd'] / ns['torch']:.1f}x)" if "torch" in ns else "-")
        rows.append(row)
    from micrograd.engine import Value as Micro
    from minimal import Value as Minimal

    mem = [run_deep(lambda: bytes_per_node(Micro, 10**5)), bytes_per_node(Minimal, 10**5), bytes_per_node(Value, 10**5)]
    rows.append(["bytes per live node", *(f"{b:.0f}" for b in mem), "-"])
    deep = 10**6
    y = Value(0.5)
    z = y
    for _ in range(deep):
        z = z * 1.0000001
    z.backward()
    rows.append([f"chain of {deep:.0e} ops, default recursion limit", "RecursionError", "-", "ok", "-"])
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(one(sys.argv[2], int(sys.argv[3])))
    else:
        print(table(main(), HEADER))
