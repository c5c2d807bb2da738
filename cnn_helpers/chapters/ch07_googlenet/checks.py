"""Chapter 7's measurements and checks: GoogLeNet (含并行连接的网络), notes section 7.

The notebook's cells call these named helpers so that a projected cell
shows the idea, not test bookkeeping. Each ``check_*`` function runs real
tensors through real layers, prints one line per claim (✓ ...) and raises
an ``AssertionError`` that names what failed.

* ``path_costs``: each path of an Inception block, layer by layer: kernel,
  channels, output shape, parameters and multiply-adds (by PyTorch hooks).
* ``reduction_savings``: the same block with and without the 1x1
  reductions before the 3x3 and 5x5 convolutions (notes 7.1: "以降低模型复杂度").
* ``path_receptive_fields``: how many input pixels each path sees.
* ``notes_split``: a block written as the notes write it,
  "192 + (96, 208) + (16, 48) + 64 = 512".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers.models import INCEPTION_BLOCKS, Inception, count_parameters, multiply_adds
from cnn_helpers.ops.receptive import receptive_field

PATH_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")  # the four paths, everywhere


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
    for name, layers in zip(Inception.PATH_NAMES, block.paths()):
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
            for layers in block.paths()]


def notes_split(name: str) -> str:
    """Block ``name`` ("4a") written as the notes write it: "192 + (96, 208) + (16, 48) + 64 = 512"."""
    _, c1, c2, c3, c4 = INCEPTION_BLOCKS[name]
    return f"{c1} + ({c2[0]}, {c2[1]}) + ({c3[0]}, {c3[1]}) + {c4} = {c1 + c2[1] + c3[1] + c4}"


def inception_blocks(net: nn.Sequential) -> dict[str, Inception]:
    """The nine Inception blocks of a ``models.googlenet`` net, by the paper's names (3a ... 5b)."""
    blocks = [m for m in net.modules() if isinstance(m, Inception)]
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


# -- the notebook's checks ----------------------------------------------------------------
def check_paths_keep_size(block: Inception,
                          sizes: Iterable[tuple[int, int]] = ((12, 12), (7, 7), (6, 9))) -> None:
    """Every path keeps height and width, for odd and even sizes; the block's output channels
    are the sum of the four paths' (notes 7.1). Prints one line per size."""
    torch.manual_seed(0)
    for height, width in sizes:
        X = torch.rand(2, block.p1_1.in_channels, height, width)
        with torch.no_grad():
            outputs = block.path_outputs(X)
            Y = block(X)
        shapes = [tuple(out.shape[2:]) for out in outputs]
        assert shapes == [(height, width)] * 4, f"a path changed {height}x{width}: {shapes}"
        channels = [out.shape[1] for out in outputs]
        assert Y.shape == (2, sum(channels), height, width), (Y.shape, channels)
        assert torch.equal(Y, torch.cat(outputs, dim=1)), "the output is not the paths side by side"
        print(f"\u2713 {height}x{width}: every path keeps {height}x{width}; channels "
              f"{' + '.join(map(str, channels))} = {Y.shape[1]}, the paths side by side")


def check_reduction_savings(block: Inception, height: int, width: int | None = None
                            ) -> list[Saving]:
    """Print the with/without table of ``reduction_savings`` and check it against the formula
    c_o (c_i k^2 + 1) per convolution; returns the rows."""
    width = height if width is None else width
    rows = reduction_savings(block, height, width)
    print(savings_table(rows))
    c_in = block.p1_1.in_channels
    for row, (reduction, out, k) in zip(rows[1:3], (
            (block.p2_1.out_channels, block.p2_2.out_channels, 3),
            (block.p3_1.out_channels, block.p3_2.out_channels, 5))):
        with_formula = reduction * (c_in + 1) + out * (reduction * k * k + 1)
        without_formula = out * (c_in * k * k + 1)
        assert (row.parameters_with, row.parameters_without) == (with_formula, without_formula), row
        pixels = height * width
        assert row.multiply_adds_with == pixels * (reduction * c_in + out * reduction * k * k), row
        assert row.multiply_adds_without == pixels * out * c_in * k * k, row
        print(f"\u2713 {row.path}: {row.parameters_with:,} parameters instead of "
              f"{row.parameters_without:,} ({row.parameter_factor:.1f}\u00d7 fewer), "
              f"{row.multiply_adds_without / row.multiply_adds_with:.1f}\u00d7 fewer multiply-adds")
    for row in (rows[0], rows[3]):
        assert row.parameters_with == row.parameters_without, row
    return rows


def check_notes_channels(net: nn.Sequential, image_size: int = 96) -> None:
    """Run an image through ``net`` (a full-width ``models.googlenet``) and check every block's
    input channels, every path's output channels and every total against the notes' table.
    Prints the blocks as the notes write them."""
    X = torch.zeros(1, 1, image_size, image_size)
    inputs = block_inputs(net, X)
    for name, block in inception_blocks(net).items():
        c_in, c1, c2, c3, c4 = INCEPTION_BLOCKS[name]
        with torch.no_grad():
            outputs = block.path_outputs(inputs[name])
        assert inputs[name].shape[1] == c_in, (name, inputs[name].shape)
        assert [o.shape[1] for o in outputs] == [c1, c2[1], c3[1], c4], name
        assert (block.p2_1.out_channels, block.p3_1.out_channels) == (c2[0], c3[0]), name
        side = inputs[name].shape[-1]
        print(f"\u2713 {name}: {c_in:>4} in -> {notes_split(name):<36} ({side}x{side})")


def check_module_shapes(net: nn.Sequential, image_size: int,
                        expected: Sequence[tuple[int, ...]]) -> None:
    """Walk a zero image through ``net``'s top-level parts and compare each output shape."""
    names = ["module 1", "module 2", "module 3", "module 4", "module 5", "fully connected"]
    X = torch.zeros(1, 1, image_size, image_size)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for name, part, shape in zip(names, net, expected):
                X = part(X)
                print(f"{name:>16} output shape: {tuple(X.shape)}")
                assert tuple(X.shape) == tuple(shape), f"{name}: {tuple(X.shape)} != {shape}"
    finally:
        net.train(was_training)
    print("\u2713 " + " -> ".join(["x".join(map(str, (1, image_size, image_size)))]
                                 + ["x".join(map(str, s[1:])) for s in expected]))


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


def check_path_receptive_fields(net: nn.Sequential, name: str = "3a", image_size: int = 96
                                ) -> list[tuple[int, int]]:
    """Each path of block ``name``: the receptive field of one output element in the block's
    input and in the image, by the recurrences (``receptive_field``) and checked by autograd
    (which input pixels get a gradient). Returns (in the block's input, in the image) per path."""
    from cnn_helpers.ops.receptive import autograd_receptive_field

    block = inception_blocks(net)[name]
    side = block_inputs(net, torch.zeros(1, 1, image_size, image_size))[name].shape[-1]
    stem = _layers_before(net, block)  # modules 1 and 2 for block 3a
    in_block = path_receptive_fields(block, side)
    in_image = path_receptive_fields(block, image_size, stem=nn.Sequential(*stem))
    centre = side // 2
    for number, (path, layers, r_block, r_image) in enumerate(
            zip(Inception.PATH_NAMES, block.paths(), in_block, in_image), 1):
        for model, size, r in ((nn.Sequential(*layers), side, r_block),
                               (nn.Sequential(*stem, *layers), image_size, r_image)):
            mask = autograd_receptive_field(model, size, (centre, centre))
            seen = (int(mask.any(dim=1).sum()), int(mask.any(dim=0).sum()))
            assert seen == (r, r), f"path {number}: autograd sees {seen}, the recurrence {r}"
        print(f"\u2713 path {number} ({path}): {r_block}x{r_block} pixels of the block's "
              f"input, {r_image}x{r_image} of the {image_size}x{image_size} image")
    return list(zip(in_block, in_image))


def _layers_before(net: nn.Sequential, block: Inception) -> list[nn.Module]:
    """The leaf layers that run before ``block`` in ``net`` (other Inception blocks whole)."""
    layers = []
    for part in net:
        for layer in part.children() if isinstance(part, nn.Sequential) else [part]:
            if layer is block:
                return layers
            if isinstance(layer, Inception):
                raise ValueError("only the first block's receptive field in the image is "
                                 "counted (a block's four paths are not one chain of layers)")
            layers.append(layer)
    raise ValueError("the block is not part of this net")


def unrolled(net: nn.Sequential) -> nn.Sequential:
    """GoogLeNet's layers and blocks one after another (the same modules, not copies), so that
    ``FeatureMapViewer`` can show every Inception block's output, not only each module's."""
    return nn.Sequential(*[layer for module in net[:5] for layer in module], *net[5:])


def check_feature_maps(viewer, layers: nn.Sequential, image: int = 3) -> None:
    """The viewer (a ``FeatureMapViewer`` of ``unrolled(net)``) shows, for every Inception
    block, the block's real output: the four paths' channels side by side."""
    X = viewer.images[image:image + 1].to(next(layers.parameters()).device)
    if viewer.resize:
        X = nn.functional.interpolate(X, size=(viewer.resize, viewer.resize), mode="bilinear")
    indices = [i for i, layer in enumerate(layers) if isinstance(layer, Inception)]
    assert len(indices) == len(INCEPTION_BLOCKS), indices
    was_training = layers.training
    layers.eval()
    try:
        for index in indices:
            shown = viewer.update(image=image, layer=index)["maps"]
            with torch.no_grad():
                expected = layers[:index + 1](X)[0].float().cpu()
            assert shown.shape == expected.shape, (index, shown.shape, expected.shape)
            assert shown.shape[0] == layers[index].out_channels
            assert torch.allclose(shown, expected, atol=1e-4), index
    finally:
        layers.train(was_training)
    print(f"\u2713 the viewer shows the real output of all {len(indices)} Inception blocks; "
          "each has the sum of its four paths' channels")


def check_explorer(explorer, names: Iterable[str] = ("3a", "4e", "5b"), image: int = 3) -> None:
    """The Inception explorer shows each path's real output and the block's concatenation."""
    net = explorer.net
    X = explorer.images[image:image + 1].to(next(net.parameters()).device)
    if explorer.resize:
        X = nn.functional.interpolate(X, size=(explorer.resize, explorer.resize), mode="bilinear")
    inputs = block_inputs(net, X)
    for name in names:
        view = explorer.update(block=name, image=image, channel=0)
        block = explorer.blocks[name]
        with torch.no_grad():
            expected = block(inputs[name])[0].float().cpu()
        assert torch.allclose(view.output, expected, atol=1e-4), name
        assert [b - a for a, b in view.ranges] == list(block.path_channels), name
        for maps, (start, _) in zip(view.path_maps, view.ranges):
            assert torch.allclose(maps, expected[start:start + len(maps)], atol=1e-4), name
    print(f"\u2713 blocks {', '.join(names)}: each path's maps are its real output, and the "
          "block's output is the four paths side by side, in order")


def check_module_costs(net: nn.Sequential, image_size: int = 96,
                       expected_total: int | None = None) -> list[ModuleCost]:
    """Print ``module_costs`` as a table; check that the modules' parameters add up to the
    net's (and to ``expected_total``, e.g. the book's 5,977,530). Returns the rows."""
    rows = module_costs(net, image_size)
    total, work = sum(r.parameters for r in rows), sum(r.multiply_adds for r in rows)
    print(f"{'':<16}{'parameters':>12}{'share':>7}{'multiply-adds':>16}{'share':>7}")
    for r in rows:
        print(f"{r.name:<16}{r.parameters:>12,}{r.parameters / total:>7.0%}"
              f"{r.multiply_adds:>16,}{r.multiply_adds / work:>7.0%}")
    print(f"{'total':<16}{total:>12,}{'':>7}{work:>16,}")
    assert total == count_parameters(net), (total, count_parameters(net))
    if expected_total is not None:
        assert total == expected_total, f"{total:,} parameters, not {expected_total:,}"
    print(f"\u2713 {total:,} parameters" + (" (the book's GoogLeNet)" if expected_total else "")
          + f"; {work / 1e6:,.0f} million multiply-adds for one {image_size}x{image_size} image")
    return rows
