"""Execute notebooks top to bottom in a fresh kernel and save them with their outputs.

    python scripts/execute_notebooks.py notebooks/01_convolution.ipynb [...]
    python scripts/execute_notebooks.py --check notebooks/*.ipynb   # run, write nothing
    python scripts/execute_notebooks.py --verify notebooks/*.ipynb  # stamps only (seconds)

The profile comes from CNN_PROFILE (``make execute`` sets ``class``, the
profile whose outputs we commit). Each notebook runs in its own directory,
as in JupyterLab, and is written back only if every cell succeeded, with a
stamp in its metadata (``cnn_course``): the profile, the data set and a
hash of its cells' sources. ``--verify`` (the pre-commit hook, and a unit
test) checks that every stamp says class profile on Fashion-MNIST and
matches the sources: a notebook edited after its run, or run in another
profile or on the offline digits, is refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import atomic_file  # noqa: E402

COMMITTED_PROFILE, COMMITTED_DATA = "class", "fashion_mnist"


def sources_hash(notebook) -> str:
    """SHA-256 of the cells' kinds and sources, in order (outputs and metadata excluded)."""
    cells = [[cell["cell_type"], "".join(cell["source"])] for cell in notebook["cells"]]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def data_key() -> str:
    """The data set a kernel started now would train on: what ``load_data`` finds."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cnn_helpers.core import data

    return data.load_data(download_if_missing=False).key


def stamp_problem(path: Path) -> str | None:
    """Why the committed ``path`` is not a class-profile run of its sources on Fashion-MNIST
    (None when it is)."""
    notebook = json.loads(path.read_text())
    stamp = notebook["metadata"].get("cnn_course")
    if not stamp:
        return f"{path.name}: no execution stamp; run `make execute` (or this script) on it"
    if (stamp.get("profile"), stamp.get("data")) != (COMMITTED_PROFILE, COMMITTED_DATA):
        return (f"{path.name}: executed in the {stamp.get('profile')} profile on "
                f"{stamp.get('data')}; commit it executed in the {COMMITTED_PROFILE} profile on "
                f"{COMMITTED_DATA} (CNN_DATA_DIR pointing at the real Fashion-MNIST)")
    if stamp.get("sources") != sources_hash(notebook):
        return f"{path.name}: edited after it was executed; re-execute it"
    return None


def peak_gflops() -> float:
    """This machine's 2-thread float32 matmul GFLOP/s (``benchmarks/throughput.py``), in a child
    process so the notebooks' kernels are not slowed by this one's threads."""
    import subprocess

    code = ("import sys; sys.path.insert(0, 'benchmarks'); import torch; torch.set_num_threads(2); "
            "from throughput import peak_gflops; print(peak_gflops())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    return float(done.stdout.strip()) if done.returncode == 0 else float("nan")


def execute(path: Path, timeout: int = 1200, write: bool = True, data: str | None = None,
            peak: float | None = None) -> tuple[float, float | None]:
    """Run ``path`` top to bottom in a fresh kernel; (seconds, the machine's matmul GFLOP/s).

    Given the ``peak`` measured just before, the peak is measured again just after and the
    mean of the two is stamped (a shared machine's speed drifts; one short measurement taken in
    a busy moment once scaled a run by half)."""
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
    seconds = time.perf_counter() - start
    if peak is not None:
        peak = (peak + peak_gflops()) / 2
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                       "language": "python", "name": "python3"}
    notebook.metadata["cnn_course"] = {"profile": os.environ["CNN_PROFILE"], "data": data,
                                       "sources": sources_hash(notebook)}
    if peak is not None:  # how long Run All took, and on how fast a machine (README's table)
        notebook.metadata["cnn_course"] |= {"seconds": round(seconds, 1),
                                            "peak_gflops": round(peak, 1)}
    if write:  # replaced whole: a Ctrl-C while writing leaves the notebook as it was
        with atomic_file(path, "w") as file:
            nbformat.write(notebook, file)
    return seconds, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="execute, report times, write nothing")
    mode.add_argument("--verify", action="store_true", help="only check the stamps")
    args = parser.parse_args(argv)
    if args.verify:
        problems = [problem for path in args.notebooks if (problem := stamp_problem(path))]
        print("\n".join(problems) or f"{len(args.notebooks)} notebooks: class-profile runs of "
              "their sources on Fashion-MNIST")
        return 1 if problems else 0
    os.environ.setdefault("CNN_PROFILE", "class")
    data = data_key()
    failed, total = False, 0.0
    for path in args.notebooks:
        peak = peak_gflops()  # per notebook: a machine's speed drifts with its load
        try:
            seconds, peak = execute(path, write=not args.check, data=data, peak=peak)
        except CellExecutionError as error:
            print(f"FAILED {path}: {str(error)[:2000]}", flush=True)
            failed = True
            continue
        total += seconds
        done = "ran" if args.check else "executed"
        size = "" if args.check else f", {path.stat().st_size / 1e6:.2f} MB"
        print(f"{done} {path} in {seconds:.0f} s ({os.environ['CNN_PROFILE']} profile, "
              f"{data}{size}; peak {peak:.0f} GFLOP/s: {seconds * peak / 140:.0f} s on the "
              "reference laptop)", flush=True)
    print(f"{'FAILED' if failed else 'all passed'}: {len(args.notebooks)} notebooks, "
          f"{total:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
