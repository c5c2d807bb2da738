"""Saving a run after each epoch and loading it back (chapter 3's checkpoints)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from cnn_helpers.training.history import History


def save_checkpoint(path: str | Path, net: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    history: History | None = None) -> Path:
    """Save state_dicts (never pickled modules) so ``load_checkpoint`` can use weights_only.

    Args:
        path: the file to write (its folder is made if missing).
        net: the model whose ``state_dict`` is saved.
        optimizer: saved too when given (to continue training).
        history: saved too when given, as a plain dict.

    Returns:
        ``path``, as a ``Path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": net.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if history is not None:
        state["history"] = history.as_dict()
    torch.save(state, path)
    return path


def load_checkpoint(path: str | Path, net: nn.Module,
                    optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device | None = None) -> History | None:
    """Load weights (and optimizer state) saved by ``save_checkpoint``; return the history.

    Args:
        path: a file written by ``save_checkpoint``.
        net: a model of the same architecture; its weights are replaced.
        optimizer: given the saved optimizer state too, when there is one.
        map_location: where to load the tensors (None: the CPU).

    Returns:
        The saved ``History``, or None when none was saved.
    """
    state = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    net.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return History(**state["history"]) if "history" in state else None
