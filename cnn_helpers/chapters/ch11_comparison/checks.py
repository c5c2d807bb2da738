"""Chapter 11: the course's networks side by side (卷积神经网络对比).

Two kinds of columns:

* **cheap** ones, recomputed from the builders in seconds: parameters
  (``models.count_parameters``), multiply-adds per image
  (``models.multiply_adds``), the receptive field of the feature map the
  classifier head reads (a probe in the spirit of
  ``receptive.autograd_receptive_field``, cross-checked in the tests
  against the recurrences of ``receptive.receptive_field``), and the
  activation memory one image needs in training (the bytes autograd saves
  for the backward pass, summed with ``torch.autograd.graph.saved_tensors_hooks``);
  all at the book's input size, for the net the book trains (``settings(chapter, "full")``);
* **measured** ones, read from results files written by the runs that
  measured them: ``benchmarks/class_profile.py`` (this course's class
  profile on a CPU, several seeds) -> ``CLASS_PROFILE_RESULTS``, and
  ``benchmarks/full_profile.py`` (the book's settings on a GPU) ->
  ``FULL_PROFILE_RESULTS`` when a GPU run has been committed.

The book's printed accuracies and the papers are citations, read from
each chapter's record (``Run.book_accuracy``, ``Chapter.paper``); nothing
else is typed in by hand. The nets compared are the runs whose record says
``compared=True``, plus any run the results file holds, so a new chapter
appears here without edits.
"""

from __future__ import annotations

import functools
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from cnn_helpers import core, models
from cnn_helpers.chapters import CHAPTER_OF, RUNS, settings, trained_runs
from cnn_helpers.chapters.ch10_densenet.memory import (
    activation_bytes,  # chapter 11's memory column (moved to memory)
)
from cnn_helpers.chapters.record import Paper
from cnn_helpers.core.profiles import RunSettings

ROOT = core.CHECKOUT
CLASS_PROFILE_RESULTS = ROOT / "benchmarks" / "results" / "class_profile.json"
FULL_PROFILE_RESULTS = ROOT / "benchmarks" / "results" / "full_profile.json"

_HEAD = (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


# ---------------------------------------------------------------- the cheap columns

@dataclass(frozen=True)
class CheapColumns:
    """What one net costs, computed from its builder at one input size.

    ``parameters``: learnable numbers; ``multiply_adds``: per image, all
    convolutions and fully connected layers; ``receptive_field``: side in
    input pixels of the field of one central element of the feature map the
    head reads (not clipped to the image: it may exceed ``image_size``);
    ``activation_bytes``: bytes autograd keeps for the backward pass, per
    image, in training mode (float32).
    """

    chapter: str
    image_size: int
    parameters: int
    multiply_adds: int
    receptive_field: int
    activation_bytes: int


def chapter_names(results: dict | None = None) -> list[str]:
    """The runs compared: those whose record says ``compared``, in chapter order, then any
    other run the class-profile ``results`` hold that no record knows (measured, but not
    buildable in this checkout)."""
    names = [run.key for run in RUNS.values() if run.compared]
    for run in (results or {}).get("runs", []):
        if run["chapter"] not in names and run["chapter"] not in RUNS:
            names.append(run["chapter"])
    return names


def title(chapter: str, results: dict | None = None) -> str:
    """The net's name for tables and plots (its record, else the results file)."""
    if chapter in RUNS:
        return RUNS[chapter].title
    for run in (results or {}).get("runs", []):
        if run["chapter"] == chapter:
            return run["title"]
    return chapter


def build(chapter: str, run: RunSettings | None = None) -> tuple[nn.Module, int]:
    """The net ``chapter`` trains with ``run`` (default: ``settings(chapter, "full")``, the
    book's configuration) and its input side in pixels. Raises ``ValueError`` for a run
    without a builder."""
    if chapter not in RUNS or RUNS[chapter].build is None:
        raise ValueError(f"run {chapter!r} has no builder in this checkout (those with one: "
                         f"{', '.join(r.key for r in trained_runs())})")
    run = run or settings(chapter, "full")
    torch.manual_seed(0)
    return RUNS[chapter].build(run), run.resize or 28


def total_multiply_adds(net: nn.Module, image_size: int) -> int:
    """Multiply-adds for one (1, image_size, image_size) image: the sum of
    ``models.multiply_adds`` over every convolution and fully connected layer."""
    return sum(work for _, _, work in models.multiply_adds(net, (1, 1, image_size, image_size)))


class _SumConv(nn.Module):
    """A probe convolution: sums its input channels, then one all-ones kernel with the
    original geometry. Any channel count goes in, one channel comes out."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                              bias=False, dtype=torch.float64)
        nn.init.ones_(self.conv.weight)

    def forward(self, X):
        return self.conv(X.sum(1, keepdim=True))


class _ReachedHead(Exception):
    def __init__(self, features):
        self.features = features


def _geometry_probe(net: nn.Module) -> nn.Module:
    """A copy of ``net`` that keeps only its geometry: every convolution a ``_SumConv``, max
    pooling average pooling (so the gradient reaches the whole window), every other
    pointwise layer (activations, batch norm, dropout) the identity."""
    import copy

    # the weights are not needed: copy the structure with empty tensors in their place
    memo = {id(p): torch.empty(0) for p in net.parameters()}
    probe = copy.deepcopy(net, memo).cpu()

    def replace(module):
        for name, child in module.named_children():
            if isinstance(child, nn.Conv2d):
                setattr(module, name, _SumConv(child))
            elif isinstance(child, nn.MaxPool2d):
                setattr(module, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                                   ceil_mode=child.ceil_mode))
            elif isinstance(child, (nn.AvgPool2d, *_HEAD)):
                continue
            elif len(list(child.children())) == 0:  # activation, batch norm (ours too), dropout
                setattr(module, name, nn.Identity())
            else:
                replace(child)

    replace(probe)
    return probe.to(torch.float64)


def head_features(net: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The feature map that ``net``'s head (its first flatten, global pooling or fully
    connected layer) receives when ``X`` goes in; the head itself does not run."""
    head = next((m for m in net.modules() if isinstance(m, _HEAD)), None)
    if head is None:
        return net(X)

    def stop(_module, inputs):
        raise _ReachedHead(inputs[0])

    handle = head.register_forward_pre_hook(stop)
    try:
        net(X)
    except _ReachedHead as reached:
        return reached.features
    finally:
        handle.remove()
    raise RuntimeError("the head never ran")  # pragma: no cover


def receptive_field_side(net: nn.Module, image_size: int, largest: int = 4096) -> int:
    """Side, in input pixels, of the receptive field (notes 1.2) of the central element of
    the feature map ``net``'s head reads -- along the longest path, through parallel branches
    (Inception), shortcuts (ResNet) and concatenations (DenseNet) alike.

    Found as ``receptive.autograd_receptive_field`` finds it -- the input pixels with a
    non-zero gradient -- on a geometry-only probe of ``net`` (``_geometry_probe``), on an input
    of ``image_size`` doubled until the field no longer touches the border, so the side is not
    clipped to the image. Raises ``ValueError`` if it still touches at ``largest`` pixels.
    """
    probe = _geometry_probe(net)
    size = image_size
    while size <= largest:
        X = torch.ones((1, 1, size, size), dtype=torch.float64, requires_grad=True)
        features = head_features(probe, X)
        h, w = features.shape[-2:]
        features[0, :, h // 2, w // 2].sum().backward()
        rows = torch.nonzero(X.grad[0, 0].abs().sum(1) > 0).flatten()
        cols = torch.nonzero(X.grad[0, 0].abs().sum(0) > 0).flatten()
        if min(rows[0], cols[0]) > 0 and max(rows[-1], cols[-1]) < size - 1:
            return int(max(rows[-1] - rows[0], cols[-1] - cols[0])) + 1
        size *= 2
    raise ValueError(f"the receptive field still reaches the border of a {largest}x{largest} input")


@functools.lru_cache(maxsize=None)
def cheap_columns(chapter: str, run: RunSettings | None = None) -> CheapColumns:
    """Parameters, multiply-adds, receptive field and activation memory of ``chapter``'s net
    with ``run`` (default: the book's configuration, ``settings(chapter, "full")``)."""
    net, size = build(chapter, run)
    return CheapColumns(chapter, size, models.count_parameters(net), total_multiply_adds(net, size),
                        receptive_field_side(net, size), activation_bytes(net, size))


# ---------------------------------------------------------------- the measured columns

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

    ``judged``: per seed, the mean test accuracy of the last three epochs
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
        """The mean over seeds of the accuracy each run would be judged by had it stopped after
        ``epochs`` epochs (mean test accuracy of its last 3 epochs up to there); None when the
        results hold no per-epoch accuracies or fewer epochs."""
        if not self.test_acc or any(len(acc) < epochs for acc in self.test_acc):
            return None
        return statistics.fmean(statistics.fmean(acc[:epochs][-3:]) for acc in self.test_acc)

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


@dataclass(frozen=True)
class Row:
    """One line of the comparison table; None where a column has no number."""

    chapter: str
    title: str
    paper: Paper | None
    book: CheapColumns | None  # the cheap columns of the book's configuration
    trained: CheapColumns | None  # the same for the net the class profile trained
    class_profile: Measured | None
    full_profile: dict | None
    book_accuracy: float | None


def comparison_rows(results: dict | None, full: dict | None = None,
                    chapters: list[str] | None = None) -> list[Row]:
    """The table: one ``Row`` per chapter of ``chapters`` (default ``chapter_names(results)``);
    the cheap columns recomputed here, the measured ones from ``results`` (class profile) and
    ``full`` (either may be None: no file)."""
    rows = []
    for chapter in chapters or chapter_names(results):
        record = RUNS.get(chapter)
        buildable = record is not None and record.build is not None
        found = measured(results, chapter)
        trained = (cheap_columns(chapter, RunSettings(**found.settings))
                   if buildable and found is not None else None)
        paper = CHAPTER_OF[chapter].paper if record is not None else None
        rows.append(Row(chapter, title(chapter, results), paper,
                        cheap_columns(chapter) if buildable else None, trained, found,
                        full_profile_entry(full, chapter),
                        record.book_accuracy if record is not None else None))
    return rows


def _millions(n) -> str:
    return "-" if n is None else f"{n / 1e6:.2f} M"


def table_frame(rows: list[Row]):
    """The rows as a pandas DataFrame for the notebook (one column per quantity, '-' when
    there is no number; accuracies as fractions, the class profile's as mean and min-max)."""
    import pandas as pd

    def acc(m: Measured | None):
        return "-" if m is None else f"{m.mean:.3f} ({m.low:.3f}-{m.high:.3f})"

    data = {
        "year": [r.paper.year if r.paper else "-" for r in rows],
        "idea (notes)": [r.paper.idea if r.paper else "-" for r in rows],
        "input": [f"{r.book.image_size}²" if r.book else "-" for r in rows],
        "parameters": [_millions(r.book.parameters if r.book else None) for r in rows],
        "multiply-adds": [_millions(r.book.multiply_adds if r.book else None) for r in rows],
        "receptive field": [f"{r.book.receptive_field} px" if r.book else "-" for r in rows],
        "activations / image": [f"{r.book.activation_bytes / 2**20:.2f} MiB" if r.book else "-"
                                for r in rows],
        "class profile acc": [acc(r.class_profile) for r in rows],
        "full profile acc (GPU)": [f"{r.full_profile['test_acc']:.3f}" if r.full_profile else "-"
                                   for r in rows],
        "book acc": [f"{r.book_accuracy:.2f}" if r.book_accuracy is not None else "-"
                     for r in rows],
    }
    return pd.DataFrame(data, index=pd.Index([r.title for r in rows], name="net"))


def trained_frame(rows: list[Row]):
    """The nets the class profile trained: their settings, size, cost and accuracy per seed."""
    import pandas as pd

    kept = [r for r in rows if r.class_profile is not None]
    return pd.DataFrame({
        "width": [r.class_profile.settings["width"] for r in kept],
        "input": [f"{r.trained.image_size}²" if r.trained else "-" for r in kept],
        "epochs": [r.class_profile.epochs for r in kept],
        "parameters": [_millions(r.class_profile.parameters) for r in kept],
        "multiply-adds": [_millions(r.trained.multiply_adds) if r.trained else "-" for r in kept],
        "judged acc per seed": [" ".join(f"{a:.3f}" for a in r.class_profile.judged) for r in kept],
        "s / run": [f"{r.class_profile.seconds:.0f}" for r in kept],
    }, index=pd.Index([r.title for r in kept], name="net"))


def results_summary(results: dict | None, full: dict | None,
                    class_path: Path = CLASS_PROFILE_RESULTS,
                    full_path: Path = FULL_PROFILE_RESULTS) -> str:
    """Where the measured numbers come from, in a few lines."""
    def where(path):
        path = Path(path)
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

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


# ---------------------------------------------------------------- the plots

def plot_accuracy_against(rows: list[Row], quantity: str, ax=None, fontsize: int = 14):
    """Accuracy against ``quantity`` ("parameters", "multiply-adds" or "seconds"), one labelled
    point per net: filled, the class profile's mean over seeds (bar: min-max) against the
    trained net's numbers; hollow, the book's printed accuracy against the book's configuration
    (not for seconds: the book prints no times). Log x except for seconds.
    Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt

    choices = {
        "parameters": (lambda r: r.class_profile.parameters,
                       lambda r: r.book.parameters if r.book else None, "parameters"),
        "multiply-adds": (lambda r: r.trained.multiply_adds if r.trained else None,
                          lambda r: r.book.multiply_adds if r.book else None,
                          "multiply-adds per image"),
        "seconds": (lambda r: r.class_profile.seconds, None,
                    "seconds of training per run (class profile, CPU)"),
    }
    if quantity not in choices:
        raise ValueError(f"quantity={quantity!r}: choose one of {', '.join(choices)}")
    ours, theirs, label = choices[quantity]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.6))
    labels = []
    points = [(ours(r), r) for r in rows if r.class_profile is not None and ours(r) is not None]
    for x, r in points:
        m = r.class_profile
        ax.errorbar([x], [m.mean], yerr=[[m.mean - m.low], [m.high - m.mean]], fmt="o", ms=9,
                    color="tab:blue", capsize=4)
        labels.append(ax.annotate(r.title, (x, m.mean), xytext=(8, 4), textcoords="offset points",
                                  fontsize=fontsize, color="tab:blue"))
    book_points = [(theirs(r), r) for r in rows
                   if theirs is not None and theirs(r) is not None and r.book_accuracy is not None]
    for x, r in book_points:
        ax.plot([x], [r.book_accuracy], "o", ms=9, mfc="none", color="tab:orange")
        labels.append(ax.annotate(r.title, (x, r.book_accuracy), xytext=(8, 4),
                                  textcoords="offset points", fontsize=fontsize - 1,
                                  color="tab:orange"))
    handles = [plt.Line2D([], [], marker="o", ls="", ms=9, color="tab:blue",
                          label="this course, class profile (CPU), mean and min-max of seeds")]
    if book_points:
        handles.append(plt.Line2D([], [], marker="o", ls="", ms=9, mfc="none", color="tab:orange",
                                  label="the book's figure, at the book's configuration"))
    if quantity != "seconds":
        ax.set_xscale("log")
    ax.set_xlabel(label, fontsize=fontsize)
    ax.set_ylabel("test accuracy (Fashion-MNIST)", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 2)
    ax.margins(x=0.15, y=0.12)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=fontsize - 2, loc="upper left")
    _spread_labels(ax, labels)
    return ax


def _spread_labels(ax, labels) -> None:
    """Place each point label beside its point, inside the axes, where it overlaps no label
    placed before it and not the legend: right or left, above or below, stepping further out."""
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = ax.get_legend()
    taken = [legend.get_window_extent(renderer)] if legend is not None else []
    inside = ax.get_window_extent(renderer)
    candidates = [(dx, dy) for step in range(6) for dy in (4 + 14 * step, -14 - 14 * step)
                  for dx in (8, -8)]
    for label in labels:
        for dx, dy in candidates:
            label.set_horizontalalignment("left" if dx > 0 else "right")
            label.xyann = (dx, dy)
            box = label.get_window_extent(renderer)
            if (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0
                    and box.y1 <= inside.y1 and not any(box.overlaps(o) for o in taken)):
                break
        else:
            label.set_horizontalalignment("left")
            label.xyann = candidates[0]
            box = label.get_window_extent(renderer)
        taken.append(box)


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


@dataclass(frozen=True)
class HeadSaving:
    """Parameters of NiN's head (its last NiN block + global average pooling) against an
    AlexNet-style fully connected head reading the same features."""

    features: tuple[int, int, int]  # (C, H, W) entering the head
    nin_head: int
    dense_head: int

    @property
    def ratio(self) -> float:
        return self.dense_head / self.nin_head


def global_pooling_saving(image_size: int = 224) -> HeadSaving:
    """What global average pooling saved NiN (notes 2.3, 6.2): the book's NiN (width 1) at
    ``image_size``; its head is the last NiN block, which turns the (384, 5, 5) features into
    10 class maps that global average pooling averages (no parameters). The alternative is
    AlexNet's head (``models.alexnet``: its fully connected layers, 4096, 4096, 10 units) on the
    same flattened features. Both counted by ``models.count_parameters``."""
    net = models.nin(1.0, image_size)
    head_start = max(i for i, m in enumerate(net) if isinstance(m, nn.Dropout)) + 1
    with torch.no_grad():
        net.eval()
        features = tuple(net[:head_start](torch.zeros(1, 1, image_size, image_size)).shape[1:])
    units = [m.out_features for m in models.alexnet().modules() if isinstance(m, nn.Linear)]
    sizes = [features[0] * features[1] * features[2], *units]
    dense = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
    return HeadSaving(features, models.count_parameters(net[head_start:]),
                      models.count_parameters(dense))
