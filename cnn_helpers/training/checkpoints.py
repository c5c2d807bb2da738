"""Saving a run after each epoch and loading it back (chapter 3's checkpoints).

A checkpoint is written atomically (``core.files.atomic_file``): a Ctrl-C while it is
written leaves the previous checkpoint whole. ``load_checkpoint`` reads with
``weights_only=True`` only -- it never unpickles code -- and names what a file is when it
is not one of the course's checkpoints: a plain ``state_dict`` (the book's
``torch.save(net.state_dict(), path)``) loads; a pickled whole net, a web page, a cut-off
or random file is a ``CheckpointError`` that says what to do.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import torch
from torch import nn

from cnn_helpers.core.files import atomic_file
from cnn_helpers.training.history import History


class CheckpointError(ValueError):
    """A file ``load_checkpoint`` cannot use, with what it is and what to do."""


def save_checkpoint(path: str | Path, net: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    history: History | None = None) -> Path:
    """Save state_dicts (never pickled modules) so ``load_checkpoint`` can use weights_only.

    The file is replaced in one step: interrupted, the old checkpoint stays as it was.

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
    with atomic_file(path, "wb") as file:
        torch.save(state, file)
    return path


def _what_the_file_is(path: Path) -> str:
    """A short description of a file that is not a readable checkpoint, from its first bytes."""
    size = path.stat().st_size
    with open(path, "rb") as file:
        start = file.read(512)
    text = start.lstrip().lower()
    if size == 0:
        return "an empty file"
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        return (f"a web page ({size:,} bytes of HTML), not a PyTorch file: the link saved the "
                "page around the file; download the file itself (on GitHub: the 'raw' link)")
    if start.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(path):
            return (f"a PyTorch file cut off after {size:,} bytes (its archive is incomplete: "
                    "an interrupted save or download); save or download it again")
        return "a PyTorch file"
    if start[:1] == b"\x80" or start.startswith(b"\x8a\x0a"):
        return (f"a file in PyTorch's old format ({size:,} bytes); load it in the program that "
                "made it and save net.state_dict() again")
    return (f"not a PyTorch file ({size:,} bytes that are neither a PyTorch archive nor "
            "text it knows); check that it is the file you meant")


def _read(path: Path, map_location) -> object:
    """``torch.load(weights_only=True)`` with its failures turned into ``CheckpointError``s."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: "
                                + ("it is a folder" if path.exists() else "there is no such file"))
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:  # weights_only refused something, or no pickle
        what = _what_the_file_is(path)
        if what == "a PyTorch file":
            found = re.search(r"Unsupported global: GLOBAL (\S+)", str(error))
            raise CheckpointError(
                f"{path} holds pickled Python objects ({found[1] if found else 'code'}), not only tensors: "
                "probably a whole net saved with torch.save(net). The course loads only "
                "tensors, since unpickling can run any code. In the program that saved it, "
                "save torch.save(net.state_dict(), path) (or save_checkpoint(path, net)) and "
                "load that") from None
        raise CheckpointError(f"{path} is {what}") from None
    except Exception as error:  # noqa: BLE001 -- garbage can fail in any way inside the unpickler
        # (random bytes that begin like a legacy pickle end in an IndexError there, for one)
        what = _what_the_file_is(path)
        raise CheckpointError(f"{path} is {what}" + ("" if what != "a PyTorch file" else
                              f" that PyTorch cannot read ({error})")) from None


def _is_state_dict(state: object) -> bool:
    return isinstance(state, dict) and bool(state) and all(
        isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in state.items())


def load_checkpoint(path: str | Path, net: nn.Module,
                    optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device | None = None) -> History | None:
    """Load weights (and optimizer state) saved by ``save_checkpoint``; return the history.

    Also loads a plain ``state_dict`` (``torch.save(net.state_dict(), path)``, the book's
    way), which has no optimizer state and no history.

    Args:
        path: a file written by ``save_checkpoint``, or a saved ``state_dict``.
        net: a model of the same architecture; its weights are replaced.
        optimizer: given the saved optimizer state too, when there is one.
        map_location: where to load the tensors (None: the CPU).

    Returns:
        The saved ``History``, or None when none was saved.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: (a ValueError) the file is cut off, not a PyTorch file
            (a web page, random bytes), a pickled whole net (never unpickled: the course
            loads with ``weights_only=True`` only), or holds no weights.
        RuntimeError: PyTorch's, naming the layers, when the weights belong to another net.
    """
    path = Path(path)
    state = _read(path, map_location or "cpu")
    if _is_state_dict(state):  # the book's torch.save(net.state_dict(), path)
        net.load_state_dict(state)
        return None
    if not (isinstance(state, dict) and _is_state_dict(state.get("model"))):
        kind = (f"a dict with keys {', '.join(map(repr, list(state)[:6]))}"
                if isinstance(state, dict) else f"a {type(state).__name__}")
        raise CheckpointError(
            f"{path} holds {kind}, not a net's weights: load_checkpoint takes a file written by "
            "save_checkpoint(path, net) or torch.save(net.state_dict(), path)")
    net.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return History(**state["history"]) if "history" in state else None
