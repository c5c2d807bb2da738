"""What the receptive-field explorer computes and draws (notes 1.2), without any widget.

The stacks it offers (``STACKS``, and one typed by the student and read by
``parse_stack``), the field of the chosen element on every feature map
before it (``field_maps``), the sentence and the table that explain it, and
the pictures as RGB arrays. ``receptive_explorer.ReceptiveFieldExplorer``
puts them on screen; everything here runs headless and is tested as such.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cnn_helpers.core import render
from cnn_helpers.core.images import photo
from cnn_helpers.core.language import tr
from cnn_helpers.ops.receptive import LayerGeometry, ReceptiveFieldTable, receptive_field

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
        raise ValueError(tr("type at least one layer, e.g. k=3,s=1,p=1; k=2,s=2"))
    layers, counts = OrderedDict(), {"conv": 0, "pool": 0}
    for number, part in enumerate(parts, 1):
        kind, values = "conv", {}
        for word in re.split(r"[\s,]+", part):
            if not word:
                continue
            key, equals, value = word.partition("=")
            if not equals:
                if word.lower() not in _KINDS or values:
                    raise ValueError(tr(f"layer {number} ({part!r}): {word!r} is not k=, s=, p= "
                                        f"or d="))
                kind = _KINDS[word.lower()]
                continue
            if key.lower() not in ("k", "s", "p", "d"):
                raise ValueError(tr(f"layer {number} ({part!r}): unknown setting {key!r}; use k, "
                                    f"s, p, d"))
            try:
                values[key.lower()] = int(value)
            except ValueError:
                raise ValueError(tr(f"layer {number} ({part!r}): {value!r} is not a whole "
                                    f"number")) from None
        if "k" not in values:
            raise ValueError(tr(f"layer {number} ({part!r}): give the kernel size, e.g. k=3"))
        k, p, d = values["k"], values.get("p", 0), values.get("d", 1)
        s = values.get("s", k if kind == "pool" else 1)
        if kind == "pool" and d != 1:
            raise ValueError(tr(f"layer {number} ({part!r}): pooling here has no dilation"))
        try:  # k, s, d < 1, p < 0, or a pooling padding PyTorch refuses (as ops.pool2d)
            LayerGeometry.make(f"layer {number}", k, s, p, d, pooling=kind == "pool")
        except ValueError as error:
            reason = str(error).removeprefix(f"layer {number}: ")
            raise ValueError(tr(f"layer {number} ({part!r}): {reason}")) from None
        if max(k, s, p, d) > 64:
            raise ValueError(tr(f"layer {number} ({part!r}): keep k, s, p and d at most 64"))
        counts[kind] += 1
        if kind == "pool":
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
    field: torch.Tensor  # H x W bool: the analytic receptive field on the input
    autograd: torch.Tensor  # H x W bool: the inputs with a non-zero gradient
    agree: bool
    feature_map_fields: list  # per earlier layer: h_l x w_l bool field on its output
    statement: str

    def __getitem__(self, key: str) -> object:
        return getattr(self, key)


def field_maps(table: ReceptiveFieldTable, layer: int,
               position: tuple[int, int]) -> list[torch.Tensor]:
    """The field of ``layer``'s element ``position`` on the output of each earlier layer
    (notes 1.2): one h_l x w_l bool mask per layer, found by walking the layers after it."""
    return [receptive_field(table.geometries[index + 1 : layer + 1], table[index].output_size)
            .mask(position, -1) for index in range(layer)]


def field_statement(table: ReceptiveFieldTable, layer: int, position: tuple[int, int],
                    field: torch.Tensor, agree: bool) -> tuple[str, str]:
    """What the element sees and whether autograd agrees (notes 1.2).

    Args:
        table: ``receptive_field`` of the stack.
        layer: the index of the layer whose element is chosen.
        position: the chosen element (row, col) of that layer's output.
        field: its receptive field on the input, H x W bool.
        agree: whether autograd found exactly the same pixels.

    Returns:
        The same sentence as plain text and as HTML.
    """
    rows, cols = table.field(position, layer)
    name = table[layer].name
    if not rows or not cols:
        seen = tr(f"{name} element {position} is computed from padding alone: "
                  "it sees no input pixel")
    elif table[layer].has_gaps:
        seen = tr(f"{name} element {position} sees {int(field.sum())} input pixels: "
                  f"rows {rows[0]}-{rows[-1]}, columns {cols[0]}-{cols[-1]} (with gaps: a stride "
                  "skipped some inputs)")
    else:
        seen = tr(f"{name} element {position} sees {int(field.sum())} input pixels: "
                  f"rows {rows[0]}-{rows[-1]}, columns {cols[0]}-{cols[-1]}")
    check = ("\u2713 " + tr("autograd agrees: exactly these pixels have a non-zero gradient")
             if agree else "\u2717 " + tr("autograd disagrees: the differing pixels are purple"))
    colour = "#1b7f2a" if agree else "#b00020"
    return (f"{seen}. {check}",
            f"<div>{html.escape(seen)}</div>"
            f"<div style='color:{colour}'><b>{html.escape(check)}</b></div>")


def table_html(table: ReceptiveFieldTable, layer: int) -> str:
    """``receptive_field``'s rows as an HTML table, the chosen layer highlighted (notes 1.2)."""
    def pair(values: tuple[int, int]) -> str:
        return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"

    # headers padded apart: "field r", "jump j", "start" must not read as one phrase
    th = "<th style='padding:2px 10px'>"
    head = (f"<tr><th style='text-align:left;padding:2px 10px 2px 3px'>{tr('layer')}</th>"
            f"{th}{tr('kernel, stride, padding')}</th>{th}{tr('output')}</th>"
            f"{th}{tr('field r')}</th>{th}{tr('jump j')}</th>{th}{tr('start')}</th></tr>")
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
                   colour: tuple[int, int, int]) -> None:
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


def blank_map(shape: tuple[int, int], factor: int) -> np.ndarray:
    """A light grey feature map of ``shape``, enlarged ``factor`` times, with its grid."""
    grey = np.full((*shape, 3), 238, np.uint8)
    return render.with_grid(render.upscale(grey, factor), factor, smallest=6)


def _block_any(mask: np.ndarray, block: int) -> np.ndarray:
    """Shrink a boolean H x W mask ``block`` times: a block is True if any of its pixels is."""
    if block <= 1:
        return mask
    h, w = mask.shape
    padded = np.zeros((-(-h // block) * block, -(-w // block) * block), dtype=bool)
    padded[:h, :w] = mask
    # (H / block) x block x (W / block) x block -> (H / block) x (W / block)
    return padded.reshape(padded.shape[0] // block, block, -1, block).any(axis=(1, 3))


# -- pictures (RGB arrays, H x W x 3) --------------------------------------------------
def input_background(side: int, background: str, factor: int) -> np.ndarray:
    """The side x side input, a light grid or a lightened photo, enlarged ``factor`` times."""
    if background == "photo":
        grey = photo("camera", side).numpy() * 0.6 + 0.4  # lightened: tints stay visible
        rgb = render.colorize(grey, vmin=0, vmax=1)  # H x W x 3
    else:
        rgb = np.full((side, side, 3), 238, dtype=np.uint8)
    return render.with_grid(render.upscale(rgb, factor), factor, smallest=6)


def mark_input(rgb: np.ndarray, field: torch.Tensor, by_autograd: torch.Tensor,
               box: tuple[slice, slice], factor: int) -> None:
    """Tint the analytic field, dot autograd's pixels and show where they differ, in place.

    Args:
        rgb: the input's picture enlarged ``factor`` times, H x W x 3, drawn on.
        field: the analytic receptive field, H x W bool (of the input's own pixels).
        by_autograd: the inputs with a non-zero gradient, H x W bool.
        box: the field's bounding (rows, cols), from ``ReceptiveFieldTable.box``.
        factor: how many times the picture is enlarged.
    """
    field_np, autograd_np = field.numpy(), by_autograd.numpy()
    render.tint_mask(rgb, field_np, FIELD, factor, alpha=0.55)
    rows, cols = box
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
        big = np.kron(autograd_np, dots).astype(bool)  # (H factor) x (W factor)
        rgb[big] = AUTOGRAD
    render.tint_mask(rgb, field_np != autograd_np, DISAGREE, factor, alpha=1.0)


def map_mask(mask: np.ndarray, map_display: int) -> tuple[np.ndarray, int, int]:
    """A feature map's h_l x w_l mask as shown: a map larger than ``map_display`` pixels is
    shrunk (a pixel per block). Returns (the mask shown, the shrink, the enlargement)."""
    shrink = -(-max(mask.shape) // map_display)
    mask = _block_any(mask, shrink)
    return mask, shrink, render.display_factor(*mask.shape, map_display)


def mark_map(rgb: np.ndarray, mask: np.ndarray, factor: int, chosen: bool) -> None:
    """Tint ``mask`` on a feature map's picture, ringed when small, in place (notes 1.2).

    Args:
        rgb: the map's picture enlarged ``factor`` times, H x W x 3, drawn on.
        mask: the map's h_l x w_l bool mask, as shown (``map_mask``).
        factor: how many times the picture is enlarged.
        chosen: the mask is the chosen element (red), not the field (green).
    """
    colour = CHOSEN if chosen else FIELD
    render.tint_mask(rgb, mask, colour, factor, alpha=1.0 if chosen else 0.55)
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size:
        _ring_if_small(rgb, rows, cols, factor, colour)
