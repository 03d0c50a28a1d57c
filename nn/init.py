"""Weight initialisation schemes: a weight matrix W of shape (nout, nin) drawn from an explicit random generator.

Biases start at 0 in every scheme (as in the documents).  ``fan_in = nin``, ``fan_out = nout``.

=================  =====================================================  ==========================
name               distribution                                           use
=================  =====================================================  ==========================
``small``          N(0, 1) * 0.01 (the documents' ``initialize_parameters``)  tiny nets, the tutorial
``xavier_normal``  N(0, std^2), std = sqrt(2 / (fan_in + fan_out))        tanh, sigmoid (Glorot)
``xavier_uniform`` U(-a, a), a = sqrt(6 / (fan_in + fan_out))             tanh, sigmoid (Glorot)
``he_normal``      N(0, std^2), std = sqrt(2 / fan_in)                    ReLU family (Kaiming)
``he_uniform``     U(-a, a), a = sqrt(6 / fan_in)                         ReLU family (Kaiming)
``normal``         N(0, std^2), std = 1 / sqrt(fan_in) (LeCun)            linear, SELU
``uniform``        U(-a, a), a = 1 / sqrt(fan_in) (PyTorch's Linear)      generic
``zeros``          0 (every neuron identical: only for tests and demos)
=================  =====================================================  ==========================

Aliases: ``xavier``/``glorot`` = ``xavier_uniform``, ``glorot_normal``/``glorot_uniform``, ``he``/``kaiming`` =
``he_normal``, ``kaiming_uniform`` = ``he_uniform``.  ``auto`` picks ``he_normal`` for relu/leaky_relu/prelu and
``xavier_uniform`` otherwise.  Generators are ``numpy.random.Generator`` (PCG64): a seed gives the same numbers
on every machine and run; nothing touches numpy's global random state.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from .limits import check_size

__all__ = ["ACTIVATIONS", "INITS", "init_weights", "make_rng", "resolve_init"]

_Draw = Callable[[np.random.Generator, int, int], np.ndarray]


def _normal(std: Callable[[int, int], float]) -> _Draw:
    return lambda rng, nin, nout: rng.standard_normal((nout, nin)) * std(nin, nout)


def _uniform(bound: Callable[[int, int], float]) -> _Draw:
    def draw(rng: np.random.Generator, nin: int, nout: int) -> np.ndarray:
        a = bound(nin, nout)
        return rng.uniform(-a, a, size=(nout, nin))

    return draw


_SCHEMES: dict[str, _Draw] = {
    "small": _normal(lambda i, o: 0.01),
    "xavier_normal": _normal(lambda i, o: math.sqrt(2.0 / (i + o))),
    "xavier_uniform": _uniform(lambda i, o: math.sqrt(6.0 / (i + o))),
    "he_normal": _normal(lambda i, o: math.sqrt(2.0 / i)),
    "he_uniform": _uniform(lambda i, o: math.sqrt(6.0 / i)),
    "normal": _normal(lambda i, o: 1.0 / math.sqrt(i)),
    "uniform": _uniform(lambda i, o: 1.0 / math.sqrt(i)),
    "zeros": lambda rng, i, o: np.zeros((o, i)),
}
_ALIASES = {
    "xavier": "xavier_uniform",
    "glorot": "xavier_uniform",
    "glorot_uniform": "xavier_uniform",
    "glorot_normal": "xavier_normal",
    "he": "he_normal",
    "kaiming": "he_normal",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}
INITS: tuple[str, ...] = (*_SCHEMES, *_ALIASES, "auto")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "prelu", "linear")
_RELU_LIKE = ("relu", "leaky_relu", "prelu")


def resolve_init(init: str, activation: str) -> str:
    """The canonical scheme name for ``init`` (an alias or ``auto``) given the layer's activation."""
    if not isinstance(init, str):
        raise TypeError(f"init must be a scheme name, one of {INITS}, got {type(init).__name__}")
    name = init.lower()
    if name == "auto":
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS} to pick the 'auto' scheme, got {activation!r}")
        return "he_normal" if activation in _RELU_LIKE else "xavier_uniform"
    name = _ALIASES.get(name, name)
    if name not in _SCHEMES:
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    return name


def make_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A numpy Generator: ``rng`` itself, a new PCG64 seeded with the int ``rng``, or fresh entropy for None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, (numbers.Integral, np.integer)):
        raise TypeError(f"seed/rng must be a non-negative int, a numpy.random.Generator or None, got {rng!r}")
    if rng < 0:
        raise ValueError(f"seed/rng must be a non-negative int (numpy's seeds are), got {rng}")
    return np.random.default_rng(int(rng))


def init_weights(
    nin: int, nout: int, init: str = "he", activation: str = "relu", rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """W of shape (nout, nin) drawn by scheme ``init`` (see the module docstring for each formula)."""
    for name, n in (("nin", nin), ("nout", nout)):
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(n).__name__}")
        if n < 1:
            raise ValueError(f"{name} must be at least 1, got {n}")
        check_size(int(n), name, "MAX_UNITS")
    check_size(int(nin) * int(nout), "nin * nout", "MAX_PARAMETERS")
    draw = _SCHEMES[resolve_init(init, activation)]
    return np.asarray(draw(make_rng(rng), int(nin), int(nout)), dtype=np.float64)
