"""When training fails, a sentence that says what to do (issue 14's kinds of failure).

A NaN/inf loss raises ``TrainingDiverged`` naming the learning rate; CUDA
out-of-memory raises ``TrainingOutOfMemory`` naming a batch size to try;
Ctrl-C stops cleanly and ``fit`` returns the history so far
(``history.interrupted`` is True); a net with batch norm cannot learn from
batches of one example. Images of the wrong size: ``sizes``.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import torch
from torch import nn

from cnn_helpers.core.language import tr
from cnn_helpers.training.history import History

if TYPE_CHECKING:
    from cnn_helpers.training.run import Run


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; ``.history`` holds the finished epochs."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class TrainingOutOfMemory(RuntimeError):
    """The GPU ran out of memory; the message names a smaller batch size to try."""


def _check_finite(mean_loss: float, epoch: int, batch: int, lr: float, history: History):
    if not math.isfinite(mean_loss):
        raise TrainingDiverged(tr(
            f"training diverged: the loss became {mean_loss} in epoch {epoch} "
            f"(by batch {batch}). The learning rate lr={lr:g} is probably too high; "
            f"try lr={lr / 10:g}."), history)


@contextmanager
def stopped_plainly(run: Run, history: History) -> Iterator[None]:
    """Around ``fit``'s epochs: Ctrl-C keeps the history so far; out of memory says what to try."""
    try:
        yield
    except KeyboardInterrupt:
        history.interrupted = True
        print(tr(f"Interrupted at epoch {run.epoch}, batch {run.batch}: keeping the model as it "
                 f"is and the history of the {history.epochs} finished epoch(s).")
              + _what_the_checkpoint_holds(run, history))
    except torch.OutOfMemoryError as error:
        if run.device.type == "cuda":
            torch.cuda.empty_cache()
        smaller = max(1, run.batch_size // 2)
        raise TrainingOutOfMemory(
            tr(f"{run.device} ran out of memory at batch size {run.batch_size} with images "
               f"resized to {run.resize}. Try fit(..., batch_size={smaller}) (or a smaller "
               f"resize / width).") if run.resize else
            tr(f"{run.device} ran out of memory at batch size {run.batch_size}. Try fit(..., "
               f"batch_size={smaller}) (or a smaller resize / width).")
        ) from error


def _what_the_checkpoint_holds(run: Run, history: History) -> str:
    """After Ctrl-C: which epoch ``fit``'s checkpoint file holds, truthfully ('' without one)."""
    if run.checkpoint is None:
        return ""
    if run.saved_epoch == 0:
        return " " + tr(f"No checkpoint was saved in this run ({run.checkpoint} is as it was "
                        f"before).")
    if run.saved_epoch == history.epochs:
        return " " + tr(f"The checkpoint {run.checkpoint} holds epoch {run.saved_epoch}.")
    return " " + tr(f"The checkpoint {run.checkpoint} holds epoch {run.saved_epoch}, whole: epoch "
                    f"{history.epochs}'s was not saved (the interruption came before it was "
                    f"complete).")


# -- batch norm and batches of one example -------------------------------------------------
_ONE_EXAMPLE_BATCHES = ("every training batch would hold a single example, and batch norm needs "
                        "more than one to normalize by: use batch_size=2 or more (and at least "
                        "2 training examples)")


def has_batch_norm(net: nn.Module) -> bool:
    """Whether ``net`` holds a batch-norm layer: PyTorch's, or ``ops.batch_norm.BatchNorm`` --
    the package's or the one chapter 8's notebook writes out (a class of the same name)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) or type(m).__name__ == "BatchNorm"
               for m in net.modules())
