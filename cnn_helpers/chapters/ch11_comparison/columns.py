"""Chapter 11's cheap columns (卷积神经网络对比): what each net costs, from its builder in seconds.

Parameters (``models.count_parameters``), multiply-adds per image
(``models.multiply_adds``), the receptive field of the feature map the
classifier head reads (a probe in the spirit of
``receptive.autograd_receptive_field``, cross-checked in the tests against
the recurrences of ``receptive.receptive_field``), and the activation memory
one image needs in training (the bytes autograd saves for the backward pass,
``ch10_densenet.memory.activation_bytes``); all at the book's input size, for
the net the book trains (``settings(chapter, "full")``). Also one idea
isolated: what global average pooling saved NiN (``global_pooling_saving``).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters import RUNS, settings, trained_runs
from cnn_helpers.chapters.ch10_densenet.memory import activation_bytes
from cnn_helpers.core.profiles import RunSettings

_HEAD = (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


@dataclass(frozen=True)
class CheapColumns:
    """What one net costs, computed from its builder at one input size.

    ``parameters``: learnable numbers; ``multiply_adds``: per image, all
    convolutions and fully connected layers; ``receptive_field``: side in
    input pixels of the field of one central element of the feature map the
    head reads (not clipped to the image: it may exceed ``image_size``);
    ``activation_bytes``: bytes autograd keeps for the backward pass, per
    image, in training mode (float32).
    """

    chapter: str
    image_size: int
    parameters: int
    multiply_adds: int
    receptive_field: int
    activation_bytes: int


def build(chapter: str, run: RunSettings | None = None) -> tuple[nn.Module, int]:
    """The net ``chapter`` trains with ``run`` (default: ``settings(chapter, "full")``, the
    book's configuration) and its input side in pixels. Raises ``ValueError`` for a run
    without a builder."""
    if chapter not in RUNS or RUNS[chapter].build is None:
        raise ValueError(f"run {chapter!r} has no builder in this checkout (those with one: "
                         f"{', '.join(r.key for r in trained_runs())})")
    run = run or settings(chapter, "full")
    torch.manual_seed(0)
    return RUNS[chapter].build(run), run.resize or 28


def total_multiply_adds(net: nn.Module, image_size: int) -> int:
    """Multiply-adds for one (1, image_size, image_size) image: the sum of
    ``models.multiply_adds`` over every convolution and fully connected layer."""
    return sum(work for _, _, work in models.multiply_adds(net, (1, 1, image_size, image_size)))


class _SumConv(nn.Module):
    """A probe convolution: sums its input channels, then one all-ones kernel with the
    original geometry. Any channel count goes in, one channel comes out."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                              bias=False, dtype=torch.float64)
        nn.init.ones_(self.conv.weight)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.conv(X.sum(1, keepdim=True))  # N x C x H x W -> N x 1 x H x W -> N x 1 x H' x W'


class _ReachedHead(Exception):
    def __init__(self, features):
        self.features = features


def _geometry_probe(net: nn.Module) -> nn.Module:
    """A copy of ``net`` that keeps only its geometry: every convolution a ``_SumConv``, max
    pooling average pooling (so the gradient reaches the whole window), every other
    pointwise layer (activations, batch norm, dropout) the identity."""
    # the weights are not needed: copy the structure with empty tensors in their place
    memo = {id(p): torch.empty(0) for p in net.parameters()}
    probe = copy.deepcopy(net, memo).cpu()

    def replace(module):
        for name, child in module.named_children():
            if isinstance(child, nn.Conv2d):
                setattr(module, name, _SumConv(child))
            elif isinstance(child, nn.MaxPool2d):
                setattr(module, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                                   ceil_mode=child.ceil_mode))
            elif isinstance(child, (nn.AvgPool2d, *_HEAD)):
                continue
            elif len(list(child.children())) == 0:  # activation, batch norm (ours too), dropout
                setattr(module, name, nn.Identity())
            else:
                replace(child)

    replace(probe)
    return probe.to(torch.float64)


def head_features(net: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The feature map that ``net``'s head (its first flatten, global pooling or fully
    connected layer) receives when ``X`` goes in; the head itself does not run."""
    head = next((m for m in net.modules() if isinstance(m, _HEAD)), None)
    if head is None:
        return net(X)

    def stop(_module, inputs):
        raise _ReachedHead(inputs[0])

    handle = head.register_forward_pre_hook(stop)
    try:
        net(X)
    except _ReachedHead as reached:
        return reached.features
    finally:
        handle.remove()
    raise RuntimeError("the head never ran")  # pragma: no cover


def receptive_field_side(net: nn.Module, image_size: int, largest: int = 4096) -> int:
    """Side, in input pixels, of the receptive field (notes 1.2) of the central element of
    the feature map ``net``'s head reads -- along the longest path, through parallel branches
    (Inception), shortcuts (ResNet) and concatenations (DenseNet) alike.

    Found as ``receptive.autograd_receptive_field`` finds it -- the input pixels with a
    non-zero gradient -- on a geometry-only probe of ``net`` (``_geometry_probe``), on an input
    of ``image_size`` doubled until the field no longer touches the border, so the side is not
    clipped to the image. Raises ``ValueError`` if it still touches at ``largest`` pixels.
    """
    probe = _geometry_probe(net)
    size = image_size
    while size <= largest:
        X = torch.ones((1, 1, size, size), dtype=torch.float64, requires_grad=True)
        features = head_features(probe, X)
        h, w = features.shape[-2:]
        features[0, :, h // 2, w // 2].sum().backward()
        rows = torch.nonzero(X.grad[0, 0].abs().sum(1) > 0).flatten()
        cols = torch.nonzero(X.grad[0, 0].abs().sum(0) > 0).flatten()
        if min(rows[0], cols[0]) > 0 and max(rows[-1], cols[-1]) < size - 1:
            return int(max(rows[-1] - rows[0], cols[-1] - cols[0])) + 1
        size *= 2
    raise ValueError(f"the receptive field still reaches the border of a {largest}x{largest} input")


@functools.lru_cache(maxsize=None)
def cheap_columns(chapter: str, run: RunSettings | None = None) -> CheapColumns:
    """Parameters, multiply-adds, receptive field and activation memory of ``chapter``'s net
    with ``run`` (default: the book's configuration, ``settings(chapter, "full")``)."""
    net, size = build(chapter, run)
    return CheapColumns(chapter, size, models.count_parameters(net), total_multiply_adds(net, size),
                        receptive_field_side(net, size), activation_bytes(net, size))



# ---------------------------------------------------------------- the ideas, isolated

@dataclass(frozen=True)
class HeadSaving:
    """Parameters of NiN's head (its last NiN block + global average pooling) against an
    AlexNet-style fully connected head reading the same features."""

    features: tuple[int, int, int]  # (C, H, W) entering the head
    nin_head: int
    dense_head: int

    @property
    def ratio(self) -> float:
        return self.dense_head / self.nin_head


def global_pooling_saving(image_size: int = 224) -> HeadSaving:
    """What global average pooling saved NiN (notes 2.3, 6.2): the book's NiN (width 1) at
    ``image_size``; its head is the last NiN block, which turns the (384, 5, 5) features into
    10 class maps that global average pooling averages (no parameters). The alternative is
    AlexNet's head (``models.alexnet``: its fully connected layers, 4096, 4096, 10 units) on the
    same flattened features. Both counted by ``models.count_parameters``."""
    net = models.nin(1.0, image_size)
    head_start = max(i for i, m in enumerate(net) if isinstance(m, nn.Dropout)) + 1
    with torch.no_grad():
        net.eval()
        features = tuple(net[:head_start](torch.zeros(1, 1, image_size, image_size)).shape[1:])
    units = [m.out_features for m in models.alexnet().modules() if isinstance(m, nn.Linear)]
    sizes = [features[0] * features[1] * features[2], *units]
    dense = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
    return HeadSaving(features, models.count_parameters(net[head_start:]),
                      models.count_parameters(dense))
