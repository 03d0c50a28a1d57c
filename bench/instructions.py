"""The 1e5 chain counted, not timed: instructions and cache misses per node under valgrind's cachegrind.

Wall-clock ratios on a shared machine move by ±10% from run to run; counts under cachegrind do not.  Each engine
runs the chain of ``chain.py`` once and three times in fresh processes under cachegrind (with its cache
simulation); the difference, divided by the 2n nodes built, is the steady-state cost of one node: forward,
backward, freeing and the GC's share.  Counts are not times: an instruction that misses every cache (micrograd's
collector walking its reference cycles) costs far more than one that hits, so the time ratio is larger than the
instruction ratio.  Needs valgrind (``apt-get install valgrind``); takes about two minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from common import table

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINES = ("micrograd", "minimal", "ours")
COUNTERS = {"I   refs": "instructions", "D1  misses": "L1 data misses", "LL misses": "last-level misses"}
HEADER = ["per node, chain of 1e5 (fwd+bwd+free)", "micrograd 0.1.0", "minimal engine", "ours", "micrograd / ours"]


def run_chain(engine: str, n: int, reps: int) -> None:
    """What each counted process does: build, differentiate and free the chain ``reps`` times."""
    from chain import chain  # imports autograd and numpy in every engine's process, as chain.py's timing does
    from common import run_deep

    if engine == "micrograd":
        from micrograd.engine import Value as Micro

        for _ in range(reps):
            run_deep(lambda: chain(Micro, n))
    else:
        if engine == "minimal":
            from minimal import Value
        else:
            from autograd import Value
        for _ in range(reps):
            chain(Value, n)


def counted(engine: str, n: int, reps: int) -> dict[str, int]:
    """Whole-process counts of ``run_chain(engine, n, reps)`` under cachegrind."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null"]
    cmd += [sys.executable, __file__, "--one", engine, str(n), str(reps)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # string hashes move dict and GC work by ~1% between processes
    return parse_summary(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stderr)


def parse_summary(err: str) -> dict[str, int]:
    """The totals of cachegrind's summary (written to stderr), by the names in ``COUNTERS``."""
    found = {}
    for key, name in COUNTERS.items():
        m = re.search(rf"{re.escape(key)}:\s+([\d,]+)", err)
        if m is None:
            raise RuntimeError(f"no {key!r} line in cachegrind's output:\n{err}")
        found[name] = int(m.group(1).replace(",", ""))
    return found


def per_node(engine: str, n: int) -> dict[str, float]:
    """Counts per node: (three chains - one chain) / 2n, so that start-up and imports cancel out."""
    with ThreadPoolExecutor(2) as pool:
        once, thrice = pool.map(lambda reps: counted(engine, n, reps), (1, 3))
    return {name: (thrice[name] - once[name]) / (2 * n) for name in COUNTERS.values()}


def main(n: int = 10**5) -> list[list[str]]:
    counts = {e: per_node(e, n) for e in ENGINES}
    rows = []
    for name in COUNTERS.values():
        row = [name, *(f"{c:,.0f}" if c >= 100 else f"{c:.2f}" for c in (counts[e][name] for e in ENGINES))]
        row.append(f"{counts['micrograd'][name] / counts['ours'][name]:.1f}x")
        rows.append(row)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        run_chain(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        try:
            subprocess.run(["valgrind", "--version"], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            sys.exit("bench/instructions.py needs valgrind: apt-get install valgrind (or brew install valgrind)")
        print(table(main(), HEADER))
