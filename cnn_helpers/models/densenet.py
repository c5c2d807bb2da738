"""DenseNet (chapter 10, notes section 10): dense blocks, transition layers, the model."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from cnn_helpers.models.common import scaled


def conv_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's unit (notes 10.1): batch norm, ReLU, then a 3x3 padding-1 convolution."""
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """A dense block (notes 10.1): ``num_convs`` conv_blocks, each seeing the block's input
    and every earlier unit's output, concatenated on the channels.

    Each unit adds ``num_channels`` (the growth rate) channels, so the block
    turns ``in_channels`` into ``in_channels + num_convs * num_channels``; height
    and width are kept.
    """

    def __init__(self, num_convs: int, in_channels: int, num_channels: int):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(in_channels + i * num_channels, num_channels)
                                   for i in range(num_convs)])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for unit in self.net:
            Y = unit(X)                    # N x num_channels x H x W
            X = torch.cat((X, Y), dim=1)   # N x (channels so far + num_channels) x H x W
        return X


def transition_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """A transition layer (notes 10.2): batch norm, ReLU, a 1x1 convolution to
    ``num_channels`` (the book halves them), 2x2 stride-2 average pooling (halves the size)."""
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=1),  # N x num_channels x H x W
                         nn.AvgPool2d(kernel_size=2, stride=2))                # N x num_channels x H/2 x W/2


def densenet(width: float = 1.0, num_convs_in_dense_blocks: Sequence[int] = (4, 4, 4, 4),
             growth_rate: int = 32, num_classes: int = 10,
             compression: float = 0.5) -> nn.Sequential:
    """DenseNet as the book trains it on Fashion-MNIST (notes 10.3).

    ResNet's stem (64 channels), four dense blocks of four units with growth
    rate 32, a transition layer halving channels (``compression``) and size between
    blocks (not after the last), then batch norm, ReLU, global average pooling and one
    fully connected layer.

    Args:
        width: multiplies the stem's channels and the growth rate (the class profile
            trains a narrower one).
        num_convs_in_dense_blocks: units in each dense block.
        growth_rate: channels each unit adds, before ``width``.
        num_classes: outputs of the last layer.
        compression: the share of the channels each transition layer keeps (Huang et
            al.'s theta): 0.5 halves them, as the book does; 1.0 keeps them all.

    Returns:
        The net as an ``nn.Sequential``: stem, dense blocks and transitions, head.

    Raises:
        ValueError: for a width <= 0.
    """
    channels, growth = scaled(64, width), scaled(growth_rate, width)
    # shapes for width 1 and a 1x96x96 input
    parts = [nn.Sequential(nn.Conv2d(1, channels, kernel_size=7, stride=2, padding=3),  # N x 64 x 48 x 48
                           nn.BatchNorm2d(channels), nn.ReLU(),
                           nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]        # N x 64 x 24 x 24
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        parts.append(DenseBlock(num_convs, channels, growth))  # first: N x 192 x 24 x 24
        channels += num_convs * growth
        if i != len(num_convs_in_dense_blocks) - 1:
            kept = int(channels * compression)                 # the book halves them
            parts.append(transition_block(channels, kept))       # first: N x 96 x 12 x 12
            channels = kept
    return nn.Sequential(*parts, nn.BatchNorm2d(channels), nn.ReLU(),  # N x 248 x 3 x 3
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),   # N x 248
                         nn.Linear(channels, num_classes))             # N x 10
