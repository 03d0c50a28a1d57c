"""The documents' vectorised numpy network, to put beside the scalar graph's gradients.

Conventions (the documents'): ``X`` has shape (n_x, m), one *column* per sample (an MLP batch ``X_mlp`` of
shape (m, n_x) is ``X_mlp.T``); layer l has ``W[l]`` (n_l, n_{l-1}) and ``b[l]`` (n_l, 1), stored as
``parameters["W1"], parameters["b1"], ...``.

Forward, for l = 1..L:   Z[l] = W[l] A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X.

Backward, with the output activation and cost paired so that dZ[L] = A[L] - Y (sigmoid + binary cross-entropy,
softmax + cross-entropy, or linear + half squared error):

    dZ[L] = A[L] - Y
    dW[l] = 1/m dZ[l] A[l-1]^T
    db[l] = 1/m sum over samples of dZ[l]
    dZ[l] = W[l+1]^T dZ[l+1] * g[l]'(Z[l])        (elementwise product)

``grads["dW1"]`` is then exactly d cost / d W1 where the cost is the *mean* over the m samples; an ``nn.MLP``
with the same weights, a linear output and ``binary_cross_entropy_with_logits`` (or ``cross_entropy``) gives the
same numbers in ``w.grad`` (see ``grads_from_mlp``).

Every public function first checks its arguments (``_matrix``, ``_parameters``, ``_cache``, ...): real 2-D numpy
arrays of the shapes above, parameters dicts with exactly W1, b1, ..., WL, bL, caches as ``L_model_forward`` makes
them.  Anything else raises TypeError/ValueError naming the argument; the formulas themselves are the documents'.
NaN and inf inside arrays are not refused: they propagate as in the documents' code.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .limits import check_size

__all__ = [
    "HIDDEN_ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "grads_from_mlp",
    "initialize_parameters",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "mlp_from_parameters",
    "parameters_from_mlp",
    "parameters_to_mlp",
]

LEAKY_SLOPE = 0.01
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")


# ------------------------------------------------------------------ activations: A = g(Z) and dZ = dA * g'(Z)
def sigmoid(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = 1 / (1 + e^-Z) (the documents clip Z to [-500, 500]); cache Z."""
    return 1.0 / (1.0 + np.exp(-np.clip(Z, -500, 500))), Z


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA * s (1 - s), s = sigmoid(Z)."""
    s = 1.0 / (1.0 + np.exp(-np.clip(cache, -500, 500)))
    return dA * s * (1.0 - s)


def relu(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = max(0, Z); cache Z."""
    return np.maximum(0.0, Z), Z


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, 0 where Z <= 0."""
    dZ = np.array(dA, dtype=np.float64, copy=True)
    dZ[cache <= 0] = 0.0
    return dZ


def tanh(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = tanh(Z); cache Z."""
    return np.tanh(Z), Z


def tanh_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA * (1 - tanh(Z)^2)."""
    t = np.tanh(cache)
    return dA * (1.0 - t * t)


def leaky_relu(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = Z where Z > 0, 0.01 Z elsewhere; cache Z."""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z), Z


def leaky_relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, 0.01 dA elsewhere."""
    return dA * np.where(cache > 0, 1.0, LEAKY_SLOPE)


def identity(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = Z (a linear layer); cache Z."""
    return Z, Z


def identity_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA."""
    return np.asarray(dA, dtype=np.float64)


def softmax(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A[:, i] = e^{Z[:, i] - max} / sum e^{Z[:, i] - max} (each column a sample); cache Z."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True), Z


_FORWARD = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "leaky_relu": leaky_relu, "linear": identity}
_BACKWARD = {
    "sigmoid": sigmoid_backward,
    "relu": relu_backward,
    "tanh": tanh_backward,
    "leaky_relu": leaky_relu_backward,
    "linear": identity_backward,
}


def _check(name: Any, allowed: tuple[str, ...], what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, one of {allowed}, got {type(name).__name__}")
    if name not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {name!r}")
    return name


# ------------------------------------------------------------------ argument checks (no arithmetic here)
def _matrix(x: Any, what: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """``x`` itself if it is a non-empty real 2-D numpy array (with ``rows`` rows / ``cols`` columns if given)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{what} must be a 2-D numpy array (the documents' layout: one column per sample), got {type(x).__name__}"
        )
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{what} must hold real numbers, got a numpy array of dtype {x.dtype}")
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{what} must be a non-empty 2-D array, got shape {x.shape}")
    if (rows is not None and x.shape[0] != rows) or (cols is not None and x.shape[1] != cols):
        want = (rows if rows is not None else "any", cols if cols is not None else "any")
        raise ValueError(f"{what} must have shape ({want[0]}, {want[1]}), got {x.shape}")
    return x


def _same_shape(x: Any, what: str, like: np.ndarray, like_what: str) -> np.ndarray:
    if isinstance(x, np.ndarray) and x.ndim == 1 and like.shape[0] == 1:
        raise ValueError(
            f"{what} must have the shape of {like_what}, {like.shape}, got {x.shape}: use y.reshape(1, -1)"
        )
    x = _matrix(x, what)
    if x.shape != like.shape:
        raise ValueError(f"{what} must have the shape of {like_what}, {like.shape}, got {x.shape}")
    return x


def _linear(A: Any, W: Any, b: Any, names: tuple[str, str, str] = ("A", "W", "b")) -> None:
    """A (n_prev, m), W (n, n_prev), b (n, 1)."""
    A = _matrix(A, names[0])
    W = _matrix(W, names[1])
    if W.shape[1] != A.shape[0]:
        raise ValueError(
            f"{names[1]} has shape {W.shape}, so {names[0]} must have {W.shape[1]} rows (one per input), "
            f"got shape {A.shape}"
        )
    b = _matrix(b, names[2])
    if b.shape != (W.shape[0], 1):
        raise ValueError(
            f"{names[2]} must have shape ({W.shape[0]}, 1), one bias per row of {names[1]} {W.shape}, got {b.shape}"
        )


def _parameters(parameters: Any, n_x: int | None = None) -> int:
    """The number of layers L of a dict {"W1": (n_1, n_0), "b1": (n_1, 1), ..., "WL", "bL"} of chained shapes."""
    if not isinstance(parameters, dict):
        raise TypeError(f"parameters must be a dict {{'W1': W1, 'b1': b1, ...}}, got {type(parameters).__name__}")
    L = len(parameters) // 2
    expected = {f"{p}{k}" for k in range(1, L + 1) for p in "Wb"}
    if L < 1 or set(parameters) != expected:
        shown = sorted(map(str, parameters))[:12]
        raise ValueError(f"parameters must hold exactly W1, b1, ..., WL, bL (L >= 1), got keys {shown}")
    rows = n_x
    for k in range(1, L + 1):
        W = _matrix(parameters[f"W{k}"], f"parameters['W{k}']")
        if rows is not None and W.shape[1] != rows and k == 1:
            raise ValueError(
                f"X has {rows} rows but parameters['W1'] {W.shape} expects {W.shape[1]} features: X must be "
                f"(n_x, m) = ({W.shape[1]}, m), one column per sample (an MLP batch X_mlp of shape (m, n_x) is X_mlp.T)"
            )
        if rows is not None and W.shape[1] != rows:
            raise ValueError(
                f"parameters['W{k}'] must have {rows} columns (parameters['W{k - 1}'] has {rows} rows), got {W.shape}"
            )
        b = _matrix(parameters[f"b{k}"], f"parameters['b{k}']")
        if b.shape != (W.shape[0], 1):
            raise ValueError(
                f"parameters['b{k}'] must have shape ({W.shape[0]}, 1), one bias per row of parameters['W{k}'] "
                f"{W.shape}, got {b.shape}"
            )
        rows = W.shape[0]
    return L


def _linear_cache(cache: Any, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A_prev, W, b) as ``linear_forward`` caches them."""
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        raise TypeError(f"{what} must be the tuple (A_prev, W, b) that linear_forward returns, got {_kind(cache)}")
    A_prev, W, b = cache
    _linear(A_prev, W, b, (f"{what}'s A_prev", f"{what}'s W", f"{what}'s b"))
    return A_prev, W, b


def _cache(cache: Any, what: str) -> np.ndarray:
    """((A_prev, W, b), Z) as ``linear_activation_forward`` caches them; returns Z (n, m)."""
    if not isinstance(cache, (tuple, list)) or len(cache) != 2:
        raise TypeError(
            f"{what} must be the pair ((A_prev, W, b), Z) that linear_activation_forward returns, got {_kind(cache)}"
        )
    A_prev, W, _ = _linear_cache(cache[0], what)
    return _matrix(cache[1], f"{what}'s Z", rows=W.shape[0], cols=A_prev.shape[1])


def _caches(caches: Any) -> np.ndarray:
    """The list of per-layer caches ``L_model_forward`` returns, layer to layer consistent; returns Z[L]."""
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise TypeError(f"caches must be the non-empty list that L_model_forward returns, got {_kind(caches)}")
    Z = None
    for k, cache in enumerate(caches):
        Zk = _cache(cache, f"caches[{k}]")
        A_prev = cache[0][0]
        if Z is not None and A_prev.shape != Z.shape:
            raise ValueError(
                f"caches[{k}]'s A_prev has shape {A_prev.shape} but caches[{k - 1}]'s Z has shape {Z.shape}: "
                "the caches must come from one L_model_forward"
            )
        Z = Zk
    assert Z is not None
    return Z


def _kind(x: Any) -> str:
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} items"
    return type(x).__name__


# ------------------------------------------------------------------ parameters
def initialize_parameters(layer_dims: list[int], seed: int = 1, scale: float = 0.01) -> dict[str, np.ndarray]:
    """The documents' initialisation: W[l] = randn(n_l, n_{l-1}) * 0.01, b[l] = 0, from ``np.random.seed(1)``.

    Uses its own ``RandomState(seed)`` (the same numbers as the documents' global seeding, without touching
    numpy's global state).
    """
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, (Sequence, np.ndarray)):
        raise TypeError(f"layer_dims must be a list of layer sizes, e.g. [2, 4, 1], got {type(layer_dims).__name__}")
    for d in layer_dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (numbers.Integral, np.integer)):
            raise TypeError(f"layer_dims must hold ints (layer sizes), got {type(d).__name__} {d!r}")
    if len(layer_dims) < 2 or any(int(d) < 1 for d in layer_dims):
        raise ValueError(f"layer_dims must list at least 2 positive sizes (inputs, ..., outputs), got {layer_dims}")
    for d in layer_dims:
        check_size(int(d), "a size in layer_dims", "MAX_UNITS")
    dims = [int(d) for d in layer_dims]
    check_size(sum(a * b + b for a, b in itertools.pairwise(dims)), "parameters (from layer_dims)", "MAX_PARAMETERS")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (numbers.Integral, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"scale must be a real number, got {type(scale).__name__}")
    try:
        finite = math.isfinite(scale)
    except OverflowError:
        raise ValueError("scale must be a finite float64 number, got an int beyond float64's range") from None
    if not finite:
        raise ValueError(f"scale must be a finite number, got {scale}")
    rs = np.random.RandomState(seed)
    parameters: dict[str, np.ndarray] = {}
    for k in range(1, len(layer_dims)):
        parameters[f"W{k}"] = rs.randn(layer_dims[k], layer_dims[k - 1]) * scale
        parameters[f"b{k}"] = np.zeros((layer_dims[k], 1))
    return parameters


# ------------------------------------------------------------------ forward
def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Z = W A + b; cache (A, W, b)."""
    _linear(A, W, b)
    return _linear_forward(A, W, b)


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """A = g(W A_prev + b); cache ((A_prev, W, b), Z)."""
    _linear(A_prev, W, b, ("A_prev", "W", "b"))
    _check(activation, (*HIDDEN_ACTIVATIONS, "softmax"), "activation")
    return _linear_activation_forward(A_prev, W, b, activation)


# the formulas alone, for arguments already checked (the public functions above and L_model_forward)
def _linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple[Any, ...]]:
    return W @ A + b, (A, W, b)


def _linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, tuple[Any, ...]]:
    Z, linear_cache = _linear_forward(A_prev, W, b)
    A, activation_cache = (softmax if activation == "softmax" else _FORWARD[activation])(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(
    X: np.ndarray,
    parameters: dict[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """A[L] for X (n_x, m): layers 1..L-1 use ``hidden_activation``, layer L ``output_activation``; caches per layer."""
    _check(hidden_activation, HIDDEN_ACTIVATIONS, "hidden_activation")
    _check(output_activation, OUTPUT_ACTIVATIONS, "output_activation")
    _parameters(parameters, n_x=_matrix(X, "X").shape[0])
    L = len(parameters) // 2
    caches = []
    A = np.asarray(X, dtype=np.float64)
    for k in range(1, L):
        A, cache = _linear_activation_forward(A, parameters[f"W{k}"], parameters[f"b{k}"], hidden_activation)
        caches.append(cache)
    AL, cache = _linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output_activation)
    caches.append(cache)
    return AL, caches


def compute_cost(AL: np.ndarray, Y: np.ndarray, output_activation: str = "sigmoid") -> float:
    """The mean cost matching dZ[L] = A[L] - Y.

    sigmoid: -1/m sum (Y log AL + (1 - Y) log(1 - AL)); softmax: -1/m sum Y log AL (Y one-hot);
    linear: 1/(2m) sum (AL - Y)^2.
    """
    _check(output_activation, OUTPUT_ACTIVATIONS, "output_activation")
    _same_shape(Y, "Y", _matrix(AL, "AL"), "AL")
    m = AL.shape[1]
    Y = np.asarray(Y, dtype=np.float64).reshape(AL.shape)
    if output_activation == "sigmoid":
        return float(-1.0 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))
    if output_activation == "softmax":
        return float(-1.0 / m * np.sum(Y * np.log(AL)))
    return float(0.5 / m * np.sum((AL - Y) ** 2))


# ------------------------------------------------------------------ backward
def linear_backward(dZ: np.ndarray, cache: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dW = 1/m dZ A_prev^T, db = 1/m sum_i dZ[:, i], dA_prev = W^T dZ."""
    A_prev, W, _ = _linear_cache(cache, "cache")
    _matrix(dZ, "dZ", rows=W.shape[0], cols=A_prev.shape[1])
    return _linear_backward(dZ, cache)


def linear_activation_backward(
    dA: np.ndarray, cache: tuple[Any, ...], activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dZ = dA * g'(Z), then ``linear_backward``."""
    _same_shape(dA, "dA", _cache(cache, "cache"), "the cache's Z")
    linear_cache, activation_cache = cache
    dZ = _BACKWARD[_check(activation, HIDDEN_ACTIVATIONS, "activation")](dA, activation_cache)
    return _linear_backward(dZ, linear_cache)


def _linear_backward(dZ: np.ndarray, cache: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A_prev, W, _ = cache  # already checked
    m = A_prev.shape[1]
    dW = 1.0 / m * (dZ @ A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    return W.T @ dZ, dW, db


def L_model_backward(
    AL: np.ndarray, Y: np.ndarray, caches: list[tuple[Any, ...]], hidden_activation: str = "relu"
) -> dict[str, np.ndarray]:
    """Gradients of the mean cost: grads["dW1"], grads["db1"], ..., grads["dZ1"], ... and grads["dA0"] ....

    dZ[L] = A[L] - Y (the output activation and cost are paired, see the module docstring), then for each
    layer dW, db, dA_prev = ``linear_backward`` and dZ[l] = dA[l] * g'(Z[l]), i.e. W[l+1]^T dZ[l+1] * g'(Z[l]).
    """
    _check(hidden_activation, HIDDEN_ACTIVATIONS, "hidden_activation")
    AL = _same_shape(AL, "AL", _caches(caches), "the last layer's Z in caches")
    _same_shape(Y, "Y", AL, "AL")
    grads: dict[str, np.ndarray] = {}
    L = len(caches)
    dZ = AL - np.asarray(Y, dtype=np.float64).reshape(AL.shape)
    for k in range(L, 0, -1):
        linear_cache, activation_cache = caches[k - 1]
        if k < L:
            dZ = _BACKWARD[hidden_activation](grads[f"dA{k}"], activation_cache)
        grads[f"dZ{k}"] = dZ
        grads[f"dA{k - 1}"], grads[f"dW{k}"], grads[f"db{k}"] = _linear_backward(dZ, linear_cache)
    return grads


# ------------------------------------------------------------------ nn.MLP <-> parameters dict
def parameters_from_mlp(model: Any) -> dict[str, np.ndarray]:
    """{"W1": W[1], "b1": b[1], ...} from an ``nn.MLP``: W[l] row j is layers[l-1].neurons[j].w, b[l] a column."""
    _check_mlp(model)
    out: dict[str, np.ndarray] = {}
    for k, layer in enumerate(model.layers, start=1):
        out[f"W{k}"] = np.array([[float(w.data) for w in n.w] for n in layer.neurons])
        out[f"b{k}"] = np.array([[float(n.b.data)] for n in layer.neurons])
    return out


def grads_from_mlp(model: Any) -> dict[str, np.ndarray]:
    """{"dW1": ..., "db1": ...} from the ``grad`` of an ``nn.MLP``'s parameters, shaped like the reference's."""
    _check_mlp(model)
    out: dict[str, np.ndarray] = {}
    for k, layer in enumerate(model.layers, start=1):
        out[f"dW{k}"] = np.array([[float(np.sum(w.grad)) for w in n.w] for n in layer.neurons])
        out[f"db{k}"] = np.array([[float(np.sum(n.b.grad))] for n in layer.neurons])
    return out


def parameters_to_mlp(parameters: dict[str, np.ndarray], model: Any) -> None:
    """Copy W[l], b[l] from a parameters dict into an ``nn.MLP`` of the same sizes (ValueError on any mismatch)."""
    _check_mlp(model)
    _parameters(parameters)
    L = len(model.layers)
    expected = {f"{p}{k}" for k in range(1, L + 1) for p in "Wb"}
    if set(parameters) != expected:
        raise ValueError(f"parameters must have keys {sorted(expected)}, got {sorted(parameters)}")
    for k, layer in enumerate(model.layers, start=1):
        W = np.asarray(parameters[f"W{k}"], dtype=np.float64)
        b = np.asarray(parameters[f"b{k}"], dtype=np.float64).reshape(-1)
        if W.shape != (layer.nout, layer.nin) or b.shape != (layer.nout,):
            raise ValueError(
                f"layer {k}: W{k} must be {(layer.nout, layer.nin)} and b{k} {(layer.nout, 1)}, "
                f"got {W.shape} and {np.shape(parameters[f'b{k}'])}"
            )
        for j, n in enumerate(layer.neurons):
            for i, w in enumerate(n.w):
                w.data = float(W[j, i])
            n.b.data = float(b[j])


def mlp_from_parameters(
    parameters: dict[str, np.ndarray], activation: str = "relu", output_activation: str | None = None
) -> Any:
    """A new ``nn.MLP`` holding the parameters dict's weights (layer sizes read from the W shapes)."""
    from .layers import MLP

    _check(activation, HIDDEN_ACTIVATIONS, "activation")
    if output_activation is not None:
        _check(output_activation, HIDDEN_ACTIVATIONS, "output_activation")
    L = _parameters(parameters)
    shapes = [np.shape(parameters[f"W{k}"]) for k in range(1, L + 1)]
    model = MLP(shapes[0][1], [s[0] for s in shapes], activation, output_activation, init="zeros")
    parameters_to_mlp(parameters, model)
    return model


def _check_mlp(model: Any) -> None:
    from .layers import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"expected an nn.MLP, got {type(model).__name__}")
    if any(layer.activation == "prelu" for layer in model.layers):
        raise ValueError("the reference network has no PReLU (its slope is a parameter); use another activation")
