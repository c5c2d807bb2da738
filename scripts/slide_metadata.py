"""Give every chapter slide metadata for JupyterLab's slideshow (jupyterlab-rise, Alt+R).

A teacher presents a notebook as slides with live cells and widgets. The
slides follow the notebook's own structure:

* the title (``#``) and every section heading (``##``) start a slide,
* every subsection heading (``###``) starts a sub-slide (below its section's),
* every check -- a code cell that states a claim (``claim(...)``), asserts, or prints a ✓ line -- is a fragment:
  the teacher shows the idea first, then reveals that it was checked,
* a code cell that shows a tall figure (``FIGURE_PX`` or more) starts a sub-slide, a check too
  (the same key reveals it), unless it follows a short heading cell; the markdown cell after it
  starts one as well: at 1280x720 a slide shows about 680 px, and a figure below a paragraph
  or two was below the edge (issue 25),
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
import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import write_text  # noqa: E402

# RISE's per-notebook settings: long slides scroll instead of being cut off at the bottom.
RISE_SETTINGS = {"scroll": True}
# A figure this tall (px, as saved) gets a sub-slide of its own: with its code and a heading it
# still fits the ~680 px a slide has at 1280x720; below a paragraph or two it did not.
FIGURE_PX = 300
# A heading cell of at most this many characters leaves room for a tall figure below it.
SHORT_HEADING_CHARS = 300
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


def figure_height(cell: dict) -> int:
    """The height in px of the tallest PNG figure among the cell's saved outputs (0: none)."""
    heights = [0]
    for output in cell.get("outputs", []):
        png = output.get("data", {}).get("image/png")
        if not png:
            continue
        shown = output.get("metadata", {}).get("image/png", {}).get("height")
        if shown:
            heights.append(int(shown))
        else:  # the PNG header: 8-byte signature, IHDR length and type, width, height
            header = base64.b64decode(_text(png).replace("\n", "")[:32])
            heights.append(int.from_bytes(header[20:24], "big"))
    return max(heights)


def _heading_type(cell: dict, index: int) -> str | None:
    first_line = _text(cell["source"]).lstrip().split("\n", 1)[0]
    if cell["cell_type"] == "markdown":
        if index == 0 or first_line.startswith(("# ", "## ")):
            return "slide"
        if first_line.startswith("### "):
            return "subslide"
    return None


def _tall_figure(cell: dict) -> bool:
    return cell["cell_type"] == "code" and figure_height(cell) >= FIGURE_PX


def slide_type(cell: dict, index: int, previous: dict | None = None) -> str:
    """The cell's slide type by the rules above (``previous``: the cell before it, if any)."""
    heading = _heading_type(cell, index)
    if heading:
        return heading
    if previous is not None and index > 0:
        if _tall_figure(cell) and not (_heading_type(previous, index - 1)
                                       and len(_text(previous["source"])) <= SHORT_HEADING_CHARS):
            return "subslide"
        if cell["cell_type"] == "markdown" and _tall_figure(previous):
            return "subslide"
    if is_check(cell):
        return "fragment"
    return "-"


def slide_types(cells: list[dict]) -> list[str]:
    """Every cell's slide type."""
    return [slide_type(cell, index, cells[index - 1] if index else None)
            for index, cell in enumerate(cells)]


def with_slides(notebook: dict) -> dict:
    """The notebook with slide metadata on every cell and RISE's settings (a new dict)."""
    notebook = json.loads(json.dumps(notebook))
    for cell, kind in zip(notebook["cells"], slide_types(notebook["cells"])):
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = kind
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
        counts = Counter(slide_types(json.loads(new)["cells"]))
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
