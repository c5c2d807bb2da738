"""Activation memory: what training keeps for the backward pass (chapters 10 and 11).

Training needs, besides the parameters, every tensor that backpropagation
will read again: a convolution's input, a batch norm's input, a ReLU's
output... autograd *saves* them during the forward pass.
``torch.autograd.graph.saved_tensors_hooks`` sees each one as it is saved, so
``saved_tensor_bytes`` can add up their storage for one batch:

* ``activation_bytes(net, image_size)``: per image, as chapter 11's table
  shows it for every net;
* chapter 10: ``dense_block_growth`` (how a dense block's saved bytes grow with its units,
  ``check_dense_block_growth``) and ``check_concatenation_memory`` (DenseNet against ResNet-18:
  fewer parameters, more activation memory). The notes speak of channel growth and model
  complexity (10.2), not of memory: this measurement is the course's own addition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.core.claims import claim


def saved_tensor_bytes(net: nn.Module, X: torch.Tensor) -> int:
    """Bytes autograd saves for the backward pass of one forward pass of batch ``X``, in training mode.

    Each saved tensor's storage is counted once (a ReLU's output and the next
    convolution's input are one storage) and the parameters are left out
    (they are memory of the net, not of the batch). The net is put back in the
    mode it was in.
    """
    parameters = {p.untyped_storage().data_ptr() for p in net.parameters()}
    seen: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    was_training = net.training
    net.train()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            net(X)
    finally:
        net.train(was_training)
    return sum(seen.values())


def activation_bytes(net: nn.Module, image_size: int, batch: int = 2, in_channels: int = 1) -> int:
    """Bytes autograd saves for the backward pass per image, in training mode (float32).

    Runs ``batch`` (default 2: batch norm needs two values per channel) random
    ``in_channels`` x ``image_size`` x ``image_size`` images through
    ``saved_tensor_bytes`` and divides by ``batch``: activations grow in
    proportion to the batch, so a batch of 256 needs 256 times this.

    Args:
        net: the network, in any mode (put back in it afterwards).
        image_size: height and width of the images.
        batch: images run at once.
        in_channels: channels of each image.

    Returns:
        Bytes per image.
    """
    X = torch.rand(batch, in_channels, image_size, image_size)  # N x C x H x W
    return saved_tensor_bytes(net, X) // batch


def dense_block_growth(units: Iterable[int] = (1, 2, 4, 8), in_channels: int = 64, growth_rate: int = 32,
                       size: int = 24) -> list[tuple[int, int]]:
    """``(units, bytes per image)`` of a ``models.DenseBlock`` with each number of units.

    Unit i normalizes (batch norm) everything concatenated so far,
    ``in_channels + i * growth_rate`` channels, and autograd saves that input:
    the saved bytes grow like ``n * in_channels + growth_rate * n**2 / 2``, faster
    than the units and, once the units' channels outnumber the input's, towards
    the square of the units (the book's first block: 64 channels, growth rate 32,
    24x24 maps). Chapter 10.

    Args:
        units: the numbers of units to build, one row each.
        in_channels: channels entering the block.
        growth_rate: channels each unit adds.
        size: height and width of the feature maps.

    Returns:
        ``(units, bytes per image)`` per number of units.
    """
    torch.manual_seed(0)
    return [(n, saved_tensor_bytes(models.DenseBlock(n, in_channels, growth_rate),
                                   torch.rand(2, in_channels, size, size)) // 2) for n in units]


def check_dense_block_growth(units: Iterable[int] = (1, 2, 4, 8), in_channels: int = 64, growth_rate: int = 32,
                             size: int = 24) -> list[tuple[int, int]]:
    """Print ``dense_block_growth`` and claim what it measures: each doubling of the units
    more than doubles the saved bytes (a stack of equal blocks would only double them) and
    less than quadruples them (the square of the units would), by a factor that rises.

    Args:
        units, in_channels, growth_rate, size: as for ``dense_block_growth``.

    Returns:
        The rows of ``dense_block_growth``.

    Raises:
        ClaimFailed: when a factor is not between 2 and 4 or does not rise.
    """
    rows = dense_block_growth(units, in_channels, growth_rate, size)
    print(f"{'units':>6}{'channels out':>14}{'saved per image':>17}")
    for n, saved in rows:
        print(f"{n:>6}{in_channels + n * growth_rate:>14}{saved / 2**20:>14.2f} MB")
    factors = [(b / a, m / n) for (n, a), (m, b) in zip(rows, rows[1:])]
    grew = [g for g, _ in factors]
    claim(all(more < g < more**2 for g, more in factors) and grew == sorted(grew),
          f"each time the units double, the saved bytes grow {', '.join(f'{g:.1f}×' for g in grew)}"
          ": faster than the units (2×), since every unit keeps everything concatenated before "
          "it, and slower than their square (4×), rising towards it as the units' channels "
          "outnumber the block's input")
    return rows


@dataclass(frozen=True)
class MemoryRow:
    """One net: its parameters and the activation memory one training image needs."""

    net: str
    image_size: int
    parameters: int
    activation_bytes: int  # per image, saved for the backward pass


def memory_row(name: str, net: nn.Module, image_size: int) -> MemoryRow:
    """``MemoryRow`` of ``net`` at ``image_size`` (grey images)."""
    return MemoryRow(name, image_size, models.count_parameters(net), activation_bytes(net, image_size))


def print_rows(*rows: MemoryRow) -> None:
    """A table of ``rows``: parameters, activation memory per image and per batch of 256."""
    print(f"{'':<36}{'parameters':>12}{'per image':>12}{'batch of 256':>14}")
    for row in rows:
        print(f"{f'{row.net} at {row.image_size}x{row.image_size}':<36}{row.parameters:>12,}"
              f"{row.activation_bytes / 2**20:>9.2f} MB{row.activation_bytes * 256 / 2**20:>11.0f} MB")


def check_concatenation_memory(dense: MemoryRow, resnet: MemoryRow) -> float:
    """DenseNet has fewer parameters than ResNet-18 but needs more activation memory.

    Prints the two rows (``print_rows``) and claims it in one line; returns
    DenseNet's memory / ResNet's. Raises ``ClaimFailed`` (an ``AssertionError``)
    when DenseNet does not have fewer parameters and more activation memory.
    """
    print_rows(resnet, dense)
    ratio = dense.activation_bytes / resnet.activation_bytes
    claim(dense.parameters < resnet.parameters and ratio > 1,
          f"{dense.net}: {resnet.parameters / dense.parameters:.1f}× fewer parameters than "
          f"{resnet.net}, but {ratio:.1f}× its activation memory")
    return ratio
