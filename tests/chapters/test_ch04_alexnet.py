"""Chapter 4 (AlexNet): profiles, a smoke run, exercises. The net: tests/models/."""

import pytest

from cnn_helpers import models, settings, training
from cnn_helpers.chapters.ch04_alexnet import exercises
from cnn_helpers.core import data


def test_smoke_profile_trains_resized_digits_and_the_loss_falls():
    run = settings("alexnet", "smoke")
    part = data.load_fallback_digits().subset(run.train_examples, run.test_examples)
    history = training.fit(models.alexnet(run.width, run.resize), part.train, part.test,
                           run.epochs, run.lr, batch_size=run.batch_size, device="cpu",
                           seed=0, live=False, resize=run.resize)
    assert history.train_loss[-1] < history.train_loss[0]


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
