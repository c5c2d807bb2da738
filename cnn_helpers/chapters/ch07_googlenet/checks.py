"""Chapter 7's measurements: GoogLeNet (含并行连接的网络), notes section 7.

The notebook's cells call these named helpers for the bookkeeping (hooks,
tables) and state each claim themselves with ``claim(...)``: the helpers
measure, the notebook compares.

* ``path_costs``: each path of an Inception block, layer by layer: kernel,
  channels, output shape, parameters and multiply-adds (by PyTorch hooks).
* ``reduction_savings``: the same block with and without the 1x1
  reductions before the 3x3 and 5x5 convolutions (notes 7.1: "以降低模型复杂度").
* ``path_receptive_fields``: how many input pixels each path sees.
* ``notes_split`` / ``measured_split``: a block written as the notes write it,
  "192 + (96, 208) + (16, 48) + 64 = 512", from the table or measured on the net.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers.models import INCEPTION_BLOCKS, Inception, count_parameters, multiply_adds
from cnn_helpers.ops.receptive import receptive_field

PATH_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")  # the four paths, everywhere
PATH_NAMES = ("1x1", "1x1 -> 3x3", "1x1 -> 5x5", "3x3 max pool -> 1x1")


def is_inception(module: nn.Module) -> bool:
    """An Inception block: the package's class or the one chapter 7's notebook writes out
    (a cell that redefines ``Inception`` makes a new class of the same name and shape)."""
    return type(module).__name__ == "Inception" and hasattr(module, "path_outputs")


def inception_paths(block: Inception) -> list[list[nn.Module]]:
    """The layers of each path of ``block`` in order (the ReLUs after each convolution not listed)."""
    return [[block.p1_1], [block.p2_1, block.p2_2], [block.p3_1, block.p3_2],
            [block.p4_1, block.p4_2]]


@dataclass(frozen=True)
class LayerCost:
    """One layer of a path: what it is and what it costs for one image."""

    kind: str  # "conv 1x1", "conv 3x3", "max pool 3x3"
    in_channels: int
    out_channels: int
    output_shape: tuple[int, int, int]  # (C, H, W)
    parameters: int
    multiply_adds: int


@dataclass(frozen=True)
class PathCost:
    """One path of an Inception block: its layers and their totals."""

    name: str
    layers: tuple[LayerCost, ...]

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def multiply_adds(self) -> int:
        return sum(layer.multiply_adds for layer in self.layers)

    @property
    def out_channels(self) -> int:
        return self.layers[-1].out_channels


def _kind(layer: nn.Module) -> str:
    if isinstance(layer, nn.Conv2d):
        return f"conv {layer.kernel_size[0]}x{layer.kernel_size[1]}"
    return f"max pool {layer.kernel_size}x{layer.kernel_size}"


def path_costs(block: Inception, height: int, width: int | None = None) -> list[PathCost]:
    """Each path of ``block`` for one (in_channels, height, width) input, layer by layer.

    Parameters are counted by PyTorch; multiply-adds by ``models.multiply_adds``
    (a forward hook on each convolution: output elements x c_in k_h k_w);
    pooling has neither. Raises ``ValueError`` for a size below 1.
    """
    width = height if width is None else width
    if min(height, width) < 1:
        raise ValueError(f"an input of {height}x{width} pixels has nothing to convolve")
    costs = []
    for name, layers in zip(PATH_NAMES, inception_paths(block)):
        X = torch.zeros(1, block.p1_1.in_channels, height, width)
        rows = []
        for layer in layers:
            with torch.no_grad():
                Y = layer(X)
            work = multiply_adds(layer, tuple(X.shape))[0][2] if isinstance(layer, nn.Conv2d) else 0
            rows.append(LayerCost(_kind(layer), X.shape[1], Y.shape[1], tuple(Y.shape[1:]),
                                  count_parameters(layer), work))
            X = Y
        costs.append(PathCost(name, tuple(rows)))
    return costs


@dataclass(frozen=True)
class Saving:
    """One path with and without its 1x1 reduction (paths 1 and 4 have none to remove)."""

    path: str
    parameters_with: int
    parameters_without: int
    multiply_adds_with: int
    multiply_adds_without: int

    @property
    def parameter_factor(self) -> float:
        return self.parameters_without / self.parameters_with


def without_reductions(block: Inception) -> list[nn.Sequential]:
    """The four paths of ``block`` with the 1x1 reductions of paths 2 and 3 removed:
    the 3x3 and 5x5 convolutions then read all the block's input channels."""
    c_in = block.p1_1.in_channels
    return [nn.Sequential(nn.Conv2d(c_in, block.p1_1.out_channels, kernel_size=1)),
            nn.Sequential(nn.Conv2d(c_in, block.p2_2.out_channels, kernel_size=3, padding=1)),
            nn.Sequential(nn.Conv2d(c_in, block.p3_2.out_channels, kernel_size=5, padding=2)),
            nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                          nn.Conv2d(c_in, block.p4_2.out_channels, kernel_size=1))]


def reduction_savings(block: Inception, height: int, width: int | None = None) -> list[Saving]:
    """Parameters and multiply-adds of each path with and without its 1x1 reduction.

    Both versions give the same output shape; only the cost differs. Counted by
    PyTorch on real layers for a (in_channels, height, width) input.
    """
    width = height if width is None else width
    shape = (1, block.p1_1.in_channels, height, width)
    rows = []
    for cost, plain in zip(path_costs(block, height, width), without_reductions(block)):
        work = sum(row[2] for row in multiply_adds(plain, shape))
        rows.append(Saving(cost.name, cost.parameters, count_parameters(plain),
                           cost.multiply_adds, work))
    return rows


def savings_table(rows: list[Saving]) -> str:
    """``reduction_savings`` as aligned text, with a total line."""
    header = (f"{'path':<22}{'parameters':>12}{'without 1x1':>13}"
              f"{'multiply-adds':>15}{'without 1x1':>14}")
    lines = [header, "-" * len(header)]
    for row in rows + [Saving("whole block", *(sum(getattr(r, f) for r in rows) for f in (
            "parameters_with", "parameters_without", "multiply_adds_with",
            "multiply_adds_without")))]:
        lines.append(f"{row.path:<22}{row.parameters_with:>12,}{row.parameters_without:>13,}"
                     f"{row.multiply_adds_with:>15,}{row.multiply_adds_without:>14,}")
    return "\n".join(lines)


def path_receptive_fields(block: Inception, input_size: int, stem: nn.Module | None = None
                          ) -> list[int]:
    """The receptive-field side of one output element of each path, in input pixels.

    Without ``stem`` it is counted in the block's own input (1, 3, 5 and 3);
    with ``stem`` (the layers before the block, e.g. ``net[:2]``) in the image.
    """
    leaves = [] if stem is None else [m for m in stem.modules() if not list(m.children())]
    return [receptive_field(nn.Sequential(*leaves, *layers), input_size)[-1].size[0]
            for layers in inception_paths(block)]


def notes_split(name: str) -> str:
    """Block ``name`` ("4a") written as the notes write it: "192 + (96, 208) + (16, 48) + 64 = 512"."""
    _, c1, c2, c3, c4 = INCEPTION_BLOCKS[name]
    return f"{c1} + ({c2[0]}, {c2[1]}) + ({c3[0]}, {c3[1]}) + {c4} = {c1 + c2[1] + c3[1] + c4}"


def inception_blocks(net: nn.Sequential) -> dict[str, Inception]:
    """The nine Inception blocks of a ``models.googlenet`` net, by the paper's names (3a ... 5b)."""
    blocks = [m for m in net.modules() if is_inception(m)]
    if len(blocks) != len(INCEPTION_BLOCKS):
        raise ValueError(f"expected GoogLeNet's {len(INCEPTION_BLOCKS)} Inception blocks, "
                         f"found {len(blocks)}: build the net with models.googlenet()")
    return dict(zip(INCEPTION_BLOCKS, blocks))


def block_inputs(net: nn.Sequential, image: torch.Tensor) -> dict[str, torch.Tensor]:
    """The input each Inception block receives when ``image`` (N, 1, H, W) runs through ``net``."""
    seen = {}
    hooks = [block.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, i[0]))
             for name, block in inception_blocks(net).items()]
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            net(image)
    finally:
        for hook in hooks:
            hook.remove()
        net.train(was_training)
    return seen


def measured_split(block: Inception, x: torch.Tensor) -> tuple:
    """Block ``block`` on its input ``x``, measured in the notes' notation: the output channels
    of path 1, (path 2's 1x1 reduction, path 2), (path 3's reduction, path 3), path 4 and the
    block's total, each read off a tensor that ran through the layer."""
    with torch.no_grad():
        p1, p2, p3, p4 = (out.shape[1] for out in block.path_outputs(x))
        r2, r3 = block.p2_1(x).shape[1], block.p3_1(x).shape[1]
        total = block(x).shape[1]
    return (p1, (r2, p2), (r3, p3), p4, total)


def written_as_the_notes(split: tuple) -> str:
    """(64, (96, 128), (16, 32), 32, 256) -> "64 + (96, 128) + (16, 32) + 32 = 256"."""
    c1, (r2, c2), (r3, c3), c4, total = split
    return f"{c1} + ({r2}, {c2}) + ({r3}, {c3}) + {c4} = {total}"


@dataclass(frozen=True)
class ModuleCost:
    name: str
    parameters: int
    multiply_adds: int


def module_costs(net: nn.Sequential, image_size: int = 96) -> list[ModuleCost]:
    """Parameters and multiply-adds (one image) of GoogLeNet's five modules and its last layer."""
    names = ["module 1", "module 2", "module 3", "module 4", "module 5", "fully connected"]
    X = torch.zeros(1, 1, image_size, image_size)
    rows = []
    for name, part in zip(names, net):
        work = sum(row[2] for row in multiply_adds(part, tuple(X.shape)))
        rows.append(ModuleCost(name, count_parameters(part), work))
        with torch.no_grad():
            X = part.eval()(X)
    return rows


def receptive_fields_both_ways(net: nn.Sequential, name: str = "3a", image_size: int = 96
                               ) -> list[tuple]:
    """Each path of block ``name``: the receptive-field side of one output element in the
    block's input and in the image, by the recurrences (``receptive_field``) and by autograd
    (which input pixels get a gradient). Returns per path (side by the recurrence in the
    block's input, (height, width) seen by autograd there, the same two in the image)."""
    from cnn_helpers.ops.receptive import autograd_receptive_field

    block = inception_blocks(net)[name]
    side = block_inputs(net, torch.zeros(1, 1, image_size, image_size))[name].shape[-1]
    stem = _layers_before(net, block)  # modules 1 and 2 for block 3a
    in_block = path_receptive_fields(block, side)
    in_image = path_receptive_fields(block, image_size, stem=nn.Sequential(*stem))
    centre, rows = side // 2, []
    for layers, r_block, r_image in zip(inception_paths(block), in_block, in_image):
        seen = []
        for model, size in ((nn.Sequential(*layers), side),
                            (nn.Sequential(*stem, *layers), image_size)):
            mask = autograd_receptive_field(model, size, (centre, centre))
            seen.append((int(mask.any(dim=1).sum()), int(mask.any(dim=0).sum())))  # h, w
        rows.append((r_block, seen[0], r_image, seen[1]))
    return rows


def _layers_before(net: nn.Sequential, block: Inception) -> list[nn.Module]:
    """The leaf layers that run before ``block`` in ``net`` (other Inception blocks whole)."""
    layers = []
    for part in net:
        for layer in part.children() if isinstance(part, nn.Sequential) else [part]:
            if layer is block:
                return layers
            if is_inception(layer):
                raise ValueError("only the first block's receptive field in the image is "
                                 "counted (a block's four paths are not one chain of layers)")
            layers.append(layer)
    raise ValueError("the block is not part of this net")


def unrolled(net: nn.Sequential) -> nn.Sequential:
    """GoogLeNet's layers and blocks one after another (the same modules, not copies), so that
    ``FeatureMapViewer`` can show every Inception block's output, not only each module's."""
    return nn.Sequential(*[layer for module in net[:5] for layer in module], *net[5:])


def costs_table(rows: list[ModuleCost]) -> str:
    """``module_costs`` as aligned text: each part's parameters and multiply-adds and their shares."""
    total, work = sum(r.parameters for r in rows), sum(r.multiply_adds for r in rows)
    lines = [f"{'':<16}{'parameters':>12}{'share':>7}{'multiply-adds':>16}{'share':>7}"]
    lines += [f"{r.name:<16}{r.parameters:>12,}{r.parameters / total:>7.0%}"
              f"{r.multiply_adds:>16,}{r.multiply_adds / work:>7.0%}" for r in rows]
    lines.append(f"{'total':<16}{total:>12,}{'':>7}{work:>16,}")
    return "\n".join(lines)
