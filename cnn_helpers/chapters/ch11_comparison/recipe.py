"""Chapter 11.4: what each part of the class recipe adds, measured one at a time over seeds.

The class profile reaches the book's accuracy in minutes instead of ten GPU epochs with
``training.CLASS`` (``core/recipe.py`` says what each part is for). This module climbs
the ladder from the book's recipe to the class recipe one ingredient at a time (``LADDER``),
each rung trained on the same net, data, epochs, peak learning rate and seeds by
``benchmarks/recipe.py``; chapter 11 shows the table and the plot and judges the result.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

import matplotlib.pyplot as plt

from cnn_helpers import core
from cnn_helpers.core.claims import verdict
from cnn_helpers.core.language import tr
from cnn_helpers.core.recipe import BOOK, CLASS

RESULTS = core.RESULTS / "recipe.json"

_MOMENTUM = replace(BOOK, name="+ momentum", momentum=CLASS.momentum, nesterov=CLASS.nesterov)
_DECAY = replace(_MOMENTUM, name="+ weight decay", weight_decay=CLASS.weight_decay)
_CYCLE = replace(_DECAY, name="+ one-cycle", one_cycle=True, warmup=CLASS.warmup)
_SMOOTH = replace(_CYCLE, name="+ label smoothing", label_smoothing=CLASS.label_smoothing)
# Each rung adds one ingredient to the one before; the last is the class recipe itself.
LADDER = (BOOK, _MOMENTUM, _DECAY, _CYCLE, _SMOOTH, replace(CLASS, name="+ flips = class"))


def _runs(results: dict, net: str, recipe: str) -> list[dict]:
    return [r for r in results["runs"] if r["chapter"] == net and r["recipe"] == recipe]


def rows(results: dict) -> list[dict]:
    """One row per net and rung: the last epoch's test accuracy per seed, their mean and spread,
    and the mean seconds of training. Raises ``ValueError`` for a file with no runs."""
    if not results.get("runs"):
        raise ValueError("the recipe results hold no runs: run benchmarks/recipe.py")
    table = []
    for net in dict.fromkeys(r["chapter"] for r in results["runs"]):
        for rung in LADDER:
            found = _runs(results, net, rung.name)
            if not found:
                continue
            last = [r["history"]["test_acc"][-1] for r in found]
            table.append({"net": net, "recipe": rung.name, "seeds": len(found),
                          "per seed": " ".join(f"{a:.3f}" for a in last),
                          "mean": round(statistics.fmean(last), 3),
                          "worst": round(min(last), 3),
                          "spread": round(max(last) - min(last), 3),
                          "seconds": round(statistics.fmean(r["seconds"] for r in found))})
    return table


def plot(results: dict, net: str, ax=None):
    """Test accuracy against seconds of training, one line per rung (mean over seeds; each
    point an epoch's end). Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.6))
    for rung in LADDER:
        found = _runs(results, net, rung.name)
        if not found:
            continue
        accuracy = [statistics.fmean(a) for a in zip(*(r["history"]["test_acc"] for r in found))]
        seconds = [statistics.fmean(s) for s in zip(*(_elapsed(r) for r in found))]
        ax.plot(seconds, accuracy, marker="o", label=rung.name,
                linewidth=3 if rung.name.endswith("class") else 1.5)
    book = results.get("book_accuracy", {}).get(net)
    if book is not None:
        ax.axhline(book, color="grey", linestyle=":", label=f"the book (GPU, 10 epochs): {book}")
    ax.set_xlabel("seconds of training (this machine, 2 threads)", fontsize=12)
    ax.set_ylabel("test accuracy", fontsize=12)
    ax.set_title(f"{net}: each ingredient added to the one before (mean of "
                 f"{len(_runs(results, net, BOOK.name))} seeds)", fontsize=13)
    ax.legend(fontsize=10, loc="upper left")
    ax.grid(alpha=0.3)
    return ax


def _elapsed(run: dict) -> list[float]:
    total, out = 0.0, []
    for seconds in run["history"]["epoch_seconds"]:
        total += seconds
        out.append(total)
    return out


def check_ladder(results: dict) -> None:
    """Judge the ladder in verdict lines: does the class recipe beat the book's on every seed of
    every net, and which single step added the most? Prints; never raises for a false claim."""
    for net in dict.fromkeys(r["chapter"] for r in results["runs"]):
        book = {r["seed"]: r["history"]["test_acc"][-1] for r in _runs(results, net, BOOK.name)}
        full = {r["seed"]: r["history"]["test_acc"][-1] for r in _runs(results, net, LADDER[-1].name)}
        seeds = sorted(set(book) & set(full))
        gains = [full[s] - book[s] for s in seeds]
        verdict(bool(seeds) and min(gains) > 0,
                f"{net}: the class recipe beats the book's on every seed ({len(seeds)}), by "
                f"{min(gains):+.3f} to {max(gains):+.3f}" if seeds else f"{net}: no seeds to compare",
                f"{net}: the class recipe is ahead on {sum(g > 0 for g in gains)} of {len(seeds)} "
                f"seeds only (gains {', '.join(f'{g:+.3f}' for g in gains)})")
        means = [(r["recipe"], r["mean"]) for r in rows(results) if r["net"] == net]
        steps = [(b[0], b[1] - a[1]) for a, b in zip(means, means[1:])]
        if steps:
            best = max(steps, key=lambda step: step[1])
            worst = min(steps, key=lambda step: step[1])
            print(tr(f"  {net}: the largest step is {best[0]} ({best[1]:+.3f} in mean "
                     f"accuracy); the smallest {worst[0]} ({worst[1]:+.3f})"))
