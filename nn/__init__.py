"""Neural networks from scalar ``Value``s: modules, layers, losses, optimizers, data and the reference network.

``model = nn.MLP(2, [16, 16, 1])``; ``model(X)`` returns a list of Values (one per output, ``[0]`` for one).
"""

from . import data, init, limits, losses, optim, plot, reference
from .data import blobs, circles, digits, moons, spiral, train_test_split, xor
from .io import load, save
from .layers import MLP, BatchNorm, Dropout, Layer, Neuron, Sequential
from .layerwise import trace_layers
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
)
from .module import Module
from .optim import SGD, Adam, RMSprop, clip_grad_norm, clip_grad_value
from .train import History, accuracy, fit, predict

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "BatchNorm",
    "Dropout",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "RMSprop",
    "Sequential",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "blobs",
    "circles",
    "clip_grad_norm",
    "clip_grad_value",
    "cross_entropy",
    "data",
    "digits",
    "fit",
    "hinge_loss",
    "init",
    "l2_penalty",
    "limits",
    "load",
    "losses",
    "moons",
    "mse_loss",
    "optim",
    "plot",
    "predict",
    "reference",
    "save",
    "spiral",
    "trace_layers",
    "train_test_split",
    "xor",
]

from .torch_bridge import from_torch, to_torch  # optional PyTorch bridge: torch is imported lazily

__all__ += ["from_torch", "to_torch"]
