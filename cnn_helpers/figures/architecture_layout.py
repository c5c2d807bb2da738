"""Where an architecture's boxes, arrows and labels go: a figure as data, in pixels.

``layout(items)`` places what ``architecture.describe`` read from a model:
items top to bottom, the shape after each beside its arrow, parallel paths
side by side (a fork above, ⊕ or a "concatenate channels" bar below),
dashed frames around named blocks and repeats ("× n"), and columns read
left to right when the net is taller than ``MAX_COLUMN_HEIGHT``. Text sizes
are measured with matplotlib's own renderer, so the tests can check that no
two labels touch; ``cnn_helpers.figures.architectures`` draws the result.
``layout(..., language="zh")`` writes the layout's own words ("identity",
"concatenate channels") in Chinese and measures every text in the CJK font it is
drawn in (``core.figure_language``); the items arrive already translated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from cnn_helpers.core.figure_language import drawing_in
from cnn_helpers.figures.architecture_items import (
    Block,
    Layer,
    Parallel,
    Repeat,
    drawn_layers,
    shape_text,
)
from cnn_helpers.figures.architecture_names import figure_text

FONT = 13         # points, box text (the figure is saved at 100 dpi: 18 px)
SMALL = 12        # points, shapes and "× n"
TITLE = 15        # points, figure title
PAD_X, PAD_Y = 8, 6
GAP = 34          # vertical space between items: the arrow and the shape after the item
LABEL_OFFSET = 8  # shape labels start this far right of the arrow
BRANCH_GAP = 18
FORK = 14         # the fork's stem and the merge's drop
MERGE_RADIUS = 12
CONCAT_HEIGHT = 26
FRAME_PAD = 10
COLUMN_GAP = 44
MAX_COLUMN_HEIGHT = 620


def text_size(text: str, points: float, bold: bool = False) -> tuple[float, float]:
    """(width, height) in pixels of ``text`` at ``points``, drawn at 100 dpi in the font
    matplotlib draws with now (``drawing_in`` a language)."""
    import matplotlib

    return _text_size(text, points, bold, tuple(matplotlib.rcParams["font.family"]))


@lru_cache(maxsize=4096)
def _text_size(text: str, points: float, bold: bool, family: tuple) -> tuple[float, float]:
    from matplotlib.font_manager import FontProperties

    width, height, _ = _renderer().get_text_width_height_descent(
        text, FontProperties(size=points, weight="bold" if bold else "normal"), ismath=False)
    return width, height


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 100)


def line_height(points: float) -> float:
    return text_size("Ag×", points)[1] * 1.45


@dataclass
class Box:
    x: float      # left
    y: float      # top
    width: float
    height: float
    kind: str
    lines: list
    modules: list = field(default_factory=list)  # every module the box stands for


@dataclass
class Label:
    x: float
    y: float
    text: str
    size: float
    align: str = "left"  # horizontal alignment; vertically centred
    bold: bool = False


@dataclass
class Figure:
    """A placed figure: boxes, polylines (``arrows`` end with an arrow head, ``lines`` do not),
    merge symbols (x, y, "add"/"concat", half width), dashed frames (x, y, w, h) and labels."""

    width: float = 0
    height: float = 0
    boxes: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    merges: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    language: str = "en"  # of its texts: ``render`` draws them in this language's font


def _box_size(layer: Layer) -> tuple[float, float]:
    width = max(text_size(line, FONT, bold=(layer.kind == "block" and i == 0))[0]
                for i, line in enumerate(layer.label_lines))
    return width + 2 * PAD_X, len(layer.label_lines) * line_height(FONT) + 2 * PAD_Y


class _Placer:
    """Measures items (left and right extent from their axis, height) and places them."""

    def __init__(self, figure: Figure):
        self.figure = figure
        self.identity = figure_text("identity", figure.language)
        self.concatenate = figure_text("concatenate channels", figure.language)

    # -- measuring: (left, right, height) around the item's vertical axis
    def measure(self, item) -> tuple[float, float, float]:
        if isinstance(item, Layer):
            width, height = _box_size(item)
            return width / 2, width / 2, height
        if isinstance(item, Block):
            left, right, height = self.measure_chain(item.items, trailing=False)
            title = text_size(item.name, SMALL, bold=True)[0]
            right = max(right, title - left)
            return left + FRAME_PAD, right + FRAME_PAD, height + line_height(SMALL) + 2 * FRAME_PAD
        if isinstance(item, Repeat):
            left, right, height = self.measure(item.item)
            mark = text_size(f"× {item.times}", FONT, bold=True)[0]
            return left + FRAME_PAD + mark + 8, right + FRAME_PAD, height + 2 * FRAME_PAD
        return self.measure_parallel(item)[:3]

    def measure_chain(self, items, trailing=True):
        left = right = height = 0.0
        for index, item in enumerate(items):
            item_left, item_right, item_height = self.measure(item)
            left, right = max(left, item_left), max(right, item_right)
            height += item_height
            if index < len(items) - 1 or trailing:
                height += GAP
                right = max(right, LABEL_OFFSET + text_size(shape_text(item.shape), SMALL)[0])
        return left, right, height

    def measure_parallel(self, item: Parallel):
        sizes = []
        for branch in item.branches:
            if branch:
                sizes.append(self.measure_chain(branch))
            else:
                sizes.append((0.0, LABEL_OFFSET + text_size(self.identity, SMALL)[0], 3 * GAP))
        axes, x = [], 0.0
        for left, right, _ in sizes:
            axes.append(x + left)
            x += left + right + BRANCH_GAP
        width = x - BRANCH_GAP
        axis = axes[0] if len(axes) == 2 else (axes[0] + axes[-1]) / 2
        merge = 2 * MERGE_RADIUS if item.merge == "add" else CONCAT_HEIGHT
        height = FORK + GAP + max(h for _, _, h in sizes) + FORK + merge
        left, right = axis, width - axis
        if item.merge == "concat":
            half = text_size(self.concatenate, SMALL)[0] / 2 + PAD_X
            left, right = max(left, half + (axis - (axes[0] + axes[-1]) / 2)), max(right, half)
        return left, right, height, axes, axis, sizes

    # -- placing: the item's axis at x, its top at y
    def place(self, item, x, y):
        figure = self.figure
        if isinstance(item, Layer):
            width, height = _box_size(item)
            figure.boxes.append(Box(x - width / 2, y, width, height, item.kind, item.label_lines,
                                    list(item.modules)))
            return
        if isinstance(item, Block):
            left, right, height = self.measure(item)
            figure.frames.append((x - left, y, left + right, height))
            title_y = y + FRAME_PAD + line_height(SMALL) / 2
            figure.labels.append(Label(x - left + FRAME_PAD, title_y, item.name, SMALL, bold=True))
            start = y + FRAME_PAD + line_height(SMALL)
            figure.lines.append([(x, y), (x, start)])
            end = self.place_chain(item.items, x, start, trailing=False)
            figure.lines.append([(x, end), (x, y + height)])
            return
        if isinstance(item, Repeat):
            left, right, height = self.measure(item)
            figure.frames.append((x - left, y, left + right, height))
            figure.labels.append(Label(x - left + FRAME_PAD, y + height / 2, f"× {item.times}",
                                       FONT, bold=True))
            first = len(figure.boxes)
            self.place(item.item, x, y + FRAME_PAD)
            for box, layers in zip(figure.boxes[first:], drawn_layers(item)):
                box.modules = [module for layer in layers for module in layer.modules]
            figure.lines.append([(x, y), (x, y + FRAME_PAD)])
            figure.lines.append([(x, y + height - FRAME_PAD), (x, y + height)])
            return
        self.place_parallel(item, x, y)

    def place_chain(self, items, x, y, trailing=True, last_arrow=True):
        for index, item in enumerate(items):
            self.place(item, x, y)
            y += self.measure(item)[2]
            if index < len(items) - 1 or trailing:
                ends_here = index == len(items) - 1 and not last_arrow
                (self.figure.lines if ends_here else self.figure.arrows).append([(x, y), (x, y + GAP)])
                self.figure.labels.append(Label(x + LABEL_OFFSET, y + GAP / 2,
                                                shape_text(item.shape), SMALL))
                y += GAP
        return y

    def place_parallel(self, item: Parallel, x, y):
        figure = self.figure
        left, _, height, axes, axis, sizes = self.measure_parallel(item)
        xs = [x - axis + a for a in axes]
        fork = y + FORK
        figure.lines.append([(x, y), (x, fork)])
        figure.lines.append([(xs[0], fork), (xs[-1], fork)])
        bottom = y + height - FORK - (2 * MERGE_RADIUS if item.merge == "add" else CONCAT_HEIGHT)
        for branch, bx in zip(item.branches, xs):
            if branch:
                figure.arrows.append([(bx, fork), (bx, fork + GAP)])
                end = self.place_chain(branch, bx, fork + GAP, last_arrow=False)
                figure.lines.append([(bx, end), (bx, bottom)])
            else:
                figure.lines.append([(bx, fork), (bx, bottom)])
                figure.labels.append(Label(bx + LABEL_OFFSET, (fork + bottom) / 2, self.identity,
                                           SMALL))
        if item.merge == "add":
            centre = bottom + FORK + MERGE_RADIUS
            for bx in xs:
                if abs(bx - x) < 1:
                    figure.arrows.append([(bx, bottom), (bx, centre - MERGE_RADIUS)])
                else:
                    side = MERGE_RADIUS if bx > x else -MERGE_RADIUS
                    figure.arrows.append([(bx, bottom), (bx, centre), (x + side, centre)])
            figure.merges.append((x, centre, "add", MERGE_RADIUS))
        else:
            top = bottom + FORK
            for bx in xs:
                figure.arrows.append([(bx, bottom), (bx, top)])
            half = max((xs[-1] - xs[0]) / 2 + PAD_X,
                       text_size(self.concatenate, SMALL)[0] / 2 + PAD_X)
            centre_x = (xs[0] + xs[-1]) / 2
            figure.merges.append((centre_x, top + CONCAT_HEIGHT / 2, "concat", half))
            figure.labels.append(Label(centre_x, top + CONCAT_HEIGHT / 2, self.concatenate,
                                       SMALL, align="center"))


def _pack(heights, limit):
    """Greedy: (start, stop) of columns no taller than ``limit`` (an item taller than it
    gets a column of its own)."""
    columns, start, height = [], 0, 0.0
    for index, h in enumerate(heights):
        if index > start and height + h > limit:
            columns.append((start, index))
            start, height = index, 0.0
        height += h
    columns.append((start, len(heights)))
    return columns


def _columns(heights, max_height):
    """The fewest columns of at most ``max_height`` pixels, balanced: the smallest height
    limit that still packs the items into that many columns."""
    count = len(_pack(heights, max_height))
    limit = max(max(heights), sum(heights) / count)
    while len(_pack(heights, limit)) > count:
        limit += 4
    return _pack(heights, limit)


def layout(items: list, title: str = "", max_height: float = MAX_COLUMN_HEIGHT,
           language: str = "en") -> Figure:
    """Place ``items`` (from ``describe``/``collapse``) top to bottom, in columns of at most
    ``max_height`` pixels read left to right, the shape after each item beside its arrow;
    ``language`` is that of the items' texts and ``title`` ("en" or "zh")."""
    with drawing_in(language):
        return _layout(items, title, max_height, language)


def _layout(items: list, title: str, max_height: float, language: str) -> Figure:
    figure = Figure(language=language)
    placer = _Placer(figure)
    margin = 12
    title_lines = title.split("\n") if title else []
    columns = _columns([placer.measure(item)[2] + GAP for item in items], max_height)
    columns = [items[start:stop] for start, stop in columns]
    top = margin + len(title_lines) * line_height(TITLE) + (6 if title else 0)
    top += 16 if len(columns) > 1 else 0  # room for the line into the next column
    x, previous_end = margin, None
    bottoms = []
    for column in columns:
        left, right, h = placer.measure_chain(column)
        axis = x + left
        if previous_end is not None:
            px, py = previous_end
            gutter = x - COLUMN_GAP / 2
            figure.lines.append([(px, py), (px, py + 10), (gutter, py + 10), (gutter, top - 10),
                                 (axis, top - 10)])
            figure.arrows.append([(axis, top - 10), (axis, top)])
        end = placer.place_chain(column, axis, top)
        previous_end = (axis, end)
        bottoms.append(end)
        x = axis + right + COLUMN_GAP
    figure.width = x - COLUMN_GAP + margin
    figure.height = max(bottoms) + margin + (10 if len(columns) > 1 else 0)
    for index, line in enumerate(title_lines):
        figure.labels.append(Label(margin, margin + (index + 0.5) * line_height(TITLE), line,
                                   TITLE, bold=index == 0))
        figure.width = max(figure.width, 2 * margin + text_size(line, TITLE, bold=True)[0])
    return figure
