"""Figures of chapter 2, pooling (池化层): max/average pooling and global average pooling.

Each figure is drawn in English (``language="en"``, ``images/``) or Chinese (``"zh"``,
``images/zh/``, in the system's CJK font): each text is ``label(language, english, chinese)``;
a note set in italics in English is upright in Chinese.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

from cnn_helpers.chapters.ch02_pooling.costs import flatten_head, gap_head, parameter_count
from cnn_helpers.core.figure_language import drawn_in_language, label
from cnn_helpers.core.files import save_figure

# One colour per 2x2 window of the diagram.
WINDOW_COLORS = ["#f4a261", "#2a9d8f", "#e9c46a", "#8ab6d6"]
DIAGRAM_INPUT = np.array([
    [2, 0, 1, 3],
    [5, 1, 2, 2],
    [1, 1, 4, 0],
    [3, 7, 1, 8],
], dtype=float)


def _grid(ax, values, x0, y0, colors=None, cell=1.0, fmt="{:g}"):
    """Draw ``values`` as a table of numbered cells with its top-left corner at (x0, y0)."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            color = colors[i][j] if colors is not None else "white"
            ax.add_patch(Rectangle((x0 + j * cell, y0 - (i + 1) * cell), cell, cell,
                                   facecolor=color, edgecolor="black", linewidth=1))
            ax.text(x0 + (j + 0.5) * cell, y0 - (i + 0.5) * cell, fmt.format(values[i, j]),
                    ha="center", va="center", fontsize=13)


def _arrow(ax, start, end, text=""):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, linewidth=1.5))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.25, text, ha="center",
                va="bottom", fontsize=9)


@drawn_in_language
def draw_max_average_pooling(path: Path, language: str = "en") -> Path:
    """A 4x4 input, its four 2x2 windows (stride 2), and the max and average outputs."""
    X = torch.tensor(DIAGRAM_INPUT)[None]  # (1, 4, 4)
    maximum = torch.nn.functional.max_pool2d(X, 2)[0].numpy()
    average = torch.nn.functional.avg_pool2d(X, 2)[0].numpy()
    window_of = [[WINDOW_COLORS[(i // 2) * 2 + j // 2] for j in range(4)] for i in range(4)]
    output_colors = [[WINDOW_COLORS[i * 2 + j] for j in range(2)] for i in range(2)]

    fig, ax = plt.subplots(figsize=(8, 3.6))
    _grid(ax, DIAGRAM_INPUT, 0, 4, window_of)
    ax.text(2, 4.35, label(language, "input 4\u00d74, window 2\u00d72, stride 2",
                           "输入 4\u00d74，窗口 2\u00d72，步幅 2"), ha="center", fontsize=11)
    _grid(ax, maximum, 8.6, 4.5, output_colors)
    ax.text(9.6, 4.85, label(language, "max pooling", "最大池化"), ha="center", fontsize=11)
    _grid(ax, average, 8.6, 1.5, output_colors)
    ax.text(9.6, 1.85, label(language, "average pooling", "平均池化"), ha="center", fontsize=11)
    _arrow(ax, (4.4, 3.1), (8.4, 3.5), label(language, "largest of each window", "每个窗口的最大值"))
    _arrow(ax, (4.4, 1.2), (8.4, 0.7), label(language, "mean of each window", "每个窗口的平均值"))
    ax.text(2, -0.5, label(language, "no weights: nothing to learn", "没有权重：无参数可学"),
            ha="center", fontsize=10, style=label(language, "italic", "normal"))
    ax.set_xlim(-0.3, 11.0)
    ax.set_ylim(-0.9, 5.3)
    ax.set_aspect("equal")
    ax.axis("off")
    save_figure(fig, path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def _feature_stack(ax, x0, y0, channels=4, size=1.6, offset=0.22, label=""):
    """A stack of square feature maps, drawn back to front."""
    colors = plt.get_cmap("Blues")(np.linspace(0.35, 0.8, channels))
    for c in reversed(range(channels)):
        ax.add_patch(Rectangle((x0 + c * offset, y0 - c * offset), size, size,
                               facecolor=colors[c], edgecolor="black", linewidth=1))
    ax.text(x0 + size / 2 + offset * (channels - 1) / 2, y0 - channels * offset - 0.35, label,
            ha="center", va="top", fontsize=10)


def _column(ax, x0, y_top, count, color, cell=0.32, label=""):
    for i in range(count):
        ax.add_patch(Rectangle((x0, y_top - (i + 1) * cell), cell, cell, facecolor=color,
                               edgecolor="black", linewidth=0.8))
    ax.text(x0 + cell / 2, y_top - count * cell - 0.2, label, ha="center", va="top", fontsize=10)


@drawn_in_language
def draw_global_average_pooling(path: Path, channels: int = 512, height: int = 7, width: int = 7,
                                classes: int = 10, language: str = "en") -> Path:
    """Feature maps -> one number per channel -> classes, beside the flatten + FC head.

    Args:
        path: where the PNG is written.
        channels: channels of the feature maps both heads read.
        height: their height.
        width: their width.
        classes: outputs of both heads.
        language: "en" or "zh", that of the texts.

    Returns:
        ``path``.
    """
    gap = parameter_count(gap_head(channels, classes))
    flat = parameter_count(flatten_head(channels, height, width, classes))
    fig, ax = plt.subplots(figsize=(9, 5.2))

    maps = f"{channels}\u00d7{height}\u00d7{width}"
    maps = label(language, f"{maps} feature maps", f"{maps} 特征图")
    fully_connected = label(language, "fully\nconnected", "全连接层")
    outputs = label(language, f"{classes} classes", f"{classes} 个类别")

    # top row: global average pooling head
    ax.text(0, 9.3, label(language, "global average pooling head", "全局平均池化分类头"),
            fontsize=12, weight="bold")
    _feature_stack(ax, 0.2, 6.6, label=maps)
    _arrow(ax, (2.9, 7.4), (4.3, 7.4), label(language, "average\neach channel", "每个通道\n求平均"))
    _column(ax, 4.6, 8.6, 7, "#8ab6d6", label=label(language, f"{channels} numbers", f"{channels} 个数"))
    _arrow(ax, (5.2, 7.4), (6.6, 7.4), fully_connected)
    _column(ax, 6.9, 8.2, 4, "#f4a261", label=outputs)
    ax.text(8.0, 7.4, label(language, f"{gap:,} parameters", f"{gap:,} 个参数"), fontsize=12,
            va="center", color="#1d6f42")

    # bottom row: flatten + fully connected head
    ax.text(0, 4.3, label(language, "flatten + fully connected head", "展平 + 全连接层分类头"),
            fontsize=12, weight="bold")
    _feature_stack(ax, 0.2, 1.6, label=maps)
    _arrow(ax, (2.9, 2.4), (4.3, 2.4), label(language, "flatten", "展平"))
    _column(ax, 4.6, 3.9, 10, "#cccccc", cell=0.25,
            label=label(language, f"{channels * height * width:,} numbers",
                        f"{channels * height * width:,} 个数"))
    _arrow(ax, (5.2, 2.4), (6.6, 2.4), fully_connected)
    _column(ax, 6.9, 3.2, 4, "#f4a261", label=outputs)
    ax.text(8.0, 2.4, label(language, f"{flat:,} parameters", f"{flat:,} 个参数"), fontsize=12,
            va="center", color="#b00020")
    ax.text(0, -0.6, label(language,
                           f"same input, same classes: the GAP head has {flat / gap:.0f}\u00d7 fewer "
                           "parameters (NiN, GoogLeNet, ResNet, DenseNet end this way)",
                           f"输入与类别相同时，全局平均池化头的参数只有 1/{flat / gap:.0f}；"
                           "NiN、GoogLeNet、ResNet、DenseNet 都用它"),
            fontsize=10, style=label(language, "italic", "normal"))
    ax.set_xlim(-0.2, 10.6)
    ax.set_ylim(-1.0, 9.7)
    ax.axis("off")
    save_figure(fig, path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return path


def draw_all(directory: Path | str, language: str = "en") -> list[Path]:
    """Write this chapter's figures into ``directory`` in ``language`` ("en" or "zh"); return
    their paths."""
    directory = Path(directory)
    return [
        draw_max_average_pooling(directory / "pooling_max_average.png", language=language),
        draw_global_average_pooling(directory / "pooling_global_average.png", language=language),
    ]
