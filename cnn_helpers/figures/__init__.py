"""Figures for ``images/``, drawn by code so anyone can regenerate or fix them.

Every module that draws figures has a ``draw_all(directory, language="en")`` function that
writes its PNG files and returns their paths: each chapter's own
``chapters/chNN_*/figures.py`` and, here, ``architectures`` (every net's
diagram, laid out by ``architecture`` and ``architecture_layout``).

Each figure comes in two languages, from the same code: English in ``images/``, Chinese
(the Chinese edition's) in ``images/zh/`` under the same file name, its texts in TERMINOLOGY.md's
terms and drawn in a CJK font of the system (``cnn_helpers.core.figure_language``: without one,
an error says what to install).

    python -m cnn_helpers.figures [DIRECTORY] [--language en|zh|both]

(or ``make figures``) redraws every one: both languages unless ``--language`` says one,
into ``DIRECTORY`` (default ``images``) and ``DIRECTORY/zh``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from cnn_helpers.core.figure_language import FOLDERS, cjk_font
from cnn_helpers.core.language import LANGUAGES


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


def draw_everything(directory: str | Path = "images",
                    languages: Iterable[str] = LANGUAGES) -> list[Path]:
    """Redraw every figure of every chapter in each of ``languages``: English into
    ``directory``, Chinese into ``directory/zh``; returns the files written.

    Raises:
        ValueError: for a language other than "en" or "zh".
        MissingFontError: Chinese asked for, and the system has no CJK font (before any
            figure is written).
    """
    import matplotlib

    matplotlib.use("Agg")
    languages = list(languages)
    unknown = [language for language in languages if language not in LANGUAGES]
    if unknown:
        raise ValueError(f"figures are drawn in {' or '.join(LANGUAGES)}, not {unknown}")
    if "zh" in languages:
        cjk_font()  # no font: say so before drawing anything
    written = []
    for language in languages:
        folder = Path(directory) / FOLDERS[language]
        folder.mkdir(parents=True, exist_ok=True)
        for module in figure_modules():
            written.extend(module.draw_all(folder, language))
    return written
