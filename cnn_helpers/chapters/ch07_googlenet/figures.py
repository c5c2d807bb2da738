"""Figure of chapter 7, GoogLeNet (含并行连接的网络): the Inception block.

Labels are English only: the default matplotlib fonts have no Chinese glyphs.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from cnn_helpers.chapters.ch07_googlenet.checks import PATH_COLORS
from cnn_helpers.core.files import save_figure
from cnn_helpers.models import INCEPTION_BLOCKS, Inception

FIGURES = ["googlenet_inception.png"]


def _box(ax, x, y, text, color, width=2.3, height=0.75):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="black",
                                linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1))


def draw_inception_block(path: Path, name: str = "3a", side: int = 12) -> Path:
    """Block ``name`` of GoogLeNet: its input, four paths with kernels and channels, and the
    concatenation, with the channel totals of the notes (the shapes for a 96x96 image)."""
    block = Inception(*INCEPTION_BLOCKS[name])
    c_in = block.p1_1.in_channels
    paths = [  # (layer label, output channels), bottom to top, per path
        [("1x1 conv", block.p1_1.out_channels)],
        [("1x1 conv", block.p2_1.out_channels), ("3x3 conv, pad 1", block.p2_2.out_channels)],
        [("1x1 conv", block.p3_1.out_channels), ("5x5 conv, pad 2", block.p3_2.out_channels)],
        [("3x3 max pool, pad 1", c_in), ("1x1 conv", block.p4_2.out_channels)],
    ]
    fig, ax = plt.subplots(figsize=(9, 5.2))
    xs = [1.5, 4.2, 6.9, 9.6]
    _box(ax, 5.55, 0.3, f"input: {c_in} channels of {side}x{side}", "#eeeeee", width=4.2)
    for x, layers, color in zip(xs, paths, PATH_COLORS):
        light = color + "55"  # the path's colour, translucent
        ys = [1.9, 3.2] if len(layers) == 2 else [2.55]
        _arrow(ax, (5.55, 0.7), (x, ys[0] - 0.42))
        for y, (label, channels) in zip(ys, layers):
            _box(ax, x, y, f"{label}\n{channels} channels", light)
        if len(ys) == 2:
            _arrow(ax, (x, ys[0] + 0.42), (x, ys[1] - 0.42))
        _arrow(ax, (x, max(ys) + 0.42), (x, 4.45))
    totals = [layers[-1][1] for layers in paths]
    _box(ax, 5.55, 4.85, "concatenate on the channels: "
         + " + ".join(str(c) for c in totals) + f" = {sum(totals)} channels of {side}x{side}",
         "#fff3c4", width=9.6)
    for x, number in zip(xs, range(1, 5)):
        ax.text(x + 0.1, 4.0, f"path {number}", ha="left", fontsize=9,
                color=PATH_COLORS[number - 1], weight="bold")
    ax.text(5.55, -0.45, f"Inception block {name} (GoogLeNet's first): every path keeps "
            f"{side}x{side}; the 1x1 convolutions before the 3x3 and 5x5 reduce "
            f"{c_in} channels to {paths[1][0][1]} and {paths[2][0][1]}",
            ha="center", fontsize=9, style="italic")
    ax.set_xlim(-0.1, 11.2)
    ax.set_ylim(-0.8, 5.4)
    ax.axis("off")
    save_figure(fig, path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return path


def draw_all(directory: Path | str) -> list[Path]:
    """Write this chapter's figure into ``directory``; return its path."""
    return [draw_inception_block(Path(directory) / FIGURES[0])]
