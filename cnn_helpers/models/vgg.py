"""VGG (chapter 5, notes section 5): the VGG block and VGG-11."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from cnn_helpers.models.common import scaled


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """A VGG block (notes 5.1): ``num_convs`` 3x3 padding-1 convolutions with ReLU, then
    2x2 stride-2 max pooling. The convolutions keep height and width; the pooling halves them."""
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
                   nn.ReLU()]                             # N x out_channels x H x W
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # N x out_channels x H/2 x W/2
    return nn.Sequential(*layers)


def side_after_halvings(image_size: int, halvings: int) -> int:
    """The image side after ``halvings`` VGG blocks; ``ValueError`` when a block cannot halve it."""
    factor = 2 ** halvings
    if image_size < factor or image_size % factor:
        raise ValueError(f"image_size={image_size}: each of the {halvings} VGG blocks halves "
                         f"the image, so its side must be a multiple of {factor} "
                         f"(e.g. {max(factor, image_size // factor * factor)})")
    return image_size // factor


# VGG-11 (notes 5.2): (convolutions, output channels) of its five blocks; 8 convolutions
# and 3 fully connected layers make its 11 layers
VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg(conv_arch: Sequence[tuple[int, int]] = VGG11, width: float = 1.0, image_size: int = 224,
        hidden: int = 4096, num_classes: int = 10, dropout: float = 0.5) -> nn.Sequential:
    """VGG as the book builds it (notes 5.2): one ``vgg_block`` per row of ``conv_arch``, then
    ``hidden``, ``hidden`` and ``num_classes`` fully connected units with dropout.

    Each block halves the image side, so five blocks take 224 to 7 (512 x 7 x 7 = 25,088
    features).

    Args:
        conv_arch: (convolutions, output channels) of each block; ``VGG11`` by default.
        width: multiplies the channels (the book trains ``width=0.25``, its ``ratio = 4``,
            with the full 4,096 hidden units).
        image_size: the side of the (resized) input; it must be divisible by
            2 ** len(conv_arch) (32 for VGG-11).
        hidden: units of each of the two hidden fully connected layers.
        num_classes: outputs of the last layer.
        dropout: the probability of zeroing a hidden unit in training.

    Returns:
        The net as an ``nn.Sequential``: the blocks, then the fully connected layers.

    Raises:
        ValueError: for an image side the blocks cannot halve, or a width <= 0.
    """
    side = side_after_halvings(image_size, len(conv_arch))  # 7 for VGG-11 at 224
    blocks, in_channels = [], 1
    for num_convs, channels in conv_arch:
        out_channels = scaled(channels, width)
        blocks.append(vgg_block(num_convs, in_channels, out_channels))  # N x out x H/2 x W/2
        in_channels = out_channels
    return nn.Sequential(  # shapes for VGG-11 at width 1 and a 1x224x224 input
        *blocks,                                                   # N x 512 x 7 x 7
        nn.Flatten(),                                              # N x 25088
        nn.Linear(in_channels * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),  # N x 4096
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),                     # N x 4096
        nn.Linear(hidden, num_classes),                                                # N x 10
    )
