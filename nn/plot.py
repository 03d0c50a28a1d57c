"""Matplotlib figures for training: loss and accuracy curves from a ``History``, 2-D decision boundaries.

Every function returns a ``matplotlib.figure.Figure`` (save it with ``fig.savefig("x.png")``; in Jupyter it
displays as the cell's value).  Figures are closed in pyplot right away, so scripts and loops do not pile up
open figures, and nothing here needs a display (works with the Agg backend).  Pass ``ax=`` to draw into an
existing Axes instead; the Axes' figure is returned.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported on first use: `import nn` stays fast
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["accuracy_curve", "decision_boundary", "gradient_flow", "history", "loss_curve"]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.0)) -> tuple[Figure, Axes]:
    from matplotlib.axes import Axes

    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        return ax.figure, ax  # type: ignore[return-value]
    import matplotlib.pyplot as plt

    fig, new = plt.subplots(figsize=figsize)
    plt.close(fig)  # returned, not shown: displayed once in notebooks, no pile-up in scripts
    return fig, new


def _series(hist: Any, name: str) -> list[float]:
    values = getattr(hist, name, None)
    if values is None:
        raise TypeError(f"history must be an nn.History (from nn.fit), got {type(hist).__name__}")
    return list(values)


def _train_and_validation(ax: Axes, history: Any, key: str) -> tuple[list[float], bool]:
    """Plot ``key`` and ``val_<key>`` per epoch; return the training series and whether validation was drawn."""
    train = _series(history, key)
    if not train:
        raise ValueError("history has no epochs to plot")
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, label="train")
    val = _series(history, f"val_{key}")
    if val:
        ax.plot(epochs[: len(val)], val, label="validation")
    return train, bool(val)


def loss_curve(history: Any, ax: Axes | None = None, log: bool = False) -> Figure:
    """Training loss per epoch (and validation loss when recorded); ``log=True`` uses a log y axis."""
    fig, ax = _axes(ax)
    loss, has_val = _train_and_validation(ax, history, "loss")
    if has_val:
        ax.legend()
    if log and min(loss) > 0:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax.grid(alpha=0.3)
    return fig


def accuracy_curve(history: Any, ax: Axes | None = None) -> Figure:
    """Training accuracy per epoch (and validation accuracy when recorded), on a 0..1 axis."""
    fig, ax = _axes(ax)
    _train_and_validation(ax, history, "accuracy")
    ax.legend(loc="lower right")
    ax.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    return fig


def history(hist: Any) -> Figure:
    """Loss and accuracy side by side."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 4.0))
    plt.close(fig)
    loss_curve(hist, ax=left)
    accuracy_curve(hist, ax=right)
    fig.tight_layout()
    return fig


def decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    ax: Axes | None = None,
    resolution: int = 200,
    padding: float = 0.1,
    title: str | None = None,
) -> Figure:
    """Colour each point of a ``resolution`` x ``resolution`` grid over the data by ``nn.predict``'s class, then
    scatter the samples coloured by ``y``.  ``X`` must have 2 features; the grid extends ``padding`` times the
    data's range beyond it."""
    from .train import predict

    try:
        X = np.asarray(X, dtype=np.float64)
    except OverflowError:
        raise ValueError("X holds a number too large for a float64") from None
    except (TypeError, ValueError):
        raise TypeError("X must be a 2-D array of real numbers (samples x 2 features)") from None
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary needs 2-D data: X of shape (m, 2), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf: the grid needs finite data")
    if isinstance(padding, bool) or not isinstance(padding, (int, float, np.integer, np.floating)):
        raise TypeError(f"padding must be a real number, got {type(padding).__name__}")
    if not 0 <= padding <= 100:
        raise ValueError(f"padding must be between 0 and 100 (times the data's range), got {padding}")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got shape {y.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 2000:
        raise ValueError(f"resolution must be an int between 2 and 2000, got {resolution!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * np.where(hi > lo, hi - lo, 1.0)
    gx, gy = (np.linspace(lo[i] - pad[i], hi[i] + pad[i], resolution) for i in range(2))
    xx, yy = np.meshgrid(gx, gy)
    zz = predict(model, np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    labels = y.ravel() if y.ndim == 1 or y.shape[1] == 1 else y.argmax(axis=1)
    if labels.min() < 0:  # {-1, +1} labels (hinge loss): -1 is class 0
        labels = (labels > 0).astype(np.int64)
    labels = labels.astype(np.int64)
    classes = int(max(zz.max(), labels.max())) + 1
    fig, ax = _axes(ax, (5.5, 5.0))
    levels = np.arange(classes + 1) - 0.5
    ax.contourf(xx, yy, zz, levels=levels, cmap="Spectral", alpha=0.35, vmin=-0.5, vmax=classes - 0.5)
    ax.scatter(
        X[:, 0], X[:, 1], c=labels, cmap="Spectral", vmin=-0.5, vmax=classes - 0.5, s=14, edgecolors="k", linewidths=0.3
    )
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "Decision boundary")
    ax.set_aspect("equal", adjustable="box")
    return fig


def _layer_grads(model: Any) -> list[tuple[str, np.ndarray]]:
    """|grad| of the parameters, grouped by layer (``layers.K`` prefixes; other names by their first part)."""
    named = getattr(model, "named_parameters", None)
    if named is None:
        raise TypeError(f"model must be an nn.Module (with named_parameters), got {type(model).__name__}")
    groups: dict[str, list[float]] = {}
    for name, p in named():
        parts = name.split(".")
        key = ".".join(parts[:2]) if len(parts) > 2 and parts[1].isdigit() else parts[0]
        groups.setdefault(key, []).extend(np.abs(np.atleast_1d(np.asarray(p.grad, dtype=np.float64))).tolist())
    return [(k, np.array(v)) for k, v in groups.items()]


def gradient_flow(model: Any, ax: Axes | None = None) -> Figure:
    """Mean and max |grad| of each layer's parameters on a log scale, after ``loss.backward()``.

    Gradients shrink by about a factor max g'(z) |W| per layer going back (delta[l] = W[l+1]^T delta[l+1]
    * g'(z[l])), so a deep sigmoid net (g' <= 1/4) shows a falling line towards the input, ReLU/He init a flat one.
    """
    groups = _layer_grads(model)
    if not groups:
        raise ValueError("model has no parameters to plot")
    means = np.array([g.mean() for _, g in groups])
    maxes = np.array([g.max() for _, g in groups])
    all_zero = not maxes.any() and not np.isnan(maxes).any()
    if all_zero:  # no backward yet, or one through a network where every path is dead: still worth a picture
        warnings.warn(
            "every gradient is zero: call loss.backward() before gradient_flow(model); if you did, no gradient "
            "reaches any parameter (dead ReLUs, saturated sigmoids)",
            stacklevel=2,
        )
    positive = np.concatenate([means[means > 0], maxes[maxes > 0]])  # NaN compares False: left out
    if not positive.size and not all_zero:
        raise ValueError(
            "no gradient to plot: every one is zero or NaN, so the backward pass overflowed or met 0 * inf. "
            "Find the first op that did with autograd.detect_anomaly(), and try a smaller lr or nn.clip_grad_norm"
        )
    floor = positive.min() / 10 if positive.size else 1.0  # zero gradients are drawn on the floor, marked with x
    fig, ax = _axes(ax, (max(5.0, 0.7 * len(groups) + 2.0), 4.0))
    x = np.arange(len(groups))
    for values, label, marker in ((maxes, "max |grad|", "^"), (means, "mean |grad|", "o")):
        ax.plot(x, np.where(values > 0, values, floor), marker=marker, label=label)
        zero = values == 0
        if zero.any():
            ax.scatter(x[zero], np.full(zero.sum(), floor), marker="x", color="red", zorder=3)
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([k for k, _ in groups], rotation=30, ha="right")
    title = "Gradient flow per layer" + (": every gradient is 0" if all_zero else "")
    ax.set(xlabel="layer (input -> output)", ylabel="|grad| (log scale)", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return fig
