"""Figures for ``images/``, drawn by code so anyone can regenerate or fix them.

Every module that draws figures has a ``draw_all(directory)`` function that
writes its PNG files and returns their paths: each chapter's own
``chapters/chNN_*/figures.py`` and, here, ``architectures`` (every net's
diagram, laid out by ``architecture`` and ``architecture_layout``).
``python -m cnn_helpers.figures images`` (or ``make figures``) redraws every one.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from types import ModuleType


def figure_modules() -> list[ModuleType]:
    """Every module with a ``draw_all``: the chapters' ``figures`` modules, in chapter order,
    then ``cnn_helpers.figures.architectures``."""
    from cnn_helpers import chapters

    found = []
    for info in sorted(pkgutil.iter_modules(chapters.__path__), key=lambda m: m.name):
        if info.ispkg and importlib.util.find_spec(f"{chapters.__name__}.{info.name}.figures"):
            found.append(importlib.import_module(f"{chapters.__name__}.{info.name}.figures"))
    found.append(importlib.import_module(f"{__name__}.architectures"))
    return found


def draw_everything(directory: str | Path = "images") -> list[Path]:
    """Redraw every figure of every chapter into ``directory``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for module in figure_modules():
        written.extend(module.draw_all(directory))
    return written
