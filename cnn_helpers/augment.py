"""Image augmentation (图像增广), notes section 4: new training images from old, per batch.

AlexNet was trained on many altered copies of its images -- shifted,
cropped, mirrored -- so that it could not memorize exact pixels. These
functions alter a whole batch ``X`` of shape (N, C, H, W) at once, on
whatever device it is on, each image its own way; they keep the shape, so
``fit(..., augment=random_shift)`` can apply them to every training batch
(never to the test images).

They draw from PyTorch's global random generator, which ``fit(seed=...)``
seeds: an augmented run repeats exactly too.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

Augmentation = Callable[[torch.Tensor], torch.Tensor]


def _check_batch(X: torch.Tensor) -> None:
    if X.dim() != 4:
        raise ValueError(f"augmentations take a batch of shape (N, C, H, W), got {tuple(X.shape)}")


def random_shift(X: torch.Tensor, pixels: int = 2) -> torch.Tensor:
    """Move each image by up to ``pixels`` rows and columns (a random crop of a zero-padded copy).

    (N, C, H, W) -> (N, C, H, W). What moves out of the frame is lost; what
    comes in is black. A digit or a shirt is still what it was.
    """
    _check_batch(X)
    if pixels < 0:
        raise ValueError(f"pixels={pixels}: a shift cannot be negative")
    if pixels == 0:
        return X
    n, _, h, w = X.shape
    padded = F.pad(X, (pixels, pixels, pixels, pixels))  # (N, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * pixels + 1, (n, 1), device=X.device)  # each image its own shift
    dx = torch.randint(0, 2 * pixels + 1, (n, 1), device=X.device)
    rows = dy + torch.arange(h, device=X.device)  # (N, H): the rows each image keeps
    cols = dx + torch.arange(w, device=X.device)  # (N, W)
    batch = torch.arange(n, device=X.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous(memory_format=_layout(X))


def random_flip(X: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left to right with probability ``p``.

    Right for clothing (a mirrored shoe is a shoe), wrong for digits and
    letters (a mirrored 2 is no 2): choose augmentations that keep the label.
    """
    _check_batch(X)
    if not 0 <= p <= 1:
        raise ValueError(f"p={p}: a probability is between 0 and 1")
    flip = torch.rand(len(X), device=X.device) < p  # (N,)
    return torch.where(flip[:, None, None, None], X.flip(-1), X)


def compose(*steps: Augmentation) -> Augmentation:
    """One augmentation that applies ``steps`` in order."""

    def augment(X: torch.Tensor) -> torch.Tensor:
        for step in steps:
            X = step(X)
        return X

    return augment


def _layout(X: torch.Tensor) -> torch.memory_format:
    """Keep channels-last batches channels-last (``fit`` trains that way on the CPU)."""
    if X.is_contiguous(memory_format=torch.channels_last) and not X.is_contiguous():
        return torch.channels_last
    return torch.contiguous_format
