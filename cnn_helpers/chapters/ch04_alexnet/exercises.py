"""Exercises of chapter 4 (AlexNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """How many parameters (weights and biases) has AlexNet's first convolution?"""
    return check("AlexNet 1", answer, lambda a: int(a) == 96 * 1 * 11 * 11 + 96,
                 tr("96 output channels, each a 1x11x11 kernel plus one bias"))


def exercise_2(answer: object) -> Feedback:
    """The side of the first convolution's output for a 224x224 image (11x11, stride 4, padding 1)."""
    return check("AlexNet 2", answer, lambda a: int(a) == (224 - 11 + 2 + 4) // 4,
                 tr("the notes' formula: floor((n - k + p + s) / s) with total padding p = 2"),
                 praise=tr("correct! floor((224 - 11 + 2 + 4) / 4) = 54."))


def exercise_3(answer: object) -> Feedback:
    """Fed 96x96 images, how long is the flattened vector of the full-width AlexNet?"""
    return check("AlexNet 3", answer, lambda a: int(a) == 256 * 1 * 1,
                 tr("96 -> conv 11/4 -> 22 -> pool -> 10 -> conv 5 -> 10 -> pool -> 4 -> "
                    "3 x conv 3 -> 4 -> pool -> ?; times 256 channels"),
                 praise=tr("correct! 256 x 1 x 1: at 96x96 the last pooling leaves one pixel."))


def exercise_4(answer: object) -> Feedback:
    """In train mode, a Dropout(0.5) layer gets a vector of ones. Which two values can come out?"""
    return check("AlexNet 4", answer, lambda a: sorted(float(v) for v in set(a)) == [0.0, 2.0],
                 tr("each value is dropped (0) or kept and divided by 1 - p so the mean stays 1"),
                 praise=tr("correct! 0 or 1 / (1 - 0.5) = 2: the expected value is unchanged."))


def exercise_5(answer: object) -> Feedback:
    """The notes say AlexNet uses "tens of times" as many channels as LeNet. By what factor do
    AlexNet's first two convolutions (96 and 256 channels) exceed LeNet's (6 and 16)?"""
    return check("AlexNet 5", answer, lambda a: float(a) == 16,
                 tr("divide 96 by 6 and 256 by 16"),
                 praise=tr("correct! 16 times for both, layer by layer; over all five "
                           "convolutions (1,376 channels against 22) it is 63 times."))


def exercise_6(answer: object) -> Feedback:
    """Why does AlexNet trained with learning rate 0.9 learn nothing? Most of its ReLUs end up
    with a negative input for every image. What gradient does such a ReLU pass back to the
    weights before it?"""
    import torch

    z = torch.tensor([-3.0, -0.5, -0.01], requires_grad=True)
    torch.relu(z).sum().backward()
    right = float(z.grad.abs().max())  # 0: nothing, so those weights never change again
    return check("AlexNet 6", answer, lambda a: float(a) == right,
                 tr("the ReLU's slope for a negative input"),
                 praise=tr("correct! 0: a ReLU that is negative for every image passes back no "
                           "gradient, so the weights feeding it never change -- a 'dead' unit."))
