"""Pooling from scratch, for teaching (notes, chapter 2): ``pool2d``.

Checked against ``torch.nn.functional`` in ``tests/ops/test_ops.py``.
``check_pooling_input`` and ``pooling_output_shape`` hold the checks that
``pool2d`` makes, so that chapter 2's fast twin (``chapters.ch02_pooling.fast.pool``)
makes the same ones, with the same messages.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from cnn_helpers.core.inputs import require_tensor
from cnn_helpers.core.language import tr
from cnn_helpers.ops.convolution import (
    Pair,
    Size,
    _check_non_negative,
    as_pair,
    conv_output_shape,
)

MODES = ("max", "avg")


def check_pooling_input(X: torch.Tensor, mode: str) -> None:
    """Raise ``ValueError`` unless ``mode`` is "max" or "avg" and ``X`` is (h, w) or (c, h, w)."""
    require_tensor(X, "X", "pool2d")
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    if X.dim() not in (2, 3):
        raise ValueError(f"X must be (height, width) or (channels, height, width), got {tuple(X.shape)}")


def pooling_output_shape(input_size: Size, pool_size: Size, *, stride: Size | None = None,
                         padding: Size = 0) -> Pair:
    """Output (height, width) of a pooling window, with ``pool2d``'s checks (notes 2.1).

    ``stride`` defaults to the window (as in PyTorch); ``padding`` is per
    side. Raises ``ValueError`` for an impossible setting: a window larger
    than the padded input, or padding of more than half the window (PyTorch
    refuses it: some windows would hold only padding).
    """
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")
    q = as_pair(padding, "padding")
    check_pooling_padding(k, q)
    return conv_output_shape(input_size, k, stride=s, padding=q, window="pooling window")


def check_pooling_padding(window: Pair, padding: Pair) -> None:
    """Raise ``ValueError`` for a negative padding, or one of more than half the ``window``
    (its span, for a dilated window): PyTorch refuses it, as some windows would hold only
    padding. Used by ``pool2d`` and by the receptive-field table (``ops.receptive``)."""
    _check_non_negative(padding, "padding")
    if padding[0] > window[0] // 2 or padding[1] > window[1] // 2:
        raise ValueError(tr(f"padding {padding} is more than half the window {window}: some "
                            "windows would hold only padding"))


def pool2d(X: torch.Tensor, pool_size: Size, mode: str = "max", *, stride: Size | None = None,
           padding: Size = 0) -> torch.Tensor:
    """Max or average pooling from scratch, channel by channel.

    Channels are pooled separately, so the output has as many channels as
    the input. Padding follows PyTorch's defaults: max pooling never picks a
    padded element, average pooling counts the zeros of the padding
    (``count_include_pad=True``).

    Args:
        X: the input, h x w or c x h x w.
        pool_size: the window's k_h x k_w.
        mode: "max" or "avg".
        stride: the step between windows; None, the window size.
        padding: zeros added on each side, as in PyTorch.

    Returns:
        The pooled output, out_h x out_w or c x out_h x out_w.

    Raises:
        ValueError: an unknown mode, an input that is not 2-D or 3-D, or a padding
            larger than half the window.
    """
    check_pooling_input(X, mode)
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")  # default: windows do not overlap
    q = as_pair(padding, "padding")
    out_h, out_w = pooling_output_shape(tuple(X.shape[-2:]), k, stride=s, padding=q)
    if not X.is_floating_point():  # an average of integers is not an integer
        X = X.float()
    channels = X.unsqueeze(0) if X.dim() == 2 else X  # c x h x w
    fill = -math.inf if mode == "max" else 0.0  # a padded element never wins the max
    padded = F.pad(channels, (q[1], q[1], q[0], q[0]), value=fill)  # c x (h + 2 q_h) x (w + 2 q_w)
    Y = torch.empty((channels.shape[0], out_h, out_w), dtype=padded.dtype, device=X.device)
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1]]  # c x k_h x k_w
            Y[:, i, j] = window.amax(dim=(1, 2)) if mode == "max" else window.mean(dim=(1, 2))
    return Y[0] if X.dim() == 2 else Y  # each channel pooled on its own: c x out_h x out_w
