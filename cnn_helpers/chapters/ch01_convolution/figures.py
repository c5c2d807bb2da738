"""Chapter 1 figures (convolutional layers, 卷积层): the pictures of the notes, drawn from numbers.

Every number in a figure is computed here with ``cnn_helpers.ops``, so a
figure cannot disagree with the code the notebook runs. Grids are drawn
in data coordinates with the y axis pointing down (row 0 at the top).
Every figure is drawn in English (``language="en"``, ``images/``) or Chinese
(``"zh"``, ``images/zh/``): each text is ``label(language, english, chinese)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cnn_helpers.chapters.ch01_convolution.checks import connections
from cnn_helpers.core.figure_language import drawn_in_language, label
from cnn_helpers.core.files import save_figure
from cnn_helpers.ops import corr2d, corr2d_multi_in, corr2d_multi_in_out

WINDOW = "#9ecae1"  # the current window and what it produces
SECOND = "#fdd0a2"  # a second window (stride figure)
PADDING = "#eeeeee"  # cells added by padding
LINE = "#444444"

X = torch.arange(9.0).reshape(3, 3)  # the notes' input
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])  # the notes' kernel


def _new_figure(width: float, height: float, x_range, y_range):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*x_range)
    ax.set_ylim(y_range[1], y_range[0])  # y grows downwards, like row numbers
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _grid(ax, values, x, y, *, shade=None, colors=None, title=None, size=1.0, fontsize=13,
          grey=None):
    """Draw a matrix of numbers with its top-left corner at (x, y).

    ``shade`` maps a colour to the cells (row, column) it fills; ``grey``
    is a set of cells drawn as padding (light grey, grey text).
    """
    from matplotlib.patches import Rectangle

    values = np.asarray(values)
    colors = colors or {}
    shade = shade or {}
    grey = grey or set()
    filled = {cell: color for color, cells in shade.items() for cell in cells}
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            face = filled.get((i, j), PADDING if (i, j) in grey else "white")
            ax.add_patch(Rectangle((x + j * size, y + i * size), size, size,
                                   facecolor=face, edgecolor=LINE, linewidth=1))
            ax.text(x + (j + 0.5) * size, y + (i + 0.5) * size, f"{values[i, j]:g}",
                    ha="center", va="center", fontsize=fontsize,
                    color="#888888" if (i, j) in grey and (i, j) not in filled else "black")
    if title:
        ax.text(x + values.shape[1] * size / 2, y - 0.25, title, ha="center", va="bottom",
                fontsize=fontsize - 1)


def _symbol(ax, x, y, text, fontsize=20):
    if text == "⋆":  # the star glyph is drawn small: enlarge it to match "="
        fontsize = int(fontsize * 1.6)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _cells(rows, cols):
    return {(i, j) for i in rows for j in cols}


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    save_figure(fig, path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- 1.1 and 1.2


@drawn_in_language
def draw_cross_correlation(path: Path, language: str = "en") -> Path:
    """The notes' worked example: the shaded window, the kernel, and 19 = 0·0+1·1+3·2+4·3."""
    Y = corr2d(X, K)  # [[19, 25], [37, 43]]
    window = _cells(range(2), range(2))
    fig, ax = _new_figure(7, 3, (-0.3, 10.3), (-0.9, 4.3))
    _grid(ax, X, 0, 0, shade={WINDOW: window}, title=label(language, "Input", "输入"))
    _symbol(ax, 3.75, 1.5, "⋆")
    _grid(ax, K, 4.5, 0.5, shade={WINDOW: window}, title=label(language, "Kernel", "卷积核"))
    _symbol(ax, 7.25, 1.5, "=")
    _grid(ax, Y, 8, 0.5, shade={WINDOW: {(0, 0)}}, title=label(language, "Output", "输出"))
    products = " + ".join(f"{x:g}·{k:g}" for x, k in zip(X[:2, :2].flatten(), K.flatten()))
    ax.text(5, 3.8, f"{products} = {Y[0, 0]:g}", ha="center", va="center", fontsize=14)
    return _save(fig, path)


@drawn_in_language
def draw_receptive_field(path: Path, language: str = "en") -> Path:
    """Two stacked 2x2 layers: 19 sees four inputs; the next layer's element sees all nine."""
    Y = corr2d(X, K)
    Z = corr2d(Y, K)
    fig, ax = _new_figure(7, 3, (-0.3, 10.3), (-0.9, 4.4))
    _grid(ax, X, 0, 0, shade={WINDOW: _cells(range(2), range(2))},
          title=label(language, "Input 3×3", "输入 3×3"))
    _symbol(ax, 3.75, 1.5, "→", fontsize=18)
    _grid(ax, Y, 4.5, 0.5, shade={WINDOW: {(0, 0)}},
          title=label(language, "Layer 1: 2×2", "第 1 层：2×2"))
    _symbol(ax, 7.25, 1.5, "→", fontsize=18)
    _grid(ax, Z, 8, 1, shade={SECOND: {(0, 0)}}, title=label(language, "Layer 2: 1×1", "第 2 层：1×1"))
    ax.text(5, 3.7, label(language, f"19 sees the 4 blue inputs; {Z[0, 0]:g} sees all of layer 1, "
                                    "hence all 9 inputs",
                          f"19 的感受野：4 个蓝色输入；{Z[0, 0]:g} 的感受野：第 1 层全部，即全部 9 个输入"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


# ---------------------------------------------------------------- 1.3


@drawn_in_language
def draw_padding(path: Path, language: str = "en") -> Path:
    """Padding 1 on each side (total p = 2): the 3x3 input becomes 5x5, the output 4x4."""
    padded = F.pad(X, (1, 1, 1, 1))
    Y = corr2d(padded, K)
    border = {(i, j) for i in range(5) for j in range(5) if i in (0, 4) or j in (0, 4)}
    window = _cells(range(2), range(2))
    fig, ax = _new_figure(8, 3.6, (-0.3, 14.3), (-0.9, 6.2))
    _grid(ax, padded, 0, 0, shade={WINDOW: window}, grey=border,
          title=label(language, "Input, padded", "输入（已填充）"))
    _symbol(ax, 5.75, 2.5, "⋆")
    _grid(ax, K, 6.5, 1.5, shade={WINDOW: window}, title=label(language, "Kernel", "卷积核"))
    _symbol(ax, 9.25, 2.5, "=")
    _grid(ax, Y, 10, 0.5, shade={WINDOW: {(0, 0)}}, title=label(language, "Output", "输出"))
    ax.text(7, 5.7, label(language,
                          "padding 1 per side (total p = 2): 3×3 → 5×5, output (3 − 2 + 2 + 1)/1 = 4",
                          "每边填充 1（共 p = 2）：3×3 → 5×5，输出 (3 − 2 + 2 + 1)/1 = 4"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


@drawn_in_language
def draw_stride(path: Path, language: str = "en") -> Path:
    """Stride 3 down and 2 across, padding 1: two windows and the outputs they make."""
    padded = F.pad(X, (1, 1, 1, 1))
    Y = F.conv2d(X[None, None], K[None, None], stride=(3, 2), padding=1)[0, 0]  # [[0, 8], [6, 8]]
    border = {(i, j) for i in range(5) for j in range(5) if i in (0, 4) or j in (0, 4)}
    first, second = _cells(range(2), range(2)), _cells(range(2), range(2, 4))
    fig, ax = _new_figure(8, 3.6, (-0.3, 12.3), (-0.9, 6.2))
    _grid(ax, padded, 0, 0, shade={WINDOW: first, SECOND: second}, grey=border,
          title=label(language, "Input, padded", "输入（已填充）"))
    _symbol(ax, 5.75, 2.5, "⋆")
    _grid(ax, K, 6.5, 1.5, title=label(language, "Kernel", "卷积核"))
    _symbol(ax, 9.25, 2.5, "=")
    _grid(ax, Y, 10, 1.5, shade={WINDOW: {(0, 0)}, SECOND: {(0, 1)}},
          title=label(language, "Output", "输出"))
    window = padded[0:2, 2:4]
    products = " + ".join(f"{x:g}·{k:g}" for x, k in zip(window.flatten(), K.flatten()))
    ax.text(6, 5.7, label(language, f"stride 3 down, 2 across; orange: {products} = {Y[0, 1]:g}",
                          f"步幅：纵向 3，横向 2；橙色：{products} = {Y[0, 1]:g}"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


# ---------------------------------------------------------------- 1.4 and 1.5


@drawn_in_language
def draw_multi_in(path: Path, language: str = "en") -> Path:
    """Two input channels, one kernel per channel, results added: 56 = 37 + 19."""
    Xs = torch.stack([X, X + 1])  # (2, 3, 3)
    Ks = torch.stack([K, K + 1])  # (2, 2, 2)
    Y = corr2d_multi_in(Xs, Ks)  # [[56, 72], [104, 120]]
    window = _cells(range(2), range(2))
    fig, ax = _new_figure(8, 4.6, (-0.3, 13.3), (-0.9, 8.0))
    for c, top in enumerate((0, 4)):
        _grid(ax, Xs[c], 0, top, shade={WINDOW: window},
              title=label(language, f"Input channel {c}", f"输入通道 {c}"))
        _symbol(ax, 3.75, top + 1.5, "⋆")
        _grid(ax, Ks[c], 4.5, top + 0.5, shade={WINDOW: window},
              title=label(language, f"Kernel {c}", f"卷积核 {c}"))
    _symbol(ax, 7.6, 3.5, label(language, "sum over\nchannels\n=", "对通道\n求和\n="), fontsize=13)
    _grid(ax, Y, 9, 2.5, shade={WINDOW: {(0, 0)}}, title=label(language, "Output", "输出"))
    parts = [(Xs[c, :2, :2] * Ks[c]).sum() for c in range(2)]
    ax.text(6.5, 7.6, label(language,
                            f"{parts[0]:g} (channel 0) + {parts[1]:g} (channel 1) = {Y[0, 0]:g}",
                            f"{parts[0]:g}（通道 0）+ {parts[1]:g}（通道 1）= {Y[0, 0]:g}"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


@drawn_in_language
def draw_multi_out(path: Path, language: str = "en") -> Path:
    """Three output channels: one c_i x k_h x k_w kernel each, so the kernel is c_o x c_i x k_h x k_w."""
    Xs = torch.stack([X, X + 1])  # (c_i=2, 3, 3)
    Ks = torch.stack([K, K + 1])
    Kss = torch.stack([Ks, Ks + 1, Ks + 2])  # (c_o=3, c_i=2, 2, 2)
    Y = corr2d_multi_in_out(Xs, Kss)  # (3, 2, 2)
    fig, ax = _new_figure(8, 5.4, (-0.3, 12.5), (-0.9, 9.3))
    for c, top in enumerate((1, 5)):
        _grid(ax, Xs[c], 0, top, title=label(language, f"Input channel {c}", f"输入通道 {c}"),
              fontsize=10, size=0.8)
    _symbol(ax, 3.1, 4.3, "⋆")
    for o in range(3):
        top = o * 3
        for c in range(2):
            _grid(ax, Kss[o, c], 3.8 + c * 2, top + 0.3, size=0.8, fontsize=10,
                  title=f"K[{o},{c}]")
        _symbol(ax, 8.1, top + 1.1, "→", fontsize=16)
        _grid(ax, Y[o], 8.8, top + 0.3, size=0.9, fontsize=10,
              title=label(language, f"Output channel {o}", f"输出通道 {o}"))
    shape = f"c_o × c_i × k_h × k_w = {' × '.join(map(str, Kss.shape))}"
    ax.text(6, 8.9, label(language, f"kernel shape {shape}", f"卷积核形状 {shape}"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


@drawn_in_language
def draw_conv_1x1(path: Path, language: str = "en") -> Path:
    """A 1x1 convolution: each output pixel mixes the channel values of the same input pixel."""
    generator = torch.Generator().manual_seed(1)
    Xs = torch.randint(0, 5, (3, 3, 3), generator=generator).float()  # (c_i=3, 3, 3)
    Kss = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])[:, :, None, None]  # (c_o=2, c_i=3, 1, 1)
    Y = corr2d_multi_in_out(Xs, Kss)  # (2, 3, 3)
    pixel = {(1, 2)}
    fig, ax = _new_figure(8, 5.4, (-0.3, 13.0), (-0.9, 10.6))
    for c in range(3):
        _grid(ax, Xs[c], 0, c * 3.4, size=0.8, fontsize=10, shade={WINDOW: pixel},
              title=label(language, f"Input channel {c}", f"输入通道 {c}"))
    _symbol(ax, 3.2, 4.6, "⋆")
    weights = Kss[:, :, 0, 0]
    _grid(ax, weights, 4.0, 3.8, size=0.8, fontsize=11,
          title=label(language, "1×1 kernels (c_o × c_i)", "1×1 卷积核（c_o × c_i）"))
    _symbol(ax, 7.2, 4.6, "=")
    for o in range(2):
        _grid(ax, Y[o], 8.2, 1.5 + o * 3.8, size=0.8, fontsize=10, shade={WINDOW: pixel},
              title=label(language, f"Output channel {o}", f"输出通道 {o}"))
    x = Xs[:, 1, 2]
    terms = " + ".join(f"{w:g}·{v:g}" for w, v in zip(weights[0], x))
    ax.text(6, 10.3, label(language, f"output 0 at the blue pixel: {terms} = {Y[0, 1, 2]:g}",
                           f"蓝色像素处的输出通道 0：{terms} = {Y[0, 1, 2]:g}"),
            ha="center", va="center", fontsize=12)
    return _save(fig, path)


# ---------------------------------------------------------------- 1.6


@drawn_in_language
def draw_sparse_dense(path: Path, n: int = 5, kernel_size: int = 3, language: str = "en") -> Path:
    """Which inputs output s3 touches: all of them (fully connected) or three (convolution)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    middle = n // 2
    panels = [(label(language, "Fully connected: dense", "全连接：稠密连接"), connections(n)),
              (label(language, f"Convolution, kernel {kernel_size}: sparse",
                     f"卷积，卷积核大小 {kernel_size}：稀疏连接"),
               connections(n, kernel_size, padding=kernel_size // 2))]
    for ax, (title, touches) in zip(axes, panels):
        for i in range(touches.shape[0]):
            for j in range(n):
                if touches[i, j]:
                    on = i == middle
                    ax.plot([j, i], [0, 1], color="#1f77b4" if on else "#cccccc",
                            linewidth=2.2 if on else 1, zorder=1)
        for row, name in ((0, "x"), (1, "s")):
            for j in range(n):
                lit = (row == 1 and j == middle) or (row == 0 and bool(touches[middle, j]))
                ax.scatter(j, row, s=620, color=WINDOW if lit else "white", edgecolor=LINE,
                           zorder=2)
                ax.text(j, row, f"{name}{j + 1}", ha="center", va="center", fontsize=11, zorder=3)
        touched = int(touches[middle].sum())
        ax.set_title(f"{title}\n" + label(language, f"s{middle + 1} touches {touched} of {n} inputs",
                                         f"s{middle + 1} 连接 {n} 个输入中的 {touched} 个"),
                     fontsize=11)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(-0.4, 1.4)
        ax.axis("off")
    fig.tight_layout()
    return _save(fig, path)


FIGURES = {
    "conv_cross_correlation.png": draw_cross_correlation,
    "conv_receptive_field.png": draw_receptive_field,
    "conv_padding.png": draw_padding,
    "conv_stride.png": draw_stride,
    "conv_multi_in.png": draw_multi_in,
    "conv_multi_out.png": draw_multi_out,
    "conv_1x1.png": draw_conv_1x1,
    "conv_sparse_dense.png": draw_sparse_dense,
}


def draw_all(directory: Path | str, language: str = "en") -> list[Path]:
    """Write every chapter-1 figure into ``directory`` in ``language`` ("en" or "zh"); return
    their paths."""
    import matplotlib

    matplotlib.use("Agg")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [draw(directory / name, language=language) for name, draw in FIGURES.items()]
