"""nn.plot: figures render to real PNG files of the expected size, leave no pyplot figures open, reject bad input."""

from __future__ import annotations

import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import nn
from nn import data, plot
from nn.train import History

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    assert raw[:8] == PNG_MAGIC and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def check_png(fig: Figure, path: Path, dpi: int = 50) -> None:
    assert isinstance(fig, Figure)
    fig.savefig(path, dpi=dpi)
    w, h = fig.get_size_inches()
    assert png_size(path) == (round(w * dpi), round(h * dpi))
    assert path.stat().st_size > 2000  # more than an empty canvas


@pytest.fixture
def history() -> History:
    h = History()
    h.loss = [0.7, 0.5, 0.3, 0.2]
    h.accuracy = [0.5, 0.7, 0.8, 0.9]
    h.val_loss = [0.72, 0.55, 0.4, 0.35]
    h.val_accuracy = [0.5, 0.6, 0.75, 0.85]
    return h


def test_curves_are_png_figures(tmp_path: Path, history: History) -> None:
    open_before = plt.get_fignums()
    check_png(plot.loss_curve(history), tmp_path / "loss.png")
    check_png(plot.loss_curve(history, log=True), tmp_path / "loss_log.png")
    check_png(plot.accuracy_curve(history), tmp_path / "acc.png")
    check_png(plot.history(history), tmp_path / "both.png")
    assert plt.get_fignums() == open_before  # returned, not left open in pyplot


def test_curves_plot_the_history_values(history: History) -> None:
    ax = plot.loss_curve(history).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["train"].get_ydata(), history.loss)
    np.testing.assert_array_equal(lines["validation"].get_ydata(), history.val_loss)
    np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3, 4])
    ax = plot.accuracy_curve(history).axes[0]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), history.accuracy)


def test_decision_boundary_colours_the_predicted_class(tmp_path: Path) -> None:
    X, y = data.blobs(n=90, centers=3, std=0.3, seed=1)
    model = nn.MLP(2, [3], activation="linear", seed=0)
    nn.fit(model, X, y, epochs=80, lr=0.1, progress=False)
    fig = plot.decision_boundary(model, X, y, resolution=60)
    check_png(fig, tmp_path / "boundary.png")
    ax = fig.axes[0]
    lo, hi = X.min(axis=0), X.max(axis=0)
    x0, x1 = ax.get_xlim()
    assert x0 <= lo[0] and x1 >= hi[0]
    np.testing.assert_array_equal(ax.collections[-1].get_offsets(), X)  # the scatter holds the samples
    np.testing.assert_array_equal(ax.collections[0].levels, [-0.5, 0.5, 1.5, 2.5])  # one band per class


def test_decision_boundary_binary_and_plus_minus_labels(tmp_path: Path) -> None:
    X, y = data.moons(n=60, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    check_png(plot.decision_boundary(model, X, 2 * y - 1, resolution=30), tmp_path / "pm.png")
    fig, ax = plt.subplots()
    assert plot.decision_boundary(model, X, y, ax=ax, resolution=30) is fig
    plt.close(fig)


def test_bad_input(history: History) -> None:
    model = nn.MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"2-D data: X of shape \(m, 2\)"):
        plot.decision_boundary(model, np.zeros((5, 3)), np.zeros(5))
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="one label per row"):
        plot.decision_boundary(model, np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="resolution"):
        plot.decision_boundary(model, np.zeros((5, 2)), np.zeros(5), resolution=1)
    with pytest.raises(ValueError, match="no epochs"):
        plot.loss_curve(History())
    with pytest.raises(TypeError, match="History"):
        plot.accuracy_curve({"loss": [1.0]})
    with pytest.raises(TypeError, match="Axes"):
        plot.loss_curve(history, ax="left")  # type: ignore[arg-type]


def test_figures_do_not_leak(history: History) -> None:
    before = plt.get_fignums()
    for _ in range(30):
        plot.loss_curve(history)
    assert plt.get_fignums() == before
