"""Pooling's measurable claims (notes, chapter 2): invariance, parameters, compression.

``ops.pool2d`` is pooling written to be read; this module measures what
the notes *say* about pooling, so that the notebook can check each claim:

* pooling eases convolution's over-sensitivity to position (2.4):
  ``invariance_curve`` counts the outputs that stay exactly the same when
  the input moves by a few pixels, before and after pooling;
* pooling has no parameters, and global average pooling replaces large
  fully connected heads (2.3): ``gap_head``, ``flatten_head``,
  ``parameter_count``;
* pooling compresses features and the computation after it (2.4):
  ``conv_multiply_adds``.

``pool`` is the fast twin of ``ops.pool2d`` (``F.max_pool2d`` /
``F.avg_pool2d`` with the same checks and messages), for widgets and
full-size photographs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .images import shifted
from .models import count_parameters
from .ops import Pair, as_pair, conv_output_shape

EDGE_KERNEL = torch.tensor([[1.0, -1.0]])  # the notes' vertical-edge detector (1.1)
MODES = ("max", "avg")


# ---------------------------------------------------------------- fast pooling


def pooling_output_shape(input_size, pool_size, *, stride=None, padding=0) -> Pair:
    """Output (height, width) of a pooling window, with ``pool2d``'s checks.

    ``stride`` defaults to the window (as in PyTorch); ``padding`` is per
    side. Raises ``ValueError`` for an impossible setting: a window larger
    than the padded input, or padding of more than half the window (PyTorch
    refuses it: some windows would hold only padding).
    """
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")
    q = as_pair(padding, "padding")
    if min(q) < 0:
        raise ValueError(f"padding cannot be negative, got {q}")
    if q[0] > k[0] // 2 or q[1] > k[1] // 2:
        raise ValueError(
            f"padding {q} is more than half the window {k}: some windows would hold only padding"
        )
    return conv_output_shape(input_size, k, stride=s, padding=q)


def pool(X: torch.Tensor, pool_size, mode: str = "max", *, stride=None, padding=0) -> torch.Tensor:
    """Max or average pooling of (h, w) or (c, h, w) with PyTorch: ``pool2d``, but fast.

    Same arguments, defaults, checks and results as ``ops.pool2d``
    (``tests/test_pooling_chapter.py`` compares them).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    if X.dim() not in (2, 3):
        raise ValueError(f"X must be (height, width) or (channels, height, width), got {tuple(X.shape)}")
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")
    q = as_pair(padding, "padding")
    pooling_output_shape(tuple(X.shape[-2:]), k, stride=s, padding=q)  # raises if impossible
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    channels = X.unsqueeze(0) if X.dim() == 2 else X  # (c, h, w)
    Y = torch_pool(channels, k, stride=s, padding=q)  # (c, out_h, out_w)
    return Y[0] if X.dim() == 2 else Y


# ---------------------------------------------------------------- invariance (2.4)


def edge_response(X: torch.Tensor) -> torch.Tensor:
    """Edge strength ``|X * [1, -1]|`` of an (h, w) image: (h, w - 1), a convolution's output."""
    return F.conv2d(X[None, None], EDGE_KERNEL.to(X)[None, None])[0, 0].abs()


def unchanged_fraction(before: torch.Tensor, after: torch.Tensor, tolerance: float = 0.0) -> float:
    """Share of elements that differ by at most ``tolerance`` (0: exactly equal)."""
    if before.shape != after.shape:
        raise ValueError(f"shapes differ: {tuple(before.shape)} and {tuple(after.shape)}")
    return ((before - after).abs() <= tolerance).float().mean().item()


@dataclass(frozen=True)
class InvarianceCurve:
    """Fraction of unchanged outputs for each shift, without and with pooling."""

    shifts: list[int]
    unpooled: list[float]  # the feature map itself, compared position by position
    pooled: list[float]  # the pooled feature map


def invariance_curve(feature_map, shifts, pool_size=2, mode: str = "max", *, stride=None,
                     padding=0, tolerance: float = 0.0, before_pooling=None) -> InvarianceCurve:
    """Move the input right by each shift and count the outputs that did not change.

    ``feature_map`` is (h, w) or (c, h, w). ``before_pooling`` maps an input
    to the map that is pooled (e.g. ``edge_response``: pool the output of an
    edge detector); by default the input itself is pooled. For every shift
    ``s`` the shifted input goes through the same steps, and the outputs are
    compared *at the same positions* with those of the unshifted input.
    """
    step = before_pooling or (lambda X: X)
    reference = step(feature_map)
    reference_pooled = pool(reference, pool_size, mode, stride=stride, padding=padding)
    unpooled, pooled = [], []
    for s in shifts:
        moved = step(shifted(feature_map, 0, s))
        unpooled.append(unchanged_fraction(reference, moved, tolerance))
        moved_pooled = pool(moved, pool_size, mode, stride=stride, padding=padding)
        pooled.append(unchanged_fraction(reference_pooled, moved_pooled, tolerance))
    return InvarianceCurve(list(shifts), unpooled, pooled)


def expected_unchanged_max(pool_size: int, shift: int) -> float:
    """Share of k x k max-pooling outputs that survive a shift of ``s`` columns, for noise.

    With all-different random values, a window's maximum survives when the
    largest of the ``k + s`` columns that the old and new window cover
    lies in the ``k - s`` columns they share: ``(k - s) / (k + s)``
    (0 once ``s >= k``).
    """
    k, s = pool_size, abs(shift)
    return max(k - s, 0) / (k + s)


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
    """Flatten every feature then one fully connected layer (LeNet, AlexNet, VGG style)."""
    return nn.Sequential(
        nn.Flatten(),  # N x C x H x W -> N x (C * H * W)
        nn.Linear(channels * height * width, classes),  # N x classes
    )


# ---------------------------------------------------------------- compression (2.4)


def conv_multiply_adds(in_channels: int, out_channels: int, kernel_size, output_size) -> int:
    """Multiply-adds of one convolution: every output element costs c_in * k_h * k_w."""
    k_h, k_w = as_pair(kernel_size, "kernel_size")
    out_h, out_w = as_pair(output_size, "output_size")
    return out_channels * out_h * out_w * in_channels * k_h * k_w


def feature_count(shape) -> int:
    """Number of numbers in a feature map of ``shape``."""
    return math.prod(shape)
