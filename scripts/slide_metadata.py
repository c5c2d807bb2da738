"""Give every chapter slide metadata for JupyterLab's slideshow (jupyterlab-rise, Alt+R).

A teacher presents a notebook as slides with live cells and widgets. The
slides follow the notebook's own structure:

* the title (``#``) and every section heading (``##``) start a slide,
* every subsection heading (``###``) starts a sub-slide (below its section's),
* every check -- a code cell that states a claim (``claim(...)``), asserts, or prints a ✓ line -- is a fragment:
  the teacher shows the idea first, then reveals that it was checked,
* every other cell continues the slide it is on.

Only cell metadata (``slideshow.slide_type``) and the notebook's ``rise``
settings change: sources, outputs and execution counts stay byte for byte,
so nothing needs re-executing. ``--check`` changes nothing and fails when a
notebook's slides are not what these rules give (``tests/test_slides.py``).

    python scripts/slide_metadata.py notebooks/*.ipynb
    python scripts/slide_metadata.py --check notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import write_text  # noqa: E402

# RISE's per-notebook settings: long slides scroll instead of being cut off at the bottom.
RISE_SETTINGS = {"scroll": True}
CHECK = re.compile(r"^\s*assert\b|\u2713|\bcheck_\w+\(|\bclaim\(", re.MULTILINE)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value or ""


def is_check(cell: dict) -> bool:
    """A code cell that checks a claim: ``claim(...)``, an assert, a ``check_...`` helper, or a ✓."""
    if cell["cell_type"] != "code":
        return False
    printed = "".join(_text(output.get("text")) for output in cell.get("outputs", [])
                      if output.get("output_type") == "stream")
    return bool(CHECK.search(_text(cell["source"])) or printed.lstrip().startswith("\u2713"))


def slide_type(cell: dict, index: int) -> str:
    """The cell's slide type by the rules above."""
    first_line = _text(cell["source"]).lstrip().split("\n", 1)[0]
    if cell["cell_type"] == "markdown":
        if index == 0 or first_line.startswith(("# ", "## ")):
            return "slide"
        if first_line.startswith("### "):
            return "subslide"
    elif is_check(cell):
        return "fragment"
    return "-"


def with_slides(notebook: dict) -> dict:
    """The notebook with slide metadata on every cell and RISE's settings (a new dict)."""
    notebook = json.loads(json.dumps(notebook))
    for index, cell in enumerate(notebook["cells"]):
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = (
            slide_type(cell, index))
    notebook["metadata"]["rise"] = {**notebook["metadata"].get("rise", {}), **RISE_SETTINGS}
    return notebook


def dump(notebook: dict) -> str:
    """The notebook as nbformat writes it (so an unchanged notebook is byte-identical)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail if a notebook's slides differ from the rules")
    arguments = parser.parse_args(argv)
    stale = []
    for path in arguments.notebooks:
        text = path.read_text(encoding="utf-8")
        new = dump(with_slides(json.loads(text)))
        counts = Counter(slide_type(cell, index)
                         for index, cell in enumerate(json.loads(new)["cells"]))
        summary = (f"{path}: {counts['slide']} slides, {counts['subslide']} sub-slides, "
                   f"{counts['fragment']} checks as fragments")
        if new == text:
            print(f"{summary} (unchanged)")
        elif arguments.check:
            stale.append(str(path))
            print(f"{summary}: its slide metadata is out of date")
        else:
            write_text(path, new)  # replaced whole: interrupted, the notebook is as it was
            print(f"{summary} (written)")
    if stale:
        print("run: python scripts/slide_metadata.py " + " ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
