"""Which device to compute on: CUDA, then Apple MPS, then the CPU.

Used by every notebook's first cell (chapter 0, "check your machine").
d2l's ``try_gpu`` only knows CUDA; this one also finds Apple's MPS and
listens to the ``CNN_DEVICE`` environment variable (``cpu``, ``cuda``,
``cuda:1``, ``mps``), so a teacher can force the CPU for a demo.
"""

from __future__ import annotations

import os
import platform

import torch

DEVICE_VARIABLE = "CNN_DEVICE"


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def try_gpu(i: int = 0) -> torch.device:
    """Return ``cuda:i`` if it exists, else ``mps`` if available, else ``cpu``.

    ``CNN_DEVICE`` overrides the choice. Asking for a device that is not
    there raises ``ValueError`` with what *is* there, rather than failing
    later inside a training loop.
    """
    wanted = os.environ.get(DEVICE_VARIABLE, "").strip().lower()
    if wanted:
        return _requested_device(wanted)
    if torch.cuda.is_available() and i < torch.cuda.device_count():
        return torch.device(f"cuda:{i}")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _requested_device(wanted: str) -> torch.device:
    try:
        device = torch.device(wanted)
    except RuntimeError:
        raise ValueError(
            f"{DEVICE_VARIABLE}={wanted!r} is not a device name; use cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = device.index or 0
        if index >= count:
            raise ValueError(
                f"{DEVICE_VARIABLE}={wanted!r} but this machine has {count} CUDA device(s); "
                f"unset {DEVICE_VARIABLE} to let the course choose"
            )
    elif device.type == "mps" and not _mps_available():
        raise ValueError(f"{DEVICE_VARIABLE}={wanted!r} but Apple MPS is not available here")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{DEVICE_VARIABLE}={wanted!r}: the course supports cpu, cuda and mps")
    return device


def describe_device(device: torch.device | str | None = None) -> str:
    """One line saying what the course will compute on, for a notebook's first cell."""
    device = torch.device(device) if device is not None else try_gpu()
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        detail = f"{props.name}, {props.total_memory / 2**30:.0f} GiB"
    elif device.type == "mps":
        detail = f"Apple GPU ({platform.machine()})"
    else:
        detail = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    return f"device: {device} ({detail}); torch {torch.__version__}"
