"""Each chapter's main training run, made the way its notebook makes it.

One table: which net a chapter builds from its ``RunSettings`` and how it is
initialized. The notebooks spell their run out for the student; the scripts
that train every chapter -- ``benchmarks/class_profile.py`` (the class
profile over several seeds, for the accuracy targets and chapter 11's
comparison) and ``benchmarks/full_profile.py`` (the book's settings on a
GPU) -- call ``train`` so that they train exactly what the notebooks train:
a notebook's seed-0 result is the script's seed-0 result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from . import models
from .profiles import RunSettings, settings
from .training import History, fit


@dataclass(frozen=True)
class ChapterRun:
    """How one chapter builds and initializes the net it trains."""

    chapter: str  # the row in profiles (``settings(chapter)``)
    model: str  # the key in ``models.ACCURACY_TARGETS``
    title: str  # for tables and plots
    notebook: str
    build: Callable[[RunSettings], nn.Module]
    init: str | None = "xavier"  # fit's init; None: ``build`` initializes (NiN: He init)


CHAPTER_RUNS: dict[str, ChapterRun] = {run.chapter: run for run in (
    ChapterRun("lenet", "lenet", "LeNet", "03_lenet", lambda run: models.lenet()),
    ChapterRun("lenet_modern", "lenet_modern", "LeNet (ReLU, max pooling)", "03_lenet",
               lambda run: models.build("lenet_modern")),
    ChapterRun("alexnet", "alexnet", "AlexNet", "04_alexnet",
               lambda run: models.alexnet(run.width, run.resize)),
    ChapterRun("vgg", "vgg11", "VGG-11", "05_vgg",
               lambda run: models.vgg(width=run.width, image_size=run.resize, hidden=run.hidden)),
    ChapterRun("nin", "nin", "NiN", "06_nin",
               lambda run: models.init_kaiming(models.nin(run.width, run.resize)), init=None),
    ChapterRun("googlenet", "googlenet", "GoogLeNet", "07_googlenet",
               lambda run: models.init_kaiming(models.googlenet(run.width, run.resize)), init=None),
    ChapterRun("lenet_bn", "lenet_bn", "LeNet + batch norm", "08_batch_norm",
               lambda run: models.lenet_bn()),
    ChapterRun("resnet", "resnet18", "ResNet-18", "09_resnet",
               lambda run: models.resnet18(run.width)),
    ChapterRun("densenet", "densenet", "DenseNet", "10_densenet",
               lambda run: models.densenet(run.width)),
)}


def register(run: ChapterRun) -> None:
    """Add a chapter's run (a later chapter's module registers its own)."""
    CHAPTER_RUNS[run.chapter] = run


def train(chapter: str, data, profile: str | None = None, seed: int = 0, device=None,
          live: bool = False, **overrides) -> tuple[nn.Module, History, RunSettings]:
    """Train ``chapter``'s net on ``data`` (an ``ImageData``) as its notebook does.

    ``data`` is cut to the profile's numbers of training and test images;
    ``overrides`` change the settings (``epochs=2``). ``seed`` fixes the
    weights, the biases and the order of the batches. Returns the trained
    net, its ``History`` and the settings used. Raises what ``fit`` raises.
    """
    if chapter not in CHAPTER_RUNS:
        raise ValueError(f"no training run for chapter {chapter!r}; known: {', '.join(CHAPTER_RUNS)}")
    spec = CHAPTER_RUNS[chapter]
    run = settings(chapter, profile, data=data.key, **overrides)
    part = data.subset(run.train_examples, run.test_examples)
    torch.manual_seed(seed)
    net = spec.build(run)
    history = fit(net, part.train, part.test, run.epochs, run.lr, batch_size=run.batch_size,
                  device=device, seed=seed, init=spec.init, resize=run.resize, live=live)
    return net, history, run
