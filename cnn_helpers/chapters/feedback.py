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

from cnn_helpers.core.language import tr

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
          praise: str = "correct!", form: Callable[[Any], str | None] | None = None) -> Feedback:
    """Judge ``answer`` with ``is_correct``; a crash while judging counts as wrong.

    ``form``, when given, looks at the answer's form before its value: it returns a
    sentence when the answer has the wrong kind (the text ``'9x19'`` where a pair of
    numbers is asked for), and that sentence becomes the hint instead of ``hint``, which
    is about the value.

    Args:
        exercise: the exercise's name, shown in the feedback ("LeNet 3").
        answer: the student's answer (``NOT_ATTEMPTED``: not attempted yet).
        is_correct: judges the answer's value.
        hint: shown when the answer is wrong.
        praise: shown when it is right (in the reader's language: ``language.tr``).
        form: returns why the answer has the wrong form, or None.

    Returns:
        The feedback, shown as one line.
    """
    if answer is NOT_ATTEMPTED:
        return Feedback(exercise, None, tr("not attempted yet"))
    problem = form(answer) if form is not None else None
    if problem:
        return Feedback(exercise, False, tr(f"not yet. Hint: {problem}"))
    try:
        ok = bool(is_correct(answer))
    except Exception as error:  # a malformed answer is feedback, not a traceback
        return Feedback(exercise, False,
                        tr(f"could not check this answer ({error}). Hint: {hint}"))
    if ok:
        return Feedback(exercise, True, tr(praise))
    return Feedback(exercise, False, tr(f"not yet. Hint: {hint}"))


def pair_of_whole_numbers(answer: Any) -> str | None:
    """Why ``answer`` is not a (height, width) pair of whole numbers (None when it is)."""
    if isinstance(answer, str):
        return tr(f"give the shape as a pair of numbers (height, width), e.g. (12, 20), not the "
                  f"text {answer!r}")
    try:
        values = list(answer)
    except TypeError:
        return tr(f"give the shape as a pair of numbers (height, width), e.g. (12, 20), not one "
                  f"number ({answer!r})")
    if len(values) != 2:
        return tr(f"give two numbers (height, width), e.g. (12, 20); this answer has "
                  f"{len(values)}")
    if not all(isinstance(v, int) or (hasattr(v, "is_integer") and v.is_integer())
               for v in values):
        return tr(f"the height and the width are whole numbers; got {answer!r}")
    return None
