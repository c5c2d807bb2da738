"""Exercises of chapter 3 (LeNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """How many parameters (weights and biases) has LeNet's first convolution?"""
    return check("LeNet 1", answer, lambda a: int(a) == 6 * 1 * 5 * 5 + 6,
                 tr("6 output channels, each a 1x5x5 kernel plus one bias"))


def exercise_2(answer: object) -> Feedback:
    """The shape (channels, height, width) after the second pooling, for one 28x28 image."""
    return check("LeNet 2", answer, lambda a: tuple(int(n) for n in a) == (16, 5, 5),
                 tr("28 -> conv 5x5 pad 2 -> 28 -> pool -> 14 -> conv 5x5 -> 10 -> pool -> ?"))


def exercise_3(answer: object) -> Feedback:
    """LeCun fed 32x32 images without padding. How long is the flattened vector then?"""
    return check("LeNet 3", answer, lambda a: int(a) == 16 * 5 * 5,
                 tr("32 -> conv 5x5 -> 28 -> pool -> 14 -> conv 5x5 -> 10 -> pool -> 5; times 16 channels"),
                 praise=tr("correct! The same 400: padding 2 on 28x28 imitates 32x32."))


def exercise_4(answer: object) -> Feedback:
    """Replace every sigmoid by a ReLU and average by max pooling: how many parameters now?"""
    return check("LeNet 4", answer, lambda a: int(a) == 61_706,
                 tr("activations and pooling have no parameters"),
                 praise=tr("correct! Activations and pooling learn nothing: still 61,706."))


def exercise_5(answer: object) -> Feedback:
    """Find the notes' error: they say the second convolution has 16 channels "so that the two
    layers' parameter sizes are similar". How many times as many parameters as the first
    convolution (156) does the second have?"""
    return check("LeNet 5", answer, lambda a: abs(float(a) - 2416 / 156) < 0.6,
                 tr("16 x 6 x 5 x 5 weights + 16 biases against 6 x 1 x 5 x 5 + 6"),
                 praise=tr("correct! 2,416 / 156 = 15.5: not similar at all. Their multiply-adds "
                           "(117,600 and 240,000 per image) are within a factor of 2."))


def exercise_6(answer: object) -> Feedback:
    """Why does the sigmoid LeNet sit at loss 2.30 for its first hundreds of steps? A sigmoid
    passes back its slope times the gradient it receives: at most what fraction of it?"""
    import torch

    z = torch.linspace(-10, 10, 20_001, requires_grad=True)
    torch.sigmoid(z).sum().backward()
    steepest = float(z.grad.max())  # 0.25, at z = 0
    return check("LeNet 6", answer, lambda a: abs(float(a) - steepest) < 1e-3,
                 tr("the sigmoid's slope is s(z) (1 - s(z)); where is it largest, and how large?"),
                 praise=tr(f"correct! At most {steepest:g} (at z = 0): LeNet's four sigmoids shrink "
                           f"the gradient by up to {steepest ** 4:.4f} on its way to the first "
                           "layer (before the weights' own factors), so it starts slowly."))
