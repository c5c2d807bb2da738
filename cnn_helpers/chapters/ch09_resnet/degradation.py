"""Why residual connections work (chapter 9, notes 9.3): degradation, and the identity's gradient.

**Degradation** (He et al. 2016, section 4.2): deeper plain nets train worse.
He et al. ("Deep residual learning for image recognition", CVPR 2016) saw a
56-layer *plain* net reach a higher **training** error than a 20-layer one on
CIFAR-10, although it had batch norm and its gradients did not vanish; with
residual connections the deeper net trained better, not worse (their figure 6).
This module rebuilds their CIFAR nets, narrow, for Fashion-MNIST's 28x28 images:

* ``cifar_style_net(blocks_per_stage, residual, width)``: a 3x3 convolution,
  three stages of ``blocks_per_stage`` two-convolution blocks (16, 32, 64
  channels times ``width``, on maps of the image's size, half and a quarter), global
  average pooling and one fully connected layer: ``6n + 2`` layers with
  weights. The residual blocks are the book's ``models.Residual``; the plain
  ones are the same block with the shortcut taken away (``shortcut=False``).
  It lives with the other ResNets in ``models.resnet``, as does the pre-activation block.
* ``train_depths``: trains plain and residual nets of two depths alike
  and returns their training-loss histories (``benchmarks/degradation.py``
  measures them over seeds into ``benchmarks/results/degradation.json``).

**The identity's gradient.** "The shortcut carries the gradient unchanged" holds
exactly for He et al.'s *pre-activation* block (2016, "Identity mappings in deep
residual networks": ``X + F(X)``, nothing after the addition; ``PreActivationResidual``);
the book's block applies a ReLU after the addition, which passes the gradient only
where ``X + F(X) > 0``. ``identity_gradient_share`` measures both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from cnn_helpers import core
from cnn_helpers.core.claims import claim
from cnn_helpers.core.language import tr
from cnn_helpers.models import (
    PreActivationResidual,
    Residual,
    cifar_style_net,
    init_kaiming,
    weighted_layers,
)
from cnn_helpers.training import History, fit

RESULTS = core.RESULTS / "degradation.json"
BLOCKS_PER_STAGE = (3, 9)  # the two depths the chapter trains: 6n + 2 = 20 and 56, as He et al.


@dataclass
class DepthRun:
    """One trained net of the comparison: its depth, kind and training history."""

    layers: int
    residual: bool
    history: History

    @property
    def name(self) -> str:
        return f"{'residual' if self.residual else 'plain'}-{self.layers}"


def train_depths(data, depths, run, seed: int = 0, device=None, verbose: bool = False) -> list[DepthRun]:
    """Train a plain and a residual ``cifar_style_net`` for each of ``depths`` (blocks per stage).

    Every net gets the same data, settings ``run`` (a ``RunSettings``: epochs,
    batch size, learning rate, width) and ``seed``, He initialization (as He
    et al.) and ``fit``'s SGD. Returns one ``DepthRun`` per net, plain first;
    ``verbose`` prints each net's losses as it finishes.
    """
    results = []
    for residual in (False, True):
        for n in depths:
            torch.manual_seed(seed)
            net = init_kaiming(cifar_style_net(n, residual, run.width))
            history = fit(net, data.train, None, run.epochs, run.lr, batch_size=run.batch_size,
                          device=device, seed=seed, init=None, resize=run.resize, live=False)
            results.append(DepthRun(weighted_layers(n), residual, history))
            if verbose:
                losses = " ".join(f"{loss:.3f}" for loss in history.train_loss)
                print(tr(f"  {results[-1].name}: training loss per epoch {losses} "
                         f"({history.examples_per_s[-1]:.0f} images/s)"), flush=True)
    return results


@dataclass(frozen=True)
class LossGaps:
    """Last-epoch training loss of the deepest net minus the shallowest's, plain and residual."""

    plain: float  # > 0: the deeper plain net trains worse -- degradation
    residual: float  # <= 0: with shortcuts the deeper net trains as well or better


def loss_gaps(runs: list[DepthRun]) -> LossGaps:
    """The two gaps the chapter checks, from ``train_depths``' runs (deepest minus shallowest)."""
    def gap(residual: bool) -> float:
        kind = sorted((r for r in runs if r.residual == residual), key=lambda r: r.layers)
        return kind[-1].history.train_loss[-1] - kind[0].history.train_loss[-1]
    return LossGaps(gap(False), gap(True))


def identity_gradient_share(pre_activation: bool, channels: int = 4, size: int = 8,
                            seed: int = 0) -> float:
    """Share of a random input's elements whose gradient the block passes on unchanged when F = 0.

    With ``F(X) = 0`` (the book's block: its last batch norm scaled to 0;
    the pre-activation block: its last convolution zeroed) only the identity
    is left; backpropagate a random upstream gradient ``G`` and count the
    elements of ``dL/dX`` equal to ``G``. Pre-activation: all of them. The
    book's ``ReLU(F(X) + X)``: only where ``X > 0`` -- about half of a
    standard normal input.
    """
    torch.manual_seed(seed)
    if pre_activation:
        block = PreActivationResidual(channels)
        nn.init.zeros_(block.conv2.weight), nn.init.zeros_(block.conv2.bias)
    else:
        block = Residual(channels, channels)
        nn.init.zeros_(block.bn2.weight), nn.init.zeros_(block.bn2.bias)
    X = torch.randn(2, channels, size, size, requires_grad=True)
    G = torch.randn(2, channels, size, size)
    (block(X) * G).sum().backward()
    return (X.grad == G).float().mean().item()


# What the chapter checks after train_depths, by (data set, profile): the deeper plain net's last
# training loss must exceed the shallower one's by at least ``plain``, and the deeper residual
# net's must not exceed the shallower one's by more than ``residual``. Set below the worst of
# seeds 0, 1, 2 in benchmarks/results/degradation.json; None: no claim (smoke runs are too short).
# Recorded (2026-11-30, class profile, Fashion-MNIST): plain gaps +0.808, +0.700, +1.022;
# residual gaps -0.102, -0.111, -0.026. The targets: half the smallest plain gap, and a deeper
# residual net no more than 0.1 above the shallower one.
DEGRADATION_TARGETS: dict[tuple[str, str], LossGaps | None] = {
    ("fashion_mnist", "class"): LossGaps(plain=0.35, residual=0.1),
}


def check_degradation(runs: list[DepthRun], data_key: str, profile: str) -> LossGaps:
    """Print each net's last training loss and check the gaps against ``DEGRADATION_TARGETS``.

    Returns the gaps. Where no target is set (the smoke profile, the offline
    digits) it checks only that every net trained (its loss fell) and says
    that the degradation itself is not judged there. A claim that does not
    hold raises ``ClaimFailed`` (an ``AssertionError``).
    """
    for run in runs:
        losses = run.history.train_loss
        print(tr(f"{run.name:>12}: training loss {losses[0]:.3f} -> {losses[-1]:.3f}"))
    gaps = loss_gaps(runs)
    deep, shallow = max(r.layers for r in runs), min(r.layers for r in runs)
    print(tr(f"deeper ({deep}) minus shallower ({shallow}) layers: plain {gaps.plain:+.3f}, "
             f"residual {gaps.residual:+.3f}"))
    target = DEGRADATION_TARGETS.get((data_key, profile))
    if target is None:
        fell = [r.name for r in runs if r.history.train_loss[-1] < r.history.train_loss[0]]
        claim(len(fell) == len(runs), f"the training loss fell for {len(fell)} of the {len(runs)} "
              f"nets (the gap is judged on Fashion-MNIST in the class profile, not on this "
              f"{profile} run)")
        return gaps
    claim(gaps.plain >= target.plain, f"degradation: the {deep}-layer plain net ends "
          f"{gaps.plain:.3f} above the {shallow}-layer one in training loss (at least "
          f"{target.plain}, half the smallest gap of seeds 0-2)")
    claim(gaps.residual <= target.residual, f"with shortcuts the gap is gone: the {deep}-layer "
          f"residual net ends {gaps.residual:+.3f} from the {shallow}-layer one (at most "
          f"{target.residual:+} allowed)")
    return gaps


def plot_losses(runs: list[DepthRun], ax=None):
    """Training loss per epoch of each net: plain dashed, residual solid, deeper thicker."""
    import matplotlib.pyplot as plt

    from cnn_helpers.training import PLOT_DPI, PLOT_FONT_SIZE, PLOT_SIZE

    if ax is None:  # the training curves' size and resolution: readable projected
        _, ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
    deepest = max(r.layers for r in runs)
    for run in runs:
        epochs = range(1, run.history.epochs + 1)
        ax.plot(epochs, run.history.train_loss, "-" if run.residual else "--",
                color="tab:blue" if run.residual else "tab:red",
                lw=3.5 if run.layers == deepest else 1.8, marker="o", label=run.name)
    ax.set_xticks(range(1, max(r.history.epochs for r in runs) + 1))  # whole epochs only
    ax.set_xlabel("epoch", fontsize=PLOT_FONT_SIZE)
    ax.set_ylabel("training loss", fontsize=PLOT_FONT_SIZE)
    ax.tick_params(labelsize=PLOT_FONT_SIZE)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=PLOT_FONT_SIZE)
    return ax


def plot_first_layer_gradients(depths, curves: dict, ax=None):
    """``curves``: label -> first-layer gradient per depth, on a log scale; exact zeros (which a
    log scale cannot draw) are marked with a note instead."""
    import matplotlib.pyplot as plt

    from cnn_helpers.training import PLOT_DPI, PLOT_FONT_SIZE, PLOT_SIZE

    if ax is None:  # the training curves' size and resolution: readable projected
        _, ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
    for (label, values), marker in zip(curves.items(), "os^v"):
        drawn = [(d, v) for d, v in zip(depths, values) if v > 0]
        ax.semilogy(*zip(*drawn), marker=marker, lw=2.5, label=label)
        for d, v in zip(depths, values):
            if v == 0:
                ax.annotate(f"{d} blocks: exactly 0", drawn[-1], fontsize=PLOT_FONT_SIZE - 2,
                            xytext=(8, -4), textcoords="offset points")
    ax.set_xlabel("blocks (2 convolutions each)", fontsize=PLOT_FONT_SIZE)
    ax.set_ylabel("first-layer gradient", fontsize=PLOT_FONT_SIZE)
    ax.tick_params(labelsize=PLOT_FONT_SIZE)
    ax.legend(fontsize=PLOT_FONT_SIZE - 1), ax.grid(alpha=0.3)
    return ax


def check_identity_gradient() -> tuple[float, float]:
    """Print and check ``identity_gradient_share`` for both blocks: the pre-activation block passes
    every element's gradient on unchanged, the book's block about half (where ``X > 0``).
    Returns (pre-activation share, book's share); raises ``ClaimFailed`` otherwise."""
    pre, book = identity_gradient_share(True), identity_gradient_share(False)
    claim(pre == 1.0, f"with F = 0, He et al.'s pre-activation block X + F(X) passes {pre:.0%} "
          f"of the gradient on unchanged")
    claim(0.4 < book < 0.6, f"the book's ReLU(F(X) + X) passes only {book:.0%}: where X > 0, "
          f"about half of a standard normal input")
    return pre, book


def recorded_runs(path: Path | str = RESULTS) -> dict[int, list[DepthRun]]:
    """Seed -> the ``DepthRun``s of a ``benchmarks/degradation.py`` results file ({} if none)."""
    path = Path(path)
    if not path.exists():
        return {}
    runs = json.loads(path.read_text())["runs"]
    return {seed: [DepthRun(r["layers"], r["residual"], History(**r["history"])) for r in runs
                   if r["seed"] == seed]
            for seed in sorted({r["seed"] for r in runs})}


def measured_gaps(path: Path | str = RESULTS) -> dict[int, LossGaps]:
    """Seed -> ``LossGaps`` of the runs in a ``benchmarks/degradation.py`` results file ({} if none)."""
    return {seed: loss_gaps(runs) for seed, runs in recorded_runs(path).items()}


def judge_recorded(path: Path | str = RESULTS) -> dict[str, bool]:
    """Degradation and its cure, judged on every seed recorded in ``path``.

    Prints the recorded settings, each seed's nets (their last training loss)
    and the two gaps (deepest minus shallowest net's last training loss),
    then two verdicts (``verdict``: ✓ when it holds on every seed, ✗ with the
    numbers when not): the deeper plain net ends at a higher training loss
    (degradation, He et al. 2015, section 4.2), and the deeper residual net
    does not (no more than 0.1 above the shallower one). Chapter 9 calls it
    instead of training the twelve nets live; ``train_depths`` trains one seed.

    Args:
        path: a ``benchmarks/degradation.py`` results file.

    Returns:
        {"degradation": ..., "shortcuts remove it": ...}.

    Raises:
        ValueError: when ``path`` records nothing.
    """
    from cnn_helpers.core.claims import verdict

    seeds = recorded_runs(path)
    if not seeds:
        raise ValueError(f"nothing recorded in {path}: run python benchmarks/degradation.py")
    document = json.loads(Path(path).read_text())
    run = document.get("settings", {})
    print(tr(f"recorded by benchmarks/degradation.py on {document.get('data', '?')}: "
             f"{run.get('train_examples', 0):,} training images resized to {run.get('resize')}×"
             f"{run.get('resize')}, {run.get('epochs')} epochs, batches of {run.get('batch_size')}, "
             f"learning rate {run.get('lr')}, width {run.get('width')}"))
    gaps = {seed: loss_gaps(runs) for seed, runs in seeds.items()}
    names_row = [r.name for r in next(iter(seeds.values()))]
    print(tr("last epoch's training loss, and deeper minus shallower net:"))
    print(f"{'seed':>4} " + " ".join(f"{n:>11}" for n in names_row) + f" {'plain gap':>9} "
          f"{'residual gap':>12}")
    for seed, runs in seeds.items():
        print(f"{seed:>4} " + " ".join(f"{r.history.train_loss[-1]:>11.3f}" for r in runs)
              + f" {gaps[seed].plain:>+9.3f} {gaps[seed].residual:>+12.3f}")
    some = next(iter(seeds.values()))
    deep, shallow = max(r.layers for r in some), min(r.layers for r in some)
    plain, residual = [g.plain for g in gaps.values()], [g.residual for g in gaps.values()]
    names = sorted(seeds)
    low, high = min(plain), max(plain)
    least, most = min(residual), max(residual)
    return {
        "degradation": verdict(
            low > 0,
            f"degradation: on every seed the {deep}-layer plain net ends at a higher training "
            f"loss than the {shallow}-layer one ({low:+.3f} to {high:+.3f}, seeds {names})",
            f"the {deep}-layer plain net ends above the {shallow}-layer one on "
            f"{sum(g > 0 for g in plain)} of {len(plain)} seeds only ({low:+.3f} to {high:+.3f})"),
        "shortcuts remove it": verdict(
            most <= 0.1,
            f"with shortcuts the gap is gone: the {deep}-layer residual net ends "
            f"{least:+.3f} to {most:+.3f} from the {shallow}-layer one (seeds {names})",
            f"with shortcuts the {deep}-layer net still ends {most:+.3f} above the "
            f"{shallow}-layer one on some seed ({least:+.3f} to {most:+.3f}, seeds {names})"),
    }
