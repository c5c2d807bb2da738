"""Chapter 5 (VGG): why small kernels pay, profiles, a smoke run, exercises. The net: tests/models/."""

import pytest
from torch import nn

from cnn_helpers import models, receptive_field
from cnn_helpers.chapters.ch05_vgg import exercises


def test_two_3x3_convolutions_see_5x5_with_fewer_parameters_than_one_5x5():
    channels = 64
    stacked = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                            nn.Conv2d(channels, channels, 3, padding=1, bias=False))
    single = nn.Conv2d(channels, channels, 5, padding=2, bias=False)
    assert receptive_field(stacked, 32)[-1].size == receptive_field(single, 32)[-1].size == (5, 5)
    assert models.count_parameters(stacked) == 18 * channels**2 < models.count_parameters(single)
    three = nn.Sequential(*[nn.Conv2d(channels, channels, 3, padding=1, bias=False) for _ in range(3)])
    assert receptive_field(three, 32)[-1].size == (7, 7)
    assert models.count_parameters(three) == 27 * channels**2 < 49 * channels**2


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, (128, 28, 28), (128, 56, 56)),
    (exercises.exercise_2, (8, 3), (11, 0)),
    (exercises.exercise_3, 27, 49),
    (exercises.exercise_4, 32, 224),
    (exercises.exercise_5, (1, 4), (4, 4)),
    (exercises.exercise_6, 145_191_178, 128_806_154),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None


def test_exercise_6s_answer_is_vgg11_rebuilt_with_a_5x5_vgg_block(monkeypatch):
    import importlib

    import torch

    vgg_module = importlib.import_module("cnn_helpers.models.vgg")

    def block_5x5(num_convs, in_channels, out_channels):
        layers = []
        for _ in range(num_convs):
            layers += [nn.Conv2d(in_channels, out_channels, 5, padding=2), nn.ReLU()]
            in_channels = out_channels
        return nn.Sequential(*layers, nn.MaxPool2d(2, 2))

    monkeypatch.setattr(vgg_module, "vgg_block", block_5x5)
    with torch.device("meta"):
        rebuilt = vgg_module.vgg()
    assert exercises.vgg11_parameters_with_kernel(5) == models.count_parameters(rebuilt)
    assert exercises.vgg11_parameters_with_kernel(3) == 128_806_154
