"""LeNet with batch normalization (chapter 8, notes section 8)."""

from __future__ import annotations

from torch import nn

from cnn_helpers.models.common import _choice
from cnn_helpers.ops.batch_norm import BatchNorm


def lenet_bn(implementation: str = "scratch", num_classes: int = 10) -> nn.Sequential:
    """The book's LeNet with batch normalization (notes section 8); chapter 8 shows it in a cell.

    A batch-norm layer after each convolution (per channel, 8.2) and each
    hidden fully connected layer (per feature, 8.1), always before the
    sigmoid. As in the book the first convolution has no padding (28 -> 24).
    ``implementation``: "scratch" (``ops.batch_norm.BatchNorm``, the book's
    from-scratch layer) or "pytorch" (``nn.BatchNorm2d`` / ``nn.BatchNorm1d``,
    the book's concise version).
    """
    norms = {"scratch": (lambda c: BatchNorm(c, num_dims=4), lambda d: BatchNorm(d, num_dims=2)),
             "pytorch": (nn.BatchNorm2d, nn.BatchNorm1d)}
    norm2d, norm1d = _choice(norms, implementation, "implementation")
    return nn.Sequential(  # shapes for a 1x28x28 input
        nn.Conv2d(1, 6, kernel_size=5), norm2d(6), nn.Sigmoid(),     # N x 6 x 24 x 24
        nn.AvgPool2d(kernel_size=2, stride=2),                       # N x 6 x 12 x 12
        nn.Conv2d(6, 16, kernel_size=5), norm2d(16), nn.Sigmoid(),   # N x 16 x 8 x 8
        nn.AvgPool2d(kernel_size=2, stride=2),                       # N x 16 x 4 x 4
        nn.Flatten(),                                                # N x 256
        nn.Linear(16 * 4 * 4, 120), norm1d(120), nn.Sigmoid(),       # N x 120
        nn.Linear(120, 84), norm1d(84), nn.Sigmoid(),                # N x 84
        nn.Linear(84, num_classes),                                  # N x 10
    )
