"""Figures for ``images/``, drawn by code so anyone can regenerate or fix them.

Each chapter has a module here with a ``draw_all(directory)`` function that
writes its PNG files and returns their paths. ``python -m cnn_helpers.figures
images`` (or ``make figures``) redraws every one.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def chapter_modules():
    """The figure modules of this package, in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def draw_everything(directory: str | Path = "images") -> list[Path]:
    """Redraw every figure of every chapter into ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for module in chapter_modules():
        written.extend(module.draw_all(directory))
    return written
