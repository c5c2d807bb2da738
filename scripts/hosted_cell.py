"""Put the hosted-Jupyter cell first among every chapter's code cells (Colab, Kaggle, JupyterHub).

A notebook opened alone on a hosted Jupyter has no ``cnn_helpers``: this cell then says so in one
line, installs the course's package from ``CNN_COURSE_SOURCE`` (else ``SOURCE`` below) and d2l
without its pins, and fetches Fashion-MNIST (MD5-checked; the chapters fall back to the offline
digits if that fails). Where ``cnn_helpers`` imports -- ``make lab``, ``make test`` -- it prints
nothing and changes nothing. The cell is the same in every notebook (``tests/test_hosted.py``);
this script is the one place it is written:

    python scripts/hosted_cell.py notebooks/*.ipynb          # insert it, or bring it up to date
    python scripts/slide_metadata.py notebooks/*.ipynb       # then its slide metadata

Only the cell changes: other cells, outputs and metadata stay as they are (nothing is executed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import write_text  # noqa: E402

# The course has no public address yet: this placeholder is where its repository (or a package
# name on an index) goes once it has one. Until then set CNN_COURSE_SOURCE (README, "Colab,
# Kaggle, JupyterHub") to a git URL, a wheel's URL or path, or a package name.
SOURCE = "git+https://github.com/COURSE-OWNER/cnn-course.git"
SOURCE_VARIABLE = "CNN_COURSE_SOURCE"
CELL_ID = "hosted-setup"
MARK = "# Colab, Kaggle, JupyterHub:"
CELL = f"""{MARK} installs the course's helpers if they are missing (README, same heading)
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("cnn_helpers") is None:
    source = os.environ.get("{SOURCE_VARIABLE}", "{SOURCE}")
    print(f"cnn_helpers is not installed here: installing it from {{source}}, then Fashion-MNIST")
    for package in ([source], ["--no-deps", "d2l==1.0.3"]):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *package], check=True)
    subprocess.run([sys.executable, "-m", "cnn_helpers.core.data", "download"])
    importlib.invalidate_caches()"""


def first_code_cell(notebook) -> int | None:
    """The index of the notebook's first code cell (None when it has none)."""
    return next((i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"), None)


def put_cell(path: Path) -> bool:
    """Make the hosted cell the first code cell of the notebook at ``path``; whether it changed.
    Raises ``ValueError`` when the notebook has no code cell (nowhere to put it)."""
    notebook = nbformat.read(path, as_version=4)
    index = first_code_cell(notebook)
    if index is None:
        raise ValueError(f"{path} has no code cell: the hosted cell goes before the first one")
    cell = notebook.cells[index]
    if cell.source.startswith(MARK):
        if cell.source == CELL:
            return False
        cell.source = CELL
    else:
        new = nbformat.v4.new_code_cell(CELL)
        new.id = CELL_ID
        notebook.cells.insert(index, new)
    write_text(path, nbformat.writes(notebook).rstrip("\n") + "\n")  # as nbformat.write
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    arguments = parser.parse_args(argv)
    try:
        changed = [path.name for path in arguments.notebooks if put_cell(path)]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"hosted cell written into {len(changed)} notebook(s): {', '.join(changed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
