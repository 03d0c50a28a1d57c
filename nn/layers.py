"""Layers built from Values: ``Neuron``, ``Layer``, ``MLP``, ``BatchNorm``, ``Dropout``, ``Sequential``.

A neuron computes ``z = w . x + b`` (one ``dot`` node plus the bias, labelled ``<name>.z``) and ``a = g(z)``
(labelled ``<name>.a``; a PReLU neuron also learns ``slope``).  Every layer returns a *list* of Values, one per unit:
``model(x)[0]`` is the single output of ``MLP(2, [16, 1])``.

Inputs, everywhere:

* one sample: a sequence of ``nin`` numbers or scalar Values (or a 1-D numpy array) -> scalar Values;
* a batch: a 2-D numpy array ``X`` of shape (m, nin) (turned into one batch Value per feature, labelled
  ``x.0``, ``x.1``, ..., made with ``requires_grad=False``: data gets no gradient, as in PyTorch), or a list
  of ``nin`` batch Values -> batch Values; one graph carries all m samples, exactly the columns of the
  documents' matrices ``Z = W A + b``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.value import as_data, refuse_masked

from .init import ACTIVATIONS, init_weights, make_rng
from .limits import check_size
from .module import Module

__all__ = ["ACTIVATIONS", "MLP", "BatchNorm", "Dropout", "Layer", "Neuron", "Sequential", "as_inputs"]

LEAKY_SLOPE = 0.01
PRELU_INIT = 0.25  # PyTorch's nn.PReLU default


def _check_activation(activation: Any, what: str = "activation") -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"{what} must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _check_count(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be at least 1, got {n}")
    return check_size(int(n), name, "MAX_UNITS")


def as_inputs(x: Any, nin: int) -> list[Any]:
    """The input as a list of ``nin`` items (numbers, scalar Values, or batch Values; see the module docstring)."""
    refuse_masked(x, "input")
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"input array must hold real numbers, got dtype {x.dtype}")
        if x.ndim == 2:
            if x.shape[1] != nin or x.shape[0] == 0:
                raise ValueError(f"a batch X must have shape (m, {nin}) with m >= 1, got {x.shape}")
            cols = np.ascontiguousarray(x.T, dtype=np.float64)
            return [Value(cols[j], f"x.{j}", requires_grad=False) for j in range(nin)]
        if x.ndim != 1:
            raise ValueError(f"input must be one sample (shape ({nin},)) or a batch (shape (m, {nin})), got {x.shape}")
        x = [float(v) for v in x]
    elif isinstance(x, Value):
        raise TypeError(
            "input must be a sequence of nin numbers/Values or a 2-D array (m, nin), got a single Value; "
            "wrap it in a list: model([x])"
        )
    elif not isinstance(x, Sequence) or isinstance(x, (str, bytes, bytearray)):
        raise TypeError(
            f"input must be a sequence of {nin} numbers/Values or a 2-D numpy array, got {type(x).__name__}"
        )
    elif x and isinstance(x[0], (Sequence, np.ndarray)) and not isinstance(x[0], str):
        raise TypeError(
            f"input[0] is a {type(x[0]).__name__}: a batch given as a list of rows? "
            f"Pass it as a 2-D numpy array of shape (m, {nin}): model(np.array(X))"
        )  # other items are checked by the dot that reads them
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs (one per feature), got {len(x)}")
    return list(x)


class Neuron(Module):
    """One unit: ``a = g(w . x + b)``; ``g`` is the activation (relu, tanh, sigmoid, leaky_relu, prelu, linear).

    prelu: ``g(z) = max(0, z) + a * min(0, z)`` with a learnable slope ``a`` (starts at 0.25);
    leaky_relu uses the fixed slope 0.01.  Weights are drawn by ``init`` (see ``nn.init``) from ``rng``
    (a numpy Generator or int seed); the bias starts at 0.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        init: str = "he",
        rng: np.random.Generator | int | None = None,
        name: str = "",
        *,
        _weights: np.ndarray | None = None,
    ) -> None:
        nin = _check_count(nin, "nin")
        self.activation = _check_activation(activation)
        self.name = name
        row = init_weights(nin, 1, init, activation, make_rng(rng))[0] if _weights is None else _weights
        self.w = [Value(float(v)) for v in row]
        self.b = Value(0.0)
        if activation == "prelu":
            self.slope = Value(PRELU_INIT)
        self.relabel(name)

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return len(self.w)

    def forward(self, xs: list[Any]) -> Value:
        """z = sum_i w_i x_i + b, then a = g(z); ``xs`` already checked (``nin`` items)."""
        return self.activate(autograd.dot(self.w, xs) + self.b)

    def activate(self, z: Value) -> Value:
        """a = g(z) for this neuron's pre-activation z, labelled ``<name>.z`` and ``<name>.a``."""
        prefix = f"{self.name}." if self.name else ""
        act = self.activation
        if act == "linear":
            z.label = f"{prefix}z"
            return z
        z.label = f"{prefix}z"
        if act == "relu":
            a = z.relu()
        elif act == "tanh":
            a = z.tanh()
        elif act == "sigmoid":
            a = z.sigmoid()
        elif act == "leaky_relu":
            a = z.leaky_relu(LEAKY_SLOPE)
        else:  # prelu: relu(z) + s * min(z, 0); d/dz = 1 for z > 0, s otherwise; d/ds = min(z, 0)
            a = z.relu() + self.slope * z.clip(-math.inf, 0.0)
        a.label = f"{prefix}a"
        return a

    def __call__(self, x: Any) -> Value:
        """The neuron's output for one sample or a batch (see the module docstring)."""
        return self.forward(as_inputs(x, len(self.w)))

    def extra_repr(self) -> str:
        return f"{len(self.w)} inputs, activation={self.activation!r}"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of ``nout`` Values.

    Row j of its weight matrix W (documents' convention, shape (nout, nin)) is ``neurons[j].w``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        init: str = "auto",
        rng: np.random.Generator | int | None = None,
        name: str = "",
    ) -> None:
        nin, nout = _check_count(nin, "nin"), _check_count(nout, "nout")
        check_size(nin * nout, "nin * nout", "MAX_PARAMETERS")
        activation = _check_activation(activation)
        W = init_weights(nin, nout, init, activation, make_rng(rng))
        self.name = name
        self.init = init
        self.neurons = [Neuron(nin, activation, init, name=f"{name}.neurons.{j}", _weights=W[j]) for j in range(nout)]
        self.relabel(name)

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        """Number of neurons (outputs)."""
        return len(self.neurons)

    @property
    def activation(self) -> str:
        """The neurons' activation."""
        return self.neurons[0].activation

    def forward(self, xs: list[Any]) -> list[Value]:
        """Each neuron's output on the checked inputs ``xs``: z = w . x + b, then g(z).

        On a batch, the whole layer's Z = W X + b is one matrix product (``autograd.linear``, the same nodes).
        """
        neurons = self.neurons
        if not isinstance(xs[0], Value) or type(xs[0].data) is float:  # one sample: a dot node per neuron
            return [n.forward(xs) for n in neurons]
        zs = autograd.linear([n.w for n in neurons], xs, [n.b for n in neurons])
        return [n.activate(z) for n, z in zip(neurons, zs)]

    def __call__(self, x: Any) -> list[Value]:
        """A list of ``nout`` Values (scalar for one sample, batch for a batch)."""
        return self.forward(as_inputs(x, self.nin))

    def _repr_children(self) -> list[tuple[str, Module]]:
        return []

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, activation={self.activation!r}"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` is 2 inputs -> 16 -> 16 -> 1 output.

    Hidden layers use ``activation``; the last layer ``output_activation`` (None = linear: logits, for
    ``binary_cross_entropy_with_logits`` / ``cross_entropy``).  ``init`` names a scheme of ``nn.init``
    (default ``auto``: He for the ReLU family, Xavier otherwise); ``seed`` (int) makes the weights
    reproducible on every machine.  ``model(x)`` always returns a list of Values, one per output unit:
    ``model(x)[0]`` for a single output.
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str | None = None,
        init: str = "auto",
        seed: int | None = None,
    ) -> None:
        nin = _check_count(nin, "nin")
        if isinstance(sizes, (numbers.Integral, np.integer)):
            raise TypeError(f"sizes must be a list of layer widths, e.g. [{sizes}], got an int")
        if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
            sizes = sizes.tolist()  # a 1-D array of widths reads as the list it holds
        if not isinstance(sizes, Sequence) or isinstance(sizes, (str, bytes)):
            raise TypeError(f"sizes must be a list of layer widths, e.g. [16, 16, 1], got {type(sizes).__name__}")
        if len(sizes) == 0:
            raise ValueError("sizes must list at least one layer width, e.g. [16, 16, 1], got an empty list")
        widths = [_check_count(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        total = sum(a * b + b for a, b in zip([nin, *widths], widths))
        check_size(total, "parameters (from nin and sizes)", "MAX_PARAMETERS")
        activation = _check_activation(activation)
        out_act = "linear" if output_activation is None else _check_activation(output_activation, "output_activation")
        rng = make_rng(seed)
        dims = [nin, *widths]
        self.init = init
        self.seed = seed
        self.layers = [
            Layer(dims[i], dims[i + 1], activation if i < len(widths) - 1 else out_act, init, rng, f"layers.{i}")
            for i in range(len(widths))
        ]
        self.relabel()

    @property
    def nin(self) -> int:
        """Number of input features."""
        return self.layers[0].nin

    @property
    def sizes(self) -> list[int]:
        """The width of every layer."""
        return [layer.nout for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        """The activation of every layer (the last is the output activation, ``linear`` for None)."""
        return [layer.activation for layer in self.layers]

    def __call__(self, x: Any) -> list[Value]:
        """The outputs (a list of Values, one per output unit) for one sample or a batch."""
        xs: list[Any] = as_inputs(x, self.nin)
        for layer in self.layers:
            xs = layer.forward(xs)
        return xs

    def extra_repr(self) -> str:
        return f"{self.nin} -> {' -> '.join(map(str, self.sizes))}, {self.num_parameters()} parameters"


class BatchNorm(Module):
    """Normalise each of ``num_features`` features over the batch: ``y = gamma * (x - mu) / sqrt(var + eps) + beta``.

    The documents' ``batch_norm_forward`` (mu, var: the batch mean and biased variance of each feature)
    with learnable ``gamma`` (starts at 1) and ``beta`` (0).  In ``train()`` mode it needs a batch (a list of
    batch Values, one per feature) and updates the running statistics as PyTorch does:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (the variance unbiased, m/(m-1));
    in ``eval()`` mode it uses them and also accepts one sample of scalar Values.
    """

    _buffer_names = ("running_mean", "running_var")
    _variance_buffers = ("running_var",)
    num_features: int
    momentum: float
    eps: float
    gamma: list[Value]
    beta: list[Value]
    running_mean: list[float]
    running_var: list[float]

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5, name: str = "") -> None:
        n = _check_count(num_features, "num_features")
        for what, x in (("momentum", momentum), ("eps", eps)):
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating)):
                raise TypeError(f"{what} must be a real number, got {type(x).__name__}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be a number in [0, 1], got {momentum!r}")
        if not 0.0 < eps < 1e300:
            raise ValueError(f"eps must be a positive finite number, got {eps!r}")
        self.num_features = n
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.name = name
        self.gamma = [Value(1.0) for _ in range(n)]
        self.beta = [Value(0.0) for _ in range(n)]
        self.running_mean = [0.0] * n
        self.running_var = [1.0] * n
        self.relabel(name)

    def __call__(self, x: Any) -> list[Value]:
        """The normalised features, a list of Values (batch Values in training)."""
        xs = as_inputs(x, self.num_features)
        prefix = f"{self.name}." if self.name else ""
        out = []
        for k, v in enumerate(xs):
            if not isinstance(v, Value):
                v = Value(v)
            if self.training:
                if v.shape == () or v.shape[0] < 2:
                    raise ValueError(
                        "BatchNorm in train() mode needs a batch of at least 2 samples per feature (batch Values, "
                        "e.g. model(X) with X of shape (m, n)); call .eval() to use the running statistics"
                    )
                m = v.shape[0]
                mu = v.mean()
                xc = v - mu
                var = (xc * xc).mean()
                xhat = xc / (var + self.eps).sqrt()
                mom = self.momentum
                self.running_mean[k] = (1 - mom) * self.running_mean[k] + mom * float(mu.data)
                self.running_var[k] = (1 - mom) * self.running_var[k] + mom * float(var.data) * m / (m - 1)
            else:
                xhat = (v - self.running_mean[k]) * (1.0 / math.sqrt(self.running_var[k] + self.eps))
            y = self.gamma[k] * xhat + self.beta[k]
            y.label = f"{prefix}y.{k}"
            out.append(y)
        return out

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


class Dropout(Module):
    """Inverted dropout: in ``train()`` each value is zeroed with probability ``p`` and the rest scaled by
    1/(1-p), so the expected output equals the input; in ``eval()`` the identity.  ``seed`` fixes the masks."""

    p: float
    _rng: np.random.Generator

    def __init__(self, p: float = 0.5, seed: int | None = None, name: str = "") -> None:
        if isinstance(p, bool) or not isinstance(p, (numbers.Real, np.floating)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability p must be a number in [0, 1], got {p!r}")
        self.p = float(p)
        self._rng = make_rng(seed)
        self.relabel(name)  # checks that name is a str

    def __call__(self, x: Any) -> list[Any]:
        """Each input times ``mask / (1 - p)`` (mask ~ Bernoulli(1 - p)), or unchanged in eval mode / p = 0."""
        if isinstance(x, np.ndarray) and x.ndim == 2:
            x = as_inputs(x, x.shape[1])
        elif not isinstance(x, Sequence) or isinstance(x, (str, bytes, bytearray)):
            raise TypeError(f"Dropout takes a list of Values (a layer's output), got {type(x).__name__}")
        xs = list(x)
        for i, v in enumerate(xs):
            if not isinstance(v, Value):
                xs[i] = as_data(v, f"Dropout input[{i}]")  # a number (or a batch array), checked
        if not self.training or self.p == 0.0:
            return xs
        keep = 1.0 - self.p
        out = []
        for v in xs:
            shape = v.shape if isinstance(v, Value) else ()
            mask = self._rng.random(shape) >= self.p
            scale = mask / keep if keep > 0 else np.zeros(shape)
            out.append(v * (float(scale) if shape == () else scale))
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Modules applied in order: ``Sequential(Layer(2, 16, name=...), BatchNorm(16), Dropout(0.1), Layer(16, 1))``.

    Children are named ``layers.0``, ``layers.1``, ... (and relabelled so), like ``MLP``'s layers.
    """

    def __init__(self, *modules: Module) -> None:
        if not modules:
            raise ValueError("Sequential needs at least one module")
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules, argument {i} is a {type(m).__name__}")
        self.layers = list(modules)
        self.relabel()

    def __call__(self, x: Any) -> Any:
        """The last module's output after passing ``x`` through each module."""
        for m in self.layers:
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)
