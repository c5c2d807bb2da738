"""Exercises of chapter 9 (ResNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.feedback import NOT_ATTEMPTED, Feedback, check
from cnn_helpers.core.language import tr


def exercise_1(answer: object) -> Feedback:
    """A residual block with use_1x1conv=True and strides=2 gets a 64x24x24 input and has 128
    output channels. What is its output shape (C, H, W)?"""
    return check("ResNet 1", answer, lambda a: tuple(int(n) for n in a) == (128, 12, 12),
                 tr("the first 3x3 convolution has stride 2; the 1x1 shortcut too, so both halve"))


def exercise_2(answer: object) -> Feedback:
    """How many layers with weights has ResNet-18, not counting the 1x1 shortcut convolutions?"""
    return check("ResNet 2", answer, lambda a: int(a) == 18,
                 tr("the stem's convolution, 4 modules x 2 blocks x 2 convolutions, the output layer"),
                 praise=tr("correct! 1 + 16 + 1 = 18, hence the name."))


def exercise_3(answer: object) -> Feedback:
    """ResNet-18 ends with global average pooling. Fed 224x224 images instead of 96x96, how many
    inputs does its final fully connected layer have?"""
    return check("ResNet 3", answer, lambda a: int(a) == 512,
                 tr("global average pooling leaves one number per channel, whatever the size"),
                 praise=tr("correct! Still 512: global average pooling makes the size irrelevant."))


def exercise_4(answer: object) -> Feedback:
    """How many parameters do ResNet-18's three 1x1 shortcut convolutions have together?"""
    return check("ResNet 4", answer,
                 lambda a: int(a) == (64 * 128 + 128) + (128 * 256 + 256) + (256 * 512 + 512),
                 tr("64 -> 128, 128 -> 256 and 256 -> 512 channels; a 1x1 kernel has c_i weights "
                    "per output channel, plus a bias"),
                 praise=tr("correct! 172,928: 1.5% of ResNet-18's 11,178,378."))


def exercise_5(answer: object) -> Feedback:
    """Why: the book's residual block computes ReLU(F(X) + X). Suppose F(X) = 0. What does the
    block output for an input element equal to -3?"""
    return check("ResNet 5", answer, lambda a: float(a) == 0.0,
                 tr("add F(X) = 0 to the input, then apply the ReLU"),
                 praise=tr("correct! ReLU(-3) = 0: with a ReLU after the addition the block is the "
                           "identity only for non-negative inputs; pre-activation blocks (He et al. "
                           "2016) move the ReLU inside F so the shortcut is exact."))


def gradient_growth(block: Callable[..., nn.Module] | None, shortcut: bool = True,
                    depth: int = 32) -> float:
    """How much larger the first layer's gradient is through ``depth`` blocks than through one.

    The stacks of ``models.first_layer_gradient`` with batch norm (seed 0), built
    from ``block`` (``Residual`` when None) called with ``shortcut``.
    """
    def gradient(blocks: int) -> float:
        return models.first_layer_gradient(blocks, shortcut, batch_norm=True, block=block)
    return gradient(depth) / gradient(1)


def exercise_6(block: object) -> Feedback:
    """Edit the block and measure it: ``block`` is the student's ``Residual`` whose ``forward``
    no longer adds its input back. Through 32 of them (with batch norm) the first layer's
    gradient should grow as the plain stack's does, not stay as tame as the residual one's.
    The checker measures the student's block, the book's and the plain one: nothing typed in."""
    name = "ResNet 6"
    if block is NOT_ATTEMPTED:
        return Feedback(name, None, tr("not attempted yet"))
    try:
        yours = gradient_growth(block)
    except Exception as error:  # a block that does not build or run is feedback, not a traceback
        return Feedback(name, False, tr(f"could not stack 32 of your blocks ({error}). Hint: keep "
                                        "__init__ as it is and change only forward's last line"))
    book, plain = gradient_growth(None), gradient_growth(None, shortcut=False)
    measured = tr(f"through 32 of your blocks the first layer's gradient grows {yours:,.0f}x; "
                  f"through the book's residual blocks {book:,.0f}x, through plain ones "
                  f"{plain:,.0f}x")
    if yours > 10 * book:
        return Feedback(name, True, tr(f"correct! {measured}: without its shortcut the stack's "
                                       "gradient explodes. Put the same change into the Residual "
                                       "cell and rerun the notebook to train ResNet-18 without "
                                       "shortcuts."))
    if yours < 2 * book:  # the block as given: it still adds its input back
        return Feedback(name, None, tr(f"not attempted yet: {measured}, so your block still adds "
                                       "its input back. Change forward's last line to "
                                       "return F.relu(Y)"))
    return Feedback(name, False, tr(f"not yet: {measured}. Hint: return F.relu(Y), without adding "
                                    "the input X back"))
