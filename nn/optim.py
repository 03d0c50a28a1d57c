"""Optimizers with PyTorch's defaults and update rules (``torch.optim`` algorithm boxes), and gradient clipping.

Each optimizer keeps its state in float64 numpy vectors (one entry per parameter) and, on ``step()``,
reads every parameter's ``grad``, updates the vector of ``data`` and writes it back.  ``t`` counts steps.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Value
from autograd.value import _assign_floats, _data_of, _grads_of, _zero_grads  # straight to the slots

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "clip_grad_norm", "clip_grad_value"]


def _params(params: Any, who: str) -> list[Value]:
    if isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(
            f"{who}: params must be a list of Values (e.g. model.parameters()), got {type(params).__name__}"
        )
    if hasattr(params, "named_parameters"):
        raise TypeError(f"{who}: pass model.parameters(), not the model itself")
    ps = list(params)
    if not ps:
        raise ValueError(f"{who}: params is empty (an optimizer needs at least one parameter)")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, not a Value")
        if p.shape != ():
            raise ValueError(f"{who}: params[{i}] holds a batch; parameters must be scalar Values")
    if len({id(p) for p in ps}) != len(ps):
        raise ValueError(f"{who}: some parameters appear more than once in params")
    return ps


def _number(x: Any, name: str, who: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{who}: {name} must be a real number, got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{who}: {name} is too large for a float64") from None


def _at_least(x: Any, name: str, who: str, lo: float = 0.0) -> float:
    v = _number(x, name, who)
    if not (v >= lo and math.isfinite(v)):
        raise ValueError(f"{who}: invalid {name} {x!r}; it must be a finite number >= {lo}")
    return v


def _beta(x: Any, name: str, who: str) -> float:
    v = _number(x, name, who)
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{who}: invalid {name} {x!r}; it must be in [0, 1)")
    return v


def _grads(params: list[Value]) -> np.ndarray:
    gs = _grads_of(params)
    if set(map(type, gs)) == {float}:  # the usual case; np.sum per parameter cost 7 us each
        return np.array(gs, dtype=np.float64)
    return np.array([float(np.sum(g)) for g in gs], dtype=np.float64)


class Optimizer:
    """Base: holds ``params`` (a list of Values) and ``t`` (steps taken); subclasses define ``_update``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        self.params = _params(params, who)
        self.lr = _at_least(lr, "lr", who)
        self.t = 0

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0."""
        _zero_grads(self.params)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        try:
            x: np.ndarray | None = np.array(_data_of(self.params), dtype=np.float64)
        except ValueError:  # numbers mixed with arrays
            x = None
        if x is None or x.ndim != 1:  # a parameter was given a batch after the optimizer took it
            i = next(i for i, p in enumerate(self.params) if p.shape != ())
            raise ValueError(f"{type(self).__name__}.step: params[{i}] now holds a batch; parameters must be scalars")
        g = _grads(self.params)
        self.t += 1
        with np.errstate(all="ignore"):  # a diverging run overflows to inf/nan silently, as float arithmetic does
            x = self._update(x, g)
        _assign_floats(self.params, x.tolist())

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v}" for k, v in vars(self).items() if isinstance(v, (int, float, bool)) and k != "t")
        return f"{type(self).__name__}({len(self.params)} parameters, {hp})"


class SGD(Optimizer):
    """Stochastic gradient descent (PyTorch's rule).

    g = grad + weight_decay x; with momentum: b = g at step 1, then b = momentum b + (1 - dampening) g;
    g = g + momentum b (nesterov) or g = b; finally x = x - lr g.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _at_least(momentum, "momentum", "SGD")
        self.dampening = _number(dampening, "dampening", "SGD")
        if not math.isfinite(self.dampening):
            raise ValueError(f"SGD: invalid dampening {dampening!r}; it must be a finite number")
        self.weight_decay = _at_least(weight_decay, "weight_decay", "SGD")
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: nesterov must be a bool, got {type(nesterov).__name__}")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        self.nesterov = nesterov
        self.buf: np.ndarray | None = None

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            if self.buf is None:
                self.buf = g.copy()
            else:
                self.buf = self.momentum * self.buf + (1.0 - self.dampening) * g
            g = g + self.momentum * self.buf if self.nesterov else self.buf
        return x - self.lr * g


class RMSprop(Optimizer):
    """RMSprop (PyTorch's rule): g = grad + weight_decay x; v = alpha v + (1 - alpha) g^2;
    centered: v~ = v - avg^2 with avg = alpha avg + (1 - alpha) g, else v~ = v; d = sqrt(v~) + eps;
    with momentum: b = momentum b + g / d, x = x - lr b; else x = x - lr g / d."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _beta(alpha, "alpha", "RMSprop")
        self.eps = _at_least(eps, "eps", "RMSprop")
        self.weight_decay = _at_least(weight_decay, "weight_decay", "RMSprop")
        self.momentum = _at_least(momentum, "momentum", "RMSprop")
        if not isinstance(centered, bool):
            raise TypeError(f"RMSprop: centered must be a bool, got {type(centered).__name__}")
        self.centered = centered
        n = len(self.params)
        self.square_avg = np.zeros(n)
        self.grad_avg = np.zeros(n)
        self.buf = np.zeros(n)

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        a = self.alpha
        self.square_avg = a * self.square_avg + (1.0 - a) * g * g
        v = self.square_avg
        if self.centered:
            self.grad_avg = a * self.grad_avg + (1.0 - a) * g
            v = v - self.grad_avg * self.grad_avg
        denom = np.sqrt(v) + self.eps
        if self.momentum > 0:
            self.buf = self.momentum * self.buf + g / denom
            return x - self.lr * self.buf
        return x - self.lr * g / denom


class Adam(Optimizer):
    """Adam with bias correction (PyTorch's rule): g = grad + weight_decay x;
    m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
    x = x - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)  (amsgrad: v replaced by its running max)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = _beta(betas[0], "beta1 (betas[0])", "Adam")
        self.beta2 = _beta(betas[1], "beta2 (betas[1])", "Adam")
        self.eps = _at_least(eps, "eps", "Adam")
        self.weight_decay = _at_least(weight_decay, "weight_decay", "Adam")
        if not isinstance(amsgrad, bool):
            raise TypeError(f"Adam: amsgrad must be a bool, got {type(amsgrad).__name__}")
        self.amsgrad = amsgrad
        n = len(self.params)
        self.m = np.zeros(n)
        self.v = np.zeros(n)
        self.v_max = np.zeros(n)

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        b1, b2, t = self.beta1, self.beta2, self.t
        self.m = b1 * self.m + (1.0 - b1) * g
        self.v = b2 * self.v + (1.0 - b2) * g * g
        v = self.v
        if self.amsgrad:
            self.v_max = np.maximum(self.v_max, self.v)
            v = self.v_max
        step_size = self.lr / (1.0 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + self.eps
        return x - step_size * self.m / denom


def clip_grad_value(params: Iterable[Value], clip_value: float) -> None:
    """Clip every gradient into [-clip_value, clip_value] in place (the documents' ``clip_gradients``)."""
    ps = _params(params, "clip_grad_value")
    c = _at_least(clip_value, "clip_value", "clip_grad_value")
    for p in ps:
        p.grad = min(max(float(p.grad), -c), c)


def clip_grad_norm(params: Iterable[Value], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients by min(1, max_norm / (total + 1e-6)), total = ||(g_1, ..., g_n)||_norm_type
    (``inf``: max |g_i|), as PyTorch's ``clip_grad_norm_``; returns the total norm before clipping."""
    ps = _params(params, "clip_grad_norm")
    max_norm = _at_least(max_norm, "max_norm", "clip_grad_norm")
    p_norm = _number(norm_type, "norm_type", "clip_grad_norm")
    if not p_norm > 0:
        raise ValueError(f"clip_grad_norm: norm_type must be > 0 (or inf), got {norm_type!r}")
    g = np.abs(_grads(ps))
    total = float(g.max()) if math.isinf(p_norm) else float(np.sum(g**p_norm) ** (1.0 / p_norm))
    coef = min(1.0, max_norm / (total + 1e-6))
    if coef < 1.0:
        for p in ps:
            p.grad = float(p.grad) * coef
    return total
