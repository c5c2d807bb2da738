"""Exercises with instant feedback: each chapter's checkers build on ``check``.

A student writes an answer into a cell and calls the chapter's checker,
e.g. ``exercises.convolution.exercise_1(answer)``. The checker prints
one line: correct, wrong (with a hint), or -- when the answer is still the
placeholder ``...`` -- "not attempted yet". It never raises, so an
untouched exercise does not stop "Run all" or the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

NOT_ATTEMPTED = ...  # the placeholder left in a notebook's exercise cell


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check: ``correct`` is None when not attempted."""

    exercise: str
    correct: bool | None
    message: str

    def __repr__(self) -> str:
        mark = {True: "\u2713", False: "\u2717", None: "\u2026"}[self.correct]
        return f"{mark} {self.exercise}: {self.message}"

    def __bool__(self) -> bool:
        return bool(self.correct)


def check(exercise: str, answer: Any, is_correct: Callable[[Any], bool], hint: str,
          praise: str = "correct!") -> Feedback:
    """Judge ``answer`` with ``is_correct``; a crash while judging counts as wrong."""
    if answer is NOT_ATTEMPTED:
        return Feedback(exercise, None, "not attempted yet")
    try:
        ok = bool(is_correct(answer))
    except Exception as error:  # a malformed answer is feedback, not a traceback
        return Feedback(exercise, False, f"could not check this answer ({error}). Hint: {hint}")
    return Feedback(exercise, ok, praise if ok else f"not yet. Hint: {hint}")
