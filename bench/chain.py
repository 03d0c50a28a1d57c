"""Per-node cost of a long chain: forward + backward + freeing the graph, GC on.

The chain is y = y * w + b (two nodes per step, every op between Values, so micrograd builds
the same number of nodes).  Also bytes per live node (tracemalloc) and the deepest chain each
engine survives.  Gradients are compared before anything is timed.
"""

from __future__ import annotations

import gc
import math
import tracemalloc
from typing import Any

from common import interleaved, run_deep, table

from autograd import Value


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


def main() -> list[list[str]]:
    from micrograd.engine import Value as Micro

    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    rows = []
    for n in (10**4, 10**5):
        work = {"ours": lambda n=n: chain(Value, n), "micrograd": lambda n=n: chain(Micro, n)}
        if have_torch:
            work["torch"] = lambda n=n: torch_chain(n)
        for name, fn in work.items():
            got = run_deep(fn) if name == "micrograd" else fn()
            assert math.isclose(got, expected_grad(n), rel_tol=1e-9), (name, got)
        med = run_deep(lambda work=work: interleaved(work, repeats=7))
        ns = {k: v / n * 1e9 for k, v in med.items()}
        ratio = ns["micrograd"] / ns["ours"]
        row = [
            f"ns per node, chain of {n:.0e} (fwd+bwd+free)",
            f"{ns['micrograd']:.0f}",
            f"{ns['ours']:.0f} ({ratio:.1f}x)",
        ]
        row.append(f"{ns['torch']:.0f} ({ns['micrograd'] / ns['torch']:.1f}x)" if have_torch else "-")
        rows.append(row)
    mem_ours = bytes_per_node(Value, 10**5)
    mem_micro = run_deep(lambda: bytes_per_node(Micro, 10**5))
    rows.append(["bytes per live node", f"{mem_micro:.0f}", f"{mem_ours:.0f}", "-"])
    deep = 10**6
    y = Value(0.5)
    z = y
    for _ in range(deep):
        z = z * 1.0000001
    z.backward()
    rows.append([f"chain of {deep:.0e} ops, default recursion limit", "RecursionError", "ok", "-"])
    return rows


if __name__ == "__main__":
    print(table(main(), ["workload", "micrograd 0.1.0 (= 1)", "ours", "torch (float64)"]))
