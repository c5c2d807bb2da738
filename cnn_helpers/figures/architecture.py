"""A network's architecture as data, read from the model itself (chapters 3-10).

``describe(net, input_shape)`` walks a builder's module with a zero input
and returns what a figure needs: one ``Layer`` per layer (its kind and its
numbers: kernel, stride, padding, channels, units), the tensor shape after
it, ``Parallel`` paths where a module's ``forward`` forks (the residual
shortcut, a dense unit, Inception's four paths) and whether they are added
or concatenated, named ``Block`` s, and ``Repeat`` where the same block
follows itself. ``architecture_layout.layout(...)`` places those as boxes, arrows and
labels in pixels (still data), and ``cnn_helpers.figures.architectures``
draws them.
Because the figure is read from the module, it cannot disagree with the
code the chapter trains.

How forks are found: a module that is neither a layer nor an
``nn.Sequential`` (``Residual``, ``DenseBlock``, d2l's ``Inception``) is
traced with ``torch.fx``; where a tensor feeds several operations the
paths run in parallel until they meet again, at ``torch.cat`` (concatenate
the channels) or ``+`` (add). No block needs registering to be drawn; a
block's *name* comes from ``BLOCK_NAMES`` (by class name) or from matching
the course's builders (``vgg_block``, ``nin_block``, ...).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import torch
from torch import fx, nn

from cnn_helpers import models

# ------------------------------------------------------------------ the description


@dataclass
class Layer:
    """One box: ``kind`` (conv, pool, fc, norm, act, flatten, dropout, input, block),
    ``text`` with its numbers, ``extras`` (activation, dropout folded into the box),
    ``shape`` after it (no batch axis) and the ``modules`` it stands for."""

    kind: str
    text: str
    shape: tuple
    modules: list = field(default_factory=list)
    extras: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # a collapsed block's summary lines

    @property
    def label_lines(self) -> list[str]:
        """The lines written in the box."""
        if self.lines:
            return self.lines
        return [" · ".join([self.text, *self.extras])]


@dataclass
class Parallel:
    """Paths that start from the same tensor and are merged by ``merge``
    ("add" or "concat"); an empty path is the identity (the input passed on)."""

    branches: list
    merge: str
    shape: tuple


@dataclass
class Block:
    """A named block (``Residual``, a VGG block, ...) and what it contains."""

    name: str
    items: list
    shape: tuple
    module: nn.Module


@dataclass
class Repeat:
    """``item`` followed by ``times - 1`` more blocks like it (drawn once, "× times");
    ``instances`` holds every one of them."""

    item: object
    times: int
    instances: list

    @property
    def shape(self):
        return self.instances[-1].shape


_MAIN = (nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
         nn.AdaptiveMaxPool2d)


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _size(value) -> str:
    h, w = _pair(value)
    return f"{h}×{w}"


def layer_text(module: nn.Module) -> tuple[str, str]:
    """(kind, text) for one layer: ``("conv", "conv 5×5, pad 2, 6 ch")``.

    Convolutions give kernel, stride and padding (when not 1 and 0) and the
    output channels; poolings their window, stride and padding; fully
    connected layers their output units. The input's channels are the shape
    drawn before the box.
    """
    if isinstance(module, nn.Conv2d):
        text = f"conv {_size(module.kernel_size)}"
        if _pair(module.stride) != (1, 1):
            text += f", stride {_pair(module.stride)[0]}"
        if isinstance(module.padding, str):
            text += f", pad {module.padding}"
        elif _pair(module.padding) != (0, 0):
            text += f", pad {_pair(module.padding)[0]}"
        return "conv", f"{text}, {module.out_channels} ch"
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        name = "max pool" if isinstance(module, nn.MaxPool2d) else "avg pool"
        text = f"{name} {_size(module.kernel_size)}, stride {_pair(module.stride)[0]}"
        if _pair(module.padding) != (0, 0):
            text += f", pad {_pair(module.padding)[0]}"
        return "pool", text
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        name = "avg" if isinstance(module, nn.AdaptiveAvgPool2d) else "max"
        size = _pair(module.output_size)
        if size == (1, 1):
            return "pool", f"global {name} pool"
        return "pool", f"adaptive {name} pool to {_size(size)}"
    if isinstance(module, nn.Linear):
        return "fc", f"fully connected, {module.out_features}"
    if isinstance(module, nn.Flatten):
        return "flatten", "flatten"
    if isinstance(module, nn.Dropout):
        return "dropout", f"dropout {module.p:g}"
    if isinstance(module, (nn.ReLU, nn.Sigmoid, nn.Tanh)):
        return "act", {nn.ReLU: "ReLU", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}[type(module)]
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) or type(module).__name__ == "BatchNorm":
        return "norm", "batch norm"
    return "other", type(module).__name__


# Names of blocks by class name: one line registers a new block (e.g. "Inception").
BLOCK_NAMES = {
    "Residual": lambda m: "residual block" + (", 1×1 conv shortcut" if m.conv3 is not None else ""),
    "DenseBlock": lambda m: f"dense block, {len(m.net)} units",
    "Inception": lambda m: "Inception block",
}


def _same_as(module: nn.Module, builder, *args) -> bool:
    try:
        return repr(module) == repr(builder(*args))
    except (ValueError, TypeError):
        return False


def block_name(module: nn.Module) -> str | None:
    """What ``module`` is in the book's words ("VGG block", "residual block", ...), or None.

    Sequentials are matched against the course's builders: a module is a VGG
    block when ``vgg_block`` with its numbers builds the same layers.
    """
    name = BLOCK_NAMES.get(type(module).__name__)
    if name is not None:
        return name(module) if callable(name) else name
    if not isinstance(module, nn.Sequential) or not len(module):
        return None
    convs = [m for m in module if isinstance(m, nn.Conv2d)]
    if all(type(m).__name__ == "Residual" for m in module):
        return "ResNet module"
    if not convs:
        return None
    first, last = convs[0], convs[-1]
    if _same_as(module, models.vgg_block, len(convs), first.in_channels, last.out_channels):
        return "VGG block"
    if len(convs) == 3 and _same_as(module, models.nin_block, first.in_channels, first.out_channels,
                                    first.kernel_size, first.stride, first.padding):
        return "NiN block"
    if _same_as(module, models.transition_block, first.in_channels, first.out_channels):
        return "transition layer"
    if _same_as(module, models.conv_block, first.in_channels, first.out_channels):
        return "conv block"
    return None


class _EveryChildIsALeaf(fx.Tracer):
    """Trace one module's own ``forward``; its children stay single calls."""

    def is_leaf_module(self, module, qualified_name):
        return True


def _function_layer(node, shape) -> Layer:
    target = node.target
    if target in (torch.relu, nn.functional.relu, "relu"):
        return Layer("act", "ReLU", shape)
    if target in (torch.sigmoid, "sigmoid"):
        return Layer("act", "sigmoid", shape)
    if target in (torch.flatten, "flatten"):
        return Layer("flatten", "flatten", shape)
    return Layer("other", getattr(target, "__name__", str(target)), shape)


def _merge_kind(node) -> str:
    if node.target in (torch.cat, torch.concat, "cat"):
        return "concat"
    if node.target in (operator.add, operator.iadd, torch.add, "add", "add_"):
        return "add"
    raise ValueError(f"cannot draw how the paths of this block meet: {node.target}")


def _trace(module: nn.Module, X: torch.Tensor) -> list:
    """Items of a module with a ``forward`` of its own, read from its fx graph."""
    from torch.fx.passes.shape_prop import ShapeProp

    try:
        graph = _EveryChildIsALeaf().trace(module)
    except Exception as error:  # control flow that depends on the data
        raise ValueError(f"cannot read the structure of {type(module).__name__}: {error}") from None
    traced = fx.GraphModule(module, graph)
    ShapeProp(traced).propagate(X)
    order = {node: i for i, node in enumerate(graph.nodes)}

    def shape_of(node):
        return tuple(node.meta["tensor_meta"].shape[1:])

    def convert(node) -> list:
        if node.op == "call_module":
            child = module.get_submodule(node.target)
            items, _ = _describe(child, torch.zeros((1,) + shape_of(node.all_input_nodes[0])))
            return items
        return [_function_layer(node, shape_of(node))]

    def reach(node) -> set:
        seen, todo = set(), [node]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(current.users)
        return seen

    def walk(previous, stop) -> list:
        """The chain of items after ``previous`` up to (not including) ``stop``."""
        items = []
        while True:
            users = sorted(previous.users, key=order.get)
            if len(users) == 1:
                node = users[0]
                if node is stop or node.op == "output":
                    return items
                items.extend(convert(node))
                previous = node
                continue
            reachable = [reach(user) for user in users]
            join = min(set.intersection(*reachable), key=order.get)
            branches = [[] if user is join else _tidy(convert(user) + walk(user, join))
                        for user in users]  # in the order forward uses them
            branches.sort(key=lambda branch: not branch)  # the identity drawn last
            items.append(Parallel(branches, _merge_kind(join), shape_of(join)))
            if join is stop:
                return items
            previous = join

    placeholder = next(node for node in graph.nodes if node.op == "placeholder")
    return _tidy(walk(placeholder, None))


def _describe(module: nn.Module, X: torch.Tensor) -> tuple[list, torch.Tensor]:
    """(items, output) of ``module`` for the input ``X``."""
    children = list(module.children())
    if isinstance(module, nn.Sequential):
        items = []
        for child in children:
            child_items, X = _describe(child, X)
            items.extend(child_items)
        items = _tidy(items)
    elif not children:
        Y = module(X)
        kind, text = layer_text(module)
        return [Layer(kind, text, tuple(Y.shape[1:]), [module])], Y
    else:
        Y = module(X)
        items, X = _trace(module, X), Y
    name = block_name(module)
    if name is not None and name != "conv block":
        return [Block(name, items, tuple(X.shape[1:]), module)], X
    return items, X


def _tidy(items: list) -> list:
    return _repeats(_fold(items))


def _fold(items: list) -> list:
    """Write an activation or dropout into the box before it ("conv 3×3, 64 ch · ReLU")."""
    folded = []
    for item in items:
        previous = folded[-1] if folded else None
        if (isinstance(item, Layer) and item.kind in ("act", "dropout")
                and isinstance(previous, Layer) and previous.kind in ("conv", "pool", "fc", "norm")):
            previous.extras.append(item.text)
            previous.modules.extend(item.modules)
            previous.shape = item.shape
        else:
            folded.append(item)
    return folded


def signature(item) -> tuple:
    """What a figure shows of ``item``, shapes left out: equal signatures are drawn once."""
    if isinstance(item, Layer):
        return ("layer", item.kind, item.text, tuple(item.extras), tuple(item.lines))
    if isinstance(item, Parallel):
        return ("parallel", item.merge, tuple(tuple(map(signature, b)) for b in item.branches))
    if isinstance(item, Block):
        return ("block", item.name, tuple(map(signature, item.items)))
    return ("repeat", item.times, signature(item.item))


def _repeats(items: list) -> list:
    """Consecutive items with equal signatures become one ``Repeat``."""
    grouped = []
    for item in items:
        previous = grouped[-1] if grouped else None
        if isinstance(previous, Repeat) and signature(previous.item) == signature(item):
            previous.times += 1
            previous.instances.append(item)
        elif (previous is not None and not isinstance(previous, Repeat)
              and signature(previous) == signature(item)
              and (not isinstance(item, Layer) or item.kind == "block")):
            grouped[-1] = Repeat(previous, 2, [previous, item])
        else:
            grouped.append(item)
    return grouped


def describe(net: nn.Module, input_shape=(1, 1, 28, 28)) -> list:
    """The items of ``net`` for one zero input of ``input_shape`` (N, C, H, W).

    The first item is the input; then ``Layer``, ``Parallel``, ``Block`` and
    ``Repeat`` in order. Raises ``ValueError`` when the input does not fit
    the net (the sentence names the shapes).
    """
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            X = torch.zeros(input_shape)
            items, _ = _describe(net, X)
    except RuntimeError as error:
        raise ValueError(f"an input of shape {tuple(input_shape)} does not fit this net: "
                         f"{error}") from None
    finally:
        net.train(was_training)
    shape = tuple(input_shape[1:])
    return [Layer("input", "input", shape)] + items


def collapse(items: list, names=lambda name: True, inline=lambda name: False,
             lines=lambda block: None) -> list:
    """Draw every ``Block`` whose name passes ``names`` as one box of summary lines, and
    those whose name passes ``inline`` as their contents without a frame. ``lines(block)``
    may give a collapsed block's lines (its first in bold); None: its name and ``summary``."""
    result = []
    for item in items:
        if isinstance(item, Block) and names(item.name):
            result.append(Layer("block", item.name, item.shape, list(item.module.modules())[1:],
                                lines=lines(item) or [item.name] + summary(item.items)))
        elif isinstance(item, Block) and inline(item.name):
            result.extend(collapse(item.items, names, inline, lines))
        elif isinstance(item, Block):
            result.append(Block(item.name, collapse(item.items, names, inline, lines), item.shape,
                                item.module))
        elif isinstance(item, Parallel):
            result.append(Parallel([collapse(b, names, inline, lines) for b in item.branches],
                                   item.merge, item.shape))
        elif isinstance(item, Repeat):
            instances = [collapse([i], names, inline, lines) for i in item.instances]
            if all(len(instance) == 1 for instance in instances):
                instances = [instance[0] for instance in instances]
                result.append(Repeat(instances[0], item.times, instances))
            else:
                result.extend(part for instance in instances for part in instance)
        else:
            result.append(item)
    return _repeats(_unrepeat(result))


def _unrepeat(items):
    flat = []
    for item in items:
        flat.extend(item.instances if isinstance(item, Repeat) else [item])
    return flat


def summary(items: list) -> list[str]:
    """The lines of a collapsed block: its convolutions, poolings and fully connected layers,
    with "n ×" for runs; a shortcut path after the main one."""
    lines = []

    def visit(chain, prefix=""):
        for item in chain:
            if isinstance(item, Layer) and item.kind in ("conv", "pool", "fc", "block"):
                lines.append(prefix + (item.text if not item.lines else item.lines[0]))
            elif isinstance(item, Block):
                visit(item.items, prefix)
            elif isinstance(item, Repeat):
                start = len(lines)
                visit([item.item], prefix)
                lines[start:] = [f"{item.times} × {line}" for line in lines[start:]]
            elif isinstance(item, Parallel):
                paths = [branch for branch in item.branches if branch]
                for number, branch in enumerate(paths):
                    if len(paths) == 1:
                        visit(branch, prefix)
                    elif item.merge == "add" and number > 0:
                        visit(branch, prefix + "shortcut: ")
                    elif item.merge == "concat":
                        visit(branch, prefix + f"path {number + 1}: ")
                    else:
                        visit(branch, prefix)

    visit(items)
    compressed = []
    for line in lines:
        if compressed and compressed[-1][1] == line:
            compressed[-1][0] += 1
        else:
            compressed.append([1, line])
    return [line if count == 1 else f"{count} × {line}" for count, line in compressed]


def drawn_layers(item) -> list[list[Layer]]:
    """For each box that ``item`` draws, the layers it stands for (several in a repeat)."""
    if isinstance(item, Layer):
        return [[item]]
    if isinstance(item, Block):
        return [box for child in item.items for box in drawn_layers(child)]
    if isinstance(item, Parallel):
        return [box for branch in item.branches for child in branch for box in drawn_layers(child)]
    each = [drawn_layers(instance) for instance in item.instances]
    return [[layer for group in groups for layer in group] for groups in zip(*each)]


def shape_text(shape: tuple) -> str:
    return "×".join(map(str, shape))
