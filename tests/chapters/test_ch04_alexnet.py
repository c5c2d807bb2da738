"""Chapter 4 (AlexNet): profiles, a smoke run, exercises. The net: tests/models/."""

import pytest

from cnn_helpers.chapters.ch04_alexnet import exercises


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 11_712, 11_616),
    (exercises.exercise_2, 54, 55),
    (exercises.exercise_3, 256, 6400),
    (exercises.exercise_4, (0.0, 2.0), (0.0, 1.0)),
    (exercises.exercise_5, 16, 40),
    (exercises.exercise_6, 0, 1),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
