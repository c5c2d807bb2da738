"""The language of the course's figures: English, or Chinese drawn with a CJK font of the system.

The figures in ``images/`` (English) and ``images/zh/`` (Chinese, the same file names) are drawn
by the same code: every function that draws one takes ``language`` ("en", the default, or "zh")
and writes each text as ``label(language, english, chinese)``, the two side by side.
``drawing_in(language)`` is the context a figure is drawn and saved in (``@drawn_in_language``
puts a whole drawing function in it): for Chinese, matplotlib draws with DejaVu Sans, its own
font and the English figures', then the first of ``CJK_FONTS`` the system has (``cjk_font``) for
every character DejaVu Sans lacks -- the Chinese, its full-width punctuation -- so digits, shapes
and signs (3×3, ⋆, 0·0) look as in the English figure; for English nothing changes.

Matplotlib's own fonts have no Chinese glyphs: without a CJK font it would draw empty boxes and
only warn. So a missing CJK font is an error that says what to install (``MissingFontError``),
never a quiet fallback. Matplotlib lists the system's fonts once, in a cache; a font installed
after that is found too (``installed_fonts`` reads the system's font folders again when none of
``CJK_FONTS`` is in the cache).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from cnn_helpers.core.language import LANGUAGES

# Chinese (Simplified) sans-serif fonts, the best first: Linux (fonts-noto-cjk, Adobe's
# Source Han Sans, WenQuanYi), Windows (Microsoft YaHei, SimHei), macOS (PingFang SC).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
             "SimHei", "WenQuanYi Micro Hei")
LATIN_FONT = "DejaVu Sans"  # matplotlib's own: Latin letters, digits and signs, as in English
FOLDERS = {"en": "", "zh": "zh"}  # where each language's figures go, under images/


class MissingFontError(RuntimeError):
    """No CJK font to draw the Chinese figures with."""


def label(language: str, english: str, chinese: str) -> str:
    """The text of a figure in ``language``: ``english`` or ``chinese``.

    Raises:
        ValueError: for a language other than "en" or "zh".
    """
    if language not in LANGUAGES:
        raise ValueError(f"figures are drawn in {' or '.join(LANGUAGES)}, not {language!r}")
    return chinese if language == "zh" else english


def installed_fonts(rescan: bool = False) -> set[str]:
    """The names of the fonts matplotlib can use.

    Args:
        rescan: also read the system's font folders, adding fonts installed after matplotlib
            built its font cache (every face of a .ttc collection).
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    if rescan:
        known = {entry.fname for entry in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError):  # a file FreeType cannot read
                    continue
    return {entry.name for entry in manager.ttflist}


def cjk_font() -> str:
    """The first of ``CJK_FONTS`` the system has.

    Raises:
        MissingFontError: when it has none (the sentence says what to install).
    """
    for rescan in (False, True):
        names = installed_fonts(rescan)
        for name in CJK_FONTS:
            if name in names:
                return name
    raise MissingFontError(
        "The Chinese figures need a Chinese (CJK) font, and matplotlib finds none of "
        f"{', '.join(CJK_FONTS)}. Install one and run again: on Debian or Ubuntu "
        "`sudo apt install fonts-noto-cjk`, on Fedora `sudo dnf install google-noto-sans-cjk-fonts`, "
        "on Windows or macOS the system's Microsoft YaHei or PingFang SC (or Noto Sans CJK SC "
        "from https://github.com/notofonts/noto-cjk).")


@contextmanager
def drawing_in(language: str = "en") -> Iterator[None]:
    """Draw and save a figure inside this: Chinese text gets the CJK font, English is as ever.

    Raises:
        ValueError: for a language other than "en" or "zh".
        MissingFontError: Chinese, and the system has no CJK font.
    """
    label(language, "", "")  # checks the language
    if language == "en":
        yield
        return
    import matplotlib

    with matplotlib.rc_context({"font.family": [LATIN_FONT, cjk_font()]}):
        yield


Draw = TypeVar("Draw", bound=Callable)


def drawn_in_language(draw: Draw) -> Draw:
    """Decorator: ``draw(..., language=...)`` runs ``drawing_in(language)`` ("en" by default)."""

    @functools.wraps(draw)
    def in_language(*args, language: str = "en", **options):
        with drawing_in(language):
            return draw(*args, language=language, **options)
    return in_language  # type: ignore[return-value]
