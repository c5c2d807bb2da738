"""Exercises of chapter 8 (batch normalization), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def _close(a, b) -> bool:
    return abs(float(a) - b) < 1e-6


def exercise_1(answer: object) -> Feedback:
    """How many learned parameters has a batch-norm layer after a convolution with 16 channels?"""
    return check(tr("Batch norm 1"), answer, lambda a: int(a) == 2 * 16,
                 tr("each channel has its own scale gamma and shift beta; the moving mean and "
                    "variance are not learned"),
                 praise=tr("correct! 16 gammas and 16 betas (the moving statistics are buffers)."))


def exercise_2(answer: object) -> Feedback:
    """A batch of 256 images leaves a convolution as 6 channels of 24x24: how many values does
    batch norm average over for each channel?"""
    return check(tr("Batch norm 2"), answer, lambda a: int(a) == 256 * 24 * 24,
                 tr("per channel, over the batch and every pixel: m x p x q (notes 8.2)"),
                 praise=tr("correct! m x p x q = 256 x 24 x 24 = 147,456 values per channel."))


def exercise_3(answer: object) -> Feedback:
    """The moving mean starts at 0 and the book's momentum is 0.9. The first batch's mean is 5:
    what is the moving mean after it?"""
    return check(tr("Batch norm 3"), answer, lambda a: _close(a, 0.9 * 0 + 0.1 * 5),
                 tr("moving = momentum * moving + (1 - momentum) * batch mean"),
                 praise=tr("correct! 0.9 x 0 + 0.1 x 5 = 0.5: the moving average starts slowly."))


def exercise_4(answer: object) -> Feedback:
    """A fully connected layer's batch norm has gamma = 2 and beta = 1 for one feature. In training,
    what are that feature's mean and standard deviation over the batch after it (ignore epsilon)?
    Answer (mean, standard deviation)."""
    return check(tr("Batch norm 4"), answer,
                 lambda a: len(a) == 2 and _close(a[0], 1.0) and _close(a[1], 2.0),
                 tr("normalizing gives mean 0 and standard deviation 1; then y = gamma x + beta"),
                 praise=tr("correct! beta becomes the mean and gamma the standard deviation."))


def exercise_5(answer: object) -> Feedback:
    """Find the notes' error: they say batch norm makes the mean "always" 0 and the variance
    "always" 1. In evaluation mode, a layer with moving mean 2, moving variance 4, gamma = 1 and
    beta = 0 gets a batch whose mean is 6 (ignore epsilon). What is the output's mean?"""
    return check(tr("Batch norm 5"), answer, lambda a: abs(float(a) - 2.0) < 1e-6,
                 tr("in evaluation mode the layer computes (x - moving_mean) / sqrt(moving_var): "
                    "apply it to the mean"),
                 praise=tr("correct! (6 - 2) / 2 = 2: not 0. In evaluation mode (and after gamma, "
                           "beta, and per pixel) the mean is not 0."))


def exercise_6(answer: object) -> Feedback:
    """Why does ``fit`` leave out a last batch of one example for nets with batch norm? In
    training mode, a fully connected layer's batch norm (gamma = 1, beta = 0) gets a batch of
    ONE example whose feature is 7. What does it output for that feature (ignore epsilon)?"""
    import torch

    x = torch.tensor([7.0])
    right = float((x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-5))  # 0, whatever x is
    return check(tr("Batch norm 6"), answer, lambda a: abs(float(a) - right) < 1e-6,
                 tr("the batch's mean is the example itself; subtract it"),
                 praise=tr("correct! 0, whatever the input: a batch of one has no spread, so "
                           "normalizing erases the example (PyTorch refuses it in training)."))
