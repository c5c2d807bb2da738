"""Execute notebooks top to bottom in a fresh kernel and save them with their outputs.

    python scripts/execute_notebooks.py notebooks/01_convolution.ipynb [...]

The profile comes from CNN_PROFILE (``make execute`` sets ``class``, the
profile whose outputs we commit). Each notebook runs in its own directory,
as in JupyterLab, and is written back only if every cell succeeded.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(path: Path, timeout: int = 1200) -> float:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # a truly fresh run: no stale outputs or counts
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    start = time.perf_counter()
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                       "language": "python", "name": "python3"}
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(paths: list[str]) -> int:
    os.environ.setdefault("CNN_PROFILE", "class")
    failed = False
    for name in paths:
        path = Path(name)
        try:
            seconds = execute(path)
        except CellExecutionError as error:
            print(f"FAILED {path}: {str(error)[:2000]}")
            failed = True
            continue
        size = path.stat().st_size / 1e6
        print(f"executed {path} in {seconds:.0f} s ({os.environ['CNN_PROFILE']} profile, {size:.2f} MB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
