"""Pooling with PyTorch (notes, chapter 2): ``pool``, the fast twin of ``ops.pool2d``.

``ops.pool2d`` is pooling written to be read, one window at a time; ``pool``
gives the same results with ``F.max_pool2d`` / ``F.avg_pool2d``, fast
enough for widgets and full-size photographs. It makes ``pool2d``'s own
checks (``ops.pooling.check_pooling_input``, ``pooling_output_shape``), so
both refuse the same settings with the same messages
(``tests/test_pooling_chapter.py`` compares them).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cnn_helpers.ops import Pair
from cnn_helpers.ops.pooling import check_pooling_input, pooling_output_shape


def pool(X: torch.Tensor, pool_size: int | Pair, mode: str = "max", *, stride: int | Pair | None = None,
         padding: int | Pair = 0) -> torch.Tensor:
    """Max or average pooling of (h, w) or (c, h, w) with PyTorch: ``pool2d``, but fast.

    Same arguments, defaults, checks and results as ``ops.pool2d``.

    Args:
        X: the input, (h, w) or (c, h, w); channels are pooled separately.
        pool_size: the window, ``k`` or ``(k_h, k_w)``.
        mode: "max" or "avg".
        stride: the step between windows (default: the window, as in PyTorch).
        padding: per side; average pooling counts the padded zeros.

    Returns:
        The pooled map, (out_h, out_w) or (c, out_h, out_w).

    Raises:
        ValueError: for an unknown mode, an input of another rank, or an impossible window.
    """
    check_pooling_input(X, mode)
    pooling_output_shape(tuple(X.shape[-2:]), pool_size, stride=stride, padding=padding)  # raises if impossible
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    channels = X.unsqueeze(0) if X.dim() == 2 else X  # C x H x W
    Y = torch_pool(channels, pool_size, stride=stride, padding=padding)  # C x out_h x out_w
    return Y[0] if X.dim() == 2 else Y
