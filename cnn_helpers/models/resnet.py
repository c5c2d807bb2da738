"""ResNet (chapter 9, notes section 9): the residual block, ResNet-18/34, and He et al.'s nets.

One two-convolution block serves the whole chapter: ``Residual`` is the book's
block, ``Residual(..., norm_layer=nn.Identity)`` the same without batch norm
and ``Residual(..., shortcut=False)`` the plain block with nothing added back
(as torchvision's ``BasicBlock`` takes ``norm_layer=``). The book's ResNet-18,
He et al.'s CIFAR nets (``cifar_style_net``, for degradation) and the
first-layer-gradient stacks (``first_layer_gradient``) are all built from it;
``PreActivationResidual`` is He et al.'s 2016 block, whose shortcut carries
the gradient unchanged. The chapter's experiments and checks are in
``cnn_helpers.chapters.ch09_resnet.degradation``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from cnn_helpers.models.common import scaled


def check_shortcut(in_channels: int, out_channels: int, use_1x1conv: bool, strides: int,
                   shortcut: bool) -> None:
    """Refuse a ``Residual`` whose shortcut cannot work: raises ``ValueError`` for a shortcut
    block that changes the shape without ``use_1x1conv``, or a plain block given a 1x1 shortcut."""
    if not shortcut and use_1x1conv:
        raise ValueError("a plain block (shortcut=False) adds nothing back, so it has no "
                         "shortcut to give a 1x1 convolution: leave use_1x1conv=False")
    if shortcut and not use_1x1conv and (in_channels != out_channels or strides != 1):
        raise ValueError(f"a block from {in_channels} to {out_channels} channels with stride "
                         f"{strides} changes the shape: the shortcut needs use_1x1conv=True")


class Residual(nn.Module):
    """A residual block (notes 9.1): two 3x3 convolutions with batch norm, the input added back.

    ``Y = ReLU(BN(conv2(ReLU(BN(conv1(X))))) + shortcut(X))``. The shortcut is
    the input itself, or -- when the block changes the channels or (with
    ``strides=2``) halves the size -- a 1x1 convolution with the same stride.

    Args:
        in_channels: channels of the block's input.
        out_channels: channels of both convolutions' outputs.
        use_1x1conv: give the shortcut a 1x1 convolution (``conv3``), needed when the
            block changes the shape.
        strides: stride of the first convolution (and of the 1x1 shortcut): 2 halves
            height and width.
        norm_layer: builds the layer after each convolution from its channel count:
            ``nn.BatchNorm2d`` (the book's), ``nn.Identity`` for none.
        shortcut: False makes the plain block, ``ReLU(BN(conv2(...)))`` with nothing
            added back (degradation, notes 9.3); it then has no 1x1 convolution and may
            change the shape freely.

    Raises:
        ValueError: for a shortcut block that changes the shape without ``use_1x1conv``,
            or a plain block asked for a 1x1 shortcut.
    """

    def __init__(self, in_channels: int, out_channels: int, use_1x1conv: bool = False,
                 strides: int = 1, norm_layer: Callable[[int], nn.Module] = nn.BatchNorm2d,
                 shortcut: bool = True):
        super().__init__()
        check_shortcut(in_channels, out_channels, use_1x1conv, strides, shortcut)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.conv3 = (nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=strides)
                      if use_1x1conv else None)
        self.bn1 = norm_layer(out_channels)
        self.bn2 = norm_layer(out_channels)
        self.shortcut = shortcut

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))  # N x out x H/s x W/s
        Y = self.bn2(self.conv2(Y))          # N x out x H/s x W/s
        if not self.shortcut:                # the plain block: nothing added back
            return F.relu(Y)                 # N x out x H/s x W/s
        shortcut = self.conv3(X) if self.conv3 is not None else X  # N x out x H/s x W/s
        return F.relu(Y + shortcut)          # N x out x H/s x W/s


def resnet_block(in_channels: int, out_channels: int, num_residuals: int,
                 first_block: bool = False) -> nn.Sequential:
    """A ResNet module: ``num_residuals`` residual blocks; unless it is the first module, its
    first block doubles the channels and halves the height and width."""
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, out_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(out_channels, out_channels))
    return nn.Sequential(*blocks)


RESNET18 = (2, 2, 2, 2)  # residual blocks per module
RESNET34 = (3, 4, 6, 3)  # He et al. 2015, table 1


def resnet(num_residuals: Sequence[int] = RESNET18, width: float = 1.0,
           num_classes: int = 10) -> nn.Sequential:
    """A ResNet of the book's residual blocks with ``num_residuals[i]`` blocks in module i.

    GoogLeNet's stem with batch norm (7x7 stride-2 convolution, 3x3 stride-2
    max pooling), four modules with 64, 128, 256 and 512 channels (the last
    three start by halving the size), global average pooling and one fully
    connected layer. How many blocks a module holds is a free choice (notes
    9.2): ``RESNET18`` = (2, 2, 2, 2) gives 1 + 16 + 1 = 18 layers with
    weights, ``RESNET34`` = (3, 4, 6, 3) gives 1 + 32 + 1 = 34 (He et al. 2015,
    table 1). ``width`` multiplies the channels. Raises ``ValueError`` for a
    module count other than 4.
    """
    if len(num_residuals) != 4:
        raise ValueError(f"a ResNet here has 4 modules; got {len(num_residuals)} block counts "
                         f"({tuple(num_residuals)}): give one number of blocks per module")
    c1, c2, c3, c4 = (scaled(c, width) for c in (64, 128, 256, 512))
    stem = nn.Sequential(nn.Conv2d(1, c1, kernel_size=7, stride=2, padding=3),  # N x 64 x 48 x 48
                         nn.BatchNorm2d(c1), nn.ReLU(),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))      # N x 64 x 24 x 24
    n1, n2, n3, n4 = num_residuals
    return nn.Sequential(  # shapes for width 1 and a 1x96x96 input
        stem,
        resnet_block(c1, c1, n1, first_block=True),  # N x 64 x 24 x 24
        resnet_block(c1, c2, n2),                    # N x 128 x 12 x 12
        resnet_block(c2, c3, n3),                    # N x 256 x 6 x 6
        resnet_block(c3, c4, n4),                    # N x 512 x 3 x 3
        nn.AdaptiveAvgPool2d((1, 1)),                # N x 512 x 1 x 1
        nn.Flatten(),                                # N x 512
        nn.Linear(c4, num_classes),                  # N x 10
    )


def resnet18(width: float = 1.0, num_classes: int = 10) -> nn.Sequential:
    """ResNet-18 as the book trains it on Fashion-MNIST (notes 9.2): ``resnet(RESNET18)``.

    1 + 16 + 1 = 18 layers with weights (plus the three 1x1 shortcut
    convolutions), 11,178,378 parameters at width 1. Every stride-2 layer pads,
    so no size ever shrinks below 1x1: global average pooling lets it take any
    image side from 1 pixel up (``smallest_input`` finds it; the book resizes
    to 96). ``width`` multiplies the channels (the class profile trains a
    narrower one).
    """
    return resnet(RESNET18, width, num_classes)


def resnet34(width: float = 1.0, num_classes: int = 10) -> nn.Sequential:
    """ResNet-34 (He et al. 2015): ``resnet(RESNET34)``, the same modules with 3, 4, 6, 3 blocks."""
    return resnet(RESNET34, width, num_classes)


def first_layer_gradient(depth: int, shortcut: bool, batch_norm: bool = False,
                         channels: int = 8, seed: int = 0, *,
                         norm_layer: Callable[[int], nn.Module] | None = None,
                         block: Callable[..., nn.Module] | None = None) -> float:
    """The norm of the gradient reaching the first convolution of a stack of ``depth`` blocks.

    Used by chapter 9 (notes 9.3: ResNet and vanishing gradients). Each block is a
    ``Residual`` of ``channels`` channels: ``ReLU(F(X) + X)`` with ``shortcut`` and
    ``ReLU(F(X))`` without. The stack (a 1->``channels`` convolution, the blocks,
    global average pooling, a linear layer to 10 classes) gets one batch of 16
    random 12x12 images with fixed labels, in training mode; one backward pass of
    the cross-entropy loss. Same ``seed``, same weights with and without the shortcut.

    Args:
        depth: the number of blocks (two convolutions each).
        shortcut: add each block's input back (residual) or not (plain).
        batch_norm: follow each convolution by ``nn.BatchNorm2d``, as in the book's
            block; without, ``nn.Identity``.
        channels: channels of every block.
        seed: seeds the weights and the batch.
        norm_layer: the layer after each convolution, given its channel count; it
            replaces ``batch_norm`` (e.g. ``nn.BatchNorm2d``, ``nn.Identity``).
        block: the block class, called like ``Residual(channels, channels,
            norm_layer=..., shortcut=...)``: ``Residual`` when None, or a student's own
            (chapter 9's exercise measures an edited block this way).

    Returns:
        The Euclidean norm of the first convolution's weight gradient.

    Raises:
        ValueError: when both ``batch_norm`` and ``norm_layer`` are given.
    """
    if norm_layer is None:
        norm_layer = nn.BatchNorm2d if batch_norm else nn.Identity
    elif batch_norm:
        raise ValueError("give either batch_norm=True or norm_layer=..., not both")
    torch.manual_seed(seed)
    stack = nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1),                           # N x channels x 12 x 12
        *[(block or Residual)(channels, channels, norm_layer=norm_layer, shortcut=shortcut)
          for _ in range(depth)],                                       # N x channels x 12 x 12
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),                          # N x channels
        nn.Linear(channels, 10))                                        # N x 10
    X, y = torch.rand(16, 1, 12, 12), torch.arange(16) % 10
    F.cross_entropy(stack(X), y).backward()
    return stack[0].weight.grad.norm().item()


def weighted_layers(blocks_per_stage: int) -> int:
    """Layers with weights of ``cifar_style_net``: 1 + 3 stages x 2n convolutions + 1 = 6n + 2."""
    return 6 * blocks_per_stage + 2


def cifar_style_net(blocks_per_stage: int, residual: bool, width: float = 1.0,
                    num_classes: int = 10) -> nn.Sequential:
    """He et al.'s CIFAR-10 net (2016, section 4.2), its channels multiplied by ``width``.

    A 3x3 convolution to 16 channels with batch norm and ReLU, then three
    stages of ``blocks_per_stage`` blocks with 16, 32 and 64 channels (each
    times ``width``); the first block of stages 2 and 3 halves the size
    (stride 2). Global average pooling and a fully connected layer finish it:
    ``6n + 2`` layers with weights (``weighted_layers``). For a 1x28x28 input
    the maps are 28, 14 and 7 pixels wide.

    Args:
        blocks_per_stage: ``n``, the blocks in each of the three stages.
        residual: the book's ``Residual`` blocks (a 1x1 shortcut where the shape
            changes; He et al. padded with zeros there); else plain blocks,
            ``Residual(..., shortcut=False)``.
        width: multiplies the channels.
        num_classes: outputs of the last layer.

    Returns:
        The net as an ``nn.Sequential`` of its stem, blocks and head.

    Raises:
        ValueError: for fewer than 1 block per stage.
    """
    if blocks_per_stage < 1:
        raise ValueError(f"each stage needs at least one block, got {blocks_per_stage}")
    channels = [scaled(c, width) for c in (16, 32, 64)]
    layers = [nn.Conv2d(1, channels[0], kernel_size=3, padding=1),         # N x 16w x H x W
              nn.BatchNorm2d(channels[0]), nn.ReLU()]
    in_channels = channels[0]
    for stage, out_channels in enumerate(channels):
        for block in range(blocks_per_stage):
            strides = 2 if stage > 0 and block == 0 else 1   # stages 2, 3: N x 32w x H/2 x W/2, ...
            layers.append(Residual(in_channels, out_channels, use_1x1conv=residual and strides != 1,
                                   strides=strides, shortcut=residual))
            in_channels = out_channels
    return nn.Sequential(*layers,                                    # N x 64w x H/4 x W/4
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(),      # N x 64w
                         nn.Linear(in_channels, num_classes))        # N x 10


class PreActivationResidual(nn.Module):
    """He et al.'s pre-activation block (2016, "Identity mappings in deep residual networks").

    ``Y = X + conv2(ReLU(BN(conv1(ReLU(BN(X))))))``: batch norm and ReLU come
    *before* each convolution and nothing follows the addition, so
    ``dY/dX = I + dF/dX``. Keeps channels and size.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = self.conv1(F.relu(self.bn1(X)))          # N x C x H x W
        return X + self.conv2(F.relu(self.bn2(Y)))  # N x C x H x W
