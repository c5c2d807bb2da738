"""NiN's learning rate against AlexNet's and VGG's (notes 6.2): a short sweep.

The notes say NiN is usually trained with a larger learning rate than
AlexNet and VGG (the book: 0.1 for NiN, 0.01 for AlexNet, 0.05 for VGG).
``sweep`` trains each net -- the course's class-profile builds, each
initialized as its chapter does -- from the same seed on the same batches,
once per learning rate, for the same short budget, and records the test
accuracy each reaches; ``best_rates`` picks each net's best rate.
``benchmarks/learning_rate.py`` runs it over seeds; chapter 6 reads the
recorded table (``recorded``) and judges the notes' claim on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from cnn_helpers import core
from cnn_helpers.core.claims import verdict
from cnn_helpers.core.language import tr

RESULTS = core.RESULTS / "learning_rate.json"
RATES = (0.0125, 0.025, 0.05, 0.1, 0.2, 0.4)  # doubling steps around the book's 0.01-0.1
NETS = ("nin", "alexnet", "vgg")  # run keys: each net as its chapter builds and initializes it
LEFT_CHANCE = 0.15  # a test accuracy above this left chance (0.1 for 10 classes)


@dataclass
class SweepPoint:
    """One net trained at one learning rate: its test accuracy after the budget (0.1: chance)."""

    net: str
    lr: float
    test_acc: float
    diverged: bool  # the loss became inf or NaN (the accuracy is then chance, 0.1)


def sweep(data, budget, rates=RATES, nets=NETS, seed: int = 0,
          device: torch.device | str | None = None, profile: str = "class") -> list[SweepPoint]:
    """Train every net in ``nets`` at every rate in ``rates`` for the same ``budget``.

    Args:
        data: the data set (``ImageData``), cut to the budget's examples.
        budget: a ``RunSettings`` giving epochs, batch size and the training and
            test examples (``settings("lr_sweep")``); each net keeps its own
            width and image size from its run in ``profile``.
        rates: the learning rates to try.
        nets: run keys of the nets ("nin", "alexnet", "vgg").
        seed: the same initial weights per net and the same batches for all.
        device: where to train (default: ``fit``'s choice).
        profile: whose widths and image sizes to use.

    Returns:
        One ``SweepPoint`` per net and rate, nets in order, rates ascending.

    Raises:
        KeyError: for an unknown run key; and what ``training.fit`` raises
            other than divergence.
    """
    from cnn_helpers import chapters, training

    part = data.subset(budget.train_examples, budget.test_examples)
    points = []
    for key in nets:
        run = chapters.run(key)
        own = chapters.settings(key, profile, data=data.key)
        for lr in rates:
            torch.manual_seed(seed)
            net = run.build(own)
            try:
                history = training.fit(net, part.train, part.test, budget.epochs, lr,
                                       batch_size=budget.batch_size, device=device, seed=seed,
                                       init=run.init, resize=own.resize, live=False)
                points.append(SweepPoint(key, lr, history.test_acc[-1], False))
            except training.TrainingDiverged:
                points.append(SweepPoint(key, lr, 0.1, True))
    return points


def best_rates(points: list[SweepPoint]) -> dict[str, float | None]:
    """Net -> the rate of its highest test accuracy (the smaller rate on a tie); None for a net
    that left chance at no rate (no accuracy above ``LEFT_CHANCE``): it has no best rate."""
    best: dict[str, SweepPoint] = {}
    for point in sorted(points, key=lambda p: p.lr):
        if point.net not in best or point.test_acc > best[point.net].test_acc:
            best[point.net] = point
    return {net: point.lr if point.test_acc > LEFT_CHANCE else None for net, point in best.items()}


def recorded(path: Path | str = RESULTS) -> dict[int, list[SweepPoint]]:
    """Seed -> the sweep's points, from a ``benchmarks/learning_rate.py`` file ({} if none)."""
    path = Path(path)
    if not path.exists():
        return {}
    found: dict[int, list[SweepPoint]] = {}
    for row in json.loads(path.read_text())["runs"]:
        seed = row.pop("seed")
        found.setdefault(seed, []).append(SweepPoint(**row))
    return found


def rows(points: list[SweepPoint], seed: int) -> list[dict]:
    """The results file's rows for one seed."""
    return [{"seed": seed, **asdict(point)} for point in points]


def table(seeds: dict[int, list[SweepPoint]]) -> str:
    """The recorded sweep as text: one row per net and seed, one column per rate, best marked *."""
    rates = sorted({p.lr for points in seeds.values() for p in points})
    lines = [f"{'net':>8} {'seed':>4} " + " ".join(f"{lr:>7g}" for lr in rates)]
    for seed, points in sorted(seeds.items()):
        best = best_rates(points)
        for net in dict.fromkeys(p.net for p in points):
            mine = {p.lr: p for p in points if p.net == net}
            cells = [("  —" if lr not in mine else
                      f"{'diverged' if mine[lr].diverged else format(mine[lr].test_acc, '.3f')}"
                      + ("*" if lr == best[net] else " ")) for lr in rates]
            lines.append(f"{net:>8} {seed:>4} " + " ".join(f"{c:>7}" for c in cells))
    return "\n".join(lines)


def check_rates(seeds: dict[int, list[SweepPoint]]) -> dict[str, list[float]]:
    """Judge the notes' claim on the recorded sweep: is NiN's best rate larger, on every seed?

    Prints the table, then one verdict per other net: ✓ when NiN's best rate
    is larger than that net's on every recorded seed where both left chance,
    ✗ with the rates when not; a seed where a net learned at no rate is named
    and left out.

    Returns:
        Net -> its best rate on each seed (seeds ascending; None: it learned at no rate).

    Raises:
        ValueError: when nothing is recorded.
    """
    if not seeds:
        raise ValueError("no recorded sweep: run python benchmarks/learning_rate.py")
    print(table(seeds))
    best: dict[str, list[float | None]] = {}
    for seed in sorted(seeds):
        for net, lr in best_rates(seeds[seed]).items():
            best.setdefault(net, []).append(lr)
    for net, rates in best.items():
        stuck = [seed for seed, lr in zip(sorted(seeds), rates) if lr is None]
        if stuck:
            print(tr(f"{net} left chance at no rate on seed(s) {stuck}: no best rate there"))
    for other in (net for net in best if net != "nin"):
        pairs = [(a, b) for a, b in zip(best["nin"], best[other]) if a is not None and b is not None]
        if not pairs:
            print(tr(f"no seed on which both NiN and {other} learned: nothing to compare"))
            continue
        rates = ", ".join(f"{a:g} vs {b:g}" for a, b in pairs)
        larger = sum(a > b for a, b in pairs)
        verdict(larger == len(pairs),
                f"NiN's best learning rate is larger than {other}'s on every seed where both "
                f"learned ({rates})",
                f"NiN's best learning rate is not larger than {other}'s on any seed ({rates})"
                if larger == 0 else f"NiN's best learning rate is larger than {other}'s on "
                f"only {larger} of {len(pairs)} seeds ({rates})")
    return best
