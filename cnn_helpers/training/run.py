"""Everything ``fit`` decides before its first epoch, in one place: ``prepare`` makes a ``Run``.

The order of ``prepare``'s steps is part of what a seed repeats: it seeds
PyTorch, makes the shuffling generator, then draws the initial weights,
always in this order; ``Run.batches`` then shuffles and augments in the
order ``fit`` asks for batches.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import torch
from torch import nn

from cnn_helpers.core.devices import try_gpu
from cnn_helpers.core.inputs import SayOnce
from cnn_helpers.core.language import tr
from cnn_helpers.core.recipe import BOOK, Recipe, random_flip
from cnn_helpers.training.batches import (
    _batches,
    _is_tensor_pair,
    _number_of_batches,
    _place,
    _Prepare,
    as_pair,
)
from cnn_helpers.training.errors import _ONE_EXAMPLE_BATCHES, has_batch_norm
from cnn_helpers.training.initialization import INITIALIZERS
from cnn_helpers.training.sizes import check_image_size
from cnn_helpers.training.speed import Speed, _GraphedStep, _use_cuda_graph


@dataclass
class Run:
    """One ``fit`` run's state: the net and its optimizer, where its batches come from, and
    where training is (``epoch`` and ``batch``, counted from 1; 0 before the first)."""

    net: nn.Module
    optimizer: torch.optim.Optimizer
    device: torch.device
    speed: Speed  # decided for this device and net (Speed.resolve)
    cuda_graph: bool  # whether steps are replayed from a recorded CUDA graph
    scaler: torch.amp.GradScaler | None  # fp16 only: gradients scaled against underflow
    train_data: object  # a tensor pair (on the device if it fits) or an iterable of batches
    test_data: object
    generator: torch.Generator | None  # shuffles a tensor pair, one permutation per epoch
    batch_size: int
    resize: int | tuple[int, int] | None
    augment: Callable[[torch.Tensor], torch.Tensor] | None
    drop_single: bool  # batch norm: a last batch of one example is left out
    n_batches: int | None  # per epoch (None: a loader without a length)
    recipe: Recipe = BOOK  # momentum, weight decay, schedule, label smoothing, flips
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None  # stepped once per batch
    loss_sum: torch.Tensor = field(init=False)  # this epoch's sums, kept on the device
    correct: torch.Tensor = field(init=False)
    to_device: _Prepare = field(init=False)  # per batch: to float, resize, channels-last
    refresh: int = field(init=False)  # fit reads the loss from the device every refresh batches
    graphed: _GraphedStep | None = None
    epoch: int = 0
    batch: int = 0
    said_dropped: bool = False
    checked_size: bool = False
    checkpoint: Path | str | None = None  # fit's checkpoint file, if any
    saved_epoch: int = 0  # the last epoch written to it whole (0: none in this run)
    say: SayOnce = field(default_factory=SayOnce)  # each conversion note once per run

    def __post_init__(self):
        self.loss_sum = torch.zeros((), device=self.device)
        self.correct = torch.zeros((), device=self.device)
        self.to_device = _Prepare(self.device, self.resize, self.speed.channels_last,
                                  convert=not _is_tensor_pair(self.train_data), say=self.say)
        self.refresh = max(1, (self.n_batches or 50) // 10)  # ~10 times per epoch

    def start_epoch(self, epoch: int) -> None:
        """Training mode, and this epoch's sums back to zero."""
        self.epoch = epoch
        self.net.train()
        self.loss_sum.zero_()
        self.correct.zero_()

    def autocast(self) -> AbstractContextManager:
        """Mixed precision for the forward pass where ``speed.amp`` chose it (a GPU); else nothing."""
        if not self.speed.amp:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.speed.amp_dtype,
                              cache_enabled=not self.cuda_graph)

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """This epoch's training batches, ready for a step (``self.batch`` counts them).

        On the device, as floats, resized, channels-last and augmented; the first
        is checked for size (a sentence, not PyTorch's, for a wrong image size);
        a net with batch norm leaves out a last batch of one example, saying so once.
        """
        for batch, (X, y) in enumerate(_batches(self.train_data, self.batch_size,
                                                self.generator), 1):
            self.batch = batch
            if self.drop_single and len(y) == 1:
                if not self.said_dropped:
                    print(tr("(batch norm needs more than one example per batch: fit leaves "
                             "out each epoch's last batch, which holds a single example)"))
                    self.said_dropped = True
                continue
            X, y = self.to_device(X, y)
            if self.augment is not None:
                X = self.augment(X)
            if self.recipe.flip:
                X = random_flip(X)
            if not self.checked_size:
                check_image_size(self.net, X, self.resize, "fit")
                self.checked_size = True
            yield X, y

    def replay(self, X: torch.Tensor, y: torch.Tensor, step: Callable) -> None:
        """``step(self, X, y)`` as a CUDA graph: recorded on the first call, then replayed.

        Where recording fails, says so once and trains step by step from then on.
        """
        if self.graphed is None:
            self.graphed = _GraphedStep.record(lambda X, y: step(self, X, y), self.net, X, y,
                                               self.loss_sum, self.correct)
            self.cuda_graph = self.graphed is not None
        if self.graphed is not None:
            self.graphed(X, y)
        else:
            step(self, X, y)


def prepare(net: nn.Module, train_data, test_data, lr: float, *, batch_size: int,
            device: str | torch.device | None, init: str | None, seed: int | None,
            optimizer: torch.optim.Optimizer | None, resize: int | tuple[int, int] | None,
            speed: Speed | None, augment: Callable | None, recipe: Recipe | None = None,
            epochs: int = 1) -> Run:
    """``fit``'s set-up: seed, init, device, optimizer, speed-ups; the ``Run`` it trains with.

    Args: as ``fit``'s (``speed`` None: ``Speed()``, every choice automatic; ``recipe``
        None: the book's).

    Returns:
        The ``Run``, its data placed on the device where it fits.

    Raises:
        ValueError: for an unknown ``init``, a speed-up the device or the data
            cannot have, batches of one example for a net with batch norm, data
            ``core.inputs`` refuses (NaN, labels with fractions, pixels beyond 0-255),
            or an ``optimizer`` together with a recipe that makes its own (momentum,
            weight decay).
    """
    recipe = recipe or BOOK
    if optimizer is not None and (recipe.momentum or recipe.weight_decay):
        raise ValueError(f"optimizer= and recipe {recipe.name!r} both choose the optimizer "
                         "(its momentum and weight decay): pass one of them")
    say = SayOnce()  # numpy data, other number types: converted once, said once
    train_data, test_data = as_pair(train_data, say), as_pair(test_data, say)
    device = torch.device(device) if device is not None else try_gpu()
    speed = (speed or Speed()).resolve(device, net)
    generator = None
    if seed is not None:
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
    elif _is_tensor_pair(train_data):
        generator = torch.Generator().manual_seed(int(torch.randint(2**31, ())))
    if init is not None:
        if init not in INITIALIZERS:
            raise ValueError(f"init={init!r}: choose one of {', '.join(INITIALIZERS)} or None")
        INITIALIZERS[init](net)
    net.to(device)
    if speed.channels_last:
        net.to(memory_format=torch.channels_last)
    pair = _is_tensor_pair(train_data)
    if pair:
        train_data = _place(train_data, device)
    if test_data is not None and _is_tensor_pair(test_data):
        test_data = _place(test_data, device)
    own_optimizer = optimizer is None
    optimizer = optimizer or recipe.optimizer(net, lr, fused=_fused_sgd(device))
    # fp16 needs its gradients scaled against underflow; bf16 has float32's range and does not
    scaler = (torch.amp.GradScaler(device.type)
              if speed.amp and speed.amp_dtype == torch.float16 else None)
    cuda_graph = _use_cuda_graph(speed, device, augment, graphable=own_optimizer and pair
                                 and scaler is None and augment is None and recipe == BOOK)
    n_batches = _number_of_batches(train_data, batch_size)
    # batch norm cannot normalize one example (no spread): a last batch of one is left out
    drop_single = has_batch_norm(net)
    if drop_single and pair:
        if batch_size == 1 or len(train_data[1]) == 1:
            raise ValueError(tr(_ONE_EXAMPLE_BATCHES))
        n_batches -= len(train_data[1]) % batch_size == 1
    scheduler = recipe.schedule(optimizer, lr, None if n_batches is None else epochs * n_batches)
    return Run(net, optimizer, device, speed, cuda_graph, scaler, train_data, test_data,
               generator, batch_size, resize, augment, drop_single, n_batches, recipe, scheduler,
               say=say)


def _fused_sgd(device: torch.device) -> bool:
    """Whether this PyTorch has fused SGD for ``device`` (on CUDA: one kernel for all parameters)."""
    if device.type != "cuda":
        return False
    try:
        torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1, fused=True)
        return True
    except (TypeError, RuntimeError):  # an older PyTorch without fused SGD
        return False
