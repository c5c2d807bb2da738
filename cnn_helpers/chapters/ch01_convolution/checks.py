"""Chapter 1 (convolutional layers, 卷积层): the pieces its notebook trains, counts and checks.

* ``Conv2D``, ``train_layer`` -- a layer from scratch, learned by gradient descent (1.1)
* ``output_size_table``       -- the notes' size formula next to ``nn.Conv2d`` (1.3)
* ``parameter_counts``        -- convolution vs fully connected, same sizes (1.6)
* ``place_pattern``           -- a pattern on a blank image, to shift it around (1.6)
* ``connections``             -- which inputs each output touches, sparse or dense (1.6)
* ``counted_multiply_adds``, ``median_seconds`` -- what that sparsity saves, counted and timed (1.6)

The from-scratch operations themselves (``corr2d``, ``convolve2d``, the
channel versions) live in ``cnn_helpers.ops``.
"""

from __future__ import annotations

import copy
import itertools
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnn_helpers.models import count_parameters
from cnn_helpers.ops import Pair, as_pair, conv_output_shape, convolve2d, corr2d

# ---------------------------------------------------------------- a layer from scratch (1.1)


class Conv2D(nn.Module):
    """A 2-D convolutional layer from scratch: cross-correlation plus a scalar bias (1.1).

    The kernel starts uniform in [0, 1) from ``seed`` (as in d2l), the bias
    at zero. ``flip=True`` turns the cross-correlation into a true
    convolution (the kernel flipped left-right and up-down), to show that a
    learned layer does not care which of the two it uses.
    """

    def __init__(self, kernel_size: int | Pair, *, bias: bool = True, flip: bool = False, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.weight = nn.Parameter(torch.rand(as_pair(kernel_size, "kernel_size"), generator=generator))
        self.bias = nn.Parameter(torch.zeros(1)) if bias else None
        self.flip = flip

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        # X: (h, w) -> (h - k_h + 1, w - k_w + 1)
        Y = convolve2d(X, self.weight) if self.flip else corr2d(X, self.weight)
        return Y if self.bias is None else Y + self.bias

    def extra_repr(self) -> str:
        operation = "convolution" if self.flip else "cross-correlation"
        return f"kernel_size={tuple(self.weight.shape)}, {operation}, bias={self.bias is not None}"


def train_layer(layer: nn.Module, X: torch.Tensor, Y: torch.Tensor, *, steps: int,
                lr: float) -> list[float]:
    """Plain gradient descent on the squared error ``sum((layer(X) - Y) ** 2)``; returns the losses.

    Deterministic: no data shuffling, no randomness beyond the layer's own seed.

    Args:
        layer: the layer to train (its parameters are changed in place).
        X: the input.
        Y: the target output, of ``layer(X)``'s shape.
        steps: gradient steps.
        lr: the learning rate.

    Returns:
        The loss before each step.
    """
    losses = []
    for _ in range(steps):
        loss = ((layer(X) - Y) ** 2).sum()
        layer.zero_grad()
        loss.backward()
        with torch.no_grad():
            for parameter in layer.parameters():
                parameter -= lr * parameter.grad
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------- output size (1.3)


@dataclass(frozen=True)
class SizeCheck:
    """One setting of the grid: the notes' formula and ``nn.Conv2d`` side by side."""

    n: int  # input size
    k: int  # kernel size
    padding: int  # per side, as nn.Conv2d takes it; the notes' total p is 2 * padding
    stride: int
    formula: int  # floor((n - k + p + s) / s) with p = 2 * padding
    pytorch: int  # what nn.Conv2d actually returns

    @property
    def agrees(self) -> bool:
        return self.formula == self.pytorch


def check_output_sizes(sizes: Iterable[int], kernels: Iterable[int], paddings: Iterable[int],
                       strides: Iterable[int]) -> list[SizeCheck]:
    """Every possible (n, k, padding, stride) of the grid, formula against ``nn.Conv2d``.

    Combinations with no room for the kernel (k > n + 2 * padding) are skipped.

    Args:
        sizes: input sides ``n``.
        kernels: kernel sides ``k``.
        paddings: paddings per side.
        strides: strides.

    Returns:
        One ``SizeCheck`` per combination that fits.
    """
    checks = []
    for k, q, s in itertools.product(kernels, paddings, strides):
        layer = nn.Conv2d(1, 1, k, stride=s, padding=q, bias=False)
        for n in sizes:
            if k > n + 2 * q:
                continue
            formula = conv_output_shape(n, k, stride=s, total_padding=2 * q)[0]
            with torch.no_grad():
                pytorch = layer(torch.zeros(1, 1, n, n)).shape[-1]
            checks.append(SizeCheck(n, k, q, s, formula, pytorch))
    checks.sort(key=lambda c: (c.n, c.k, c.padding, c.stride))
    return checks


def output_size_table(checks: list[SizeCheck], n: int) -> str:
    """The checks for input size ``n`` as a compact text table: one row per (k, padding).

    Each cell reads ``formula/pytorch``, followed by ✓ when they agree.
    """
    rows = sorted({(c.k, c.padding) for c in checks if c.n == n})
    strides = sorted({c.stride for c in checks if c.n == n})
    by_key = {(c.k, c.padding, c.stride): c for c in checks if c.n == n}
    header = f"{'k':>3}{'pad/side':>10}{'p total':>9} |" + "".join(f"{f's={s}':>10}" for s in strides)
    lines = [f"input n = {n}; each cell: formula / nn.Conv2d", header, "-" * len(header)]
    for k, q in rows:
        cells = "".join(
            f"{c.formula:>5}/{c.pytorch:<2} {'✓' if c.agrees else '✗'}"
            for c in (by_key[(k, q, s)] for s in strides)
        )
        lines.append(f"{k:>3}{q:>10}{2 * q:>9} |" + cells)
    return "\n".join(lines)


# ---------------------------------------------------------------- parameters (1.6)


@dataclass(frozen=True)
class ParameterCount:
    """Parameters of a convolution and of a fully connected layer doing the same job."""

    input_shape: tuple[int, int, int]  # (c_i, h, w)
    output_shape: tuple[int, int, int]  # (c_o, h_o, w_o)
    convolution: int
    fully_connected: int

    @property
    def ratio(self) -> float:
        return self.fully_connected / self.convolution


def parameter_counts(input_shape: tuple[int, int, int], out_channels: int, kernel_size: int | Pair,
                     *, padding: int | Pair = 0, stride: int | Pair = 1) -> ParameterCount:
    """Count both layers' weights and biases by building them on the ``meta`` device.

    The fully connected layer maps the flattened input to the flattened
    output of the same size as the convolution's (every input to every
    output); ``meta`` tensors have shapes but no memory, so even a layer
    with billions of weights costs nothing to count.

    Args:
        input_shape: (channels, height, width) of one input.
        out_channels: the convolution's output channels.
        kernel_size: ``k`` or ``(k_h, k_w)``.
        padding: per side.
        stride: the convolution's stride.

    Returns:
        The shapes and both layers' parameter counts.
    """
    c_i, h, w = input_shape
    kernel = as_pair(kernel_size, "kernel_size")
    h_o, w_o = conv_output_shape((h, w), kernel, stride=stride, padding=padding)
    conv = nn.Conv2d(c_i, out_channels, kernel, stride=stride, padding=padding, device="meta")
    dense = nn.Linear(c_i * h * w, out_channels * h_o * w_o, device="meta")
    return ParameterCount((c_i, h, w), (out_channels, h_o, w_o),
                          count_parameters(conv), count_parameters(dense))


# ---------------------------------------------------------------- sharing and sparsity (1.6)


def place_pattern(pattern: torch.Tensor, size: int | Pair, top_left: Pair) -> torch.Tensor:
    """A blank (zero) image of ``size`` with ``pattern`` pasted at ``top_left`` (row, column)."""
    h, w = as_pair(size, "size")
    top, left = as_pair(top_left, "top_left")
    p_h, p_w = pattern.shape
    if top < 0 or left < 0 or top + p_h > h or left + p_w > w:
        raise ValueError(f"a {p_h}x{p_w} pattern at {(top, left)} does not fit in {h}x{w}")
    image = torch.zeros((h, w), dtype=pattern.dtype)
    image[top : top + p_h, left : left + p_w] = pattern
    return image


def connections(n: int, kernel_size: int | None = None, padding: int = 0) -> torch.Tensor:
    """Which inputs each output touches, as an (outputs, inputs) boolean matrix (1-D).

    ``kernel_size=None`` is a fully connected layer: every output touches
    every input. Otherwise a 1-D convolution (stride 1, ``padding`` per
    side): output ``i`` touches inputs ``i - padding`` to
    ``i - padding + kernel_size - 1``. ``tests`` check this against the
    non-zeros of the layers' Jacobians.
    """
    if kernel_size is None:
        return torch.ones((n, n), dtype=torch.bool)
    n_out = conv_output_shape((1, n), (1, kernel_size), padding=(0, padding))[1]
    outputs = torch.arange(n_out)[:, None]
    inputs = torch.arange(n)[None, :]
    start = outputs - padding
    return (inputs >= start) & (inputs < start + kernel_size)


def jacobian_connections(layer: nn.Module, n: int) -> torch.Tensor:
    """The same matrix found by autograd: which inputs have a non-zero effect on each output.

    ``layer`` takes (1, 1, n) for a ``nn.Conv1d`` or (1, n) for a
    ``nn.Linear``. Its weights are set to ones so that no connection hides
    behind a zero weight.
    """
    if not isinstance(layer, (nn.Conv1d, nn.Linear)):
        raise ValueError(f"jacobian_connections takes nn.Conv1d or nn.Linear, not {type(layer).__name__}")
    probe = copy.deepcopy(layer)
    with torch.no_grad():
        for parameter in probe.parameters():
            parameter.fill_(1.0)
    shape = (1, 1, n) if isinstance(layer, nn.Conv1d) else (1, n)

    def flat(x):
        return probe(x.reshape(shape)).reshape(-1)

    return torch.autograd.functional.jacobian(flat, torch.ones(n)) != 0



# ---------------------------------------------------------------- what sparse interactions save (1.6)


def counted_multiply_adds(layer: nn.Module, X: torch.Tensor) -> int:
    """Multiply-adds of ``layer(X)`` as PyTorch's own counter sees them (``FlopCounterMode``).

    PyTorch counts a multiply and an add as two floating-point operations, so this is half its
    count; it does not use the layer's sizes, only the operations that really run (bias additions
    are not counted).

    Args:
        layer: a module (a convolution, a fully connected layer, a pooling layer ...).
        X: its input.

    Returns:
        The multiply-adds of one forward pass on ``X`` (the whole batch).
    """
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        layer(X)
    return counter.get_total_flops() // 2


def median_seconds(*steps: Callable[[], object], repeats: int = 9) -> float | list[float]:
    """Median wall time (seconds) of each of ``steps`` over ``repeats`` rounds, after a warm-up.

    Each round calls every step once, in turn, so a burst of load from
    another program slows them all alike and their ratio stays fair (timing
    one step's repeats, then the other's, lets a burst land on one only).

    Returns:
        One median for one step; a list of medians, in order, for several.

    Raises:
        ValueError: when no step is given.
    """
    if not steps:
        raise ValueError("median_seconds needs at least one step to time")
    for step in steps:
        step()
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, mine in zip(steps, times):
            start = time.perf_counter()
            step()
            mine.append(time.perf_counter() - start)
    medians = [statistics.median(mine) for mine in times]
    return medians[0] if len(steps) == 1 else medians
