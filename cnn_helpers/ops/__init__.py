"""The operations of chapters 1, 2 and 8 written from scratch, each checked against PyTorch in
``tests/ops/``: cross-correlation and convolution (``convolution``), pooling (``pooling``),
receptive fields (``receptive``) and batch normalization (``batch_norm``)."""

from cnn_helpers.ops.convolution import (
    Pair,
    as_pair,
    conv2d,
    conv_output_shape,
    convolve2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    same_padding,
)
from cnn_helpers.ops.pooling import pool2d

__all__ = ["Pair", "as_pair", "conv2d", "conv_output_shape", "convolve2d", "corr2d",
           "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "pool2d",
           "same_padding"]
