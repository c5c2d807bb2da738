"""Chapter 9 (ResNet): profiles, a smoke run, exercises. The nets: tests/models/."""

import pytest

from cnn_helpers import models
from cnn_helpers.chapters.ch09_resnet import exercises


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, (128, 12, 12), (128, 24, 24)),
    (exercises.exercise_2, 18, 21),
    (exercises.exercise_3, 512, 25088),
    (exercises.exercise_4, 172_928, 172_480),
    (exercises.exercise_5, 0, -3),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None


def test_exercise_6_measures_the_students_block_and_accepts_it_only_without_the_shortcut():
    from torch.nn import functional as F

    class NoShortcut(models.Residual):
        def forward(self, X):
            return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(X))))))

    assert exercises.exercise_6(NoShortcut).correct is True
    unchanged = exercises.exercise_6(models.Residual)  # the book's block, as the cell gives it
    assert unchanged.correct is None and "not attempted yet" in repr(unchanged)
    assert exercises.exercise_6(3).correct is False  # not a block: feedback, not a traceback
    assert exercises.exercise_6(...).correct is None


def test_the_identity_shortcut_adds_one_addition_per_output_element():
    from cnn_helpers.chapters.ch09_resnet.shortcut import shortcut_cost

    cost = shortcut_cost(channels=8, size=6, batch=2, repeats=2)
    assert cost.additions == 8 * 6 * 6 and cost.multiply_adds == 2 * 9 * 8 * cost.additions
    assert cost.seconds_with > 0 and cost.seconds_without > 0
