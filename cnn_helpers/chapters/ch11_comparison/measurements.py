"""Chapter 11's measured columns (卷积神经网络对比): read from the results files of the runs.

``benchmarks/class_profile.py`` (this course's class profile on a CPU,
several seeds) writes ``CLASS_PROFILE_RESULTS``; ``benchmarks/full_profile.py``
(the book's settings on a GPU) writes ``FULL_PROFILE_RESULTS`` when a GPU run
has been committed. Nothing here is typed in by hand. Also one idea
isolated: what batch norm bought LeNet (``batch_norm_gain``).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from cnn_helpers import core

CLASS_PROFILE_RESULTS = core.RESULTS / "class_profile.json"
FULL_PROFILE_RESULTS = core.RESULTS / "full_profile.json"


def load_results(path: Path | str = CLASS_PROFILE_RESULTS) -> dict | None:
    """A results file as a dict, or None when it does not exist (no run committed yet).
    Raises ``ValueError`` naming the file when it is not valid JSON."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a valid results file ({error}); rerun the benchmark "
                         "that writes it") from None


@dataclass(frozen=True)
class Measured:
    """One chapter's class-profile runs (``benchmarks/class_profile.py``), over its seeds.

    ``judged``: per seed, the test accuracy after the last epoch, the run's result
    (``training.judged_accuracy``); ``seconds``: mean wall time of one run;
    ``parameters``/``settings``: of the net that was trained.
    """

    chapter: str
    seeds: tuple[int, ...]
    judged: tuple[float, ...]
    seconds: float
    parameters: int
    settings: dict = field(compare=False)
    test_acc: tuple[tuple[float, ...], ...] = field(default=(), compare=False)  # per seed, per epoch

    def judged_after(self, epochs: int) -> float | None:
        """The mean over seeds of the test accuracy after epoch ``epochs``; None when the
        results hold no per-epoch accuracies or fewer epochs. (With the class recipe's
        schedule an earlier epoch is mid-schedule, at a high learning rate: not a shorter run.)"""
        if not self.test_acc or any(len(acc) < epochs for acc in self.test_acc):
            return None
        return statistics.fmean(acc[epochs - 1] for acc in self.test_acc)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.judged)

    @property
    def low(self) -> float:
        return min(self.judged)

    @property
    def high(self) -> float:
        return max(self.judged)

    @property
    def epochs(self) -> int:
        return self.settings["epochs"]


def measured(results: dict | None, chapter: str) -> Measured | None:
    """``chapter``'s runs in a class-profile results dict, or None when it has none."""
    found = sorted((r for r in (results or {}).get("runs", []) if r["chapter"] == chapter),
                   key=lambda r: r["seed"])
    if not found:
        return None
    return Measured(chapter, tuple(r["seed"] for r in found),
                    tuple(r["judged_accuracy"] for r in found),
                    statistics.fmean(r["seconds"] for r in found), found[0]["parameters"],
                    found[0]["settings"],
                    tuple(tuple(r.get("history", {}).get("test_acc", ())) for r in found))


def full_profile_entry(full: dict | None, chapter: str) -> dict | None:
    """``chapter``'s entry of a full-profile results dict (``benchmarks/full_profile.py``:
    ``test_acc``, ``s_per_epoch``, ...), or None (no GPU run, the net not run, or failed)."""
    entry = (full or {}).get("results", {}).get(chapter)
    return None if entry is None or "error" in entry else entry



def results_summary(results: dict | None, full: dict | None,
                    class_path: Path = CLASS_PROFILE_RESULTS,
                    full_path: Path = FULL_PROFILE_RESULTS) -> str:
    """Where the measured numbers come from, in a few lines.

    Args:
        results: the class-profile results (None: no file).
        full: the full-profile results (None: no GPU run committed).
        class_path: where the class-profile results are read from.
        full_path: where the full-profile results are read from.

    Returns:
        One line per source: class profile, full profile, the book.
    """
    def where(path: Path | str) -> str:
        path = Path(path)
        root = core.CHECKOUT  # benchmarks/results/... in a checkout, cnn_helpers/results/... installed
        return (path.relative_to(root) if path.is_relative_to(root) else path).as_posix()

    if results is None:
        lines = [f"class profile: {where(class_path)} does not exist: run "
                 "`python benchmarks/class_profile.py` (about 20 minutes on 2 cores) to measure it"]
    else:
        machine = results.get("machine", {})
        lines = [f"class profile: {where(class_path)} ({results.get('data', '?')}, profile "
                 f"{results.get('profile', '?')}, {results.get('device', '?')} "
                 f"{machine.get('processor', '')}, {machine.get('torch_threads', '?')} threads, "
                 f"torch {machine.get('torch', '?')}, {results.get('date', '?')}): "
                 f"`{results.get('command', '?')}`"]
    if full is None:
        lines.append(f"full profile (GPU): {where(full_path)}: no GPU run committed yet")
    else:
        lines.append(f"full profile (GPU): {where(full_path)} ({full.get('device', '?')}, "
                     f"{full.get('date', '?')})")
    lines.append("book: the accuracy d2l-zh (2023 edition, chapter 7) prints for its 10-epoch "
                 "GPU run on Fashion-MNIST (a citation, not a measurement of this course)")
    return "\n".join(lines)



# ---------------------------------------------------------------- the ideas, isolated

@dataclass(frozen=True)
class BatchNormGain:
    """LeNet against LeNet with batch norm in the class profile (chapters 3 and 8)."""

    plain: Measured
    with_bn: Measured

    @property
    def gain(self) -> float:
        return self.with_bn.mean - self.plain.mean

    @property
    def plain_at_equal_epochs(self) -> float | None:
        """LeNet's accuracy after as many epochs as LeNet-BN trained (from its per-epoch
        history; None when it trained fewer)."""
        return self.plain.judged_after(self.with_bn.epochs)

    def __str__(self) -> str:
        lines = [f"LeNet ({self.plain.epochs} epochs): {self.plain.mean:.3f} "
                 f"({self.plain.low:.3f}-{self.plain.high:.3f})",
                 f"LeNet + batch norm ({self.with_bn.epochs} epochs): {self.with_bn.mean:.3f} "
                 f"({self.with_bn.low:.3f}-{self.with_bn.high:.3f})",
                 f"difference: {self.gain:+.3f} (means over seeds "
                 f"{', '.join(map(str, self.with_bn.seeds))})"]
        recipes = [m.settings.get("recipe", {}).get("name", "book") for m in (self.plain, self.with_bn)]
        if recipes[0] != recipes[1]:
            lines[-1] += (f" -- not at equal training: LeNet used the {recipes[0]} recipe, LeNet + "
                          f"batch norm the {recipes[1]} recipe (chapter 8 trains both alike)")
        if self.plain.epochs != self.with_bn.epochs:
            lines[-1] += " -- not at equal training: the two ran different numbers of epochs"
            equal = self.plain_at_equal_epochs
            if equal is not None:
                lines.append(f"at equal epochs ({self.with_bn.epochs}): LeNet {equal:.3f} (the same "
                             f"runs, judged after epoch {self.with_bn.epochs}), LeNet + batch norm "
                             f"{self.with_bn.mean:.3f}: {self.with_bn.mean - equal:+.3f}")
        return "\n".join(lines)


def batch_norm_gain(results: dict | None) -> BatchNormGain | None:
    """What batch norm bought LeNet, from the class-profile results (None if either is missing)."""
    plain, with_bn = measured(results, "lenet"), measured(results, "lenet_bn")
    return None if plain is None or with_bn is None else BatchNormGain(plain, with_bn)
