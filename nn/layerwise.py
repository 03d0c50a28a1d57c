"""The layer-level view of backpropagation the documents use: each neuron's error delta = d loss / d z.

``trace_layers(model, loss)`` reads every neuron's pre-activation ``z`` from the graph (the Values
labelled ``<neuron name>.z``), takes d loss / d z from the graph, and puts beside it the documents'
recursion computed from the weights alone, starting from the output layer's graph delta:

    delta[L] = d loss / d z[L]
    delta[l] = W[l+1]^T delta[l+1] * g'(z[l])        (elementwise product)
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

import autograd
from autograd import Value

from .layers import LEAKY_SLOPE, MLP


def activation_derivative(activation: str, z: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
    """g'(z): relu 1[z>0]; tanh 1 - tanh(z)^2; sigmoid s(1-s); leaky_relu 1 or 0.01; prelu 1 or a; linear 1."""
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if activation == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if activation == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE)
    if activation == "prelu":
        a = np.ones((z.shape[0], 1)) if slopes is None else slopes.reshape(-1, 1)
        return np.where(z > 0, 1.0, a)
    if activation == "linear":
        return np.ones_like(z)
    raise ValueError(f"unknown activation {activation!r}")


@dataclass(frozen=True)
class LayerDeltas:
    """One layer: ``z``, ``delta`` (graph) and ``formula`` are (neurons, samples) arrays."""

    index: int
    name: str
    activation: str
    z: np.ndarray
    delta: np.ndarray
    formula: np.ndarray

    @property
    def max_abs_diff(self) -> float:
        """max |delta (graph) - delta (formula)| over neurons and samples."""
        return float(np.max(np.abs(self.delta - self.formula)))


class LayerTrace:
    """Per layer, every neuron's delta from the graph beside the documents' formula; ``print`` shows a table."""

    def __init__(self, layers: list[LayerDeltas]) -> None:
        self.layers = layers

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[LayerDeltas]:
        return iter(self.layers)

    def __getitem__(self, i: int) -> LayerDeltas:
        return self.layers[i]

    @property
    def deltas(self) -> list[np.ndarray]:
        """d loss / d z per layer from the graph, each (neurons, samples)."""
        return [layer.delta for layer in self.layers]

    @property
    def formula(self) -> list[np.ndarray]:
        """delta[l] = W[l+1]^T delta[l+1] * g'(z[l]) per layer, each (neurons, samples)."""
        return [layer.formula for layer in self.layers]

    def _rows(self, layer: LayerDeltas) -> list[tuple[str, ...]]:
        m = layer.z.shape[1]
        rows = []
        for j in range(layer.z.shape[0]):
            if m == 1:
                vals = (layer.z[j, 0], layer.delta[j, 0], layer.formula[j, 0])
            else:
                vals = (layer.z[j].mean(), np.abs(layer.delta[j]).mean(), np.abs(layer.formula[j]).mean())
            rows.append((str(j), *(f"{v:.6g}" for v in vals)))
        return rows

    def _headers(self) -> tuple[str, ...]:
        m = self.layers[0].z.shape[1] if self.layers else 1
        if m == 1:
            return ("neuron", "z", "delta (graph)", "delta (formula)")
        return ("neuron", f"mean z ({m} samples)", "mean |delta| (graph)", "mean |delta| (formula)")

    def _title(self, layer: LayerDeltas) -> str:
        last = layer.index == len(self.layers) - 1
        how = "delta = d loss/dz from the graph" if last else "formula W[l+1]^T delta[l+1] * g'(z)"
        return (
            f"layer {layer.index} ({layer.name}, {layer.activation}, {layer.z.shape[0]} neurons; {how}): "
            f"max |graph - formula| = {layer.max_abs_diff:.3g}"
        )

    def __str__(self) -> str:
        heads = self._headers()
        out = []
        for layer in reversed(self.layers):  # backward order, as the errors flow
            rows = self._rows(layer)
            widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
            out.append(self._title(layer))
            out.append("  " + "  ".join(h.rjust(w) for h, w in zip(heads, widths)))
            out += ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        return "\n".join(out)

    def __repr__(self) -> str:
        worst = max((layer.max_abs_diff for layer in self.layers), default=0.0)
        return f"LayerTrace({len(self.layers)} layers, max |graph - formula| = {worst:.3g})"

    def _repr_html_(self) -> str:
        e = html.escape
        parts = []
        for layer in reversed(self.layers):
            head = "".join(f"<th>{e(h)}</th>" for h in self._headers())
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in self._rows(layer))
            parts.append(f"<table><caption>{e(self._title(layer))}</caption><tr>{head}</tr>{body}</table>")
        return "".join(parts)


def _z_nodes(loss: Value, wanted: set[str]) -> dict[str, list[Value]]:
    """Nodes with the wanted labels, in depth-first order from the loss through inputs in argument order.

    That is the order the loss uses its samples (loss = sum of per-sample terms, first sample first),
    so the k-th node found for every neuron belongs to the same sample.
    """
    found: dict[str, list[Value]] = {name: [] for name in wanted}
    seen: set[Value] = set()
    stack = [loss]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v.label in found:
            found[v.label].append(v)
        stack.extend(reversed(v.inputs))
    return found


def _uses(z: Value, b: Value, depth: int = 3) -> bool:
    """Whether ``z`` is computed from the bias ``b`` within a few ops (z = w . x + b)."""
    level = [z]
    for _ in range(depth):
        level = [p for v in level for p in v.inputs]
        if any(p is b for p in level):
            return True
    return False


def trace_layers(model: MLP, loss: Value) -> LayerTrace:
    """Each layer's backpropagated error delta[l] = d loss / d z[l] from the graph, beside the documents'
    delta[l] = W[l+1]^T delta[l+1] * g'(z[l]) computed from the weights (starting at the output layer's graph
    delta).  Works for one sample, several samples in scalar mode (numbered in the order the loss uses them)
    and batch mode; columns are samples.  Touches no ``.grad``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an nn.MLP, got {type(model).__name__}")
    if not isinstance(loss, Value):
        raise TypeError(f"loss must be a Value computed from model(...), got {type(loss).__name__}")
    names = [[f"{n.name}.z" if n.name else "z" for n in layer.neurons] for layer in model.layers]
    found = _z_nodes(loss, {name for row in names for name in row})
    for layer, row in zip(model.layers, names):
        for n, name in zip(layer.neurons, row):  # same labels may come from another model: keep this one's
            found[name] = [z for z in found[name] if _uses(z, n.b)]
    missing = [name for row in names for name in row if not found[name]]
    if missing:
        raise ValueError(
            f"loss does not depend on {len(missing)} of this model's neuron pre-activations (e.g. {missing[0]!r}): "
            "compute the loss from this model's outputs, model(x) or model(X), and pass that loss"
        )
    flat = [v for row in names for name in row for v in found[name]]
    grads = dict(zip(flat, autograd.grad(loss, flat)))

    def samples(name: str, what: str) -> np.ndarray:
        vs = found[name]
        return np.concatenate([np.atleast_1d(v.data if what == "z" else grads[v]).astype(np.float64) for v in vs])

    Z = [np.array([samples(name, "z") for name in row]) for row in names]
    D = [np.array([samples(name, "delta") for name in row]) for row in names]
    sizes = {z.shape[1] for z in Z}
    if len(sizes) != 1:
        raise ValueError(
            f"the neurons' z appear for different numbers of samples {sorted(sizes)}: build the loss from one "
            "forward pass of the model (per sample in scalar mode, or one batch)"
        )
    formula: list[np.ndarray] = [np.empty(0)] * len(Z)
    formula[-1] = D[-1]
    for k in range(len(Z) - 2, -1, -1):
        W = np.array([[w.data for w in n.w] for n in model.layers[k + 1].neurons], dtype=np.float64)
        layer = model.layers[k]
        slopes = np.array([n.slope.data for n in layer.neurons]) if layer.activation == "prelu" else None
        formula[k] = (W.T @ formula[k + 1]) * activation_derivative(layer.activation, Z[k], slopes)
    return LayerTrace(
        [
            LayerDeltas(k, layer.name or f"layer {k}", layer.activation, Z[k], D[k], formula[k])
            for k, layer in enumerate(model.layers)
        ]
    )
