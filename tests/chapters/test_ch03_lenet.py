"""Chapter 3 (LeNet): its exercises. The net itself is tested in tests/models/."""

import pytest

from cnn_helpers.chapters.ch03_lenet import exercises


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 156, 150),
    (exercises.exercise_2, (16, 5, 5), (16, 4, 4)),
    (exercises.exercise_3, 400, 576),
    (exercises.exercise_4, 61706, 61000),
    (exercises.exercise_5, 15.5, 1.0),
    (exercises.exercise_6, 0.25, 1.0),
])
def test_exercise_checkers_accept_right_and_reject_wrong_answers(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
    assert exercise("nonsense").correct is False
