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

The items live in ``architecture_items``, the names in ``architecture_names``;
this module does the reading.
"""

from __future__ import annotations

import operator

import torch
from torch import fx, nn

from cnn_helpers.figures.architecture_items import Block, Layer, Parallel, tidy
from cnn_helpers.figures.architecture_names import block_name, layer_text


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
            branches = [[] if user is join else tidy(convert(user) + walk(user, join))
                        for user in users]  # in the order forward uses them
            branches.sort(key=lambda branch: not branch)  # the identity drawn last
            items.append(Parallel(branches, _merge_kind(join), shape_of(join)))
            if join is stop:
                return items
            previous = join

    placeholder = next(node for node in graph.nodes if node.op == "placeholder")
    return tidy(walk(placeholder, None))


def _describe(module: nn.Module, X: torch.Tensor) -> tuple[list, torch.Tensor]:
    """(items, output) of ``module`` for the input ``X``."""
    children = list(module.children())
    if isinstance(module, nn.Sequential):
        items = []
        for child in children:
            child_items, X = _describe(child, X)
            items.extend(child_items)
        items = tidy(items)
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


def describe(net: nn.Module, input_shape: tuple[int, int, int, int] = (1, 1, 28, 28)) -> list:
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
