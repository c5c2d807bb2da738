"""Receptive fields (感受野), notes section 1.2.

The receptive field of an output element is every input element that can
affect it. For a stack of convolutions and poolings it is a box whose size
``r``, step between neighbouring outputs ``j`` (the *jump*, the product of
strides so far) and offset ``P`` (the *effective padding*) follow three
recurrences (Araujo, Norris and Sim, "Computing receptive fields of
convolutional neural networks", Distill 2019), layer ``l`` having kernel
``k``, stride ``s``, per-side padding ``p`` and dilation ``d``:

    r_l = r_{l-1} + (d (k - 1)) * j_{l-1}
    j_l = j_{l-1} * s
    P_l = P_{l-1} + p * j_{l-1}

Output element ``u`` of layer ``l`` then sees input rows
``u * j_l - P_l`` to ``u * j_l - P_l + r_l - 1`` (clipped to the image).

``autograd_receptive_field`` finds the same set a second way, by asking
autograd which input pixels have a non-zero gradient; tests check that the
two agree on random stacks.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers.core.language import tr
from cnn_helpers.ops.convolution import Pair, Size, as_pair, conv_output_shape
from cnn_helpers.ops.pooling import check_pooling_padding

# Layers that change nothing spatially: the receptive field passes through.
_POINTWISE = (
    nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Softmax,
    nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.Identity, nn.LocalResponseNorm,
    # the other activations (most can work in place; clipping ones such as ReLU6 would
    # zero the probe's gradient where its large all-ones values saturate them)
    nn.ReLU6, nn.Hardtanh, nn.ELU, nn.CELU, nn.SELU, nn.Mish, nn.Hardswish, nn.Hardsigmoid,
    nn.PReLU, nn.Softplus,
)


@dataclass(frozen=True)
class LayerGeometry:
    """The spatial part of a layer: all a receptive field depends on."""

    name: str
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)  # per side, as in PyTorch
    dilation: Pair = (1, 1)
    pooling: bool = False  # a pooling window: padding at most half of it (PyTorch's rule)

    @classmethod
    def make(cls, name: str, kernel: Size, stride: Size = 1, padding: Size = 0,
             dilation: Size = 1, pooling: bool = False) -> LayerGeometry:
        """A layer's geometry from ints or (height, width) pairs, checked (notes 1.2).

        Args:
            name: the layer's name, for the table and the messages.
            kernel: the window's size.
            stride: the step between windows.
            padding: zeros added on each side.
            dilation: the step between the window's taps.
            pooling: a pooling layer (padding checked as by ``ops.pool2d`` and PyTorch).

        Returns:
            The geometry, every value a (height, width) pair.

        Raises:
            ValueError: a value that is not an int or a pair, kernel, stride or dilation
                below 1, a negative padding, or a pooling padding over half the window.
        """
        geometry = cls(name, as_pair(kernel, "kernel"), as_pair(stride, "stride"),
                       as_pair(padding, "padding"), as_pair(dilation, "dilation"), pooling)
        geometry.check()
        return geometry

    def check(self) -> None:
        """``make``'s checks, for a geometry built directly: a ``ValueError`` naming the layer."""
        if min(self.kernel + self.stride + self.dilation) < 1:
            raise ValueError(tr(f"{self.name}: kernel, stride and dilation must be at least 1"))
        if min(self.padding) < 0:
            raise ValueError(tr(f"{self.name}: padding cannot be negative"))
        if self.pooling:
            try:
                check_pooling_padding(self.span, self.padding)
            except ValueError as error:
                raise ValueError(f"{self.name}: {error}") from None

    @property
    def span(self) -> Pair:
        """How many input rows/columns one window covers, dilation included."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """One layer's line of the receptive-field table (height, width pairs)."""

    name: str
    output_size: Pair
    size: Pair  # r: receptive-field size in input pixels
    jump: Pair  # j: input pixels between neighbouring outputs
    start: Pair  # -P: input coordinate where output element 0's field starts
    has_gaps: bool  # True when some stride skipped inputs (field is not a full box)

    def unclipped_box(self, position: Size) -> tuple[range, range]:
        """Rows and columns given by the recurrences alone (may reach outside the image)."""
        i, j = as_pair(position, "position")
        top = self.start[0] + i * self.jump[0]
        left = self.start[1] + j * self.jump[1]
        return range(top, top + self.size[0]), range(left, left + self.size[1])


class ReceptiveFieldTable(list):
    """The rows of ``receptive_field``, plus the exact box of any output element."""

    def __init__(self, rows: Sequence[ReceptiveFieldRow], geometries: Sequence[LayerGeometry],
                 input_size: Pair) -> None:
        super().__init__(rows)
        self.geometries = list(geometries)
        self.input_size = input_size

    def field(self, position: Size, layer: int = -1) -> tuple[list[int], list[int]]:
        """The input rows and the input columns that output ``position`` of ``layer`` sees.

        The recurrences give the field's size; at the border the exact field
        is smaller, because positions in an intermediate layer's padding (or
        dropped by the floor of the size formula) are constants, not windows
        over the input; and a stride larger than the next window leaves gaps.
        So we walk back layer by layer, keeping the positions that exist.
        An element computed from padding alone sees nothing.
        """
        layer = layer % len(self)
        i, j = as_pair(position, "position")
        out_h, out_w = self[layer].output_size
        if not (0 <= i < out_h and 0 <= j < out_w):
            raise ValueError(f"position {(i, j)} is outside the {out_h}x{out_w} output of layer {layer}")
        seen = [{i}, {j}]  # positions of the current layer, per dimension
        for index in range(layer, -1, -1):
            g = self.geometries[index]
            size_below = self[index - 1].output_size if index > 0 else self.input_size
            for d in (0, 1):
                seen[d] = {
                    x
                    for u in seen[d]
                    for t in range(g.kernel[d])
                    if 0 <= (x := u * g.stride[d] - g.padding[d] + t * g.dilation[d]) < size_below[d]
                }
        return sorted(seen[0]), sorted(seen[1])

    def box(self, position: Size, layer: int = -1) -> tuple[slice, slice]:
        """The smallest box holding the field (empty slices if it sees nothing)."""
        rows, cols = self.field(position, layer)
        if not rows or not cols:
            return slice(0, 0), slice(0, 0)
        return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)

    def mask(self, position: Size, layer: int = -1) -> torch.Tensor:
        """Boolean H x W image of the field: True where the input can matter."""
        rows, cols = self.field(position, layer)
        result = torch.zeros(self.input_size, dtype=torch.bool)
        if rows and cols:
            result[torch.tensor(rows)[:, None], torch.tensor(cols)[None, :]] = True
        return result


def layer_geometry(layer: nn.Module, name: str = "") -> LayerGeometry | None:
    """The geometry of a conv or pooling layer, ``None`` for pointwise layers.

    Raises ``ValueError`` for layers whose receptive field is not a box
    (a fully connected layer sees the whole input).
    """
    name = name or type(layer).__name__
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        if isinstance(layer, nn.Conv2d) and isinstance(layer.padding, str):
            raise ValueError(f"{name}: give padding as numbers, not {layer.padding!r}")
        if getattr(layer, "ceil_mode", False):
            raise ValueError(f"{name}: ceil_mode is not supported")
        stride = layer.stride if layer.stride is not None else layer.kernel_size
        return LayerGeometry.make(
            name, layer.kernel_size, stride, layer.padding, getattr(layer, "dilation", 1),
            pooling=not isinstance(layer, nn.Conv2d),
        )
    if isinstance(layer, _POINTWISE):
        return None
    raise ValueError(
        f"{name} ({type(layer).__name__}) has no receptive field box: "
        "only convolution, pooling and pointwise layers can be walked"
    )


def flatten_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The leaf layers of a model, in order, with dotted names (Sequentials are walked)."""
    if isinstance(model, nn.Module) and len(list(model.children())) == 0:
        return [(type(model).__name__, model)]
    return [
        (name, module)
        for name, module in model.named_modules()
        if len(list(module.children())) == 0
    ]


def receptive_field(model: nn.Module | Sequence[LayerGeometry],
                    input_size: Size) -> ReceptiveFieldTable:
    """The receptive-field table of a model or a list of ``LayerGeometry``.

    ``model`` is an ``nn.Module`` whose leaf layers run in order (an
    ``nn.Sequential``, nested or not), or a list of ``LayerGeometry``. The
    walk stops at the first layer that is not convolution, pooling or
    pointwise (``Flatten``, ``Linear``): beyond it, every output sees the
    whole input. Returns one row per spatial layer; the table's ``box``
    gives the exact field of one output element.
    """
    if isinstance(model, nn.Module):
        geometries = []
        for name, layer in flatten_layers(model):
            if isinstance(layer, (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
                break
            geometry = layer_geometry(layer, name)
            if geometry is not None:
                geometries.append(geometry)
    else:
        geometries = list(model)
        for geometry in geometries:  # one built directly, not by make: the same checks
            geometry.check()
    size = as_pair(input_size, "input_size")
    r, jump, start, gaps, rows = (1, 1), (1, 1), (0, 0), False, []
    for g in geometries:
        try:
            size = conv_output_shape(size, g.kernel, stride=g.stride, padding=g.padding,
                                     dilation=g.dilation,
                                     window="pooling window" if g.pooling else "kernel")
        except ValueError as error:
            raise ValueError(f"{g.name}: {error}") from None
        # neighbouring inputs of this window are j * d pixels apart in the image; when
        # that is more than their own field r, the union of their fields has holes
        gaps = gaps or any(
            k > 1 and j_i * d > r_i for k, j_i, d, r_i in zip(g.kernel, jump, g.dilation, r)
        )
        r = tuple(r_i + (span - 1) * j_i for r_i, span, j_i in zip(r, g.span, jump))
        start = tuple(s_i - p * j_i for s_i, p, j_i in zip(start, g.padding, jump))
        jump = tuple(j_i * s for j_i, s in zip(jump, g.stride))
        rows.append(ReceptiveFieldRow(g.name, size, r, jump, start, gaps))
    return ReceptiveFieldTable(rows, geometries, as_pair(input_size, "input_size"))


def receptive_field_table(rows: list[ReceptiveFieldRow]) -> str:
    """The table as aligned text (height x width in each column)."""
    def hw(pair):
        return f"{pair[0]}x{pair[1]}" if pair[0] != pair[1] else str(pair[0])

    header = f"{'layer':<14}{'output':>9}{'field r':>9}{'jump j':>8}{'start':>8}"
    lines = [header, "-" * len(header)]
    for row in rows:
        start = f"{row.start[0]},{row.start[1]}" if row.start[0] != row.start[1] else str(row.start[0])
        lines.append(
            f"{row.name:<14}{hw(row.output_size):>9}{hw(row.size):>9}{hw(row.jump):>8}{start:>8}"
        )
    return "\n".join(lines)


def _probe_copy(model: nn.Module) -> nn.Module:
    """A copy whose gradients are positive wherever an input *can* matter.

    Convolution weights become ones (bias zero), max pooling becomes average
    pooling with the same window (max pooling routes the gradient to one
    winner and would hide the rest of the field), pointwise layers become
    identities, and no layer works in place (it would overwrite an output
    that autograd or the caller keeps). The geometry is untouched.

    The copy moves to the CPU *before* it becomes float64: Apple's MPS has no
    float64, so converting there first fails.
    """
    probe = copy.deepcopy(model).cpu().to(torch.float64)
    if len(list(probe.children())) == 0:
        probe = nn.Sequential(probe)

    def replace(module: nn.Module):
        for child_name, child in module.named_children():
            if isinstance(child, nn.Conv2d):
                with torch.no_grad():
                    child.weight.fill_(1.0)
                    if child.bias is not None:
                        child.bias.zero_()
            elif isinstance(child, nn.MaxPool2d):
                setattr(module, child_name, nn.AvgPool2d(
                    child.kernel_size, child.stride, child.padding, count_include_pad=True))
                if as_pair(child.dilation, "dilation") != (1, 1):
                    raise ValueError("dilated max pooling is not supported by the autograd check")
            elif isinstance(child, _POINTWISE):
                setattr(module, child_name, nn.Identity())
            else:
                if getattr(child, "inplace", False):  # e.g. nn.Hardtanh(inplace=True)
                    child.inplace = False
                replace(child)

    replace(probe)
    return probe


def autograd_receptive_field(model: nn.Module, input_size: Size, position: Size,
                             layer: int | None = None) -> torch.Tensor:
    """Boolean H x W mask of the input pixels that affect one output element.

    Found by back-propagating from that element (summed over channels)
    through a probe copy of ``model``.

    Args:
        model: the layers, run in order.
        input_size: the input's H x W.
        position: (row, column) in the output of layer ``layer``.
        layer: the index of the spatial layer (convolution or average pooling);
            None, the last one.

    Returns:
        The mask, H x W bool.

    Raises:
        ValueError: ``position`` is outside that layer's output.
    """
    h, w = as_pair(input_size, "input_size")
    probe = _probe_copy(model)
    layers = [module for _, module in flatten_layers(probe)
              if isinstance(module, (nn.Conv2d, nn.AvgPool2d))]
    stop = layers[-1 if layer is None else layer]
    in_channels = next(
        (m.in_channels for m in layers if isinstance(m, nn.Conv2d)), 1
    )
    X = torch.ones((1, in_channels, h, w), dtype=torch.float64, requires_grad=True)
    captured = {}
    handle = stop.register_forward_hook(lambda _m, _i, out: captured.setdefault("out", out))
    try:
        Z = X
        for _, module in flatten_layers(probe):
            if isinstance(module, (nn.Flatten, nn.Linear)):
                break
            Z = module(Z)
            if "out" in captured:
                break
    finally:
        handle.remove()
    out = captured["out"]
    i, j = as_pair(position, "position")
    if not (0 <= i < out.shape[-2] and 0 <= j < out.shape[-1]):
        raise ValueError(f"position {(i, j)} is outside the output of size {tuple(out.shape[-2:])}")
    out[0, :, i, j].sum().backward()
    return (X.grad[0].abs().sum(0) > 0)


class AutogradFieldProbe:
    """``autograd_receptive_field`` for many output elements of one model, built once.

    The probe copy is made once, and its forward pass once per layer (the
    graph is kept); each element then costs one backward pass, which keeps
    an interactive explorer quick. The masks are the same as
    ``autograd_receptive_field(model, input_size, position, layer)``.
    """

    def __init__(self, model: nn.Module, input_size: Size) -> None:
        self.input_size = as_pair(input_size, "input_size")
        self.probe = _probe_copy(model)
        self._forward: dict = {}  # layer -> (input X, that layer's output)

    def _output(self, layer: int | None):
        if layer not in self._forward:
            layers = [module for _, module in flatten_layers(self.probe)
                      if isinstance(module, (nn.Conv2d, nn.AvgPool2d))]
            stop = layers[-1 if layer is None else layer]
            in_channels = next((m.in_channels for m in layers if isinstance(m, nn.Conv2d)), 1)
            X = torch.ones((1, in_channels, *self.input_size), dtype=torch.float64,
                           requires_grad=True)
            Z = X
            for _, module in flatten_layers(self.probe):
                if isinstance(module, (nn.Flatten, nn.Linear)):
                    break
                Z = module(Z)
                if module is stop:
                    break
            self._forward[layer] = (X, Z)
        return self._forward[layer]

    def __call__(self, position, layer: int | None = None) -> torch.Tensor:
        """Boolean (h, w) mask of the input pixels that affect output ``position`` of ``layer``."""
        X, out = self._output(layer)
        i, j = as_pair(position, "position")
        if not (0 <= i < out.shape[-2] and 0 <= j < out.shape[-1]):
            raise ValueError(f"position {(i, j)} is outside the output of size {tuple(out.shape[-2:])}")
        (grad,) = torch.autograd.grad(out[0, :, i, j].sum(), X, retain_graph=True)
        return grad[0].abs().sum(0) > 0
