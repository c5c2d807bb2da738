"""Chapter 6 (NiN): 1x1 convolutions, He init's signal, profiles, a smoke run, exercises. The net: tests/models/."""

import pytest
import torch
from torch import nn

from cnn_helpers import corr2d_multi_in_out_1x1, models, training
from cnn_helpers.chapters.ch06_nin import exercises
from cnn_helpers.core import data


def test_a_1x1_convolution_is_a_fully_connected_layer_on_every_pixel():
    torch.manual_seed(0)
    convolution = nn.Conv2d(6, 4, kernel_size=1)
    dense = nn.Linear(6, 4)
    dense.weight.data = convolution.weight.data.reshape(4, 6)
    dense.bias.data = convolution.bias.data
    X = torch.randn(2, 6, 5, 7)
    per_pixel = dense(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # pixels as samples
    assert torch.allclose(convolution(X), per_pixel, atol=1e-6)
    # chapter 1's from-scratch version, as a matrix product
    assert torch.allclose(corr2d_multi_in_out_1x1(X[0], convolution.weight) + convolution.bias[:, None, None],
                          convolution(X)[0], atol=1e-5)


def test_he_init_keeps_the_signal_through_three_blocks_where_xavier_shrinks_it():
    digits = data.load_fallback_digits().train_images[:64]
    X = nn.functional.interpolate(digits, size=(68, 68), mode="bilinear")

    def size_after_third_block(init, width):
        torch.manual_seed(0)
        net = init(models.nin(width, 68)).eval()
        with torch.no_grad():
            return net[:5](X).pow(2).mean().sqrt().item()

    for width in (0.125, 0.25):
        assert (size_after_third_block(models.init_kaiming, width)
                > 3 * size_after_third_block(training.init_xavier, width))


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 9_312, 9_216),
    (exercises.exercise_2, 34_790, 34_570),
    (exercises.exercise_3, 67, 35),
    (exercises.exercise_4, 96_010, 96_000),
    (exercises.exercise_5, "a", "b"),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
