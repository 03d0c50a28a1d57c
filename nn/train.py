"""Training loop and evaluation: ``fit`` (batch mode, tqdm progress), ``predict``, ``accuracy`` and ``History``.

Decision rule (``predict``): with several outputs the class is the argmax of the outputs; with one output the
class is 1 when the output exceeds 0.5 if the output layer's activation is a sigmoid (a probability), and when it
exceeds 0 otherwise (a logit, a margin, or a tanh).  ``accuracy`` compares that with ``y``; for one output any
label > 0 counts as class 1, so both {0, 1} and {-1, +1} labels work.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Value, no_grad
from autograd.config import check_flag
from autograd.value import refuse_masked

from .init import ACTIVATIONS
from .layers import Layer

__all__ = ["History", "accuracy", "fit", "predict"]

LOSSES = ("mse", "bce", "bce_with_logits", "cross_entropy", "hinge")
OPTIMIZERS = {"sgd": 0.1, "adam": 0.01, "rmsprop": 0.01}  # name -> default learning rate


@dataclass
class History:
    """Per-epoch training record: ``loss[e]`` is the mean training loss over epoch e's batches (before each
    step), ``accuracy[e]`` the training accuracy of those same forward passes; ``val_loss``/``val_accuracy`` are
    measured after the epoch on ``validation_data`` (empty lists when there is none)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
            values = getattr(self, name)
            if not isinstance(values, (list, tuple)) or not all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values
            ):
                raise TypeError(f"History {name} must be a list of numbers (one per epoch)")
            try:
                setattr(self, name, [float(v) for v in values])
            except OverflowError:
                raise ValueError(f"History {name} holds a number too large for a float64") from None
        if len(self.accuracy) != len(self.loss) or len(self.val_accuracy) != len(self.val_loss):
            raise ValueError("History needs one accuracy per loss, and one val_accuracy per val_loss")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)) or not self.seconds >= 0:
            raise ValueError(f"History seconds must be a number >= 0, got {self.seconds!r}")

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """The four per-epoch lists by name (e.g. for a DataFrame or JSON)."""
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
        }

    def __len__(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(0 epochs)"
        text = f"History({self.epochs} epochs, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, "
        text += f"accuracy {self.accuracy[-1]:.3f}"
        if self.val_accuracy:
            text += f", val_accuracy {self.val_accuracy[-1]:.3f}"
        return text + f", {self.seconds:.2f} s)"


def _dense(model: Any) -> list[Any]:
    """The model's layers of neurons (``nn.Layer``), in order: an MLP's layers, a Sequential's (inside nested MLPs and
    Sequentials too), a bare Layer, or those of a user's Module in the order its attributes were assigned (as
    PyTorch registers sub-modules).  The first gives the input width, the last the output activation."""
    named = getattr(model, "named_modules", None)
    layers = [mod for _, mod in named() if isinstance(mod, Layer)] if callable(named) else []
    if not layers:
        raise TypeError(
            "model must be an nn.Module with at least one nn.Layer (an MLP, a Sequential, a Layer, or a Module of "
            f"your own built from them), got {type(model).__name__}"
        )
    return layers


def _outputs(outs: Any) -> list[Value]:
    """``model(x)`` as a list of Values: a model of one output may return the Value itself."""
    if isinstance(outs, Value):
        return [outs]
    if isinstance(outs, (list, tuple)) and outs and all(isinstance(o, Value) for o in outs):
        return list(outs)
    raise TypeError(f"model(x) must return a Value or a list of Values (one per output), got {type(outs).__name__}")


def _nin(model: Any) -> int:
    return len(_dense(model)[0].neurons[0].w)


def _output_activation(model: Any) -> str:
    """The last Layer's activation, unless the model declares ``output_activation`` (a user's Module that applies,
    say, a sigmoid in its ``__call__`` after a linear Layer)."""
    declared = getattr(model, "output_activation", None)
    if isinstance(declared, str) and declared in ACTIVATIONS:
        return declared
    return str(_dense(model)[-1].neurons[0].activation)


def _check_X(model: Any, X: Any, name: str = "X") -> np.ndarray:
    refuse_masked(X, name)
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be a 2-D array of numbers (samples x features)") from None
    nin = _nin(model)
    if X.ndim != 2 or X.shape[1] != nin:
        raise ValueError(f"{name} must have shape (m, {nin}) for this model, got {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no samples")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or inf")
    return X


def _check_y(y: Any, m: int, name: str = "y") -> np.ndarray:
    refuse_masked(y, name)
    y = np.asarray(y)
    if y.dtype == object:  # e.g. an int beyond int64 among the labels
        try:
            y = np.asarray(y, dtype=np.float64)
        except OverflowError:
            raise ValueError(f"{name} holds a number too large for a float64") from None
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers (class labels or targets), got an array of objects") from None
    if y.dtype.kind == "b":
        y = y.astype(np.float64)  # True/False labels are the classes 1/0, as the losses read them
    if y.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers (class labels or targets), got an array of dtype {y.dtype}")
    if y.ndim not in (1, 2) or y.shape[0] != m:
        raise ValueError(f"{name} must be a numeric array with one row per sample ({m}), got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or inf")
    return y


def scores(model: Any, X: Any) -> np.ndarray:
    """The model's outputs for every row of ``X`` as an (m, outputs) float64 array (batch mode, no graph kept)."""
    X = _check_X(model, X)
    training = getattr(model, "training", False)
    model.eval()  # dropout off, batch norm on running statistics
    try:
        with no_grad():
            outs = _outputs(model(X))
    finally:
        if training:
            model.train()
    return np.column_stack([np.broadcast_to(o.data, (X.shape[0],)) for o in outs])


def _classes(s: np.ndarray, activation: str) -> np.ndarray:
    if s.shape[1] > 1:
        return s.argmax(axis=1)
    return (s[:, 0] > (0.5 if activation == "sigmoid" else 0.0)).astype(np.int64)


def predict(model: Any, X: Any) -> np.ndarray:
    """Class of each row of ``X``: argmax over outputs; one output: 1 if out > 0.5 (sigmoid output) / > 0 (else)."""
    return _classes(scores(model, X), _output_activation(model))


def _truth(y: np.ndarray, outputs: int) -> np.ndarray:
    if y.ndim == 2:
        if y.shape[1] > 1:
            return y.argmax(axis=1)  # type: ignore[no-any-return]
        y = y[:, 0]
    return (y > 0.5).astype(np.int64) if outputs == 1 else y.astype(np.int64)  # one output: 0/1 or -1/+1 labels


def accuracy(model: Any, X: Any, y: Any) -> float:
    """Fraction of rows where ``predict(model, X)`` equals the class in ``y`` (one output: class = y > 0.5, so labels
    0/1 and -1/+1 both work, as a column or flat)."""
    X = _check_X(model, X)
    y = _check_y(y, X.shape[0])
    s = scores(model, X)
    return float(np.mean(_classes(s, _output_activation(model)) == _truth(y, s.shape[1])))


def _check_batch_norm(model: Any, m: int, size: int, batched: bool) -> None:
    """BatchNorm normalises each feature over a batch: refuse, before any step, a fit that would give it one sample."""
    from .layers import BatchNorm

    named = getattr(model, "named_modules", None)
    if named is None or not any(isinstance(mod, BatchNorm) for _, mod in named()):
        return
    if not batched:
        raise ValueError("the model has BatchNorm, which needs a batch: fit(..., batched=False) gives it one sample")
    if size == 1 or m % size == 1:
        fits = next((b for b in range(size + 1, m + 1) if m % b != 1), None)
        hint = f"choose a batch_size that does not (e.g. {fits})" if fits else "it needs at least 2 samples to train"
        raise ValueError(
            f"the model has BatchNorm, which needs at least 2 samples per batch, but batch_size={size} with "
            f"{m} samples leaves a batch of 1; {hint}"
        )


def _loss_fn(loss: Any) -> Callable[..., Value]:
    if callable(loss):
        return loss  # type: ignore[no-any-return]
    from . import losses

    table = {
        "mse": losses.mse_loss,
        "bce": losses.binary_cross_entropy,
        "bce_with_logits": losses.binary_cross_entropy_with_logits,
        "cross_entropy": losses.cross_entropy,
        "hinge": losses.hinge_loss,
    }
    if not isinstance(loss, str) or loss not in table:
        raise ValueError(f"loss must be a callable or one of {LOSSES}, got {loss!r}")
    return table[loss]  # type: ignore[return-value]


def default_loss(model: Any) -> str:
    """The loss ``fit`` uses when none is given: cross_entropy for several outputs; for one output bce after a
    sigmoid output activation, else bce_with_logits."""
    if len(_dense(model)[-1].neurons) > 1:
        return "cross_entropy"
    return "bce" if _output_activation(model) == "sigmoid" else "bce_with_logits"


def _optimizer(optimizer: Any, model: Any, lr: float | None) -> Any:
    if not isinstance(optimizer, str):
        if isinstance(optimizer, type):
            raise TypeError(
                f"optimizer must be an instance, got the class {optimizer.__name__}: "
                f"pass {optimizer.__name__}(model.parameters(), lr=...) or a name such as 'adam'"
            )
        if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
            raise TypeError(f"optimizer must be a name {tuple(OPTIMIZERS)} or an nn.optim optimizer, got {optimizer!r}")
        if lr is not None:
            raise ValueError("lr is only used with an optimizer given by name; set it on the optimizer instead")
        held = getattr(optimizer, "params", None)
        if isinstance(held, list) and held and not {id(p) for p in model.parameters()} & {id(p) for p in held}:
            raise ValueError(
                "the optimizer holds none of this model's parameters (made from another model?), so fit would "
                "train nothing: pass optimizer=nn.optim.Adam(model.parameters(), ...)"
            )
        return optimizer
    from . import optim

    name = optimizer.lower()
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)} or an nn.optim optimizer, got {optimizer!r}")
    cls = {"sgd": optim.SGD, "adam": optim.Adam, "rmsprop": optim.RMSprop}[name]
    return cls(model.parameters(), lr=OPTIMIZERS[name] if lr is None else lr)


MAX_EPOCHS = 10**7  # a million epochs of the smallest model already take days


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def batch_loss(
    model: Any, loss_fn: Callable[..., Value], X: np.ndarray, y: np.ndarray, batched: bool = True
) -> tuple[Value, np.ndarray]:
    """``loss_fn(outputs, y)`` and the outputs as an (m, k) array.

    Batched: one graph for the whole batch, outputs = the output batch Value (one output) or the list of k of
    them.  Per sample (``batched=False``): one graph per row, outputs = a list of m scalar Values (one output)
    or of m lists of k Values.
    """
    target = y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
    if not batched:
        rows = [_outputs(model([float(v) for v in x])) for x in X]
        value = loss_fn([r[0] for r in rows] if len(rows[0]) == 1 else rows, target)
        if not isinstance(value, Value):
            raise TypeError(f"the loss must return a Value, got {type(value).__name__}")
        return value, np.array([[v.data for v in r] for r in rows], dtype=np.float64)
    outs = _outputs(model(X))
    value = loss_fn(outs[0] if len(outs) == 1 else outs, target)
    if not isinstance(value, Value):
        raise TypeError(f"the loss must return a Value, got {type(value).__name__}")
    if value.shape != ():
        raise ValueError("the loss must reduce the batch to one number (e.g. with .mean()), got a batch Value")
    return value, np.column_stack([np.broadcast_to(o.data, (X.shape[0],)) for o in outs])


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: str | Callable[..., Value] | None = None,
    optimizer: Any = "adam",
    epochs: int = 100,
    batch_size: int | None = None,
    lr: float | None = None,
    validation_data: tuple[Any, Any] | None = None,
    progress: bool = True,
    seed: int | None = 0,
    batched: bool = True,
) -> History:
    """Minimise ``loss(model(X_batch), y_batch)`` with ``optimizer`` for ``epochs`` passes over the data.

    ``model``: an MLP, a Sequential, a Layer or a user's Module built from Layers (see ``_dense``).

    Each step: zero the gradients, build one graph for the whole batch (``model(X_batch)`` in batch mode),
    ``backward()``, ``optimizer.step()``.  ``batch_size=None`` is full batch; otherwise the rows are shuffled
    each epoch with ``seed``.  ``loss``: a callable ``loss(outputs, y)`` (outputs = the single output Value, or
    the list of output Values) or a name in ``LOSSES`` (default: see ``default_loss``).  ``optimizer``: an
    ``nn.optim`` instance or "sgd"/"adam"/"rmsprop" with ``lr`` (defaults 0.1/0.01/0.01).  A tqdm bar (in
    notebooks too) shows loss and accuracy when ``progress`` is true.  ``batched=False`` builds one graph per
    sample instead (same numbers, slower: for teaching and comparison; with Dropout the masks are drawn in another
    order).  Returns the ``History``.
    """
    X = _check_X(model, X)
    y = _check_y(y, X.shape[0])
    epochs = _count(epochs, "epochs")
    if epochs > MAX_EPOCHS:
        raise ValueError(f"epochs={epochs:,} is more than nn.train.MAX_EPOCHS = {MAX_EPOCHS:,}; train in several calls")
    if batch_size is not None:
        batch_size = _count(batch_size, "batch_size")
    loss_fn = _loss_fn(default_loss(model) if loss is None else loss)
    opt = _optimizer(optimizer, model, lr)
    if validation_data is not None:
        if not (isinstance(validation_data, tuple) and len(validation_data) == 2):
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        Xv = _check_X(model, validation_data[0], "validation_data X")
        yv = _check_y(validation_data[1], Xv.shape[0], "validation_data y")
    progress, batched = check_flag(progress, "progress"), check_flag(batched, "batched")
    from .data import _seed

    rng = np.random.default_rng(_seed(seed))
    activation = _output_activation(model)
    m = X.shape[0]
    size = m if batch_size is None else min(batch_size, m)
    _check_batch_norm(model, m, size, bool(batched))
    history = History()

    from time import perf_counter

    with warnings.catch_warnings():  # without ipywidgets, notebooks get the text bar instead of a warning
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    start = perf_counter()
    bar = tqdm(range(epochs), disable=not progress, desc="train", unit="epoch", leave=True)
    was_training = getattr(model, "training", True)
    try:
        for _ in bar:
            model.train()
            order = np.arange(m) if size == m else rng.permutation(m)
            total = correct = 0.0
            for lo in range(0, m, size):
                idx = order[lo : lo + size]
                xb, yb = X[idx], y[idx]
                opt.zero_grad()
                value, s = batch_loss(model, loss_fn, xb, yb, batched)
                value.backward()
                opt.step()
                total += float(value.data) * len(idx)
                correct += float(np.sum(_classes(s, activation) == _truth(yb, s.shape[1])))
            history.loss.append(total / m)
            history.accuracy.append(correct / m)
            if not math.isfinite(history.loss[-1]):
                warnings.warn(
                    f"training stopped after epoch {history.epochs}: the loss became {history.loss[-1]} "
                    "(try a smaller lr)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
            post = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.3f}"}
            if validation_data is not None:
                model.eval()
                with no_grad():
                    vloss, vs = batch_loss(model, loss_fn, Xv, yv, batched)
                history.val_loss.append(float(vloss.data))
                history.val_accuracy.append(float(np.mean(_classes(vs, activation) == _truth(yv, vs.shape[1]))))
                post["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
            bar.set_postfix(post, refresh=False)
    finally:
        bar.close()
        if was_training:
            model.train()
        else:
            model.eval()
    history.seconds = perf_counter() - start
    return history
