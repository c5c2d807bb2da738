"""Where ``fit``'s batches come from: a tensor pair indexed on the device, or any loader.

A pair of tensors ``(X, y)`` is moved to the device once and each batch is
indexed there (no DataLoader, no worker processes); any iterable of
``(X, y)`` batches works too (e.g. ``d2l.load_data_fashion_mnist``).
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F


def _is_tensor_pair(data) -> bool:
    return (isinstance(data, (tuple, list)) and len(data) == 2
            and all(isinstance(part, torch.Tensor) for part in data)
            and len(data[0]) == len(data[1]) and data[0].dim() >= 2)


def _place(data, device: torch.device):
    """Move a tensor pair to the device if it fits; else keep it where it is."""
    X, y = data
    try:
        return X.to(device), y.to(device)
    except torch.OutOfMemoryError:
        if device.type == "cuda":
            torch.cuda.empty_cache()
        return X, y  # batches are moved one at a time instead


def _batches(data, batch_size: int, generator: torch.Generator | None):
    """Yield (X, y) batches: index a tensor pair (shuffled if ``generator``) or iterate."""
    if not _is_tensor_pair(data):
        yield from data
        return
    X, y = data
    n = len(y)
    if generator is not None:
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]
    else:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]


def _number_of_batches(data, batch_size: int) -> int | None:
    if _is_tensor_pair(data):
        return math.ceil(len(data[1]) / batch_size)
    try:
        return len(data)
    except TypeError:
        return None


class _Prepare:
    """Per batch on the device: to float, resize, channels-last."""

    def __init__(self, device, resize, channels_last):
        self.device, self.channels_last = device, channels_last
        self.size = (resize, resize) if isinstance(resize, int) else resize

    def __call__(self, X, y):
        X = X.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if X.dtype == torch.uint8:
            X = X.float().div_(255)
        if self.size is not None and tuple(X.shape[-2:]) != tuple(self.size):
            X = F.interpolate(X, size=self.size, mode="bilinear", align_corners=False)
        if self.channels_last and X.dim() == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        return X, y
