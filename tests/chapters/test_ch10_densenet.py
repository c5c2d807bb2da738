"""Chapter 10 (DenseNet): profiles, a smoke run, exercises. The net: tests/models/."""

import pytest

from cnn_helpers import models
from cnn_helpers.chapters.ch10_densenet import exercises


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 192, 96),
    (exercises.exercise_2, (96, 12, 12), (96, 24, 24)),
    (exercises.exercise_3, 248, 512),
    (exercises.exercise_4, 160, 192),
    (exercises.exercise_5, 576, 248),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None


def test_exercise_6_accepts_a_block_that_adds_and_reports_what_changed():
    from torch import nn

    class AddingBlock(nn.Module):
        def __init__(self, num_convs, in_channels, num_channels):
            super().__init__()
            self.net = nn.Sequential(*[models.conv_block(num_channels, num_channels)
                                       for _ in range(num_convs)])

        def forward(self, X):
            for unit in self.net:
                X = X + unit(X)
            return X

    feedback = exercises.exercise_6(AddingBlock)
    assert feedback.correct is True and "keep 32 channels (concatenating: 160)" in feedback.message
    assert exercises.exercise_6(models.DenseBlock).correct is False  # concatenates: 160 channels
    assert exercises.exercise_6(...).correct is None
