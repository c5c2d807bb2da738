"""Exercises of chapter 5 (VGG), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """A VGG block of two convolutions gets a 64x56x56 input. Its output shape (C, H, W), 128 channels?"""
    return check("VGG 1", answer, lambda a: tuple(int(n) for n in a) == (128, 28, 28),
                 tr("3x3 convolutions with padding 1 keep height and width; the pooling halves them"))


def exercise_2(answer: object) -> Feedback:
    """How many convolutional layers and how many fully connected layers does VGG-11 have?"""
    return check("VGG 2", answer, lambda a: tuple(int(n) for n in a) == (8, 3),
                 tr("count the convolutions in ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)); "
                    "the 11 layers are those plus the fully connected ones"),
                 praise=tr("correct! 1 + 1 + 2 + 2 + 2 = 8 convolutions and 3 fully connected: 11."))


def exercise_3(answer: object) -> Feedback:
    """Three 3x3 convolutions (C channels in and out, no biases) see a 7x7 field. How many
    weights per C**2, against 49 for one 7x7 convolution?"""
    return check("VGG 3", answer, lambda a: int(a) == 3 * 3 * 3,
                 tr("each 3x3 convolution has 3 x 3 x C x C weights"),
                 praise=tr("correct! 27 C^2 against 49 C^2: 45% fewer, and three ReLUs instead of one."))


def exercise_4(answer: object) -> Feedback:
    """What is the smallest image side that VGG-11's five blocks accept?"""
    return check("VGG 4", answer, lambda a: int(a) == 32,
                 tr("each block halves height and width; after five halvings at least one pixel must be left"),
                 praise=tr("correct! 2^5 = 32: five halvings leave 1x1."))


def exercise_5(answer: object) -> Feedback:
    """Why: from one VGG stage to the next the side halves and the channels in and out double.
    By what factor do a 3x3 convolution's multiply-adds change, and by what factor its
    parameters? Answer a tuple (multiply-adds, parameters)."""
    return check("VGG 5", answer,
                 lambda a: tuple(float(n) for n in a) == (1.0, 4.0),
                 tr("multiply-adds = H x W x c_i x c_o x 9, parameters = c_i x c_o x 9 (+ c_o): "
                    "H x W falls 4 times, c_i x c_o grows 4 times"),
                 praise=tr("correct! The work stays level, the parameters grow 4 times: the notes' "
                           "'same parameter size and complexity' holds for the complexity only."))


def vgg11_parameters_with_kernel(kernel_size: int) -> int:
    """VGG-11's parameters when every convolution of ``vgg_block`` is ``kernel_size`` square.

    Read from the package's own VGG-11 (built on PyTorch's "meta" device: shapes, no memory):
    each convolution from c_i to c_o channels has c_o (c_i k^2 + 1) parameters, the fully
    connected layers are unchanged (a padding of (k - 1) / 2 keeps every side).
    """
    import torch
    from torch import nn

    from cnn_helpers import models

    with torch.device("meta"):
        net = models.vgg()
    return sum(m.out_channels * (m.in_channels * kernel_size**2 + 1) if isinstance(m, nn.Conv2d)
               else sum(p.numel() for p in m.parameters())
               for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def exercise_6(answer: object) -> Feedback:
    """Change: ``vgg_block`` with 5x5 padding-2 convolutions. VGG-11's parameters now?"""
    three, five = vgg11_parameters_with_kernel(3), vgg11_parameters_with_kernel(5)
    return check("VGG 6", answer, lambda a: int(a) == five,
                 tr("make both the kernel_size 5 and the padding 2 in vgg_block, rerun it and the "
                    "vgg cell, then models.count_parameters(vgg())"),
                 praise=tr(f"correct! {five:,} against {three:,}: each convolution's weights grow "
                           f"25/9 = 2.8 times, yet the fully connected layers still hold most of "
                           f"the net. Now put the 3x3 back and rerun."))
