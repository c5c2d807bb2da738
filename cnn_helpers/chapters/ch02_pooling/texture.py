"""What pooling keeps of a picture (notes 2.1-2.2): texture, and average pooling's blur.

Detail is measured as the mean gradient magnitude of the picture brought back to its
original size (bilinear upsampling), so that every version is compared on the same grid:
a pooled map is coarser, and neighbours in it are further apart in the original, which
is why the plain neighbour contrast of a pooled map *rises* and cannot show blur.
``subsampled`` (one pixel of each window, nothing averaged) is the baseline with the
same resolution as the pooled maps and no blur by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cnn_helpers.chapters.ch02_pooling.fast import pool


def upsampled(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """An (h, w) image resized to ``size`` by bilinear interpolation."""
    return F.interpolate(image[None, None], size=size, mode="bilinear", align_corners=False)[0, 0]


def detail(image: torch.Tensor) -> float:
    """Mean gradient magnitude of an (h, w) image: how sharp its edges and textures are."""
    across = image[:-1, 1:] - image[:-1, :-1]  # (h - 1) x (w - 1)
    down = image[1:, :-1] - image[:-1, :-1]
    return (across**2 + down**2).sqrt().mean().item()


@dataclass(frozen=True)
class Detail:
    """Detail of a picture and of its k x k versions, all upsampled back to the original size."""

    window: int
    original: float
    subsampled: float  # the top-left pixel of each window: the same resolution, nothing averaged
    max_pooled: float
    average_pooled: float


def detail_after_pooling(image: torch.Tensor, window: int) -> Detail:
    """``detail`` of ``image`` and of its k x k (stride k) subsampled, max- and average-pooled versions.

    Args:
        image: an (h, w) image.
        window: the pooling window and stride k.

    Returns:
        The five numbers, each version upsampled back to (h, w) before it is measured.
    """
    size = tuple(image.shape)
    versions = (image[::window, ::window], pool(image, window, "max"), pool(image, window, "avg"))
    return Detail(window, detail(image), *(detail(upsampled(v, size)) for v in versions))
