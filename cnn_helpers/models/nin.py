"""Network in Network (chapter 6, notes section 6): the NiN block and the model."""

from __future__ import annotations

from torch import nn

from cnn_helpers.models.common import scaled


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int,
              padding: int) -> nn.Sequential:
    """A NiN block (notes 6.1): one convolution, then two 1x1 convolutions, all with
    ``out_channels`` channels and each followed by a ReLU.

    The first convolution's kernel, stride and padding are free; the two 1x1
    convolutions are fixed. A 1x1 convolution is a fully connected layer applied
    to every pixel's channel vector (notes 1.5), so the block is a small
    multilayer perceptron slid over the image: a network in the network.

    Args:
        in_channels: channels of the block's input.
        out_channels: channels of each of its three convolutions.
        kernel_size: side of the first convolution's kernel.
        stride: stride of the first convolution.
        padding: padding of the first convolution.

    Returns:
        The block as an ``nn.Sequential`` of three convolutions and three ReLUs.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(),                                             # N x out_channels x H' x W'
        nn.Conv2d(out_channels, out_channels, kernel_size=1),  # per-pixel dense layer
        nn.ReLU(),                                             # N x out_channels x H' x W'
        nn.Conv2d(out_channels, out_channels, kernel_size=1),  # per-pixel dense layer
        nn.ReLU(),                                             # N x out_channels x H' x W'
    )


# The smallest image side whose last pooling window still fits: 67 -> 15 -> 7 -> 3 -> 1
NIN_MIN_SIZE = 67


def check_nin_arguments(image_size: int, num_classes: int) -> None:
    """``ValueError`` for an image side below ``NIN_MIN_SIZE`` or a class count below 1."""
    if image_size < NIN_MIN_SIZE:
        raise ValueError(f"image_size={image_size} is too small for NiN: its 11x11 stride-4 "
                         f"convolution and three poolings need at least {NIN_MIN_SIZE} pixels")
    if not (isinstance(num_classes, int) and num_classes >= 1):
        raise ValueError(f"num_classes={num_classes!r}: the last block needs one channel per "
                         "class, so give a whole number of at least 1")


def nin(width: float = 1.0, image_size: int = 224, num_classes: int = 10,
        dropout: float = 0.5) -> nn.Sequential:
    """NiN as the book trains it on Fashion-MNIST (notes 6.2).

    Three NiN blocks whose first convolutions are AlexNet's -- 11x11 stride 4,
    5x5, 3x3 -- with 96, 256 and 384 channels, each followed by 3x3 stride-2
    max pooling; dropout; a last NiN block with one channel per class; then
    global average pooling turns each class's map into its score. No fully
    connected layer: about 2.0 million parameters where AlexNet has 46.8.

    Args:
        width: multiplies the channels of the first three blocks (the class
            profile trains a narrower NiN on a CPU); the last block always has
            ``num_classes`` channels.
        image_size: the side of the (resized) input, 224 in the book; global
            average pooling takes any size from ``NIN_MIN_SIZE`` up, so no layer
            depends on it.
        num_classes: channels of the last block, one per class.
        dropout: the probability of zeroing an element before the last block.

    Returns:
        The net as an ``nn.Sequential`` of its blocks and poolings.

    Raises:
        ValueError: for an image side below ``NIN_MIN_SIZE``, a class count that is not
            a whole number of at least 1, or a width <= 0.
    """
    check_nin_arguments(image_size, num_classes)
    c1, c2, c3 = (scaled(c, width) for c in (96, 256, 384))
    return nn.Sequential(  # shapes for width 1 and a 1x224x224 input
        nin_block(1, c1, kernel_size=11, stride=4, padding=0),         # N x 96 x 54 x 54
        nn.MaxPool2d(kernel_size=3, stride=2),                         # N x 96 x 26 x 26
        nin_block(c1, c2, kernel_size=5, stride=1, padding=2),         # N x 256 x 26 x 26
        nn.MaxPool2d(kernel_size=3, stride=2),                         # N x 256 x 12 x 12
        nin_block(c2, c3, kernel_size=3, stride=1, padding=1),         # N x 384 x 12 x 12
        nn.MaxPool2d(kernel_size=3, stride=2),                         # N x 384 x 5 x 5
        nn.Dropout(dropout),                                           # N x 384 x 5 x 5
        nin_block(c3, num_classes, kernel_size=3, stride=1, padding=1),  # N x 10 x 5 x 5
        nn.AdaptiveAvgPool2d((1, 1)),  # global average pooling: N x 10 x 1 x 1
        nn.Flatten(),                                                  # N x 10
    )
