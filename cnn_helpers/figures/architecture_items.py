"""A network's architecture as data (chapters 3-10): the items a figure is made of.

``architecture.describe`` reads a net into a list of these items: a
``Layer`` per box, ``Parallel`` paths that meet again, named ``Block`` s and
``Repeat`` where the same block follows itself. Here are the items, how
equal ones are grouped (``signature``, ``tidy``), and what a figure writes
for them: ``collapse`` draws a block as one box of ``summary`` lines,
``drawn_layers`` says which layers each box stands for, ``shape_text``
writes a shape. ``architecture_layout`` places them in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import nn

# ------------------------------------------------------------------ the items


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
    def shape(self) -> tuple:
        return self.instances[-1].shape


# ------------------------------------------------------------------ grouping equal items


def tidy(items: list) -> list:
    """``items`` with activations folded into the box before them and runs of equal items
    drawn once (``Repeat``)."""
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


Item = Layer | Parallel | Block | Repeat


def signature(item: Item) -> tuple:
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


# ------------------------------------------------------------------ what a figure writes


def collapse(items: list, names: Callable[[str], bool] = lambda name: True,
             inline: Callable[[str], bool] = lambda name: False,
             lines: Callable[[Block], list[str] | None] = lambda block: None) -> list:
    """Draw blocks as one box of summary lines, or as their contents without a frame.

    Args:
        items: what ``architecture.describe`` returned (or part of it).
        names: whether a ``Block`` of this name is drawn as one box of summary lines.
        inline: whether a ``Block`` of this name is drawn as its contents, unframed.
        lines: a collapsed block's lines (its first drawn in bold); None: its name
            and ``summary``.

    Returns:
        The items, with those blocks replaced and equal neighbours grouped again.
    """
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


def _unrepeat(items: list) -> list:
    flat = []
    for item in items:
        flat.extend(item.instances if isinstance(item, Repeat) else [item])
    return flat


def summary(items: list) -> list[str]:
    """The lines of a collapsed block: its convolutions, poolings and fully connected layers,
    with "n ×" for runs; a shortcut path after the main one."""
    lines = []

    def visit(chain: list, prefix: str = "") -> None:
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


def drawn_layers(item: Item) -> list[list[Layer]]:
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
    """A shape as a figure writes it: ``"6×28×28"`` (C x H x W)."""
    return "×".join(map(str, shape))
