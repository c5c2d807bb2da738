"""AlexNet (chapter 4, notes section 4), as the book trains it on Fashion-MNIST.

Chapter 4 shows ``alexnet`` in a ``#@save`` cell (tests/test_notebook_code.py).
"""

from __future__ import annotations

from torch import nn

from cnn_helpers.models.common import scaled
from cnn_helpers.ops import conv_output_shape

# AlexNet's layers that change the image side: (kernel, stride, padding), in order
_ALEXNET_SIDES = [(11, 4, 1), (3, 2, 0), (5, 1, 2), (3, 2, 0), (3, 1, 1), (3, 1, 1), (3, 1, 1),
                  (3, 2, 0)]
ALEXNET_MIN_SIZE = 65  # the smallest image side whose last pooling window still fits


def alexnet_last_side(image_size: int) -> int:
    """The side of AlexNet's last feature maps for ``image_size`` (5 at 224), by the notes' formula.

    Raises:
        ValueError: for an image side below ``ALEXNET_MIN_SIZE``.
    """
    if image_size < ALEXNET_MIN_SIZE:
        raise ValueError(f"image_size={image_size} is too small for AlexNet: its 11x11 stride-4 "
                         f"convolution and three poolings need at least {ALEXNET_MIN_SIZE} pixels")
    side = image_size
    for kernel, stride, padding in _ALEXNET_SIDES:
        side = conv_output_shape(side, kernel, stride=stride, padding=padding)[0]
    return side


def alexnet(width: float = 1.0, image_size: int = 224, num_classes: int = 10,
            dropout: float = 0.5) -> nn.Sequential:
    """AlexNet as the book trains it on Fashion-MNIST (notes section 4).

    Five convolutions -- 11x11 stride 4, 5x5, then three 3x3 -- with 96, 256,
    384, 384 and 256 channels; 3x3 stride-2 max pooling after the first,
    second and fifth; ReLU throughout; two hidden fully connected layers of
    4096 units, each followed by dropout; 10 outputs. One input channel
    (grey images) where the 2012 AlexNet took three.

    Args:
        width: multiplies every channel and hidden-unit count (the class
            profile trains a narrower AlexNet on a CPU).
        image_size: the side of the (resized) input, 224 in the book; the first
            fully connected layer's input size follows from it (6,400 = 256 x 5 x 5
            at 224).
        num_classes: outputs of the last layer.
        dropout: the probability of zeroing a hidden unit in training.

    Returns:
        The net as an ``nn.Sequential`` of its layers.

    Raises:
        ValueError: for an image side below ``ALEXNET_MIN_SIZE`` or a width <= 0.
    """
    side = alexnet_last_side(image_size)  # 5 at 224: 256 x 5 x 5 = 6,400 inputs to the first FC
    c1, c2, c3, c4, c5 = (scaled(c, width) for c in (96, 256, 384, 384, 256))
    hidden = scaled(4096, width)
    return nn.Sequential(  # shapes for width 1 and a 1x224x224 input
        nn.Conv2d(1, c1, kernel_size=11, stride=4, padding=1), nn.ReLU(),  # N x 96 x 54 x 54
        nn.MaxPool2d(kernel_size=3, stride=2),                            # N x 96 x 26 x 26
        nn.Conv2d(c1, c2, kernel_size=5, padding=2), nn.ReLU(),           # N x 256 x 26 x 26
        nn.MaxPool2d(kernel_size=3, stride=2),                            # N x 256 x 12 x 12
        nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(),           # N x 384 x 12 x 12
        nn.Conv2d(c3, c4, kernel_size=3, padding=1), nn.ReLU(),           # N x 384 x 12 x 12
        nn.Conv2d(c4, c5, kernel_size=3, padding=1), nn.ReLU(),           # N x 256 x 12 x 12
        nn.MaxPool2d(kernel_size=3, stride=2),                            # N x 256 x 5 x 5
        nn.Flatten(),                                                     # N x 6400
        nn.Linear(c5 * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),  # N x 4096
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),            # N x 4096
        nn.Linear(hidden, num_classes),                                       # N x 10
    )
