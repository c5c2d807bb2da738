"""Where ``fit``'s batches come from: a tensor pair indexed on the device, or any loader.

A pair of tensors ``(X, y)`` is moved to the device once and each batch is
indexed there (no DataLoader, no worker processes); any iterable of
``(X, y)`` batches works too (e.g. ``d2l.load_data_fashion_mnist``). Images and
labels may come from numpy and be of any number type: ``core.inputs`` converts them
(a pair once, a loader's batches one by one), saying so once where it interprets.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F

from cnn_helpers.core.inputs import SayOnce, image_tensor, label_tensor


def as_pair(data, say: SayOnce):
    """A pair ``(X, y)`` of tensors or numpy arrays as float32/uint8 images and int64 labels
    (``core.inputs``; notes go to ``say``); anything else (a loader) as it is.

    Raises ``ValueError`` for NaN images or labels, labels with fractions, and images and
    labels of different lengths.
    """
    if not (isinstance(data, (tuple, list)) and len(data) == 2
            and all(isinstance(part, (torch.Tensor, np.ndarray)) for part in data)):
        return data
    X, note = image_tensor(data[0])
    say(note)
    y, note = label_tensor(data[1])
    say(note)
    if len(X) != len(y):
        raise ValueError(f"the data holds {len(X)} images but {len(y)} labels: give one label "
                         "per image")
    return X, y


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
    """Per batch on the device: to float, resize, channels-last; with ``convert`` (a loader's
    batches, not yet converted) first ``core.inputs``' conversions, each note said once."""

    def __init__(self, device, resize, channels_last, convert: bool = False,
                 say: SayOnce | None = None):
        self.device, self.channels_last = device, channels_last
        self.size = (resize, resize) if isinstance(resize, int) else resize
        self.convert, self.say = convert, say or SayOnce()

    def __call__(self, X, y):
        if self.convert:  # on the CPU, before the copy: no wait for the device
            X, y = as_pair((X, y), self.say)
        X = X.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if X.dtype == torch.uint8:
            X = X.float().div_(255)
        if self.size is not None and tuple(X.shape[-2:]) != tuple(self.size):
            X = F.interpolate(X, size=self.size, mode="bilinear", align_corners=False)
        if self.channels_last and X.dim() == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        return X, y
