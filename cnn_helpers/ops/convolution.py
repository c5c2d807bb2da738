"""Convolution and pooling from scratch, for teaching (notes, chapters 1 and 2).

Every function here is written to be read, and every one is checked
against ``torch.nn.functional`` in ``tests/test_ops.py`` (the micrograd
pattern: a from-scratch engine tested against PyTorch).

Padding has two conventions, and the course shows both:

* the notes' output-size formula uses the **total** padding ``p``
  (rows added at the top *and* bottom together):
  ``floor((n - k + p + s) / s)``;
* PyTorch's ``nn.Conv2d(padding=q)`` pads ``q`` on **each side**, so
  ``p = 2 q`` and the formula reads ``floor((n - k + 2q) / s) + 1``.

``conv_output_shape`` accepts either (``total_padding=`` or ``padding=``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cnn_helpers.core.inputs import as_tensor, require_exact_sums, require_tensor
from cnn_helpers.core.language import tr

Pair = tuple[int, int]
Size = int | tuple[int, int]  # one number for both directions, or (height, width)


def as_pair(value: Size, name: str) -> Pair:
    """``3 -> (3, 3)``; ``(3, 5) -> (3, 5)``; anything else is a clear ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer or a (height, width) pair, not {value!r}")
    if isinstance(value, int):
        return (value, value)
    try:
        height, width = value
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an integer or a (height, width) pair, not {value!r}"
        ) from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (height, width)):
        raise ValueError(f"{name} must hold integers, not {value!r}")
    return (height, width)


def _check_positive(pair: Pair, name: str) -> None:
    if min(pair) <= 0:
        raise ValueError(f"{name} must be at least 1 in both directions, got {pair}")


def _check_non_negative(pair: Pair, name: str) -> None:
    if min(pair) < 0:
        raise ValueError(f"{name} cannot be negative, got {pair}")


# ---------------------------------------------------------------- output shape (1.3)


def conv_output_shape(input_size: Size, kernel_size: Size, *, stride: Size = 1,
                      padding: Size | None = None, total_padding: Size | None = None,
                      dilation: Size = 1, window: str = "kernel") -> Pair:
    """Output (height, width) of a convolution or pooling window -- the notes' formula.

    ``floor((n_h - k_h + p_h + s_h) / s_h) x floor((n_w - k_w + p_w + s_w) / s_w)``

    where ``p`` is the *total* padding. Give either ``total_padding`` (the
    notes' ``p``) or ``padding`` (PyTorch's per-side padding, ``p = 2 *
    padding``); each may be an int or a (height, width) pair.

    Args:
        input_size: the input's n_h x n_w.
        kernel_size: the window's k_h x k_w.
        stride: the step between windows.
        padding: zeros added on each side (PyTorch's convention).
        total_padding: zeros added in all along each direction (the notes' ``p``).
        dilation: the step between the window's taps: a k-tap window with dilation d
            spans ``d * (k - 1) + 1`` pixels, and a message says so.
        window: what the window is called in a message: "kernel" or "pooling window".

    Returns:
        The output's (height, width).

    Raises:
        ValueError: both paddings are given, a size is not positive, a padding is
            negative, or the kernel is larger than the padded input.

    >>> conv_output_shape(8, 3, padding=1)           # "same" padding, stride 1
    (8, 8)
    >>> conv_output_shape((8, 8), (3, 3), total_padding=2, stride=2)
    (4, 4)
    >>> conv_output_shape(8, 3, dilation=2)         # the window spans 5 pixels
    (4, 4)
    """
    if padding is not None and total_padding is not None:
        raise ValueError("give padding (per side, PyTorch) or total_padding (the notes' p), not both")
    n = as_pair(input_size, "input_size")
    k = as_pair(kernel_size, "kernel_size")
    s = as_pair(stride, "stride")
    d = as_pair(dilation, "dilation")
    if total_padding is None:
        per_side = as_pair(0 if padding is None else padding, "padding")
        _check_non_negative(per_side, "padding")
        p = (2 * per_side[0], 2 * per_side[1])
    else:
        p = as_pair(total_padding, "total_padding")
    _check_positive(n, "input_size")
    _check_positive(k, "kernel_size")
    _check_positive(s, "stride")
    _check_positive(d, "dilation")
    _check_non_negative(p, "total_padding")
    span = tuple(d_i * (k_i - 1) + 1 for k_i, d_i in zip(k, d))
    for axis, (n_i, k_i, d_i, p_i, span_i) in zip(("height", "width"), zip(n, k, d, p, span)):
        if span_i > n_i + p_i:
            # a dilated window is named with the span it covers, worked out from k and d
            noun, padded = window.split()[-1], n_i + p_i
            raise ValueError(
                tr(f"the dilated {window} ({span_i} = {d_i}·({k_i}−1)+1) is larger than the "
                   f"padded input ({n_i} + {p_i} = {padded}) in {axis}: there is no position to "
                   f"put it; use more padding or a smaller dilation or {noun}") if d_i > 1 else
                tr(f"the {window} ({k_i}) is larger than the padded input ({n_i} + {p_i} = "
                   f"{padded}) in {axis}: there is no position to put it; use more padding or a "
                   f"smaller {noun}")
            )
    return tuple((n_i - w_i + p_i + s_i) // s_i for n_i, w_i, p_i, s_i in zip(n, span, p, s))


def same_padding(kernel_size: Size) -> Pair:
    """Total padding that keeps the size at stride 1: ``p = k - 1`` (notes, 1.3)."""
    k = as_pair(kernel_size, "kernel_size")
    _check_positive(k, "kernel_size")
    return (k[0] - 1, k[1] - 1)


# ---------------------------------------------------------------- cross-correlation (1.1)


def check_matrices(X: torch.Tensor, K: torch.Tensor) -> None:
    """Raise ``ValueError`` unless the input ``X`` and the kernel ``K`` are both 2-D tensors
    (``corr2d``'s) whose sums cannot overflow (not uint8, int8, int16 or bool)."""
    require_tensor(X, "X", "corr2d")
    require_tensor(K, "K", "corr2d")
    require_exact_sums(torch.result_type(X, K), "X and K", "corr2d")
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(f"corr2d takes 2-D tensors, got X {tuple(X.shape)} and K {tuple(K.shape)}")


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation (互相关运算): slide ``K`` over ``X``, multiply, sum.

    The window starts at the top left and moves left to right, top to
    bottom; each output element is the sum of the element-wise product.
    """
    check_matrices(X, K)
    h, w = K.shape
    out_h, out_w = conv_output_shape(tuple(X.shape), (h, w))  # (n - k + 1) each way
    Y = torch.zeros((out_h, out_w), dtype=torch.result_type(X, K), device=X.device)
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def convolve2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """True convolution (卷积运算): flip the kernel left-right and up-down, then cross-correlate."""
    return corr2d(X, torch.flip(K, dims=(0, 1)))


# ---------------------------------------------------------------- channels (1.4, 1.5)


def check_channels(X: torch.Tensor, K: torch.Tensor, kernel_dims: int) -> None:
    """Raise ``ValueError`` unless ``X`` is (c_i, h, w) and ``K`` has ``kernel_dims`` dimensions and c_i
    (both tensors, whose sums cannot overflow)."""
    require_tensor(X, "X", "the convolution")
    require_tensor(K, "K", "the convolution")
    require_exact_sums(torch.result_type(X, K), "X and K", "the convolution")
    if X.dim() != 3:
        raise ValueError(f"X must be (channels, height, width), got shape {tuple(X.shape)}")
    if K.dim() != kernel_dims:
        raise ValueError(f"K must have {kernel_dims} dimensions, got shape {tuple(K.shape)}")
    c_in = K.shape[-3]
    if X.shape[0] != c_in:
        raise ValueError(
            f"channel mismatch: the input has {X.shape[0]} channel(s) but the kernel expects {c_in}"
        )


def check_1x1(X: torch.Tensor, K: torch.Tensor) -> None:
    """``check_channels`` for a 1x1 convolution, and the kernel must be (c_o, c_i, 1, 1)."""
    check_channels(X, K, kernel_dims=4)
    if K.shape[-2:] != (1, 1):
        raise ValueError(f"a 1x1 convolution needs a (c_o, c_i, 1, 1) kernel, got {tuple(K.shape)}")
    if X.dtype != K.dtype:  # a matrix product takes one number type
        raise ValueError(f"X is {str(X.dtype).removeprefix('torch.')} and K "
                         f"{str(K.dtype).removeprefix('torch.')}: a matrix product needs one "
                         "type; pass both as floats, e.g. X.float() and K.float()")


def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Several input channels: cross-correlate each channel with its own kernel, then add.

    ``X``: (c_i, h, w), ``K``: (c_i, k_h, k_w) -> (out_h, out_w).
    """
    check_channels(X, K, kernel_dims=3)
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Several output channels: one (c_i, k_h, k_w) kernel per output channel.

    ``X``: (c_i, h, w), ``K``: (c_o, c_i, k_h, k_w) -> (c_o, out_h, out_w).
    """
    check_channels(X, K, kernel_dims=4)
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution as a matrix product: pixels are samples, channels are features.

    ``X``: (c_i, h, w), ``K``: (c_o, c_i, 1, 1) -> (c_o, h, w).
    """
    check_1x1(X, K)
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))  # each column is one pixel's channel vector
    Y = torch.matmul(K.reshape((c_o, c_i)), X)  # c_o x (h * w)
    return Y.reshape((c_o, h, w))


# ---------------------------------------------------------------- padding and stride (1.3)


def conv2d(X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, *,
           stride: Size = 1, padding: Size = 0) -> torch.Tensor:
    """A convolutional layer from scratch: zero padding, stride, channels and a bias.

    Same conventions as ``F.conv2d`` for one example.

    Args:
        X: the input, c_i x h x w.
        weight: the kernels, c_o x c_i x k_h x k_w.
        bias: one number per output channel (c_o), or None.
        stride: the step between windows.
        padding: zeros added on each side.

    Returns:
        The output, c_o x out_h x out_w.

    ``X``, ``weight`` and ``bias`` may be numpy arrays and of any number type
    (``core.inputs``): they are computed in one floating type (float64 if any is).

    Raises:
        ValueError: the channels or the bias do not match, or the kernel does not fit.
    """
    parts = [as_tensor(part, name) for part, name in ((X, "X"), (weight, "weight"), (bias, "bias"))
             if part is not None]
    dtype = torch.result_type(*parts[:2]) if len(parts) < 3 else torch.promote_types(
        torch.result_type(*parts[:2]), parts[2].dtype)
    dtype = dtype if dtype.is_floating_point and dtype != torch.float16 else torch.float32
    X, weight, *rest = [part.to(dtype) for part in parts]
    bias = rest[0] if rest else None
    check_channels(X, weight, kernel_dims=4)
    s = as_pair(stride, "stride")
    q = as_pair(padding, "padding")
    k_h, k_w = weight.shape[-2:]
    out_h, out_w = conv_output_shape(tuple(X.shape[1:]), (k_h, k_w), stride=s, padding=q)
    X = F.pad(X, (q[1], q[1], q[0], q[0]))  # zeros left/right, then top/bottom
    Y = torch.empty((weight.shape[0], out_h, out_w), dtype=X.dtype, device=X.device)
    for i in range(out_h):
        for j in range(out_w):
            window = X[:, i * s[0] : i * s[0] + k_h, j * s[1] : j * s[1] + k_w]  # c_i x k_h x k_w
            Y[:, i, j] = (weight * window).sum(dim=(1, 2, 3))
    if bias is not None:
        if tuple(bias.shape) != (weight.shape[0],):
            raise ValueError(f"bias must hold one number per output channel, shape "
                             f"({weight.shape[0]},), not {tuple(bias.shape)}")
        Y = Y + bias.reshape(-1, 1, 1)
    return Y
