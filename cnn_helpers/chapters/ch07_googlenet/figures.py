"""Figure of chapter 7, GoogLeNet (含并行连接的网络): the Inception block.

Drawn in English (``language="en"``, ``images/``) or Chinese (``"zh"``, ``images/zh/``, in the
system's CJK font): each text is ``label(language, english, chinese)``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from cnn_helpers.chapters.ch07_googlenet.checks import PATH_COLORS
from cnn_helpers.core.figure_language import drawn_in_language, label
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


@drawn_in_language
def draw_inception_block(path: Path, name: str = "3a", side: int = 12, language: str = "en") -> Path:
    """Block ``name`` of GoogLeNet: its input, four paths with kernels and channels, and the
    concatenation, with the channel totals of the notes (the shapes for a 96x96 image), its
    texts in ``language`` ("en" or "zh")."""
    block = Inception(*INCEPTION_BLOCKS[name])
    c_in = block.p1_1.in_channels
    one = label(language, "1x1 conv", "1×1 卷积")
    paths = [  # (layer label, output channels), bottom to top, per path
        [(one, block.p1_1.out_channels)],
        [(one, block.p2_1.out_channels),
         (label(language, "3x3 conv, pad 1", "3×3 卷积，填充 1"), block.p2_2.out_channels)],
        [(one, block.p3_1.out_channels),
         (label(language, "5x5 conv, pad 2", "5×5 卷积，填充 2"), block.p3_2.out_channels)],
        [(label(language, "3x3 max pool, pad 1", "3×3 最大池化，填充 1"), c_in),
         (one, block.p4_2.out_channels)],
    ]
    maps = f"{side}x{side}" if language == "en" else f"{side}×{side}"
    fig, ax = plt.subplots(figsize=(9, 5.2))
    xs = [1.5, 4.2, 6.9, 9.6]
    _box(ax, 5.55, 0.3, label(language, f"input: {c_in} channels of {maps}",
                              f"输入：{c_in} 个 {maps} 通道"), "#eeeeee", width=4.2)
    for x, layers, color in zip(xs, paths, PATH_COLORS):
        light = color + "55"  # the path's colour, translucent
        ys = [1.9, 3.2] if len(layers) == 2 else [2.55]
        _arrow(ax, (5.55, 0.7), (x, ys[0] - 0.42))
        for y, (layer, channels) in zip(ys, layers):
            _box(ax, x, y, f"{layer}\n" + label(language, f"{channels} channels", f"{channels} 个通道"),
                 light)
        if len(ys) == 2:
            _arrow(ax, (x, ys[0] + 0.42), (x, ys[1] - 0.42))
        _arrow(ax, (x, max(ys) + 0.42), (x, 4.45))
    totals = [layers[-1][1] for layers in paths]
    total = " + ".join(str(c) for c in totals) + f" = {sum(totals)}"
    _box(ax, 5.55, 4.85, label(language, f"concatenate on the channels: {total} channels of {maps}",
                               f"按通道连结：{total} 个 {maps} 通道"),
         "#fff3c4", width=9.6)
    for x, number in zip(xs, range(1, 5)):
        ax.text(x + 0.1, 4.0, label(language, f"path {number}", f"线路 {number}"), ha="left",
                fontsize=9, color=PATH_COLORS[number - 1], weight="bold")
    ax.text(5.55, -0.45, label(language,
                               f"Inception block {name} (GoogLeNet's first): every path keeps "
                               f"{maps}; the 1x1 convolutions before the 3x3 and 5x5 reduce "
                               f"{c_in} channels to {paths[1][0][1]} and {paths[2][0][1]}",
                               f"Inception 块 {name}（GoogLeNet 的第一个）：每条线路都保持 {maps}；"
                               f"3×3 和 5×5 卷积之前的 1×1 卷积把 {c_in} 个通道减少到 "
                               f"{paths[1][0][1]} 和 {paths[2][0][1]} 个"),
            ha="center", fontsize=9, style=label(language, "italic", "normal"))
    ax.set_xlim(-0.1, 11.2)
    ax.set_ylim(-0.8, 5.4)
    ax.axis("off")
    save_figure(fig, path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return path


def draw_all(directory: Path | str, language: str = "en") -> list[Path]:
    """Write this chapter's figure into ``directory`` in ``language`` ("en" or "zh"); return
    its path."""
    return [draw_inception_block(Path(directory) / FIGURES[0], language=language)]
