"""Run profiles: how much data, how many epochs, how wide a model.

Three profiles, chosen automatically and overridden by ``CNN_PROFILE``:

* ``smoke`` -- the test suite: tiny data, seconds per notebook, yet real training.
* ``class`` -- the default on a CPU: every chapter in minutes on a 2-core laptop.
* ``full``  -- the default on a GPU: the book's settings.

A notebook never hard-codes epochs or sizes; it asks ``settings("lenet")``
(``cnn_helpers.chapters.settings``), which reads them from the chapter's record
(``chapters/ch03_lenet/__init__.py``): the single place where those numbers live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from cnn_helpers.core.recipe import BOOK, Recipe

PROFILE_VARIABLE = "CNN_PROFILE"
PROFILE_NAMES = ("smoke", "class", "full")


@dataclass(frozen=True)
class RunSettings:
    """What one chapter trains with under one profile."""

    profile: str
    epochs: int
    batch_size: int
    lr: float
    train_examples: int | None  # None: the whole training set
    test_examples: int | None
    width: float = 1.0  # multiplies channel counts of the wider models
    resize: int | None = None  # image side the model expects (None: 28)
    hidden: int | None = None  # units of the hidden fully connected layers, where a chapter sets them
    recipe: Recipe = BOOK  # how fit trains: the book's plain SGD, or the class recipe (core.recipe)

    @classmethod
    def from_dict(cls, fields: dict) -> RunSettings:
        """The settings a results file wrote with ``dataclasses.asdict`` (its recipe a dict; a
        file from before recipes existed has none: the book's)."""
        recipe = fields.get("recipe", BOOK)
        return cls(**{**fields, "recipe": Recipe(**recipe) if isinstance(recipe, dict) else recipe})


def current_profile() -> str:
    """``CNN_PROFILE`` if set, else ``full`` with a CUDA GPU and ``class`` otherwise."""
    name = os.environ.get(PROFILE_VARIABLE, "").strip().lower()
    if name:
        if name not in PROFILE_NAMES:
            raise ValueError(
                f"{PROFILE_VARIABLE}={name!r} is not a profile; choose one of {', '.join(PROFILE_NAMES)}"
            )
        return name
    return "full" if torch.cuda.is_available() else "class"
