"""LeNet (chapter 3, notes section 3).

Two convolutional blocks -- a 5x5 convolution, a sigmoid, a 2x2 stride-2
pooling -- with 6 then 16 channels, then a fully connected block of 120, 84
and 10 units. The notes (following the book's first edition) pool with the
maximum; the book's PyTorch edition uses the average. ``lenet(pooling=...,
activation=...)`` builds either, and the "modern" variant with ReLU.
Chapter 3 shows ``lenet`` in a ``#@save`` cell (tests/test_notebook_code.py).
"""

from __future__ import annotations

from torch import nn

from cnn_helpers.models.common import _choice

_POOLS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}
_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def lenet_layers(pooling: str, activation: str) -> tuple[type[nn.Module], type[nn.Module]]:
    """The pooling and activation classes LeNet uses, by name (a ``ValueError`` lists the options).

    ``pooling``: "avg" (``nn.AvgPool2d``) or "max" (``nn.MaxPool2d``); ``activation``:
    "sigmoid" (``nn.Sigmoid``) or "relu" (``nn.ReLU``).
    """
    return _choice(_POOLS, pooling, "pooling"), _choice(_ACTIVATIONS, activation, "activation")


def lenet(pooling: str = "avg", activation: str = "sigmoid", num_classes: int = 10) -> nn.Sequential:
    """LeNet-5 as in d2l (padding 2 keeps 28x28 where LeCun's input was 32x32).

    ``pooling``: "avg" (the book's PyTorch edition) or "max" (the notes).
    ``activation``: "sigmoid" (LeNet's own) or "relu" (the modern choice).
    """
    pool, act = lenet_layers(pooling, activation)  # e.g. nn.AvgPool2d, nn.Sigmoid
    return nn.Sequential(  # shapes for a 1x28x28 input
        # convolutional block (卷积层块)
        nn.Conv2d(1, 6, kernel_size=5, padding=2), act(),  # N x 6 x 28 x 28
        pool(kernel_size=2, stride=2),                     # N x 6 x 14 x 14
        nn.Conv2d(6, 16, kernel_size=5), act(),            # N x 16 x 10 x 10
        pool(kernel_size=2, stride=2),                     # N x 16 x 5 x 5
        # fully connected block (全连接层块)
        nn.Flatten(),                                      # N x 400
        nn.Linear(16 * 5 * 5, 120), act(),                 # N x 120
        nn.Linear(120, 84), act(),                         # N x 84
        nn.Linear(84, num_classes),                        # N x 10
    )
