"""Neural networks from scalar ``Value``s: modules, layers, losses, optimizers, data and the reference network.

``model = nn.MLP(2, [16, 16, 1])``; ``model(X)`` returns a list of Values (one per output, ``[0]`` for one).
"""

from . import init, losses, optim, reference
from .data import blobs, circles, digits, moons, spiral, train_test_split, xor
from .layers import MLP, BatchNorm, Dropout, Layer, Neuron, Sequential
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

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "BatchNorm",
    "Dropout",
    "Layer",
    "Module",
    "Neuron",
    "RMSprop",
    "Sequential",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "blobs",
    "circles",
    "clip_grad_norm",
    "clip_grad_value",
    "cross_entropy",
    "digits",
    "hinge_loss",
    "init",
    "l2_penalty",
    "losses",
    "moons",
    "mse_loss",
    "optim",
    "reference",
    "spiral",
    "train_test_split",
    "xor",
]
