"""Architecture figures of chapters 3-10, drawn from the builders the chapters train.

Each figure is ``architecture.describe`` of a model (a walk with a zero
input), ``architecture_layout.layout`` of that description, then drawn here:
boxes coloured by kind, the tensor shape beside each arrow, parallel paths
side by side, ⊕ for an addition, a bar for a concatenation, dashed frames
for named blocks and for repeats ("× n"). Sizes are pixels at 100 dpi, so
the PNG shows the text at 17-18 px: as large as a notebook's body text.

In Chinese (``language="zh"``, the figures of ``images/zh/``) every box, label
and title is written with ``architecture_names.figure_text`` and the titles of
``ARCHITECTURES`` (``title_zh``), and drawn in the system's CJK font
(``core.figure_language``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.ch07_googlenet import checks as googlenet
from cnn_helpers.core.figure_language import drawing_in
from cnn_helpers.core.figure_language import label as in_language
from cnn_helpers.core.files import save_figure
from cnn_helpers.figures import architecture, architecture_items, architecture_layout
from cnn_helpers.figures.architecture_layout import CONCAT_HEIGHT, FONT, PAD_X, PAD_Y, line_height
from cnn_helpers.figures.architecture_names import figure_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MatplotlibFigure

COLOURS = {
    "input": "#ffffff", "conv": "#c6dbef", "pool": "#fdd0a2", "fc": "#c7e9c0",
    "norm": "#dadaeb", "act": "#f0f0f0", "flatten": "#ffffff", "dropout": "#f0f0f0",
    "block": "#deebf7", "other": "#ffffff",
}
LINE = "#444444"


def render(figure: architecture_layout.Figure) -> MatplotlibFigure:
    """A matplotlib figure of the placed ``figure`` (pixel coordinates, y down), its texts in
    the font of ``figure.language``."""
    with drawing_in(figure.language):
        return _render(figure)


def _render(figure: architecture_layout.Figure) -> MatplotlibFigure:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

    fig = plt.figure(figsize=(figure.width / 100, figure.height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, figure.width)
    ax.set_ylim(figure.height, 0)
    ax.axis("off")
    for x, y, width, height in figure.frames:
        ax.add_patch(Rectangle((x, y), width, height, facecolor="none", edgecolor="#888888",
                               linestyle=(0, (4, 3)), linewidth=1.2))
    for points in figure.lines:
        xs, ys = zip(*points)
        ax.plot(xs, ys, color=LINE, linewidth=1.4, solid_capstyle="butt")
    for points in figure.arrows:
        if len(points) > 2:
            xs, ys = zip(*points[:-1])
            ax.plot(xs, ys, color=LINE, linewidth=1.4)
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=12,
                                     color=LINE, linewidth=1.4, shrinkA=0, shrinkB=0))
    for x, y, kind, half in figure.merges:
        if kind == "add":
            ax.add_patch(Circle((x, y), half, facecolor="white", edgecolor=LINE, linewidth=1.4))
            ax.plot([x - half * 0.6, x + half * 0.6], [y, y], color=LINE, linewidth=1.6)
            ax.plot([x, x], [y - half * 0.6, y + half * 0.6], color=LINE, linewidth=1.6)
        else:
            height = CONCAT_HEIGHT
            ax.add_patch(Rectangle((x - half, y - height / 2), 2 * half, height,
                                   facecolor="#fee391", edgecolor=LINE, linewidth=1.2))
    for box in figure.boxes:
        ax.add_patch(Rectangle((box.x, box.y), box.width, box.height,
                               facecolor=COLOURS.get(box.kind, "#ffffff"), edgecolor=LINE,
                               linewidth=1.2, linestyle="--" if box.kind == "input" else "-"))
        step = line_height(FONT)
        for index, line in enumerate(box.lines):
            bold = box.kind == "block" and index == 0
            ax.text(box.x + PAD_X, box.y + PAD_Y + (index + 0.5) * step,
                    line, fontsize=FONT, ha="left", va="center_baseline",
                    fontweight="bold" if bold else "normal")
    for label in figure.labels:
        ax.text(label.x, label.y, label.text, fontsize=label.size, ha=label.align,
                va="center_baseline", fontweight="bold" if label.bold else "normal")
    return fig


def translated(items: list, language: str) -> list:
    """``items`` with every text a figure writes (box lines, block names) in ``language``."""
    if language == "en":
        return items

    def each(item):
        if isinstance(item, architecture_items.Layer):
            return dataclasses.replace(
                item, text=figure_text(item.text, language),
                extras=[figure_text(extra, language) for extra in item.extras],
                lines=[figure_text(line, language) for line in item.lines])
        if isinstance(item, architecture_items.Block):
            return dataclasses.replace(item, name=figure_text(item.name, language),
                                       items=translated(item.items, language))
        if isinstance(item, architecture_items.Parallel):
            return dataclasses.replace(item, branches=[translated(branch, language)
                                                       for branch in item.branches])
        return dataclasses.replace(item, item=each(item.item),
                                   instances=translated(item.instances, language))
    return [each(item) for item in items]


def figure_of(net: nn.Module, input_shape: tuple[int, int, int, int], title: str,
              collapse: Collection[str] = (), inline: Collection[str] = (),
              lines: Callable[[nn.Module], Callable[[architecture_items.Block], list[str] | None]] | None = None,
              language: str = "en") -> architecture_layout.Figure:
    """The placed figure of ``net`` for ``input_shape`` (chapters 3-10); a net that is one
    block is drawn without a frame (the title names it).

    Args:
        net: the model, as its chapter builds it.
        input_shape: one input's N x C x H x W.
        title: the figure's title.
        collapse: names of blocks drawn as one box each.
        inline: names of blocks drawn as their contents, without a frame.
        lines: ``lines(net)`` makes the function that writes a collapsed block's lines
            (``architecture_items.collapse``); None, their summary.
        language: "en" or "zh", that of the boxes and labels (``title`` is written in it).

    Returns:
        The boxes, arrows and labels in pixels.
    """
    items = architecture.describe(net, input_shape)
    if len(items) == 2 and isinstance(items[1], architecture_items.Block):
        items = items[:1] + items[1].items
    items = architecture_items.collapse(items, lambda name: name.split(",")[0] in collapse,
                                        inline=lambda name: name in inline,
                                        lines=lines(net) if lines else lambda block: None)
    return architecture_layout.layout(translated(items, language), title, language=language)


def draw(net: nn.Module, input_shape: tuple[int, int, int, int], path: Path, title: str,
         collapse: Collection[str] = (), inline: Collection[str] = (),
         lines: Callable[[nn.Module], Callable[[architecture_items.Block], list[str] | None]] | None = None,
         language: str = "en") -> Path:
    """Draw ``figure_of(net, ...)`` into the PNG file ``path`` (chapters 3-10).

    Args:
        net: the model, as its chapter builds it.
        input_shape: one input's N x C x H x W.
        path: the PNG file written.
        title: the figure's title.
        collapse: names of blocks drawn as one box each.
        inline: names of blocks drawn as their contents, without a frame.
        lines: as for ``figure_of``.
        language: as for ``figure_of``.

    Returns:
        ``path``.
    """
    import matplotlib.pyplot as plt

    figure = figure_of(net, input_shape, title, collapse, inline, lines, language)
    with drawing_in(language):
        fig = render(figure)
        save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def _figure(build, input_shape, title, title_zh, collapse=(), inline=(), lines=None):
    return {"build": build, "input_shape": input_shape, "title": title, "title_zh": title_zh,
            "collapse": collapse, "inline": inline, "lines": lines}


def inception_lines(net: nn.Module) -> Callable[[architecture_items.Block], list[str] | None]:
    """For GoogLeNet's whole-net figure: each Inception block in two lines, its name and its
    channels as the notes write them, c1 + (c2) + (c3) + c4 (a pair: the 1×1 reduction, then
    the path's output); the block figure (``googlenet_inception.png``) draws the four paths."""
    names = {id(block): name for name, block in googlenet.inception_blocks(net).items()}

    def lines(block):
        module = block.module
        if id(module) not in names:
            return None
        c1, c4 = module.p1_1.out_channels, module.p4_2.out_channels
        c2 = (module.p2_1.out_channels, module.p2_2.out_channels)
        c3 = (module.p3_1.out_channels, module.p3_2.out_channels)
        return [f"Inception {names[id(module)]}", f"{c1} + {c2} + {c3} + {c4}"]
    return lines


# file name -> the builder call, its input (N, C, H, W), the title in English and in Chinese,
# blocks drawn as one box
ARCHITECTURES = {
    "arch_lenet.png": _figure(lambda: models.lenet(), (1, 1, 28, 28), "LeNet: lenet()",
                              "LeNet：lenet()"),
    "arch_alexnet.png": _figure(lambda: models.alexnet(), (1, 1, 224, 224), "AlexNet: alexnet()",
                                "AlexNet：alexnet()"),
    "arch_vgg_block.png": _figure(lambda: models.vgg_block(2, 64, 128), (1, 64, 56, 56),
                                  "VGG block: vgg_block(2, 64, 128)",
                                  "VGG 块：vgg_block(2, 64, 128)"),
    "arch_vgg11.png": _figure(lambda: models.vgg(), (1, 1, 224, 224), "VGG-11: vgg()",
                              "VGG-11：vgg()", collapse={"VGG block"}),
    "arch_nin_block.png": _figure(lambda: models.nin_block(1, 96, 11, 4, 0), (1, 1, 224, 224),
                                  "NiN block: nin_block(1, 96, 11, 4, 0)",
                                  "NiN 块：nin_block(1, 96, 11, 4, 0)"),
    "arch_nin.png": _figure(lambda: models.nin(), (1, 1, 224, 224), "NiN: nin()", "NiN：nin()",
                            collapse={"NiN block"}),
    "arch_lenet_bn.png": _figure(lambda: models.lenet_bn("pytorch"), (1, 1, 28, 28),
                                 "LeNet with batch norm: lenet_bn()",
                                 "带批量归一化的 LeNet：lenet_bn()"),
    "arch_residual.png": _figure(lambda: models.Residual(64, 64), (1, 64, 24, 24),
                                 "Residual block: Residual(64, 64)", "残差块：Residual(64, 64)"),
    "arch_residual_1x1.png": _figure(
        lambda: models.Residual(64, 128, use_1x1conv=True, strides=2), (1, 64, 24, 24),
        "Residual block with a 1×1 convolution:\nResidual(64, 128, use_1x1conv=True, strides=2)",
        "带 1×1 卷积的残差块：\nResidual(64, 128, use_1x1conv=True, strides=2)"),
    "arch_resnet18.png": _figure(lambda: models.resnet18(), (1, 1, 96, 96),
                                 "ResNet-18: resnet18()", "ResNet-18：resnet18()",
                                 collapse={"residual block"}, inline={"ResNet module"}),
    "arch_dense_block.png": _figure(lambda: models.DenseBlock(4, 64, 32), (1, 64, 24, 24),
                                    "Dense block: DenseBlock(4, 64, 32)",
                                    "稠密块：DenseBlock(4, 64, 32)"),
    "arch_transition.png": _figure(lambda: models.transition_block(192, 96), (1, 192, 24, 24),
                                   "Transition layer: transition_block(192, 96)",
                                   "过渡层：transition_block(192, 96)"),
    "arch_densenet.png": _figure(lambda: models.densenet(), (1, 1, 96, 96), "DenseNet: densenet()",
                                 "DenseNet：densenet()",
                                 collapse={"dense block", "transition layer"}),
    "arch_googlenet.png": _figure(lambda: models.googlenet(), (1, 1, 96, 96),
                                  "GoogLeNet: googlenet()", "GoogLeNet：googlenet()",
                                  collapse={"Inception block"}, lines=inception_lines),
}


def draw_all(directory: str | Path, language: str = "en") -> list[Path]:
    """Write every architecture figure into ``directory`` in ``language`` ("en" or "zh");
    return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in ARCHITECTURES.items():
        written.append(draw(spec["build"](), spec["input_shape"], directory / name,
                            in_language(language, spec["title"], spec["title_zh"]), spec["collapse"],
                            spec["inline"], spec["lines"], language))
    return written
