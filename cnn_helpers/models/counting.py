"""Measuring a net (chapters 3-10): parameters, multiply-adds, shapes layer by layer,
the smallest image it accepts."""

from __future__ import annotations

import torch
from torch import nn


def count_parameters(net: nn.Module) -> int:
    """The number of learnable numbers in ``net``."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def multiply_adds(net: nn.Module, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> list[tuple[str, int, int]]:
    """(layer name, parameters, multiply-adds per example) of every convolution and
    fully connected layer, found by running one zero input through ``net``.

    A convolution does c_i k_h k_w multiply-adds (per group) for each of its
    output elements; a fully connected layer from n to m units does n m.
    """
    rows = []

    def count(layer, inputs, output):
        if isinstance(layer, nn.Conv2d):
            per_element = layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
            work = output[0].numel() * per_element
        else:
            work = layer.in_features * layer.out_features
        rows.append((type(layer).__name__, count_parameters(layer), work))

    hooks = [m.register_forward_hook(count) for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            net(_zeros_like_input(net, input_shape))
    finally:
        for hook in hooks:
            hook.remove()
        net.train(was_training)
    return rows


def layer_shapes(net: nn.Sequential, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> list[tuple[str, tuple]]:
    """Walk a zero input through ``net``: (layer name, output shape) for every layer.

    Only shapes are kept, so a layer that works in place cannot change them.
    """
    X = _zeros_like_input(net, input_shape)
    shapes = []
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for layer in net:
                X = layer(X)
                shapes.append((type(layer).__name__, tuple(X.shape)))
    finally:
        net.train(was_training)
    return shapes


def _zeros_like_input(net: nn.Module, input_shape: tuple[int, ...]) -> torch.Tensor:
    """A zero input on ``net``'s device in its floating type (float32 for a net without weights)."""
    parameter = next((p for p in net.parameters() if p.is_floating_point()), None)
    if parameter is None:
        return torch.zeros(input_shape)
    return torch.zeros(input_shape, device=parameter.device, dtype=parameter.dtype)


def smallest_input(net: nn.Module, largest: int = 512, in_channels: int | None = None) -> int:
    """The smallest square image side ``net`` accepts, found by trying sides 1, 2, ... ``largest``.

    Each try runs a batch of two zero images (channels from the first
    convolution unless ``in_channels`` is given) in eval mode, so batch norm
    uses its moving statistics; a side is accepted when the net returns an
    output instead of raising (a window larger than its input, a flatten of
    the wrong length). Raises ``ValueError`` when no side up to ``largest`` works.
    """
    if in_channels is None:
        in_channels = next(m.in_channels for m in net.modules() if isinstance(m, nn.Conv2d))
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for side in range(1, largest + 1):
                try:
                    net(torch.zeros(2, in_channels, side, side))
                except RuntimeError:
                    continue
                return side
    finally:
        net.train(was_training)
    raise ValueError(f"the net accepts no square image of side 1 to {largest}; "
                     "try a larger `largest` or check its input channels")
