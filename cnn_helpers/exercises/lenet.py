"""Exercises of chapter 3 (LeNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from . import Feedback, check


def exercise_1(answer) -> Feedback:
    """How many parameters (weights and biases) has LeNet's first convolution?"""
    return check("LeNet 1", answer, lambda a: int(a) == 6 * 1 * 5 * 5 + 6,
                 "6 output channels, each a 1x5x5 kernel plus one bias")


def exercise_2(answer) -> Feedback:
    """The shape (channels, height, width) after the second pooling, for one 28x28 image."""
    return check("LeNet 2", answer, lambda a: tuple(int(n) for n in a) == (16, 5, 5),
                 "28 -> conv 5x5 pad 2 -> 28 -> pool -> 14 -> conv 5x5 -> 10 -> pool -> ?")


def exercise_3(answer) -> Feedback:
    """LeCun fed 32x32 images without padding. How long is the flattened vector then?"""
    return check("LeNet 3", answer, lambda a: int(a) == 16 * 5 * 5,
                 "32 -> conv 5x5 -> 28 -> pool -> 14 -> conv 5x5 -> 10 -> pool -> 5; times 16 channels",
                 praise="correct! The same 400: padding 2 on 28x28 imitates 32x32.")


def exercise_4(answer) -> Feedback:
    """Replace every sigmoid by a ReLU and average by max pooling: how many parameters now?"""
    return check("LeNet 4", answer, lambda a: int(a) == 61_706,
                 "activations and pooling have no parameters",
                 praise="correct! Activations and pooling learn nothing: still 61,706.")
