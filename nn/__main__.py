"""Command line: ``python -m nn train --dataset spiral --hidden 16,16 --optimizer adam --epochs 300 --out runs/spiral``.

Trains an MLP on a built-in dataset with a progress bar, prints train/test accuracy and writes into ``--out``:
``loss.png`` (loss and accuracy per epoch, train and test), ``boundary.png`` (the decision boundary; for digits,
``predictions.png``: test digits with their predicted labels), ``model.json`` (``nn.load`` reads it back) and
``graph.svg`` (the computation graph of the first hidden neuron on one sample, with its gradients).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .init import ACTIVATIONS

DATASETS = ("spiral", "moons", "circles", "xor", "blobs", "digits")
LOSSES = ("auto", "bce_with_logits", "bce", "mse", "hinge", "cross_entropy")


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Show each flag's default, except where it is None (the help text then says what None means)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return action.help if action.default is None else super()._get_help_string(action)


def _sizes(text: str) -> list[int]:
    text = text.strip()
    if not text:
        return []
    try:
        sizes = [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths such as 16,16, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return sizes


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction strictly between 0 and 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m nn`` argument parser (one sub-command: ``train``)."""
    parser = argparse.ArgumentParser(prog="python -m nn", description="Train scalar-autograd MLPs from the shell.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    t = sub.add_parser(
        "train",
        help="train an MLP on a built-in dataset and write plots, the model and a graph",
        description="Train an MLP (batch mode, one graph per batch) and write loss.png, boundary.png "
        "(predictions.png for digits), model.json and graph.svg into --out.",
        formatter_class=_Help,
    )
    t.add_argument("--dataset", choices=DATASETS, default="spiral", help="built-in dataset (digits needs scikit-learn)")
    t.add_argument(
        "--samples", type=_positive(int), default=None, help="number of points for the 2-D datasets (default: theirs)"
    )
    t.add_argument("--noise", type=float, default=None, help="noise level of the 2-D datasets (default: theirs)")
    t.add_argument("--data-seed", type=int, default=None, help="seed of the data generator (default: theirs)")
    t.add_argument(
        "--hidden", type=_sizes, default=None, help="hidden layer widths, e.g. 16,16 (default: 16,16; digits 32)"
    )
    t.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden-layer activation")
    t.add_argument(
        "--loss",
        choices=LOSSES,
        default="auto",
        help="auto: bce_with_logits on one linear output for 2 classes, cross_entropy over k outputs otherwise; "
        "bce/mse use a sigmoid output, hinge uses labels -1/+1",
    )
    t.add_argument("--optimizer", choices=("adam", "sgd", "rmsprop"), default="adam", help="optimizer")
    t.add_argument(
        "--lr", type=_positive(float), default=None, help="learning rate (default: 0.02 for adam/rmsprop, 0.1 for sgd)"
    )
    t.add_argument(
        "--epochs", type=_positive(int), default=None, help="passes over the training set (default: 300; digits 100)"
    )
    t.add_argument("--batch-size", type=_positive(int), default=None, help="mini-batch size (default: full batch)")
    t.add_argument("--test-size", type=_fraction, default=0.25, help="fraction of the data held out for testing")
    t.add_argument("--seed", type=int, default=0, help="seed for the split, the initial weights and the shuffling")
    t.add_argument("--out", default=None, help="output directory, created if needed (default: runs/<dataset>)")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _load(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    from . import data

    if args.dataset == "digits":
        flags = (("--samples", args.samples), ("--noise", args.noise), ("--data-seed", args.data_seed))
        given = [flag for flag, value in flags if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)} only apply to the generated 2-D datasets; digits is a fixed dataset")
        return data.digits()
    kwargs: dict[str, Any] = {}
    if args.samples is not None:
        kwargs["n"] = args.samples
    if args.noise is not None:
        kwargs["noise" if args.dataset != "blobs" else "std"] = args.noise
    if args.data_seed is not None:
        kwargs["seed"] = args.data_seed
    return getattr(data, args.dataset)(**kwargs)  # type: ignore[no-any-return]


def _graph_of_one_neuron(model: Any, x: np.ndarray, path: str) -> str:
    """Draw neuron layers.0.neurons.0 applied to one sample, after backward (edges carry local derivatives).

    Without Graphviz's ``dot`` the DOT text goes to ``graph.dot`` instead, with a note: training is not lost for it.
    Returns the path written.
    """
    from autograd import Value, draw_dot
    from autograd.graph import GraphvizNotFoundError

    neuron = model.layers[0].neurons[0]
    inputs = [Value(float(v), label=f"x.{i}") for i, v in enumerate(x)]
    out = neuron(inputs)
    out.backward()
    graph = draw_dot(out)
    model.zero_grad()
    try:
        return graph.render(path)
    except GraphvizNotFoundError as e:
        dot_path = graph.save(os.path.splitext(path)[0] + ".dot")
        print(f"note: {e}\nSo the graph's DOT text went to {dot_path} instead.", file=sys.stderr)
        return dot_path


def _save_figure(fig: Any, path: str) -> None:
    """``fig.savefig(path)``, atomically (a PNG half written is never left behind)."""
    import io

    from autograd.files import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, format="png")
    write_atomic(path, buffer.getvalue())


def _digits_figure(X: np.ndarray, y: np.ndarray, pred: np.ndarray) -> Any:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 8, figsize=(8.0, 4.6))
    plt.close(fig)
    for ax, img, label, guess in zip(axes.ravel(), X, y, pred):
        ax.imshow(img.reshape(8, 8), cmap="gray_r")
        ax.set_title(f"{guess}" if guess == label else f"{guess} (is {label})", color="k" if guess == label else "r")
        ax.axis("off")
    fig.suptitle("test digits: predicted label")
    fig.tight_layout()
    return fig


def train(args: argparse.Namespace) -> int:
    """Run the ``train`` command; returns the exit status."""
    import nn
    from nn import plot
    from nn.data import train_test_split
    from nn.train import MAX_EPOCHS

    # Everything a flag's value can make fail happens before training, and is reported as a usage error
    try:
        X, y = _load(args)
        classes = int(y.max()) + 1
        loss = args.loss
        if loss == "auto":
            loss = "bce_with_logits" if classes == 2 else "cross_entropy"
        if classes > 2 and loss != "cross_entropy":
            raise ValueError(f"--loss {loss} is for two classes; {args.dataset} has {classes}: use cross_entropy")
        outputs = classes if loss == "cross_entropy" else 1
        hidden = args.hidden if args.hidden is not None else ([32] if args.dataset == "digits" else [16, 16])
        output_activation = "sigmoid" if loss in ("bce", "mse") else None
        if loss == "hinge":
            y = 2 * y - 1
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=args.test_size, seed=args.seed, stratify=True
        )
        model = nn.MLP(
            X.shape[1],
            [*hidden, outputs],
            activation=args.activation,
            output_activation=output_activation,
            seed=args.seed,
        )
        epochs = args.epochs if args.epochs is not None else (100 if args.dataset == "digits" else 300)
        if epochs > MAX_EPOCHS:
            raise ValueError(f"--epochs {epochs:,} is more than nn.train.MAX_EPOCHS = {MAX_EPOCHS:,}")
        out_dir = args.out or os.path.join("runs", args.dataset)
        os.makedirs(out_dir, exist_ok=True)
    except (ValueError, OSError) as e:
        print(f"python -m nn train: error: {e}", file=sys.stderr)
        return 2
    lr = args.lr if args.lr is not None else (0.1 if args.optimizer == "sgd" else 0.02)
    print(
        f"{args.dataset}: {len(X_train)} train / {len(X_test)} test samples, {X.shape[1]} features, {classes} classes"
    )
    print(f"model: MLP({X.shape[1]}, {[*hidden, outputs]}), {args.activation}, loss {loss}, {args.optimizer} lr {lr}")
    start = time.perf_counter()
    history = nn.fit(
        model,
        X_train,
        y_train,
        loss=loss,
        optimizer=args.optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=args.batch_size,
        validation_data=(X_test, y_test),
        progress=not args.no_progress,
        seed=args.seed,
    )
    seconds = time.perf_counter() - start
    train_acc, test_acc = nn.accuracy(model, X_train, y_train), nn.accuracy(model, X_test, y_test)
    print(f"trained {history.epochs} epochs in {seconds:.1f} s; final loss {history.loss[-1]:.4f}")
    print(f"train accuracy: {train_acc:.4f}")
    print(f"test accuracy:  {test_acc:.4f}")

    fig = plot.history(history)
    for ax in fig.axes:  # the held-out set is the test set here, not a tuning set
        for line in ax.get_lines():
            if line.get_label() == "validation":
                line.set_label("test")
        if ax.get_legend() is not None:
            ax.legend()
    written = [os.path.join(out_dir, "loss.png")]
    _save_figure(fig, written[-1])
    if not all(math.isfinite(p.data) for p in model.parameters()):
        print(
            f"python -m nn train: error: training diverged (the weights overflowed to inf/nan); wrote {written[0]}, "
            "but no model: try a smaller --lr",
            file=sys.stderr,
        )
        return 1
    if X.shape[1] == 2:
        fig = plot.decision_boundary(model, X, y, title=f"{args.dataset}: test accuracy {test_acc:.1%}")
        written.append(os.path.join(out_dir, "boundary.png"))
    else:
        fig = _digits_figure(X_test, y_test, nn.predict(model, X_test))
        written.append(os.path.join(out_dir, "predictions.png"))
    _save_figure(fig, written[-1])
    written.append(os.path.join(out_dir, "model.json"))
    nn.save(model, written[-1])
    written.append(_graph_of_one_neuron(model, X_test[0], os.path.join(out_dir, "graph.svg")))
    print("wrote " + ", ".join(written))
    return 0


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    print(f"python -m nn: warning: {message}", file=sys.stderr)  # one line, not the library's file:line


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m nn``; returns the exit status (2 for usage errors, 1 if training diverged)."""
    args = build_parser().parse_args(argv)
    if args.command == "train":
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return train(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
