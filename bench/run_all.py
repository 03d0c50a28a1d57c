"""All benchmarks, one table each, with the date and the machine: what `make bench` prints."""

from __future__ import annotations

import datetime
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chain
import demo_step
import digits
import numpy as np
from common import table


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def main() -> None:
    print(f"{datetime.date.today()}; {machine()}\n")
    print(table(chain.main(), chain.HEADER))
    print()
    print(table(demo_step.main(), demo_step.HEADER))
    print()
    print(table(digits.main(), digits.HEADER))


if __name__ == "__main__":
    main()
