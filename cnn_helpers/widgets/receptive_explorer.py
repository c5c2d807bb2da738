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

What the explorer computes and draws lives in ``receptive_readout``; this
module holds its controls, their layout and the update that ties them
together.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from functools import partial
from typing import Callable

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from cnn_helpers.core import render
from cnn_helpers.core.language import tr
from cnn_helpers.ops.receptive import AutogradFieldProbe, ReceptiveFieldTable, receptive_field
from cnn_helpers.widgets.common import Explorer, compact, picture, show, single_thread
from cnn_helpers.widgets.receptive_readout import (
    CUSTOM,
    DEFAULT_CUSTOM,
    STACKS,
    FieldReadout,
    blank_map,
    field_maps,
    field_statement,
    input_background,
    map_mask,
    mark_input,
    mark_map,
    parse_stack,
    table_html,
)

# Names notebooks, benchmarks and tests import from here; they live in receptive_readout.
__all__ = ["CUSTOM", "DEFAULT_CUSTOM", "STACKS", "FieldReadout", "ReceptiveFieldExplorer",
           "parse_stack"]


class ReceptiveFieldExplorer(Explorer):
    """The receptive field of one output element, on the input and on every feature map.

    Keywords set the starting controls; ``update`` moves them
    (``explorer.update(layer=1)``) and returns a ``FieldReadout``.
    """

    def __init__(self, stack: str = "notes: two 2x2 layers (3x3)", *, custom: str = DEFAULT_CUSTOM,
                 input_size: int = 16, background: str = "grid", layer: int = -1,
                 row: int = 0, col: int = 0, display: int = 200, map_display: int = 90) -> None:
        """Build the controls and draw the first setting (notes 1.2).

        Args:
            stack: a name from ``STACKS``, or ``CUSTOM``.
            custom: the typed stack (see ``parse_stack``).
            input_size: the input's side, for a custom stack.
            background: what the input shows, "grid" or "photo".
            layer: the index of the layer whose output element is chosen; -1, the last.
            row: the chosen element's row (-1, the last).
            col: the chosen element's column (-1, the last).
            display: the side, in screen pixels, the input is enlarged to.
            map_display: the side, in screen pixels, of each feature map's picture.

        Raises:
            ValueError: a starting value is one its control cannot take.
        """
        super().__init__()
        self.display, self.map_display = display, map_display
        self._models: dict = {}  # models, tables and pictures, made once (see _kept)
        style = {"description_width": "80px"}  # one width: the controls line up
        def narrow():  # a Layout each: show() hides a control through its own layout
            return widgets.Layout(width="280px")

        controls = [
            self._register("stack", widgets.Dropdown(
                options=[*STACKS, CUSTOM], description=tr("stack"), style=style, layout=narrow())),
            self._register("custom", widgets.Text(
                description=tr("layers"), continuous_update=False, style=style,
                placeholder="k=3,s=1,p=1; pool k=2,s=2", layout=widgets.Layout(width="340px"))),
            self._register("input_size", widgets.IntSlider(
                value=16, min=3, max=256, description=tr("input size"), style=style,
                continuous_update=False, layout=narrow())),
            self._register("background", widgets.Dropdown(
                options=["grid", "photo"], description=tr("input shows"),
                style=style, layout=narrow())),
            self._register("layer", widgets.IntSlider(
                value=0, min=0, max=0, description=tr("layer"), style=style, layout=narrow())),
            self._register("row", widgets.IntSlider(
                value=0, min=0, max=0, description=tr("output row"), style=style, layout=narrow())),
            self._register("col", widgets.IntSlider(
                value=0, min=0, max=0, description=tr("output col"), style=style, layout=narrow())),
        ]
        self.layer_name = widgets.HTML(layout=widgets.Layout(white_space="nowrap"))
        controls[4] = widgets.HBox([controls[4], self.layer_name])
        self.input_picture = picture()
        self.input_title = widgets.HTML()
        # headings in one line, pictures hanging below them (whatever their heights)
        self.maps = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap",
                                                       align_items="flex-start", grid_gap="12px"))
        self.statement = widgets.HTML()
        # a long typed stack's table scrolls inside its box: the explorer keeps its height
        self.table_view = widgets.HTML(layout=widgets.Layout(max_height="180px",
                                                             overflow="auto"))
        self.maps_caption = maps_caption = widgets.HTML()
        # the input beside what it means (statement, table); the feature maps below: the
        # whole explorer fits a 1280x720 window beside JupyterLab's file browser
        self.input_title.layout.max_width = f"{display + 20}px"
        self.body = widgets.VBox([
            widgets.HBox([widgets.VBox([self.input_title, self.input_picture],
                                       layout=widgets.Layout(flex="0 0 auto")),
                          widgets.VBox([self.statement, self.table_view],
                                       layout=widgets.Layout(flex="1 1 auto", min_width="0"))],
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

    MAPS_SHOWN = 6  # feature maps shown at once: one row beside the file browser at 1280x720
    KEEP = 64  # results kept in self._models; a class typing many custom stacks stays bounded

    def _kept(self, key: Hashable, make: Callable[[], object]) -> object:
        """``make()``, kept under ``key`` for the next update; beyond ``KEEP`` results the
        oldest is forgotten (and made again if it is needed again)."""
        if key not in self._models:
            self._models[key] = made = make()  # make() may keep what it uses first
            while len(self._models) > self.KEEP:
                self._models.pop(next(iter(self._models)))
            return made
        return self._models[key]

    def _on_change(self, _change: object = None) -> None:
        if not self._updating:
            self.update()  # fits the ranges, then redraws

    def model(self, stack: str, custom: str) -> nn.Sequential:
        """The stack's model (a custom one parsed from ``custom``; cached)."""
        key = (stack, custom if stack == CUSTOM else "")
        return self._kept(key, lambda: parse_stack(custom) if stack == CUSTOM
                          else STACKS[stack][0]())

    def input_side(self, stack: str, input_size: int) -> int:
        """The input's side: a custom stack's ``input_size``, or the named stack's own."""
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

        field = table.mask(position, layer)  # side x side bool
        by_autograd = self._autograd_field(stack, custom, side, position, layer)  # side x side
        agree = bool(torch.equal(field, by_autograd))
        maps = field_maps(table, layer, position)  # per earlier layer: h_l x w_l bool
        statement, statement_html = field_statement(table, layer, position, field, agree)

        self._draw_input(side, background, field, by_autograd, table.box(position, layer))
        self._draw_maps(table, layer, position, maps)
        self.statement.value = statement_html
        geometry = table.geometries[layer]
        self.layer_name.value = (f"<b>{html.escape(table[layer].name)}</b> "
                                 f"(k={geometry.kernel[0]}, s={geometry.stride[0]}, "
                                 f"p={geometry.padding[0]})")
        self.table_view.value = compact(table_html(table, layer))
        return FieldReadout(table, layer, position, field, by_autograd, agree, maps, statement)

    # -- pictures -------------------------------------------------------------------
    def _draw_input(self, side: int, background: str, field: torch.Tensor,
                    by_autograd: torch.Tensor, box: tuple[slice, slice]) -> None:
        """The input: the field tinted, autograd's pixels dotted, differences in purple."""
        factor = render.display_factor(side, side, self.display)
        rgb = self._kept(("background", side, background, factor),
                         partial(input_background, side, background, factor)).copy()
        mark_input(rgb, field, by_autograd, box, factor)
        self.input_picture.value = render.png_bytes(rgb)
        # (a 256x256 input is shrunk to the display size: the explorer fits 1280x720)
        self.input_picture.layout.width = f"{min(rgb.shape[1], self.display)}px"
        # one or two lines: the check beside compares autograd's pixels when too small to dot
        heading = f"<b>{tr('input')} {side}x{side}</b>: "
        self.input_title.value = compact(
            heading + tr("field in green, autograd's pixels dotted orange") if factor >= 4 else
            heading + tr("field in green"))

    def _draw_maps(self, table: ReceptiveFieldTable, layer: int, position: tuple[int, int],
                   maps: list[torch.Tensor]) -> None:
        """One picture per layer up to ``layer``: its output, the field on it, the element."""
        while len(self._map_pictures) < len(table):  # pictures are made once, then reused
            title, image = widgets.HTML(), picture()
            self._map_pictures.append((title, image, widgets.VBox([title, image])))
        if len(self.maps.children) != len(table):
            self.maps.children = [box for _, _, box in self._map_pictures[: len(table)]]
        first = max(0, layer - self.MAPS_SHOWN + 1)  # one row of maps: the chosen layer's last few
        caption = (tr(f"green, the elements that feed the chosen element (red); the last "
                      f"{self.MAPS_SHOWN} (an earlier layer shows the others)") if first else
                   tr("green, the elements that feed the chosen element (red)"))
        self.maps_caption.value = compact(f"<b>{tr('feature maps')}</b>: {caption}")
        for index, (title, image, box) in enumerate(self._map_pictures[: len(table)]):
            show(box, first <= index <= layer)
            if not first <= index <= layer:
                continue
            out_h, out_w = table[index].output_size
            if index < layer:
                mask = maps[index].numpy()
            else:
                mask = np.zeros((out_h, out_w), dtype=bool)
                mask[position] = True
            # a map larger than map_display pixels is shown smaller: a pixel per block
            mask, shrink, factor = map_mask(mask, self.map_display)
            rgb = self._kept(("map", mask.shape, factor),
                             partial(blank_map, mask.shape, factor)).copy()
            mark_map(rgb, mask, factor, chosen=index == layer)
            image.value = render.png_bytes(rgb)
            image.layout.width = f"{rgb.shape[1]}px"
            smaller = " " + tr(f"({shrink}x smaller)") if shrink > 1 else ""
            title.value = f"<b>{html.escape(table[index].name)}</b> {out_h}x{out_w}{smaller}"
