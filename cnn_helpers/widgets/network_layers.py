"""The network explorer's cards: what each top-level layer of a net is and costs (chapters 3-10).

``layer_rows`` walks a net's top-level layers for one input shape and gives each its output
shape, parameters, multiply-adds and receptive-field side (notes 1.2; "—" once the maps are
flattened, "all" after global pooling), taking the widest of parallel paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.core.language import tr
from cnn_helpers.figures import architecture
from cnn_helpers.figures.architecture_items import Block, Layer, Parallel, Repeat
from cnn_helpers.figures.architecture_names import block_name, layer_text
from cnn_helpers.ops.receptive import layer_geometry, receptive_field


@dataclass
class LayerRow:
    """One card of the strip: what a top-level layer is and what it costs."""

    index: int
    name: str
    shape: tuple  # output (C, H, W) or (features,)
    parameters: int
    multiply_adds: int  # per example
    field: str  # receptive-field side in input pixels, "—" after flattening, "all" after GAP


def _geometries(items) -> list:
    """The convolutions and poolings an output element's widest path goes through, in order."""
    found = []
    for item in items:
        if isinstance(item, Layer):
            for module in item.modules:
                if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                    found.append(layer_geometry(module))
        elif isinstance(item, Block):
            found += _geometries(item.items)
        elif isinstance(item, Repeat):
            for instance in item.instances:
                found += _geometries([instance])
        elif isinstance(item, Parallel):  # the union of the paths' fields
            paths = [_geometries(branch) for branch in item.branches]
            found += max(paths, key=_field_side)
    return found


def _field_side(geometries) -> int:
    side, jump = 1, 1
    for g in geometries:
        side, jump = side + (g.span[0] - 1) * jump, jump * g.stride[0]
    return side


def short_name(layer: nn.Module) -> str:
    """"conv 5×5, pad 2, 6 ch" for a layer, "VGG block, 2 conv" for a block."""
    if not list(layer.children()):
        return layer_text(layer)[1]
    convolutions = sum(isinstance(m, nn.Conv2d) for m in layer.modules())
    return f"{(block_name(layer) or 'block').split(',')[0]}, {convolutions} conv"


def layer_rows(net: nn.Sequential, input_shape: tuple[int, int, int]) -> list[LayerRow]:
    """A ``LayerRow`` for every top-level layer of ``net`` for one input of ``input_shape``
    (C, H, W). Receptive fields come from ``receptive.receptive_field`` over the
    convolutions and poolings so far, taking the widest of parallel paths."""
    rows, geometries, X, flat = [], [], torch.zeros((1, *input_shape)), None
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for index, layer in enumerate(net.children()):
                before = tuple(X.shape[1:])
                work = sum(w for _, _, w in models.multiply_adds(layer, tuple(X.shape)))
                X = layer(X)
                after = tuple(X.shape[1:])
                if isinstance(layer, (nn.Flatten, nn.Linear)) or len(after) != 3:
                    flat = "—"
                elif isinstance(layer, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
                    flat = "all"
                if flat is None:
                    items = architecture.describe(layer, (1, *before))[1:]
                    geometries += _geometries(items)
                    field = receptive_field(geometries, input_shape[1:])[-1].size[0] \
                        if geometries else 1
                    field = f"{field}×{field}"
                rows.append(LayerRow(index, short_name(layer), after,
                                     models.count_parameters(layer), work, flat or field))
    finally:
        net.train(was_training)
    return rows


def field_note(field: str, input_side: int) -> str:
    """A sentence when a receptive field is larger than the input, else nothing.

    >>> field_note("435×435", 28)
    ': larger than the 28×28 input; the padding makes up the rest'
    """
    side = field.split("×")[0]
    if side.isdigit() and int(side) > input_side:
        return tr(f": larger than the {input_side}×{input_side} input; the padding makes up "
                  f"the rest")
    return ""
