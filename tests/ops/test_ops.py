"""The from-scratch operations of chapters 1-2 agree with PyTorch, and the notes' examples hold."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnn_helpers import ops
from cnn_helpers.core.images import edge_image


def test_worked_example_of_the_notes():
    X = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0.0, 1], [2, 3]])
    assert ops.corr2d(X, K).tolist() == [[19, 25], [37, 43]]


def test_edge_kernel_marks_both_vertical_edges_and_nothing_else():
    Y = ops.corr2d(edge_image(), torch.tensor([[1.0, -1.0]]))
    expected = torch.zeros(6, 7)
    expected[:, 1] = 1  # white -> black
    expected[:, 5] = -1  # black -> white
    assert torch.equal(Y, expected)


def test_edge_kernel_does_not_see_horizontal_edges():
    Y = ops.corr2d(edge_image().t(), torch.tensor([[1.0, -1.0]]))
    assert torch.count_nonzero(Y) == 0


def test_convolution_is_cross_correlation_with_the_flipped_kernel():
    X, K = torch.randn(5, 6), torch.randn(3, 2)
    expected = F.conv2d(X[None, None], torch.flip(K, (0, 1))[None, None])[0, 0]
    torch.testing.assert_close(ops.convolve2d(X, K), expected)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 4), kw=st.integers(1, 4),
    c_in=st.integers(1, 3), c_out=st.integers(1, 3),
    sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_conv2d_from_scratch_matches_pytorch(h, w, kh, kw, c_in, c_out, sh, sw, ph, pw, seed):
    torch.manual_seed(seed)
    X = torch.randn(c_in, h, w, dtype=torch.float64)
    weight = torch.randn(c_out, c_in, kh, kw, dtype=torch.float64)
    bias = torch.randn(c_out, dtype=torch.float64)
    if kh > h + 2 * ph or kw > w + 2 * pw:
        with pytest.raises(ValueError, match="larger than the padded input"):
            ops.conv2d(X, weight, bias, stride=(sh, sw), padding=(ph, pw))
        return
    expected = F.conv2d(X[None], weight, bias, stride=(sh, sw), padding=(ph, pw))[0]
    torch.testing.assert_close(ops.conv2d(X, weight, bias, stride=(sh, sw), padding=(ph, pw)), expected)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(3, 7), w=st.integers(3, 7), kh=st.integers(1, 3), kw=st.integers(1, 3),
       c_in=st.integers(1, 3), c_out=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_multi_channel_cross_correlation_matches_pytorch(h, w, kh, kw, c_in, c_out, seed):
    torch.manual_seed(seed)
    X = torch.randn(c_in, h, w, dtype=torch.float64)
    K = torch.randn(c_out, c_in, kh, kw, dtype=torch.float64)
    expected = F.conv2d(X[None], K)[0]
    torch.testing.assert_close(ops.corr2d_multi_in_out(X, K), expected)
    torch.testing.assert_close(ops.corr2d_multi_in(X, K[0]), expected[0])


def test_one_by_one_convolution_is_a_matrix_product_over_channels():
    X = torch.randn(3, 4, 5, dtype=torch.float64)
    K = torch.randn(2, 3, 1, 1, dtype=torch.float64)
    torch.testing.assert_close(ops.corr2d_multi_in_out_1x1(X, K), ops.corr2d_multi_in_out(X, K))
    torch.testing.assert_close(ops.corr2d_multi_in_out_1x1(X, K), F.conv2d(X[None], K)[0])


def test_corr2d_agrees_with_d2l():
    from d2l import torch as d2l

    X, K = torch.randn(6, 7), torch.randn(2, 3)
    torch.testing.assert_close(ops.corr2d(X, K), d2l.corr2d(X, K))


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
       channels=st.integers(1, 3), mode=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**16))
def test_pool2d_matches_pytorch(h, w, kh, kw, sh, sw, ph, pw, channels, mode, seed):
    torch.manual_seed(seed)
    X = torch.randn(channels, h, w, dtype=torch.float64)
    arguments = dict(stride=(sh, sw), padding=(ph, pw))
    if ph > kh // 2 or pw > kw // 2:
        with pytest.raises(ValueError, match="more than half the window"):
            ops.pool2d(X, (kh, kw), mode, **arguments)
        return
    if kh > h + 2 * ph or kw > w + 2 * pw:
        with pytest.raises(ValueError, match="larger than the padded input"):
            ops.pool2d(X, (kh, kw), mode, **arguments)
        return
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    expected = torch_pool(X[None], (kh, kw), **arguments)[0]
    torch.testing.assert_close(ops.pool2d(X, (kh, kw), mode, **arguments), expected)


def test_pooling_keeps_the_channel_count():
    X = torch.randn(5, 6, 6)
    assert ops.pool2d(X, 2).shape == (5, 3, 3)
    assert ops.pool2d(X[0], 2).shape == (3, 3)


def test_output_shape_formula_equals_conv2d_on_an_exhaustive_grid():
    for n, k, s, p in itertools.product(range(1, 8), range(1, 5), range(1, 4), range(0, 3)):
        if k > n + 2 * p:
            continue
        layer = nn.Conv2d(1, 1, kernel_size=(k, k + 1 if k + 1 <= n + 2 * p else k),
                          stride=(s, s % 3 + 1), padding=(p, p))
        out = layer(torch.zeros(1, 1, n, n)).shape[-2:]
        by_formula = ops.conv_output_shape((n, n), layer.kernel_size, stride=layer.stride,
                                           total_padding=(2 * p, 2 * p))
        assert by_formula == tuple(out), (n, k, s, p)
        assert ops.conv_output_shape((n, n), layer.kernel_size, stride=layer.stride,
                                     padding=p) == tuple(out)


def test_output_shape_formula_with_dilation_equals_conv2d():
    for n, k, d, s, p in itertools.product(range(1, 12), range(1, 4), range(1, 5), range(1, 3),
                                           range(0, 2)):
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        out = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)(torch.zeros(1, 1, n, n))
        assert ops.conv_output_shape(n, k, stride=s, padding=p, dilation=d) == tuple(
            out.shape[-2:]), (n, k, d, s, p)


def test_same_padding_keeps_the_size_at_stride_one():
    for k in (1, 3, 5, 7):
        assert ops.conv_output_shape(9, k, total_padding=ops.same_padding(k)) == (9, 9)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ops.conv_output_shape(4, 6), "larger than the padded input"),
        (lambda: ops.conv_output_shape(4, 3, stride=0), "stride must be at least 1"),
        (lambda: ops.conv_output_shape(4, 3, padding=-1), "cannot be negative"),
        (lambda: ops.conv_output_shape(4, 3, padding=1, total_padding=2), "not both"),
        (lambda: ops.conv_output_shape(4, "3"), "integer or a"),
        (lambda: ops.corr2d(torch.ones(2, 2), torch.ones(3, 3)), "larger than the padded input"),
        (lambda: ops.corr2d_multi_in(torch.ones(2, 4, 4), torch.ones(3, 2, 2)), "channel mismatch"),
        (lambda: ops.pool2d(torch.ones(4, 4), 2, "median"), "mode must be"),
        (lambda: ops.conv2d(torch.ones(1, 4, 4), torch.ones(3, 1, 2, 2), torch.ones(1)),
         "one number per output channel"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pooling_integer_images_averages_as_real_numbers():
    X = torch.tensor([[1, 2], [3, 5]])
    assert ops.pool2d(X, 2, "avg").item() == 2.75
    assert ops.pool2d(X, 2, "max").item() == 5
