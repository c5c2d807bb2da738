"""The reader's language (English or Chinese) and what the course prints in it.

The course has two editions built from one source: ``notebooks/NN_topic.ipynb`` (English, the
executed reference) and ``notebooks/zh/NN_topic.ipynb`` (Chinese: the same code cells, the
markdown from ``translations/zh/NN_topic.md``; ``scripts/translations.py`` builds them). The code
is the same in both, so the language is not written in it: it is chosen by

1. ``CNN_LANG`` (``en`` or ``zh``), when set: a teacher's or a test's choice;
2. else the notebook's folder: a kernel that Jupyter started for a notebook in a folder named
   ``zh`` (``JPY_SESSION_NAME``, which Jupyter sets, or the kernel's working folder, which
   Jupyter sets to the notebook's) speaks Chinese;
3. else English.

What the course *says* -- claim lines (``claim``, ``verdict``), check messages, exercise
feedback, widget labels and messages -- goes through ``tr``: an English line is looked up in the
language's message table (``cnn_helpers/core/messages_zh.toml``: a table of data, not code),
where each entry is an English template with ``{}`` for every value and the translation with
``{0}``, ``{1}``, ... for the values in the English order. Numbers and code identifiers stay as they are. A line with no entry is
printed in English; ``tests/test_translations.py`` makes sure every line the code can print has
one.
"""

from __future__ import annotations

import functools
import os
import re
import string
import tomllib
from pathlib import Path

LANGUAGES = ("en", "zh")
VARIABLE = "CNN_LANG"
CHINESE_FOLDER = "zh"  # notebooks/zh/, classroom/zh/: the Chinese edition's notebooks


def current_language() -> str:
    """``"en"`` or ``"zh"``: ``CNN_LANG`` if set, else ``"zh"`` for a notebook in a ``zh`` folder.

    Raises:
        ValueError: for a ``CNN_LANG`` other than ``en`` or ``zh`` (with the allowed values).
    """
    chosen = os.environ.get(VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in LANGUAGES:
            raise ValueError(f"{VARIABLE}={chosen!r}: the course speaks {' or '.join(LANGUAGES)}; "
                             f"unset it for the notebook's own language")
        return chosen
    session = os.environ.get("JPY_SESSION_NAME", "")  # the notebook's path, set by Jupyter
    if session:
        return "zh" if Path(session).parent.name == CHINESE_FOLDER else "en"
    return "zh" if Path.cwd().name == CHINESE_FOLDER else "en"


def _template(english: str, greedy: bool = False) -> re.Pattern[str]:
    """``"ends {} above the {}-layer one"`` -> a pattern that captures each ``{}`` (shortest
    values first; ``greedy``: longest)."""
    parts = english.split("{}")
    value = "(.*)" if greedy else "(.*?)"
    return re.compile("".join(re.escape(p) + value for p in parts[:-1]) + re.escape(parts[-1])
                      + r"\Z", re.DOTALL)


def _balanced(value: str) -> bool:
    """Whether ``value`` opens and closes its brackets alike: a value cut inside "(1, 256, 8, 8)"
    at one of its commas is not."""
    return all(value.count(a) == value.count(b) for a, b in ("()", "[]", "{}"))


@functools.lru_cache(maxsize=None)
def messages(language: str) -> dict[str, str]:
    """English template -> translation, as ``messages_<language>.toml`` next to this module
    has them ({} for English).

    Raises:
        ValueError: for a language with no table, or a table TOML cannot read (with why).
    """
    if language == "en":
        return {}
    path = Path(__file__).with_name(f"messages_{language}.toml")
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ValueError(f"no message table for language {language!r} ({path.name})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path.name} is not valid TOML: {error}") from None


@functools.lru_cache(maxsize=None)
def table(language: str) -> tuple[tuple[tuple[re.Pattern[str], ...], str, str], ...]:
    """The message table of ``language``: ((shortest-value pattern, longest-value pattern),
    English template, translation) per entry, the most specific (longest literal text) first,
    so a general entry never shadows a special one. English has none: its lines are the
    templates themselves."""
    entries = sorted(messages(language).items(), key=lambda item: -len(item[0].replace("{}", "")))
    return tuple(((_template(english), _template(english, greedy=True)), english, chinese)
                 for english, chinese in entries)


def placeholders(english: str) -> int:
    """How many ``{}`` an English template has."""
    return english.count("{}")


def fields(translation: str) -> set[int]:
    """The numbered fields ``{0}``, ``{1}`` ... a translation uses."""
    return {int(name) for _, name, _, _ in string.Formatter().parse(translation)
            if name not in (None, "") and name.isdigit()}


def tr(text: str, language: str | None = None) -> str:
    """``text`` (one English line or paragraph the course prints) in ``language``.

    Args:
        text: the English text, its values already filled in.
        language: "en" or "zh" (None: ``current_language()``).

    Returns:
        The translation with the same values (each value translated too when it is itself an
        entry, such as a design's name), or ``text`` unchanged when the language is English
        or its table has no entry for it.
    """
    language = language or current_language()
    if language == "en" or not text:
        return text
    for patterns, _, translation in table(language):
        matches = [found for found in (pattern.match(text) for pattern in patterns) if found]
        if not matches:
            continue
        # values that keep their brackets whole: "(1, 256, 8, 8)" is one value, not cut at ", "
        found = next((m for m in matches if all(map(_balanced, m.groups()))), matches[0])
        # a value may be a phrase of its own ("global average pooling"): translated too
        return translation.format(*(tr(value, language) for value in found.groups()))
    return text


def after_label(label: str, text: str) -> str:
    """``label`` then ``text``: a space after an English colon, none after a full-width one
    ("not so here: x", "此处并非如此：x")."""
    return f"{label}{'' if label[-1:] in '：，。；' else ' '}{text}"
