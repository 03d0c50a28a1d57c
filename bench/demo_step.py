"""micrograd's demo step: MLP 2-16-16-1 (ReLU), SVM max-margin loss + 1e-4 L2, one SGD update.

Every implementation starts from the same weights; their loss and gradients are compared before
anything is timed.  Implementations: micrograd 0.1.0 (per sample), ours per sample (scalar
mode), ours in batch mode (one graph whose Values hold the m samples), numpy with the documents'
matrix formulas, and torch float64 (batched), when installed.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from common import interleaved, run_deep, table

import autograd
import nn

ALPHA = 1e-4
LR = 0.1


def weights(model: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (np.array([[w.data for w in n.w] for n in layer.neurons]), np.array([n.b.data for n in layer.neurons]))
        for layer in model.layers
    ]


def backward_and_update(model: Any, params: list[Any], loss: Any) -> tuple[float, list[float]]:
    """The end of every scalar-engine step (ours and micrograd alike): zero, backward, one SGD update."""
    model.zero_grad()
    loss.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.data -= LR * p.grad
    return loss.data, grads


def ours_step(model: nn.MLP, X: np.ndarray, y: np.ndarray, batch: bool) -> tuple[float, list[float]]:
    params = model.parameters()
    if batch:
        scores = model(X)[0]
        data_loss = (1.0 - scores * y).relu().mean()
    else:
        losses = [(1.0 - model(xi)[0] * float(yi)).relu() for xi, yi in zip(X, y)]
        data_loss = autograd.sum(losses) * (1.0 / len(losses))
    loss = data_loss + ALPHA * autograd.dot(params, params)
    return backward_and_update(model, params, loss)


def micro_model(ws: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    from micrograd.nn import MLP

    m = MLP(2, [16, 16, 1])
    for layer, (W, b) in zip(m.layers, ws):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[j, i])
            neuron.b.data = float(b[j])
    return m


def micro_step(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
    params = model.parameters()
    inputs = [list(map(float, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + ALPHA * sum(p * p for p in params)
    return backward_and_update(model, params, loss)


def numpy_step(ws: list[list[np.ndarray]], X: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
    """The documents' formulas with samples as columns: Z = W A + b, dW = dZ A^T, db = sum dZ (mean loss)."""
    A = [X.T]
    Z = []
    for k, (W, b) in enumerate(ws):
        z = W @ A[-1] + b[:, None]
        Z.append(z)
        A.append(np.maximum(z, 0.0) if k < len(ws) - 1 else z)
    m = X.shape[0]
    margins = 1.0 - y * A[-1][0]
    loss = np.maximum(margins, 0.0).mean() + ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in ws)
    dZ = (-(y * (margins > 0)) / m)[None, :]
    grads: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(len(ws) - 1, -1, -1):
        W, b = ws[k]
        dW = dZ @ A[k].T + 2 * ALPHA * W
        db = dZ.sum(axis=1) + 2 * ALPHA * b
        grads.append((dW, db))
        if k:
            dZ = (W.T @ dZ) * (Z[k - 1] > 0)
    grads.reverse()
    flat = [g for dW, db in grads for j in range(len(db)) for g in [*dW[j], db[j]]]
    for (W, b), (dW, db) in zip(ws, grads):
        W -= LR * dW
        b -= LR * db
    return float(loss), flat


def torch_step(tw: list[Any], X: Any, y: Any) -> tuple[float, list[float]]:
    import torch

    a = X
    for k in range(0, len(tw), 2):
        a = a @ tw[k].T + tw[k + 1]
        if k < len(tw) - 2:
            a = torch.relu(a)
    loss = torch.relu(1.0 - y * a[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in tw)
    for p in tw:
        p.grad = None
    loss.backward()
    flat = [
        g
        for k in range(0, len(tw), 2)
        for j in range(tw[k].shape[0])
        for g in [*tw[k].grad[j].tolist(), float(tw[k + 1].grad[j])]
    ]
    with torch.no_grad():
        for p in tw:
            p -= LR * p.grad
    return float(loss.detach()), flat


NAMES = ("micrograd", "ours, per sample", "ours, batch", "numpy formulas", "torch float64")


def workloads(m: int, only: str | None = None) -> dict[str, Callable[[], Any]]:
    """The step of each implementation (or of ``only``), from the same data and weights.

    With every implementation built, one step of each is taken and their losses and gradients compared.
    """
    X, labels = nn.data.moons(m, noise=0.1, seed=1)
    y = labels * 2.0 - 1.0
    ws = weights(nn.MLP(2, [16, 16, 1], seed=0))
    work: dict[str, Callable[[], Any]] = {}
    if only in (None, "micrograd"):
        micro = micro_model(ws)
        work["micrograd"] = lambda: run_deep(lambda: micro_step(micro, X, y))
    if only in (None, "ours, per sample"):
        model_s = nn.MLP(2, [16, 16, 1], seed=0)
        work["ours, per sample"] = lambda: ours_step(model_s, X, y, batch=False)
    if only in (None, "ours, batch"):
        model_b = nn.MLP(2, [16, 16, 1], seed=0)
        work["ours, batch"] = lambda: ours_step(model_b, X, y, batch=True)
    if only in (None, "numpy formulas"):
        np_ws = [[W.copy(), b.copy()] for W, b in ws]
        work["numpy formulas"] = lambda: numpy_step(np_ws, X, y)
    if only in (None, "torch float64") and importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)
        tw = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for W, b in ws for a in (W, b)]
        tX, ty = torch.tensor(X), torch.tensor(y)
        work["torch float64"] = lambda: torch_step(tw, tX, ty)
    if only is None:
        results = {name: fn() for name, fn in work.items()}  # first step: compare before timing
        ref_loss, ref_grads = results["numpy formulas"]
        for name, (loss, grads) in results.items():
            assert np.isclose(loss, ref_loss, rtol=1e-9), (name, loss, ref_loss)
            assert np.allclose(grads, ref_grads, rtol=1e-7, atol=1e-12), name
    return work


def one(name: str, m: int) -> float:
    """Median seconds of one step of ``name`` on m samples, in this process (which imports only what it needs)."""
    work = workloads(m, only=name)
    return interleaved(work, repeats=3 if name == "micrograd" and m > 200 else 5)[name]


def in_fresh_process(name: str, m: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--one", name, str(m)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.split()[-1])


def main(sizes: tuple[int, ...] = (100, 1000), repeats: int = 3) -> list[list[str]]:
    rows = []
    for m in sizes:
        names = list(workloads(m))  # builds all of them and checks their gradients agree
        samples: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(repeats):  # each in a fresh process (see bench/chain.py), interleaved
            for name in names:
                if name == "micrograd" and samples[name] and m > 200:
                    continue  # ~15 s a step: once is enough
                samples[name].append(in_fresh_process(name, m))
        med = {n: statistics.median(v) for n, v in samples.items()}
        base = med["micrograd"]
        row = [f"demo step, {m} samples"]
        for name in NAMES:
            if name in med:
                ms = med[name] * 1e3
                row.append(f"{ms:.3g} ms" + ("" if name == "micrograd" else f" ({base / med[name]:.0f}x)"))
            else:
                row.append("-")
        row.append(f"{med['ours, batch'] / med['numpy formulas']:.1f}x")
        rows.append(row)
    return rows


HEADER = ["workload", "micrograd (= 1)", "ours, per sample", "ours, batch", "numpy", "torch", "batch / numpy"]

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(one(sys.argv[2], int(sys.argv[3])))
    else:
        print(table(main(), HEADER))
