"""A trained net on new images: test accuracy, predicted labels, a row of labelled images."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from cnn_helpers.core.inputs import SayOnce, image_tensor
from cnn_helpers.training.batches import _batches, _is_tensor_pair, _place, _Prepare, as_pair
from cnn_helpers.training.sizes import _forward
from cnn_helpers.training.speed import Speed

if TYPE_CHECKING:
    from cnn_helpers.core.data import ImageData


def evaluate_accuracy(net: nn.Module, data, batch_size: int = 1024,
                      device: str | torch.device | None = None,
                      resize: int | tuple[int, int] | None = None,
                      speed: Speed | None = None, *, _say: SayOnce | None = None) -> float:
    """The fraction of ``data`` classified right (chapter 3: the test accuracy after each epoch).

    Args:
        net: the classifier (put in eval mode).
        data: a pair ``(X, y)`` of tensors or numpy arrays (any number type:
            ``core.inputs``) or an iterable of ``(X, y)`` batches.
        batch_size: images per forward pass, for a tensor pair.
        device: where to compute (None: where the net's parameters are).
        resize: the image side the net expects, applied per batch on the device.
        speed: mixed precision and channels-last, as in ``fit`` (None: automatic).
        _say: ``fit``'s, so that a conversion note is said once per run, not per epoch.

    Returns:
        The accuracy, from 0 to 1.

    Raises:
        ValueError: naming the ``resize=`` to pass when the net cannot take
            images of this size; for data ``core.inputs`` refuses (NaN, labels
            with fractions).
    """
    device = torch.device(device) if device is not None else next(net.parameters()).device
    speed = (speed or Speed()).resolve(device, net)
    say = _say or SayOnce()
    data = as_pair(data, say)
    prepare = _Prepare(device, resize, speed.channels_last, not _is_tensor_pair(data), say)
    if _is_tensor_pair(data):
        data = _place(data, device)
    net.eval()
    correct = torch.zeros((), device=device)
    total = 0
    with torch.no_grad(), torch.autocast(device.type, dtype=speed.amp_dtype, enabled=speed.amp):
        for X, y in _batches(data, batch_size, None):
            X, y = prepare(X, y)
            correct += (_forward(net, X, resize, "evaluate_accuracy").argmax(dim=1) == y).sum()
            total += len(y)
    return float(correct) / max(total, 1)


def predict(net: nn.Module, images: torch.Tensor,
            resize: int | tuple[int, int] | None = None) -> torch.Tensor:
    """Predicted labels of a batch of images (on the net's device; returned on the CPU).

    ``images``: N x C x H x W (or N x H x W), a tensor or a numpy array of any
    number type (``core.inputs``). Raises a ``ValueError`` naming the ``resize=``
    to pass when the net cannot take images of this size, or for NaN pixels.
    """
    return _predict(net, images, resize, "predict")


def _predict(net: nn.Module, images: torch.Tensor, resize, caller: str) -> torch.Tensor:
    images, note = image_tensor(images)
    SayOnce()(note)
    device = next(net.parameters()).device
    net.eval()
    with torch.no_grad():
        X, _ = _Prepare(device, resize, False)(images, torch.zeros(len(images)))
        return _forward(net, X, resize, caller).argmax(dim=1).cpu()


def show_predictions(net: nn.Module, data: ImageData, count: int = 8,
                     resize: int | tuple[int, int] | None = None) -> torch.Tensor:
    """Draw the first ``count`` test images of ``data``, the truth above each, the guess below.

    Args:
        net: the classifier.
        data: an ``ImageData`` (its test images and class names are used).
        count: how many images to draw.
        resize: the image side the net expects.

    Returns:
        The predicted labels (a wrong guess is drawn in red).

    Raises:
        ValueError: naming the ``resize=`` to pass when the net cannot take
            images of this size.
    """
    import matplotlib.pyplot as plt

    images, labels = data.test_images[:count], data.test_labels[:count]
    predicted = _predict(net, images, resize, "show_predictions")
    fig, axes = plt.subplots(1, len(images), figsize=(1.1 * len(images) + 0.2, 1.8), squeeze=False)
    for ax, image, truth, guess in zip(axes[0], images, labels, predicted):
        ax.imshow(image[0].numpy(), cmap="gray_r")
        ax.set_title(data.classes[truth], fontsize=9)
        ax.set_xlabel(data.classes[guess], fontsize=9, color="black" if guess == truth else "red")
        ax.set_xticks([]), ax.set_yticks([])
    plt.show()
    return predicted
