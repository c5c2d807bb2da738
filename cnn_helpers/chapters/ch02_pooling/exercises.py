"""Exercises of chapter 2, pooling (池化层): one checker per exercise.

In the notebook: ``answer = ...`` then ``pooling.exercise_1(answer)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr

# Exercise 2's 4x4 input, shown in the notebook.
EXERCISE_2_INPUT = torch.tensor([
    [1.0, 3.0, 2.0, 0.0],
    [4.0, 2.0, 1.0, 5.0],
    [0.0, 6.0, 3.0, 3.0],
    [2.0, 2.0, 7.0, 1.0],
])


def _as_tensor(answer) -> torch.Tensor:
    return torch.as_tensor(answer, dtype=torch.float32)


def exercise_1(answer: object) -> Feedback:
    """Output (height, width) of 3x3 max pooling, stride 2, padding 1, on a 56x56 feature map."""
    return check(
        tr("exercise 1"), answer,
        lambda a: tuple(int(v) for v in a) == (28, 28),
        tr("use the formula floor((n - k + p + s) / s) with the TOTAL padding p = 2 x 1"),
    )


def exercise_2(answer: object) -> Feedback:
    """2x2 max pooling (stride 2) and 2x2 average pooling of ``EXERCISE_2_INPUT``, as a pair."""
    X = EXERCISE_2_INPUT[None]  # (1, 4, 4)
    expected_max = F.max_pool2d(X, 2)[0]
    expected_avg = F.avg_pool2d(X, 2)[0]

    def is_correct(a):
        maximum, average = a
        return (torch.equal(_as_tensor(maximum), expected_max)
                and torch.allclose(_as_tensor(average), expected_avg))

    return check(
        tr("exercise 2"), answer, is_correct,
        tr("the four windows are the four 2x2 corners; give (max_matrix, average_matrix)"),
    )


def exercise_3(answer: object) -> Feedback:
    """How many more parameters a flatten + FC head has than a GAP head (512x7x7 maps, 10 classes)."""
    flatten_fc = 512 * 7 * 7 * 10 + 10
    gap_fc = 512 * 10 + 10
    return check(
        tr("exercise 3"), answer,
        lambda a: int(a) == flatten_fc - gap_fc,
        tr("count weights AND biases of each Linear layer: the flattened one has 512*7*7 inputs, "
           "the GAP one 512"),
    )


def exercise_4(answer: object) -> Feedback:
    """The top-left output of 2x2 average pooling, stride 2, padding 1, on a 4x4 image of ones."""
    expected = F.avg_pool2d(torch.ones(1, 4, 4), 2, stride=2, padding=1)[0, 0, 0].item()  # 0.25
    return check(
        tr("exercise 4"), answer,
        lambda a: abs(float(a) - expected) < 1e-6,
        tr("the top-left window holds one pixel of the image and three zeros of the padding, "
           "and PyTorch divides by the window size (count_include_pad=True)"),
    )


def exercise_5(answer: object) -> Feedback:
    """Why: on 512x7x7 feature maps and 10 classes, global average pooling + a fully connected
    layer has about 49 times fewer parameters than flatten + a fully connected layer. Why?
    Answer "a", "b" or "c": (a) each channel becomes one number, so the layer sees 512 inputs
    instead of 512 x 7 x 7; (b) pooling layers have negative parameter counts; (c) averaging
    removes weights from the convolutions before it."""
    return check(tr("exercise 5"), answer, lambda a: str(a).strip().lower().strip("()") == "a",
                 tr("count the inputs of the fully connected layer in each head"),
                 praise=tr("correct! 7 x 7 = 49 values per channel become one (notes 2.3)."))
