"""Chapter 1 exercises (convolutional layers, 卷积层), each checked in one call.

In the notebook a cell holds ``answer = ...``; replace the ``...`` and run
the cell. Every checker returns a ``Feedback`` (shown as one line) and
never raises: an untouched exercise says "not attempted yet".
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from cnn_helpers.chapters.feedback import Feedback, check, pair_of_whole_numbers
from cnn_helpers.core.language import tr
from cnn_helpers.ops import conv_output_shape
from cnn_helpers.ops.receptive import LayerGeometry, receptive_field

# ---------------------------------------------------------------- exercise 1 (1.3)

EXERCISE_1 = dict(input_size=(28, 36), kernel_size=(5, 3), padding=(1, 2), stride=(3, 2))


def exercise_1(answer: object) -> Feedback:
    """Output (height, width) of ``nn.Conv2d(kernel_size=(5, 3), padding=(1, 2), stride=(3, 2))``
    on a 28 x 36 input."""
    expected = conv_output_shape(**EXERCISE_1)

    def is_correct(value):
        return all(v == e for v, e in zip(value, expected))

    return check(tr("exercise 1"), answer, is_correct, form=pair_of_whole_numbers,
                 hint=tr("the notes' p is the TOTAL padding, twice PyTorch's per-side padding; "
                         "work out height and width separately with floor((n - k + p + s) / s)"),
                 praise=tr(f"correct! {expected[0]} x {expected[1]}"))


# ---------------------------------------------------------------- exercise 2 (1.6)

EXERCISE_2 = dict(input_shape=(3, 32, 32), out_channels=16, kernel_size=3, padding=1)


def _exercise_2_counts() -> tuple[int, int]:
    c_i, h, w = EXERCISE_2["input_shape"]
    c_o, k = EXERCISE_2["out_channels"], EXERCISE_2["kernel_size"]
    convolution = c_o * c_i * k * k + c_o  # weights + one bias per output channel
    fully_connected = (c_i * h * w) * (c_o * h * w) + c_o * h * w  # 'same' output size
    return convolution, fully_connected


def exercise_2(answer: object) -> Feedback:
    """(convolution, fully connected) parameter counts, biases included, for a 3x32x32 input
    mapped to 16x32x32 by a 3x3 padding-1 convolution or by one fully connected layer."""
    expected = _exercise_2_counts()

    def is_correct(value):
        conv, dense = value
        return conv == expected[0] and dense == expected[1]

    return check(tr("exercise 2"), answer, is_correct,
                 hint=tr("the convolution has c_o x c_i x k_h x k_w weights plus c_o biases; the fully "
                         "connected layer links every one of the 3*32*32 inputs to every one of the "
                         "16*32*32 outputs, plus one bias per output"),
                 praise=tr(f"correct! {expected[1] / expected[0]:,.0f} times fewer parameters "
                           "for the convolution"))


# ---------------------------------------------------------------- exercise 3 (1.2)

EXERCISE_3 = [
    LayerGeometry.make("conv1", 3, stride=1, padding=1),
    LayerGeometry.make("conv2", 3, stride=2, padding=1),
    LayerGeometry.make("conv3", 3, stride=1, padding=1),
]


def exercise_3(answer: object) -> Feedback:
    """Receptive-field width (in input pixels) of one element after three 3x3 convolutions,
    the second with stride 2."""
    expected = receptive_field(EXERCISE_3, 32)[-1].size[0]

    def is_correct(value):
        return value == expected

    return check(tr("exercise 3"), answer, is_correct,
                 hint=tr("each 3x3 layer adds (3 - 1) x jump to the field, and the jump (product of "
                         "the strides so far) doubles only AFTER the stride-2 layer"),
                 praise=tr(f"correct! {expected} pixels: the stride-2 layer makes the next layer "
                           "grow the field twice as fast"))


# ---------------------------------------------------------------- exercise 4 (1.1, 1.3)

_EXERCISE_4_CASES = [  # (input shape, kernel shape, stride, padding per side)
    ((3, 3), (2, 2), 1, 0),
    ((6, 8), (1, 2), 1, 0),
    ((5, 7), (3, 2), 2, 1),
    ((8, 8), (3, 3), 3, 2),
    ((4, 6), (4, 1), 2, 0),
]


class _BuiltInConvolutionSeen(Exception):
    """Raised inside the student's function when it calls one of PyTorch's convolutions."""


# PyTorch's convolution kernels, as named at the ATen level (F.conv2d, nn.Conv2d,
# torch.conv2d and their back ends all end in one of them).
_BUILT_IN_CONVOLUTION = re.compile(r"(^|[._])(conv(olution|_tbc|_transpose|_depthwise|[123]d)"
                                   r"|\w*_convolution)")


class _RefuseBuiltInConvolution(TorchDispatchMode):
    """Let every tensor operation through except PyTorch's own convolutions."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if _BUILT_IN_CONVOLUTION.search(func.__name__):
            raise _BuiltInConvolutionSeen(func.__name__)
        return func(*args, **(kwargs or {}))


def calls_built_in_convolution(function: Callable, *args: object) -> bool:
    """True when ``function(*args)`` calls one of PyTorch's convolutions (``F.conv2d``,
    ``nn.Conv2d``, ``torch.conv2d``...): exercise 4 asks for one written from scratch."""
    try:
        with _RefuseBuiltInConvolution():
            function(*args)
    except _BuiltInConvolutionSeen:
        return True
    except Exception:  # other mistakes are judged by the value check
        return False
    return False


def _exercise_4_form(function) -> str | None:
    if not callable(function):
        return tr(f"answer with the function itself (answer = my_corr2d), not {function!r}")
    X, K = torch.ones(3, 3), torch.ones(2, 2)
    if calls_built_in_convolution(function, X, K, 1, 0):
        return tr("it uses PyTorch's convolution (F.conv2d or nn.Conv2d): the exercise asks "
                  "for it from scratch -- loop over the output positions and sum window x kernel")
    return None


def _strided_corr2d_is_right(function) -> bool:
    generator = torch.Generator().manual_seed(4)
    for shape, kernel_shape, stride, padding in _EXERCISE_4_CASES:
        X = torch.randn(shape, generator=generator)
        K = torch.randn(kernel_shape, generator=generator)
        expected = F.conv2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]
        got = torch.as_tensor(function(X, K, stride, padding), dtype=expected.dtype)
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-5):
            return False
    return True


def exercise_4(answer: object) -> Feedback:
    """A from-scratch ``corr2d(X, K, stride, padding)`` with stride and per-side zero padding,
    checked against ``F.conv2d`` on several shapes; one that calls ``F.conv2d`` (or any of
    PyTorch's convolutions) itself is refused."""
    return check(tr("exercise 4"), answer, _strided_corr2d_is_right, form=_exercise_4_form,
                 hint=tr("pad first (F.pad(X, (p, p, p, p))), size the output with the formula, and "
                         "take the window X[i*s : i*s + k_h, j*s : j*s + k_w] for output (i, j)"),
                 praise=tr("correct! it agrees with F.conv2d on every test shape"))


def exercise_5(answer: object) -> Feedback:
    """Why: a 3x3 convolution from one 28x28 channel to one 28x28 channel has 9 weights; a fully
    connected layer between the same sizes has 784 x 784 = 614,656. Why so few? Answer "a", "b"
    or "c": (a) the same kernel is used at every position (parameter sharing); (b) the
    convolution ignores the border pixels; (c) the convolution has no bias."""
    return check(tr("exercise 5"), answer, lambda a: str(a).strip().lower().strip("()") == "a",
                 tr("a convolution slides one small kernel over the whole image: every output "
                    "element reuses the same 9 weights"),
                 praise=tr("correct! One 3x3 kernel is shared by all 784 positions (notes 1.6)."))
