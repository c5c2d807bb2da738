"""Exercises of chapter 6 (NiN), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """Parameters (weights and biases) of one 1x1 convolution from 96 to 96 channels?"""
    return check("NiN 1", answer, lambda a: int(a) == 96 * 96 * 1 * 1 + 96,
                 tr("a 1x1 convolution is a fully connected layer from 96 to 96 features, "
                    "used on every pixel: c_o x c_i weights plus c_o biases"),
                 praise=tr("correct! 96 x 96 + 96 = 9,312, however large the image."))


def exercise_2(answer: object) -> Feedback:
    """Parameters of NiN's last block: a 3x3 convolution from 384 to 10 channels, then two 1x1."""
    return check("NiN 2", answer, lambda a: int(a) == (10 * 384 * 9 + 10) + 2 * (10 * 10 + 10),
                 tr("c_o (c_i k^2 + 1) for the 3x3 convolution, then c_o (c_o + 1) for each 1x1"),
                 praise=tr("correct! 34,570 + 110 + 110 = 34,790: the whole classifier of NiN."))


def exercise_3(answer: object) -> Feedback:
    """The smallest image side NiN can take (11x11 stride 4, no padding, three 3x3 stride-2 poolings)?"""
    return check("NiN 3", answer, lambda a: int(a) == 67,
                 tr("work backwards: the last pooling needs a 3x3 input, so the second pooling must "
                    "give 3, so it needs 7, so the first must give 7, so it needs 15 = the "
                    "convolution's output side; floor((n - 11) / 4) + 1 = 15"),
                 praise=tr("correct! 67 -> 15 -> 7 -> 3 -> 1; at 66 the last pooling has no room."))


def exercise_4(answer: object) -> Feedback:
    """Parameters of a fully connected layer from NiN's 384x5x5 features to 10 classes?"""
    return check("NiN 4", answer, lambda a: int(a) == 384 * 5 * 5 * 10 + 10,
                 tr("flatten 384 channels of 5x5 into one vector, then n x m weights plus m biases"),
                 praise=tr("correct! 96,010 -- and AlexNet's two hidden layers of 4,096 would add tens "
                           "of millions; global average pooling has none."))


def exercise_5(answer: object) -> Feedback:
    """Why does NiN's last block have exactly 10 output channels? Answer "a", "b" or "c":
    (a) one map per class: global average pooling turns each into that class's score;
    (b) 10 channels are the fewest a 3x3 convolution allows; (c) to match AlexNet's width."""
    return check("NiN 5", answer, lambda a: str(a).strip().lower().strip("()") == "a",
                 tr("what does global average pooling make of each channel, and what must the "
                    "net output for 10 classes?"),
                 praise=tr("correct! Channel j, averaged, is the score of class j: no fully "
                           "connected layer is needed (notes 6.2)."))
