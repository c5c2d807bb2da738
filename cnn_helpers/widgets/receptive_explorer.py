"""The receptive-field explorer (notes 1.2): which inputs can change one output element?

Pick a stack of layers (the notes' two-layer example, LeNet, a VGG-style
stack, or one you type), a layer and one element of its output. The
explorer tints that element's receptive field (感受野) on the input and on
every feature map before it, shows the table of ``receptive_field``
(field size r, jump j, start), and checks the field a second way: it asks
autograd which input pixels have a non-zero gradient
(``autograd_receptive_field``, through ``AutogradFieldProbe``, which
keeps the probe between updates) and dots those pixels, so a student sees
the two agree.

    >>> explorer = ReceptiveFieldExplorer(stack="LeNet (28x28)")
    >>> explorer.update(layer=3, row=2, col=2).agree
    True
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from cnn_helpers.core import render
from cnn_helpers.core.images import photo
from cnn_helpers.ops.receptive import (
    AutogradFieldProbe,
    LayerGeometry,
    ReceptiveFieldTable,
    receptive_field,
)
from cnn_helpers.widgets.common import Explorer, compact, picture, show, single_thread

FIELD = (40, 170, 60)  # the analytic receptive field, tinted
AUTOGRAD = (255, 140, 0)  # autograd's pixels, dotted
CHOSEN = (220, 40, 40)  # the chosen output element
DISAGREE = (200, 0, 200)


def notes_two_layer_stack() -> nn.Sequential:
    """The notes' example: a 2x2 kernel on a 3x3 input gives 2x2 (the 19...), a second 2x2 gives 1x1."""
    return nn.Sequential(OrderedDict(conv1=nn.Conv2d(1, 1, 2), conv2=nn.Conv2d(1, 1, 2)))


def lenet_stack() -> nn.Sequential:
    """LeNet's convolutional part (chapter 3): 5x5 conv (padding 2), 2x2 pool, 5x5 conv, 2x2 pool."""
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(1, 6, 5, padding=2), sigmoid1=nn.Sigmoid(), pool1=nn.AvgPool2d(2, 2),
        conv2=nn.Conv2d(6, 16, 5), sigmoid2=nn.Sigmoid(), pool2=nn.AvgPool2d(2, 2),
    ))


def vgg_style_stack(blocks: int = 2, convs: int = 2) -> nn.Sequential:
    """VGG blocks (chapter 5): ``convs`` 3x3 padding-1 convolutions, then 2x2 stride-2 max pooling."""
    layers = OrderedDict()
    channels = 1
    for block in range(1, blocks + 1):
        for conv in range(1, convs + 1):
            layers[f"conv{block}_{conv}"] = nn.Conv2d(channels, 4 * block, 3, padding=1)
            layers[f"relu{block}_{conv}"] = nn.ReLU()
            channels = 4 * block
        layers[f"pool{block}"] = nn.MaxPool2d(2, 2)
    return nn.Sequential(layers)


CUSTOM = "custom (type it)"
# name -> (model builder, input side)
STACKS = {
    "notes: two 2x2 layers (3x3)": (notes_two_layer_stack, 3),
    "LeNet (28x28)": (lenet_stack, 28),
    "VGG-style, 2 blocks (32x32)": (vgg_style_stack, 32),
}
DEFAULT_CUSTOM = "k=3,s=1,p=1; k=3,s=1,p=1; pool k=2,s=2; k=3,p=1"
_KINDS = {"conv": "conv", "pool": "pool", "max": "pool", "maxpool": "pool", "avg": "pool",
          "avgpool": "pool"}


def parse_stack(text: str) -> nn.Sequential:
    """A stack typed as layers separated by ';' (or lines): ``k=3,s=1,p=1; pool k=2,s=2``.

    Each layer gives ``k`` (kernel) and optionally ``s`` (stride), ``p``
    (padding per side) and ``d`` (dilation, convolutions only); ``pool``
    before it makes a max pooling layer (stride defaults to ``k``). A
    malformed entry is a ``ValueError`` that names the layer.
    """
    parts = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    if not parts:
        raise ValueError("type at least one layer, e.g. k=3,s=1,p=1; k=2,s=2")
    layers, counts = OrderedDict(), {"conv": 0, "pool": 0}
    for number, part in enumerate(parts, 1):
        kind, values = "conv", {}
        for word in re.split(r"[\s,]+", part):
            if not word:
                continue
            key, equals, value = word.partition("=")
            if not equals:
                if word.lower() not in _KINDS or values:
                    raise ValueError(f"layer {number} ({part!r}): {word!r} is not k=, s=, p= or d=")
                kind = _KINDS[word.lower()]
                continue
            if key.lower() not in ("k", "s", "p", "d"):
                raise ValueError(f"layer {number} ({part!r}): unknown setting {key!r}; use k, s, p, d")
            try:
                values[key.lower()] = int(value)
            except ValueError:
                raise ValueError(f"layer {number} ({part!r}): {value!r} is not a whole number") from None
        if "k" not in values:
            raise ValueError(f"layer {number} ({part!r}): give the kernel size, e.g. k=3")
        k, p, d = values["k"], values.get("p", 0), values.get("d", 1)
        s = values.get("s", k if kind == "pool" else 1)
        LayerGeometry.make(f"layer {number}", k, s, p, d)  # raises for k, s, d < 1 or p < 0
        if max(k, s, p, d) > 64:
            raise ValueError(f"layer {number} ({part!r}): keep k, s, p and d at most 64")
        counts[kind] += 1
        if kind == "pool":
            if d != 1:
                raise ValueError(f"layer {number} ({part!r}): pooling here has no dilation")
            if p > k // 2:
                raise ValueError(f"layer {number} ({part!r}): pooling padding is at most half the "
                                 f"window (p <= {k // 2})")
            layers[f"pool{counts['pool']}"] = nn.MaxPool2d(k, s, p)
        else:
            layers[f"conv{counts['conv']}"] = nn.Conv2d(1, 1, k, s, p, dilation=d)
    return nn.Sequential(layers)


@dataclass
class FieldReadout:
    """What the explorer shows for one setting (what tests and notebooks read)."""

    table: ReceptiveFieldTable  # rows of receptive_field: r, j, start per layer
    layer: int
    position: tuple[int, int]
    field: torch.Tensor  # (h, w) bool: the analytic receptive field on the input
    autograd: torch.Tensor  # (h, w) bool: the inputs with a non-zero gradient
    agree: bool
    feature_map_fields: list  # per earlier layer: (h_l, w_l) bool field on its output
    statement: str

    def __getitem__(self, key):
        return getattr(self, key)


class ReceptiveFieldExplorer(Explorer):
    """The receptive field of one output element, on the input and on every feature map.

    Keywords set the starting controls: ``stack`` (a name from ``STACKS``
    or ``CUSTOM``), ``custom`` (the typed stack), ``input_size`` (for a
    custom stack), ``background`` ("grid" or "photo"), ``layer`` (index of
    the layer whose output element is chosen; default the last), ``row``,
    ``col``.
    """

    def __init__(self, stack: str = "notes: two 2x2 layers (3x3)", *, custom: str = DEFAULT_CUSTOM,
                 input_size: int = 16, background: str = "grid", layer: int = -1,
                 row: int = 0, col: int = 0, display: int = 240, map_display: int = 110):
        super().__init__()
        self.display, self.map_display = display, map_display
        self._models: dict = {}  # models, tables and pictures, made once (see _kept)
        style = {"description_width": "80px"}  # one width: the controls line up
        def narrow():  # a Layout each: show() hides a control through its own layout
            return widgets.Layout(width="280px")

        controls = [
            self._register("stack", widgets.Dropdown(
                options=[*STACKS, CUSTOM], description="stack", style=style, layout=narrow())),
            self._register("custom", widgets.Text(
                description="layers", continuous_update=False, style=style,
                placeholder="k=3,s=1,p=1; pool k=2,s=2", layout=widgets.Layout(width="400px"))),
            self._register("input_size", widgets.IntSlider(
                value=16, min=3, max=256, description="input size", style=style,
                continuous_update=False, layout=narrow())),
            self._register("background", widgets.Dropdown(
                options=["grid", "photo"], description="input shows",
                style=style, layout=narrow())),
            self._register("layer", widgets.IntSlider(
                value=0, min=0, max=0, description="layer", style=style, layout=narrow())),
            self._register("row", widgets.IntSlider(
                value=0, min=0, max=0, description="output row", style=style, layout=narrow())),
            self._register("col", widgets.IntSlider(
                value=0, min=0, max=0, description="output col", style=style, layout=narrow())),
        ]
        self.layer_name = widgets.HTML()
        controls[4] = widgets.HBox([controls[4], self.layer_name])
        self.input_picture = picture()
        self.input_title = widgets.HTML()
        # headings in one line, pictures hanging below them (whatever their heights)
        self.maps = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap",
                                                       align_items="flex-start", grid_gap="12px"))
        self.statement = widgets.HTML()
        self.table_view = widgets.HTML()
        maps_caption = widgets.HTML(
            "<b>feature maps</b>: green, the elements that feed the chosen element (red)")
        # the input beside what it means (statement, table); the feature maps below: the
        # whole explorer fits a 1280x720 window beside JupyterLab's file browser
        self.input_title.layout.max_width = f"{display + 20}px"
        self.body = widgets.VBox([
            widgets.HBox([widgets.VBox([self.input_title, self.input_picture]),
                          widgets.VBox([self.statement, self.table_view])],
                         layout=widgets.Layout(align_items="flex-start", grid_gap="24px")),
            maps_caption,
            self.maps,
        ])
        self.root = widgets.VBox([
            widgets.HBox([widgets.VBox(controls[:4]), widgets.VBox(controls[4:])]),
            self.message,
            self.body,
        ])
        self._map_pictures: list[tuple[widgets.HTML, widgets.Image, widgets.VBox]] = []
        self._start(stack=stack, custom=custom, input_size=input_size, background=background,
                    layer=layer, row=row, col=col)

    # -- settings -------------------------------------------------------------------
    def _apply(self, changes: dict) -> None:
        """The stack first, then the layer (its range follows the stack), then the
        row and column (their range follows the layer's output); -1 means the last."""
        for stage in (("stack", "custom", "input_size", "background"), ("layer",),
                      ("row", "col")):
            self._fit_ranges()
            for name in stage:
                if name in changes:
                    value = changes[name]
                    if name in ("layer", "row", "col") and isinstance(value, int) and value < 0:
                        value += self._controls[name].max + 1
                    self._set(name, value)

    KEEP = 64  # results kept in self._models; a class typing many custom stacks stays bounded

    def _kept(self, key, make):
        """``make()``, kept under ``key`` for the next update; beyond ``KEEP`` results the
        oldest is forgotten (and made again if it is needed again)."""
        if key not in self._models:
            self._models[key] = made = make()  # make() may keep what it uses first
            while len(self._models) > self.KEEP:
                self._models.pop(next(iter(self._models)))
            return made
        return self._models[key]

    def _on_change(self, _change=None):
        if not self._updating:
            self.update()  # fits the ranges, then redraws

    def model(self, stack: str, custom: str) -> nn.Sequential:
        """The stack's model (a custom one parsed from ``custom``; cached)."""
        key = (stack, custom if stack == CUSTOM else "")
        return self._kept(key, lambda: parse_stack(custom) if stack == CUSTOM
                          else STACKS[stack][0]())

    def input_side(self, stack: str, input_size: int) -> int:
        return input_size if stack == CUSTOM else STACKS[stack][1]

    def table(self, stack: str, custom: str, input_size: int) -> ReceptiveFieldTable:
        """``receptive_field`` of the stack (a ValueError when the input shrinks to nothing)."""
        key = ("table", stack, custom if stack == CUSTOM else "", self.input_side(stack, input_size))
        return self._kept(key, lambda: receptive_field(self.model(stack, custom), key[-1]))

    def _autograd_field(self, stack, custom, side, position, layer) -> torch.Tensor:
        """The field found by autograd (``AutogradFieldProbe``: one probe per stack, kept)."""
        key = ("probe", stack, custom if stack == CUSTOM else "", side)
        probe = self._kept(key, lambda: AutogradFieldProbe(self.model(stack, custom), side))
        return probe(position, layer)

    def _fit_ranges(self) -> None:
        s = self.settings
        try:
            table = self.table(s["stack"], s["custom"], s["input_size"])
        except ValueError:
            return
        layer = self._controls["layer"]
        if layer.max != len(table) - 1:
            layer.max = len(table) - 1
        out_h, out_w = table[layer.value].output_size
        for name, size in (("row", out_h), ("col", out_w)):
            if self._controls[name].max != size - 1:
                self._controls[name].max = size - 1

    # -- one update -----------------------------------------------------------------
    def _update(self, **settings) -> FieldReadout:
        with single_thread():  # small tensors: one thread is fastest (see single_thread)
            return self._compute_and_draw(**settings)

    def _compute_and_draw(self, stack, custom, input_size, background, layer, row, col):
        show(self._controls["custom"], stack == CUSTOM)
        show(self._controls["input_size"], stack == CUSTOM)
        try:
            table = self.table(stack, custom, input_size)
        except ValueError:
            show(self.body, False)
            self.layer_name.value = ""
            raise
        show(self.body, True)
        side = self.input_side(stack, input_size)
        position = (row, col)

        field = table.mask(position, layer)  # (side, side) bool
        by_autograd = self._autograd_field(stack, custom, side, position, layer)
        agree = bool(torch.equal(field, by_autograd))
        maps = [  # the field on the output of each earlier layer: walk the layers after it
            receptive_field(table.geometries[index + 1 : layer + 1], table[index].output_size)
            .mask(position, -1) for index in range(layer)
        ]
        statement, statement_html = self._statement(table, layer, position, field, agree)

        self._draw_input(stack, side, background, field, by_autograd, position, layer, table)
        self._draw_maps(stack, table, layer, position, maps)
        self.statement.value = statement_html
        geometry = table.geometries[layer]
        self.layer_name.value = (f"<b>{html.escape(table[layer].name)}</b> "
                                 f"(k={geometry.kernel[0]}, s={geometry.stride[0]}, "
                                 f"p={geometry.padding[0]})")
        self.table_view.value = compact(self._table_html(table, layer))
        return FieldReadout(table, layer, position, field, by_autograd, agree, maps, statement)

    @staticmethod
    def _statement(table, layer, position, field, agree) -> tuple[str, str]:
        """What the element sees and whether autograd agrees: (plain text, HTML)."""
        rows, cols = table.field(position, layer)
        name = table[layer].name
        if not rows or not cols:
            seen = (f"{name} element {position} is computed from padding alone: "
                    "it sees no input pixel")
        else:
            seen = (f"{name} element {position} sees {int(field.sum())} input pixels: "
                    f"rows {rows[0]}-{rows[-1]}, columns {cols[0]}-{cols[-1]}")
            if table[layer].has_gaps:
                seen += " (with gaps: a stride skipped some inputs)"
        check = ("\u2713 autograd agrees: exactly these pixels have a non-zero gradient" if agree
                 else "\u2717 autograd disagrees: the differing pixels are purple")
        colour = "#1b7f2a" if agree else "#b00020"
        return (f"{seen}. {check}",
                f"<div>{html.escape(seen)}</div>"
                f"<div style='color:{colour}'><b>{html.escape(check)}</b></div>")

    # -- pictures -------------------------------------------------------------------
    def _background(self, side: int, background: str, factor: int) -> np.ndarray:
        def draw():
            if background == "photo":
                grey = photo("camera", side).numpy() * 0.6 + 0.4  # lightened: tints stay visible
                rgb = render.colorize(grey, vmin=0, vmax=1)
            else:
                rgb = np.full((side, side, 3), 238, dtype=np.uint8)
            return render.with_grid(render.upscale(rgb, factor), factor, smallest=6)

        return self._kept(("background", side, background, factor), draw)

    def _draw_input(self, stack, side, background, field, by_autograd, position, layer, table):
        factor = render.display_factor(side, side, self.display)
        rgb = self._background(side, background, factor).copy()
        field_np, autograd_np = field.numpy(), by_autograd.numpy()
        render.tint_mask(rgb, field_np, FIELD, factor, alpha=0.55)
        rows, cols = table.box(position, layer)
        if rows.stop > rows.start:
            render.draw_box(rgb, rows, cols, FIELD, factor, thickness=2 if factor > 3 else 1)
            if factor < 4:  # a big input: short guide lines from the edges point at the field
                render.guide_lines(rgb, slice(rows.start * factor, rows.stop * factor),
                                   slice(cols.start * factor, cols.stop * factor), FIELD)
        if factor >= 4:  # a dot in the middle of every pixel that autograd found
            dot = max(2, factor // 3)
            start = (factor - dot) // 2
            dots = np.zeros((factor, factor), dtype=bool)
            dots[start : start + dot, start : start + dot] = True
            big = np.kron(autograd_np, dots).astype(bool)
            rgb[big] = AUTOGRAD
        render.tint_mask(rgb, field_np != autograd_np, DISAGREE, factor, alpha=1.0)
        self.input_picture.value = render.png_bytes(rgb)
        self.input_picture.layout.width = f"{rgb.shape[1]}px"
        autograd = ("autograd's pixels dotted orange" if factor >= 4 else
                    "autograd's pixels too small to dot (the check beside compares them)")
        self.input_title.value = compact(f"<b>input {side}x{side}</b>: field in green, {autograd}")

    def _draw_maps(self, stack, table, layer, position, maps):
        """One picture per layer up to ``layer``: its output, the field on it, the element."""
        while len(self._map_pictures) < len(table):  # pictures are made once, then reused
            title, image = widgets.HTML(), picture()
            self._map_pictures.append((title, image, widgets.VBox([title, image])))
        if len(self.maps.children) != len(table):
            self.maps.children = [box for _, _, box in self._map_pictures[: len(table)]]
        for index, (title, image, box) in enumerate(self._map_pictures[: len(table)]):
            show(box, index <= layer)
            if index > layer:
                continue
            out_h, out_w = table[index].output_size
            if index < layer:
                mask = maps[index].numpy()
            else:
                mask = np.zeros((out_h, out_w), dtype=bool)
                mask[position] = True
            # a map larger than map_display pixels is shown smaller: a pixel per block
            shrink = -(-max(out_h, out_w) // self.map_display)
            mask = _block_any(mask, shrink)
            factor = render.display_factor(*mask.shape, self.map_display)
            rgb = self._kept(("map", mask.shape, factor),
                             partial(_blank_map, mask.shape, factor)).copy()
            colour = FIELD if index < layer else CHOSEN
            render.tint_mask(rgb, mask, colour, factor, alpha=0.55 if index < layer else 1.0)
            rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
            if rows.size:
                _ring_if_small(rgb, rows, cols, factor, colour)
            image.value = render.png_bytes(rgb)
            image.layout.width = f"{rgb.shape[1]}px"
            smaller = f" (shown {shrink}x smaller)" if shrink > 1 else ""
            title.value = f"<b>{html.escape(table[index].name)}</b> {out_h}x{out_w}{smaller}"

    @staticmethod
    def _table_html(table, layer) -> str:
        """``receptive_field``'s rows as an HTML table, the chosen layer highlighted."""
        def pair(values):
            return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"

        head = ("<tr><th style='text-align:left'>layer</th><th>kernel, stride, padding</th>"
                "<th>output</th>"
                "<th>field r</th><th>jump j</th><th>start</th></tr>")
        lines = []
        for index, (row, g) in enumerate(zip(table, table.geometries)):
            style = " style='background:#e6f4ea;font-weight:bold'" if index == layer else ""
            lines.append(
                f"<tr{style}><td style='text-align:left'>{html.escape(row.name)}</td>"
                f"<td>k={pair(g.kernel)}, s={pair(g.stride)}, p={pair(g.padding)}"
                + (f", d={pair(g.dilation)}" if g.dilation != (1, 1) else "") + "</td>"
                f"<td>{pair(row.output_size)}</td><td>{pair(row.size)}</td>"
                f"<td>{pair(row.jump)}</td><td>{pair(row.start)}</td></tr>")
        return ("<b>receptive_field</b>: r = r<sub>prev</sub> + (k - 1) j<sub>prev</sub>, "
                "j = j<sub>prev</sub> s, start = start<sub>prev</sub> - p j<sub>prev</sub>"
                "<table style='border-collapse:collapse;text-align:right' cellpadding='3'>"
                + head + "".join(lines) + "</table>")


MARK_MIN_PX = 16  # a mark smaller than this on screen gets a ring around it


def _ring_if_small(rgb: np.ndarray, rows: np.ndarray, cols: np.ndarray, factor: int,
                   colour) -> None:
    """Ring a marked block of pixels (``rows``/``cols`` of the map, enlarged ``factor``
    times) when it is under ``MARK_MIN_PX`` on screen, and lead the eye there with guide
    lines: a 3-pixel mark on a projector is invisible from the back of the room."""
    top, bottom = int(rows[0]) * factor, (int(rows[-1]) + 1) * factor
    left, right = int(cols[0]) * factor, (int(cols[-1]) + 1) * factor
    if min(bottom - top, right - left) >= MARK_MIN_PX:
        return
    grow_y = max(0, MARK_MIN_PX - (bottom - top)) // 2 + 3
    grow_x = max(0, MARK_MIN_PX - (right - left)) // 2 + 3
    box = slice(top - grow_y, bottom + grow_y), slice(left - grow_x, right + grow_x)
    render.draw_box(rgb, *box, colour, 1, thickness=2)
    render.guide_lines(rgb, *box, colour)


def _blank_map(shape: tuple[int, int], factor: int) -> np.ndarray:
    """A light grey feature map of ``shape``, enlarged ``factor`` times, with its grid."""
    grey = np.full((*shape, 3), 238, np.uint8)
    return render.with_grid(render.upscale(grey, factor), factor, smallest=6)


def _block_any(mask: np.ndarray, block: int) -> np.ndarray:
    """Shrink a boolean (h, w) mask ``block`` times: a block is True if any of its pixels is."""
    if block <= 1:
        return mask
    h, w = mask.shape
    padded = np.zeros((-(-h // block) * block, -(-w // block) * block), dtype=bool)
    padded[:h, :w] = mask
    return padded.reshape(padded.shape[0] // block, block, -1, block).any(axis=(1, 3))

