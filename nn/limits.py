"""Size limits: requests no scalar engine can usefully serve are refused before anything is allocated.

Every weight of a model is one ``Value`` (about 100 bytes, and a microsecond per op), and a request like
``MLP(nin=10**18)`` or ``BatchNorm(10**12)`` would otherwise start building objects until the machine runs out of
memory.  The limits are far above anything a scalar engine trains in reasonable time (the documents' networks have
tens of weights; the digits task about 2,400).  Models and datasets beyond them belong to numpy or PyTorch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_DATA_VALUES", "MAX_PARAMETERS", "MAX_SAMPLES", "MAX_UNITS", "check_size"]

MAX_UNITS = 10**6  # inputs or units of one layer (also BatchNorm features, the reference's layer sizes)
MAX_PARAMETERS = 10**7  # weights of one layer or one model: about 1 GB of Values
MAX_SAMPLES = 10**7  # samples one data generator makes
MAX_DATA_VALUES = 10**8  # numbers in one generated X (samples x features): 800 MB of float64

_WHAT = {
    "MAX_UNITS": "inputs/units per layer",
    "MAX_PARAMETERS": "parameters",
    "MAX_SAMPLES": "samples",
    "MAX_DATA_VALUES": "numbers in one dataset",
}


def check_size(n: int, name: str, limit: str) -> int:
    """``n`` if ``n <= limit`` (the name of one of this module's constants), else a ValueError naming both."""
    if not isinstance(limit, str) or limit not in _WHAT:
        raise ValueError(f"limit must be one of {sorted(_WHAT)}, got {limit!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    cap: int = globals()[limit]
    if n > cap:
        digits = len(str(abs(n)))
        shown = f"{n:,}" if digits <= 24 else f"about 10^{digits - 1}"
        raise ValueError(
            f"{name}={shown} is more than nn.limits.{limit} = {cap:,} {_WHAT[limit]}, far beyond what a scalar "
            "autograd engine can usefully train (one Value per weight); use numpy or PyTorch at this size"
        )
    return n
