"""Exercises of chapter 10 (DenseNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check


def exercise_1(answer: object) -> Feedback:
    """A dense block of 4 units with growth rate 32 gets 64 channels. How many channels leave it?"""
    return check("DenseNet 1", answer, lambda a: int(a) == 64 + 4 * 32,
                 "each unit's output is concatenated to everything before it",
                 praise="correct! 64 + 4 x 32 = 192.")


def exercise_2(answer: object) -> Feedback:
    """A transition layer gets 192x24x24 and halves the channels. What is its output shape (C, H, W)?"""
    return check("DenseNet 2", answer, lambda a: tuple(int(n) for n in a) == (96, 12, 12),
                 "a 1x1 convolution sets the channels; 2x2 stride-2 average pooling halves the size")


def exercise_3(answer: object) -> Feedback:
    """In the book's DenseNet, how many channels reach the final fully connected layer?"""
    return check("DenseNet 3", answer, lambda a: int(a) == 248,
                 "64 -> +128 = 192 -> /2 = 96 -> +128 = 224 -> /2 = 112 -> +128 = 240 -> /2 = 120 "
                 "-> +128 = ?",
                 praise="correct! 120 + 4 x 32 = 248 (no transition after the last block).")


def exercise_4(answer: object) -> Feedback:
    """How many input channels has the fourth unit (conv_block) of a dense block that starts
    with 64 channels and has growth rate 32?"""
    return check("DenseNet 4", answer, lambda a: int(a) == 64 + 3 * 32,
                 "the fourth unit sees the block's input and the three earlier units' outputs",
                 praise="correct! 64 + 3 x 32 = 160.")


def exercise_5(answer: object) -> Feedback:
    """Why does DenseNet need transition layers? Without them, four dense blocks of 4 units with
    growth rate 32 that start from 64 channels: how many channels would leave the last block?"""
    return check("DenseNet 5", answer, lambda a: int(a) == 64 + 4 * 4 * 32,
                 "each of the 16 units adds 32 channels to what it receives",
                 praise="correct! 64 + 16 x 32 = 576 channels, at full size: transition layers "
                        "halve the channels and the size between blocks to keep this in check.")
