"""Exercises of chapter 7 (GoogLeNet), checked instantly: ``exercise_1(answer)`` etc."""

from __future__ import annotations

from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr

# Block 3a: 192 input channels; path 2 reduces to 96 then 3x3 to 128; path 3 reduces to 16
# then 5x5 to 32. Parameters with and without the 1x1 reductions (weights and biases):
_PATH2_WITH = 96 * (192 + 1) + 128 * (96 * 9 + 1)   # 129,248
_PATH2_WITHOUT = 128 * (192 * 9 + 1)                 # 221,312
_PATH3_WITH = 16 * (192 + 1) + 32 * (16 * 25 + 1)   # 15,920
_PATH3_WITHOUT = 32 * (192 * 25 + 1)                 # 153,632


def exercise_1(answer: object) -> Feedback:
    """The notes write block 4a as "192 + (96, 208) + (16, 48) + 64". How many output channels?"""
    return check("GoogLeNet 1", answer, lambda a: int(a) == 192 + 208 + 48 + 64,
                 tr("in a pair, the first number is the 1x1 reduction inside the path; only the "
                    "second, the path's output, is concatenated"),
                 praise=tr("correct! 192 + 208 + 48 + 64 = 512 (read literally the sum would be 624)."))


def exercise_2(answer: object) -> Feedback:
    """Parameters (weights and biases) of block 3a's path 3: a 1x1 convolution from 192 to 16
    channels, then a 5x5 convolution from 16 to 32?"""
    return check("GoogLeNet 2", answer, lambda a: int(a) == _PATH3_WITH,
                 tr("c_o (c_i k^2 + 1) for each convolution: 16 (192 + 1), then 32 (16 x 25 + 1)"),
                 praise=tr(f"correct! 3,088 + 12,832 = {_PATH3_WITH:,}."))


def _is_path_3_and_its_factor(answer) -> bool:
    path, factor = answer
    return int(path) == 3 and abs(float(factor) - _PATH3_WITHOUT / _PATH3_WITH) <= 0.1


def exercise_3(answer: object) -> Feedback:
    """In block 3a, which path's parameters does the 1x1 reduction save most, and by what
    factor (parameters without it / with it)? Answer (path number, factor). And why that one?"""
    return check("GoogLeNet 3", answer, _is_path_3_and_its_factor,
                 tr("without the reduction a k x k convolution reads all 192 channels: "
                    "c_o (192 k^2 + 1) parameters. Compare both paths with and without; a pair "
                    "such as (2, 1.5)"),
                 praise=tr(f"correct! Path 3: {_PATH3_WITHOUT:,} / {_PATH3_WITH:,} = "
                           f"{_PATH3_WITHOUT / _PATH3_WITH:.2f}x (path 2 only "
                           f"{_PATH2_WITHOUT / _PATH2_WITH:.2f}x). Why: a k x k kernel's weights "
                           "grow with c_in k^2, and path 3 has the largest kernel (k^2 = 25) and "
                           "the strongest reduction (192 -> 16 channels, 12x)."))


def exercise_4(answer: object) -> Feedback:
    """Why does path 4 end in a 1x1 convolution? Answer with a letter:
    (a) to enlarge the pooling's receptive field; (b) max pooling keeps every input channel
    (192 in 3a), the 1x1 convolution sets how many the path adds; (c) to keep the height and
    width; (d) because a max pooling layer cannot be followed by a ReLU."""
    return check("GoogLeNet 4", answer,
                 lambda a: str(a).strip().strip("()").lower() == "b",
                 tr("pooling works on each channel separately (chapter 2): how many channels "
                    "leave the 3x3 max pooling of block 3a?"),
                 praise=tr("correct! Without it, block 3a's output would have 64 + 128 + 32 + 192 "
                           "= 416 channels, and every later block even more: the 1x1 convolution "
                           "keeps the pooled path to 32."))
