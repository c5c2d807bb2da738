"""GoogLeNet (chapter 7, notes section 7): the Inception block and the model.

The chapter's own measurements (the paths' costs, the 1x1 reductions' saving,
the notes' channel counts) are in ``cnn_helpers.chapters.ch07_googlenet.checks``.
"""

from __future__ import annotations

import torch
from torch import nn

from cnn_helpers.models.common import scaled


def validate_inception_channels(in_channels: int, c1: int, c2: tuple[int, int],
                                c3: tuple[int, int], c4: int) -> None:
    """Raise ``ValueError`` for a channel count that is not a whole number of at least 1, or a
    path 2/3 that is not a pair (what ``Inception`` checks before building its layers)."""
    for name, value in (("in_channels", in_channels), ("c1", c1), ("c4", c4)):
        _check_channels(name, value)
    for name, pair in (("c2", c2), ("c3", c3)):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"{name}={pair!r}: give the pair (channels of the 1x1 reduction, "
                             f"channels of the path's output), e.g. {name}=(96, 128)")
        for part, value in zip(("reduction", "output"), pair):
            _check_channels(f"{name}'s {part}", value)


def _check_channels(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r}: a number of channels must be a whole number of "
                         "at least 1")


class Inception(nn.Module):
    """The Inception block (notes 7.1): four parallel paths, concatenated on the channels.

    * path 1: a 1x1 convolution to ``c1`` channels;
    * path 2: a 1x1 convolution to ``c2[0]`` channels (the reduction), then a 3x3 convolution
      (padding 1) to ``c2[1]``;
    * path 3: a 1x1 convolution to ``c3[0]``, then a 5x5 convolution (padding 2) to ``c3[1]``;
    * path 4: 3x3 max pooling (stride 1, padding 1), then a 1x1 convolution to ``c4``.

    A ReLU follows every convolution. Each path keeps the height and width, so the four
    outputs stack on the channel dimension: (N, in_channels, H, W) -> (N, c1 + c2[1] + c3[1]
    + c4, H, W). The notes write a block as "c1 + (c2) + (c3) + c4 = total"; in a pair only the
    second number (the path's output) adds to the total.

    The book's class (d2l 7.4, ``Inception(in_channels, c1, c2, c3, c4)``) with its attribute
    names ``p1_1`` ... ``p4_2``, so the book's weights load into it; chapter 7 shows it in a
    cell. Raises ``ValueError`` (``validate_inception_channels``) for a bad channel count.
    """

    def __init__(self, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int],
                 c4: int):
        super().__init__()
        validate_inception_channels(in_channels, c1, c2, c3, c4)
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)              # path 1: 1x1
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)           # path 2: 1x1,
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)      #   then 3x3
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)           # path 3: 1x1,
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)      #   then 5x5
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)       # path 4: pool,
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)              #   then 1x1

    def path_outputs(self, x):                    # x: N x in_channels x H x W
        relu = nn.functional.relu
        p1 = relu(self.p1_1(x))                   # N x c1 x H x W
        p2 = relu(self.p2_2(relu(self.p2_1(x))))  # N x c2[1] x H x W
        p3 = relu(self.p3_2(relu(self.p3_1(x))))  # N x c3[1] x H x W
        p4 = relu(self.p4_2(self.p4_1(x)))        # N x c4 x H x W
        return [p1, p2, p3, p4]

    def forward(self, x):
        return torch.cat(self.path_outputs(x), dim=1)  # N x (c1 + c2[1] + c3[1] + c4) x H x W

    @property
    def path_channels(self):
        """The four paths' output channels, in the order they are concatenated."""
        return (self.p1_1.out_channels, self.p2_2.out_channels, self.p3_2.out_channels,
                self.p4_2.out_channels)

    @property
    def out_channels(self):
        """The block's output channels: the sum of the four paths' (notes 7.1)."""
        return sum(self.path_channels)


# GoogLeNet's nine Inception blocks (notes 7.2; the names are the 2014 paper's):
# in_channels, c1, (reduction, c2), (reduction, c3), c4. Module 3 has two blocks, module 4
# five, module 5 two; each block's input is the previous block's output.
INCEPTION_BLOCKS = {
    "3a": (192, 64, (96, 128), (16, 32), 32),       # 256 channels out
    "3b": (256, 128, (128, 192), (32, 96), 64),     # 480 channels out
    "4a": (480, 192, (96, 208), (16, 48), 64),      # 512 channels out
    "4b": (512, 160, (112, 224), (24, 64), 64),     # 512 channels out
    "4c": (512, 128, (128, 256), (24, 64), 64),     # 512 channels out
    "4d": (512, 112, (144, 288), (32, 64), 64),     # 528 channels out
    "4e": (528, 256, (160, 320), (32, 128), 128),   # 832 channels out
    "5a": (832, 256, (160, 320), (32, 128), 128),   # 832 channels out
    "5b": (832, 384, (192, 384), (48, 128), 128),   # 1024 channels out
}


def inception_chain(names: str, in_channels: int, width: float = 1.0) -> list[Inception]:
    """The Inception blocks ``names`` ("3a 3b") of ``INCEPTION_BLOCKS``, each reading the
    previous block's output; ``width`` multiplies every channel count (``scaled``)."""
    def s(channels):
        return scaled(channels, width)

    blocks = []
    for name in names.split():
        _, c1, (r2, c2), (r3, c3), c4 = INCEPTION_BLOCKS[name]
        blocks.append(Inception(in_channels, s(c1), (s(r2), s(c2)), (s(r3), s(c3)), s(c4)))
        in_channels = blocks[-1].out_channels  # the next block reads this one's output
    return blocks


def validate_googlenet_arguments(image_size: int, num_classes: int) -> None:
    """Raise ``ValueError`` for an image side or class count that is not a whole number >= 1."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size={image_size!r}: give the image side in pixels, a whole "
                         "number of at least 1 (the book resizes Fashion-MNIST to 96)")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes={num_classes!r}: the last layer needs one output per "
                         "class, so give a whole number of at least 1")


def googlenet(width: float = 1.0, image_size: int = 96, num_classes: int = 10) -> nn.Sequential:
    """GoogLeNet as the book trains it on Fashion-MNIST (notes 7.2, d2l 7.4).

    Five modules, each of the first four ending in 3x3 stride-2 max pooling (padding 1):
    module 1, a 64-channel 7x7 stride-2 convolution; module 2, a 64-channel 1x1 convolution
    then a 3x3 one with 192 channels (3 x 64); module 3, Inception blocks 3a and 3b (256, 480
    channels); module 4, blocks 4a-4e (512, 512, 512, 528, 832); module 5, blocks 5a and 5b
    (832, 1024), then global average pooling; one fully connected layer with one output per
    class. One input channel (grey images); 5,977,530 parameters for 10 classes.

    ``net[0]`` ... ``net[4]`` are the modules (the book's b1 ... b5), ``net[5]`` the fully
    connected layer. ``width`` multiplies every channel count (the class profile trains a
    narrower one). ``image_size`` is the side of the (resized) input, 96 in the book: each
    module halves it (rounding up), 96 -> 48 -> 24 -> 12 -> 6 -> 3; global average pooling
    then takes any size, so no layer depends on it (below 32 the last module works on 1x1
    maps). Chapter 7 shows it in a cell. Raises ``ValueError`` for a width <= 0, an image side
    or class count that is not a whole number of at least 1.
    """
    validate_googlenet_arguments(image_size, num_classes)

    def s(channels):
        return scaled(channels, width)

    def pool():
        return nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    b1 = nn.Sequential(nn.Conv2d(1, s(64), kernel_size=7, stride=2, padding=3), nn.ReLU(),
                       pool())                                       # N x 64 x 24 x 24
    b2 = nn.Sequential(nn.Conv2d(s(64), s(64), kernel_size=1), nn.ReLU(),
                       nn.Conv2d(s(64), s(192), kernel_size=3, padding=1), nn.ReLU(),
                       pool())                                       # N x 192 x 12 x 12
    b3 = nn.Sequential(*inception_chain("3a 3b", s(192), width), pool())  # N x 480 x 6 x 6
    b4 = nn.Sequential(*inception_chain("4a 4b 4c 4d 4e", b3[1].out_channels, width),
                       pool())                                       # N x 832 x 3 x 3
    b5 = nn.Sequential(*inception_chain("5a 5b", b4[4].out_channels, width),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())   # N x 1024
    return nn.Sequential(b1, b2, b3, b4, b5,
                         nn.Linear(b5[1].out_channels, num_classes))  # N x 10
