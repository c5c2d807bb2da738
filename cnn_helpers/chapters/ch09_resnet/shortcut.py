"""What the identity shortcut costs in the forward pass (chapter 9, notes 9.1 and 9.3).

The notes say the input "propagates forward faster" through the cross-layer
path and that the shortcut "does not affect the result". The first is about
cost: the shortcut is one addition per output element, against the
``2 x 9 x C`` multiply-adds per element of the block's two 3x3 convolutions.
``shortcut_cost`` counts both and times the same block with and without its
shortcut (same weights), so the chapter can show that the addition is
negligible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers import models


@dataclass(frozen=True)
class ShortcutCost:
    """One block's forward pass, per image and per batch, with and without its identity shortcut."""

    multiply_adds: int     # the two convolutions' multiply-adds per image
    additions: int         # the shortcut's additions per image: one per output element
    seconds_with: float    # fastest time of a batch's forward pass, shortcut added
    seconds_without: float  # the same block, shortcut=False

    @property
    def extra_work(self) -> float:
        """The shortcut's additions as a share of the convolutions' multiply-adds."""
        return self.additions / self.multiply_adds

    @property
    def extra_time(self) -> float:
        """How much longer the forward pass takes with the shortcut (0.01 = 1% longer)."""
        return self.seconds_with / self.seconds_without - 1


def shortcut_cost(block: Callable[..., nn.Module] = models.Residual, channels: int = 64,
                  size: int = 24, batch: int = 4, repeats: int = 10, seed: int = 0) -> ShortcutCost:
    """Count and time ``block(channels, channels)`` with and without its shortcut.

    Args:
        block: the block class (``Residual`` or the notebook's own), called with
            ``shortcut=True`` and ``shortcut=False``.
        channels: the block's channels (64, 24x24: ResNet-18's first module at 96x96).
        size: height and width of its input.
        batch: images per timed forward pass.
        repeats: timed passes of each block, interleaved; the fastest of each is kept (the least disturbed by other work).
        seed: seeds the weights (both blocks get the same) and the input.

    Returns:
        The ``ShortcutCost``.
    """
    torch.manual_seed(seed)
    with_shortcut = block(channels, channels).eval()
    without = block(channels, channels, shortcut=False).eval()
    without.load_state_dict(with_shortcut.state_dict())
    X = torch.rand(batch, channels, size, size)  # N x C x H x W
    work = sum(row[2] for row in models.multiply_adds(with_shortcut, (1, channels, size, size)))
    times: dict[bool, list[float]] = {True: [], False: []}
    with torch.no_grad():
        for _ in range(repeats + 1):  # the first pass of each warms up and is not kept
            for shortcut, net in ((True, with_shortcut), (False, without)):
                start = time.perf_counter()
                net(X)
                times[shortcut].append(time.perf_counter() - start)
    return ShortcutCost(work, channels * size * size, min(times[True][1:]),
                        min(times[False][1:]))
