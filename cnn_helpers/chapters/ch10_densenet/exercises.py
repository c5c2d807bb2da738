"""Exercises of chapter 10 (DenseNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

import torch

from cnn_helpers import models
from cnn_helpers.chapters.ch10_densenet.memory import saved_tensor_bytes
from cnn_helpers.chapters.feedback import NOT_ATTEMPTED, Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """A dense block of 4 units with growth rate 32 gets 64 channels. How many channels leave it?"""
    return check("DenseNet 1", answer, lambda a: int(a) == 64 + 4 * 32,
                 tr("each unit's output is concatenated to everything before it"),
                 praise=tr("correct! 64 + 4 x 32 = 192."))


def exercise_2(answer: object) -> Feedback:
    """A transition layer gets 192x24x24 and halves the channels. What is its output shape (C, H, W)?"""
    return check("DenseNet 2", answer, lambda a: tuple(int(n) for n in a) == (96, 12, 12),
                 tr("a 1x1 convolution sets the channels; 2x2 stride-2 average pooling halves the size"))


def exercise_3(answer: object) -> Feedback:
    """In the book's DenseNet, how many channels reach the final fully connected layer?"""
    return check("DenseNet 3", answer, lambda a: int(a) == 248,
                 tr("64 -> +128 = 192 -> /2 = 96 -> +128 = 224 -> /2 = 112 -> +128 = 240 -> /2 = 120 "
                    "-> +128 = ?"),
                 praise=tr("correct! 120 + 4 x 32 = 248 (no transition after the last block)."))


def exercise_4(answer: object) -> Feedback:
    """How many input channels has the fourth unit (conv_block) of a dense block that starts
    with 64 channels and has growth rate 32?"""
    return check("DenseNet 4", answer, lambda a: int(a) == 64 + 3 * 32,
                 tr("the fourth unit sees the block's input and the three earlier units' outputs"),
                 praise=tr("correct! 64 + 3 x 32 = 160."))


def exercise_5(answer: object) -> Feedback:
    """Why does DenseNet need transition layers? Without them, four dense blocks of 4 units with
    growth rate 32 that start from 64 channels: how many channels would leave the last block?"""
    return check("DenseNet 5", answer, lambda a: int(a) == 64 + 4 * 4 * 32,
                 tr("each of the 16 units adds 32 channels to what it receives"),
                 praise=tr("correct! 64 + 16 x 32 = 576 channels, at full size: transition layers "
                           "halve the channels and the size between blocks to keep this in check."))


def exercise_6(block: object, units: int = 4, channels: int = 32, size: int = 24) -> Feedback:
    """Edit and measure: ``block`` is the student's dense block that *adds* each unit's output
    to its input instead of concatenating them, built as ``block(units, channels, channels)``.

    The checker runs it and the book's ``DenseBlock(units, channels, channels)`` on the same
    input, recomputes the sums from the student's own units, and reports what changed: the
    channels leaving the block, the parameters and the activation memory training keeps
    (``saved_tensor_bytes``). Nothing is typed in: the expected numbers are measured.
    """
    name = "DenseNet 6"
    if block is NOT_ATTEMPTED:
        return Feedback(name, None, tr("not attempted yet"))
    torch.manual_seed(0)
    X = torch.rand(2, channels, size, size)  # N x C x H x W
    try:
        yours = block(units, channels, channels).eval()
        with torch.no_grad():
            Y, expected = yours(X), X
            for unit in yours.net:  # the sums, recomputed from the student's own units
                expected = expected + unit(expected)
        adds = Y.shape == X.shape and torch.allclose(Y, expected, atol=1e-5)
    except Exception as error:  # a block that does not build or run is feedback, not a traceback
        return Feedback(name, False, tr(f"could not run your block ({error}). Hint: every unit "
                                        f"gets and gives {channels} channels; X = X + Y"))
    if not adds:
        return Feedback(name, False, tr(f"not yet: your block turns {channels} channels into "
                                        f"{Y.shape[1]}, and it should add each unit's output to its "
                                        "input. Hint: X = X + Y"))
    dense = models.DenseBlock(units, channels, channels)
    out = dense(X).shape[1]
    p_yours, p_dense = models.count_parameters(yours), models.count_parameters(dense)
    m_yours, m_dense = saved_tensor_bytes(yours, X) // 2, saved_tensor_bytes(dense, X) // 2
    return Feedback(name, True, tr(f"correct! Adding, {units} units of growth {channels} keep "
                                   f"{channels} channels (concatenating: {out}); {p_yours:,} "
                                   f"parameters ({p_dense:,}), {m_yours / 2**20:.2f} MB of "
                                   f"activations per image ({m_dense / 2**20:.2f} MB). Each unit "
                                   "now sees only the sum, not every earlier output: that is "
                                   "ResNet's addition, without DenseNet's feature reuse."))
