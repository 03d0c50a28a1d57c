"""A scalar autograd engine: ``Value`` nodes, reverse-mode ``backward``, higher-order ``grad``."""

from .backprop import reverse_topological
from .check import GradcheckResult, gradcheck, numeric_grad
from .config import detect_anomaly, is_grad_enabled, no_grad
from .functional import derivative, grad
from .graph import draw_dot, to_dot
from .nary import dot, linear, sum  # noqa: A004 - autograd.sum is the n-ary node on purpose
from .trace import trace
from .value import BatchValue, Value, zero_grad

__version__ = "0.1.0"

__all__ = [
    "BatchValue",
    "GradcheckResult",
    "Value",
    "derivative",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "numeric_grad",
    "reverse_topological",
    "sum",
    "to_dot",
    "trace",
    "zero_grad",
]
