"""What pooling saves (notes, chapter 2, 2.3-2.4): parameters of the head, features and computation.

* pooling has no parameters, and global average pooling replaces large
  fully connected heads (2.3): ``gap_head``, ``flatten_head``,
  ``parameter_count``;
* pooling compresses features and the computation after it (2.4):
  ``conv_multiply_adds``, ``feature_count``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from torch import nn

from cnn_helpers.models import count_parameters
from cnn_helpers.ops import Pair, as_pair

# ---------------------------------------------------------------- parameters (2, 2.3)


# Number of learnable numbers in a module (0 for a pooling layer): one implementation, in models.
parameter_count = count_parameters


def gap_head(channels: int, classes: int) -> nn.Sequential:
    """Global average pooling then one fully connected layer (NiN, GoogLeNet, ResNet style)."""
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(1),  # N x C x H x W -> N x C x 1 x 1: one number per channel
        nn.Flatten(),  # N x C
        nn.Linear(channels, classes),  # N x classes
    )


def flatten_head(channels: int, height: int, width: int, classes: int) -> nn.Sequential:
    """Flatten every feature then one fully connected layer (LeNet, AlexNet, VGG style).

    Args:
        channels: channels of the feature map the head reads.
        height: its height.
        width: its width.
        classes: outputs of the fully connected layer.

    Returns:
        The head: N x C x H x W in, N x classes out.
    """
    return nn.Sequential(
        nn.Flatten(),  # N x C x H x W -> N x (C * H * W)
        nn.Linear(channels * height * width, classes),  # N x classes
    )


# ---------------------------------------------------------------- compression (2.4)


def conv_multiply_adds(in_channels: int, out_channels: int, kernel_size: int | Pair,
                       output_size: int | Pair) -> int:
    """Multiply-adds of one convolution: every output element costs c_in * k_h * k_w.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: ``k`` or ``(k_h, k_w)``.
        output_size: the output's ``n`` or ``(height, width)``.

    Returns:
        The number of multiply-adds for one image.
    """
    k_h, k_w = as_pair(kernel_size, "kernel_size")
    out_h, out_w = as_pair(output_size, "output_size")
    return out_channels * out_h * out_w * in_channels * k_h * k_w


def feature_count(shape: Iterable[int]) -> int:
    """Number of numbers in a feature map of ``shape``."""
    return math.prod(shape)

