"""Images of a size the net cannot take: a sentence naming the ``resize=`` it expects.

PyTorch says "mat1 and mat2 shapes cannot be multiplied (64x256 and 400x120)";
a student needs "this net takes images from 28x28 to 31x31: pass
fit(..., resize=28)". The sides that fit are found by trying one zero image
at a time (bisection, about 20 forward passes of one image).
"""

from __future__ import annotations

import re

import torch
from torch import nn

# PyTorch's words when an image is too small for a window, and when a flattened feature map
# does not have the size a fully connected layer was built for
_TOO_SMALL = ("Output size is too small", "Kernel size can't be greater than actual input size",
              "smaller than kernel size", "Padding size should be less than")
_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
_CHANNELS = re.compile(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+) channels")
LARGEST_SIDE_TRIED = 512  # image sides beyond this are not tried when looking for what fits


def _size_verdict(error: Exception) -> str | None:
    """'small' or 'large' when ``error`` says the image was too small or too large, else None."""
    text = str(error)
    if any(words in text for words in _TOO_SMALL):
        return "small"
    match = _MATMUL.search(text)
    if match and int(match[2]) != int(match[3]):
        return "small" if int(match[2]) < int(match[3]) else "large"
    return None


def _try_side(net: nn.Module, like: torch.Tensor, side: int) -> str:
    """Run one zero image of ``side`` x ``side``: 'fits', 'small', 'large' or 'other'."""
    try:
        net(like.new_zeros((1, like.shape[1], side, side)))
    except RuntimeError as error:
        return _size_verdict(error) or "other"
    return "fits"


def _sides_that_fit(net: nn.Module, like: torch.Tensor, verdict: str):
    """(smallest, largest) square side ``net`` takes; largest None: no limit seen; None: none.

    Bisection on one image at a time, steered by whether each failing side
    was too small or too large (about 20 forward passes of one image).
    """
    small, large, fits = 0, None, None  # sides <= small are too small, >= large too large
    if verdict == "small":
        small = like.shape[-1]
    else:
        large = like.shape[-1]
    while fits is None:
        if large is None:
            if small >= LARGEST_SIDE_TRIED:
                return None
            side = min(2 * small, LARGEST_SIDE_TRIED)
        elif large - small > 1:
            side = (small + large) // 2
        else:
            return None
        result = _try_side(net, like, side)
        if result == "fits":
            fits = side
        elif result == "small":
            small = side
        elif result == "large":
            large = side
        else:
            return None
    low, high = small, fits  # low too small, high fits: bisect for the smallest
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if _try_side(net, like, middle) == "fits" else (middle, high)
    smallest = high
    if large is None:
        if _try_side(net, like, 2 * fits) == "fits":
            return smallest, None  # e.g. global average pooling: any larger side works
        large = 2 * fits
    low, high = fits, large  # low fits, high does not: bisect for the largest
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _try_side(net, like, middle) == "fits" else (low, middle)
    return smallest, low


def _roundest(low: int, high: int) -> int:
    """The side in [low, high] divisible by the highest power of two (96 in 65..96)."""
    return max(range(low, high + 1), key=lambda side: ((side & -side), side))


def image_size_error(net: nn.Module, X: torch.Tensor, error: Exception,
                     resize: int | tuple[int, int] | None, caller: str) -> ValueError | None:
    """A ``ValueError`` naming the ``resize=`` ``net`` expects, if ``error`` is about image size.

    The sides that fit are found by trying one zero image at a time (eval
    mode, no gradients).

    Args:
        net: the net that raised ``error``.
        X: the images it was given, N x C x H x W (after any resize).
        error: what ``net(X)`` raised.
        resize: the ``resize=`` the caller was given (named in the sentence).
        caller: the function named in the advice ("pass fit(..., resize=96)").

    Returns:
        The sentence as a ``ValueError`` when ``error`` is about the size or
        the channels of the images; None otherwise.
    """
    shape = "x".join(map(str, X.shape[-2:]))
    given = f"images of {shape}" + (f" (after resize={resize})" if resize else "")
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    channels = _CHANNELS.search(str(error))
    if channels:
        return ValueError(f"{caller}: this net takes images with {channels[1]} channel(s), but "
                          f"these have {channels[2]}; resizing cannot change that "
                          f"(PyTorch: {said})")
    verdict = _size_verdict(error)
    if verdict is None or X.dim() != 4:
        return None
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            sides = _sides_that_fit(net, X[:1], verdict)
    finally:
        net.train(was_training)
    if sides is None:
        expects = f"no square image from 1x1 to {LARGEST_SIDE_TRIED}x{LARGEST_SIDE_TRIED} fits it"
        advice = "check the net's layers"
    elif sides[1] is None:
        expects = f"it needs images of at least {sides[0]}x{sides[0]} pixels"
        advice = f"pass {caller}(..., resize={sides[0]}) or larger"
    else:
        side = _roundest(*sides)
        expects = (f"it takes images from {sides[0]}x{sides[0]} to {sides[1]}x{sides[1]} "
                   f"(it was probably built for {side}x{side})")
        advice = f"pass {caller}(..., resize={side})"
    return ValueError(f"{caller}: this net cannot take {given}: {expects}. {advice[0].upper()}"
                      f"{advice[1:]}. (PyTorch: {said})")


def check_image_size(net: nn.Module, images: torch.Tensor,
                     resize: int | tuple[int, int] | None = None, caller: str = "fit") -> None:
    """Run the first of ``images`` through ``net``: does the net take images of this size?

    ``fit`` calls it on its first batch; ``evaluate_accuracy``, ``predict`` and
    ``show_predictions`` explain a failing forward pass the same way.

    Args:
        net: the net (run in eval mode, without gradients, then put back).
        images: N x C x H x W, already resized.
        resize: the ``resize=`` the caller was given (named in the sentence).
        caller: the function named in the advice ("pass fit(..., resize=96)").

    Raises:
        ValueError: naming the ``resize=`` the net expects, when it cannot take
            images of this size (or this many channels). Other errors pass
            through unchanged.
    """
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            net(images[:1])
    except RuntimeError as error:
        explained = image_size_error(net, images, error, resize, caller)
        if explained is None:
            raise
        raise explained from None
    finally:
        net.train(was_training)


def _forward(net: nn.Module, X: torch.Tensor, resize, caller: str) -> torch.Tensor:
    """``net(X)``; an error about the image size becomes a sentence naming ``resize=``."""
    try:
        return net(X)
    except RuntimeError as error:
        explained = image_size_error(net, X, error, resize, caller)
        if explained is None:
            raise
        raise explained from None

