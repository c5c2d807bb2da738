"""The README's results table, written from the measurements, never typed in.

    python scripts/results_table.py            # print the table (markdown)
    python scripts/results_table.py --check    # exit 1 if README.md's table differs

One row per class-profile run of ``benchmarks/results/class_profile.json``: the settings
and recipe, the last epoch's test accuracy of each seed, the book's printed figure, the
seconds of training, and the whole notebook's Run All time from the notebook's stamp
(``scripts/execute_notebooks.py``). Times are given as measured and scaled to the
reference 2-core laptop (seconds x the machine's measured peak / 140 GFLOP/s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cnn_helpers import chapters  # noqa: E402

REFERENCE_GFLOPS = 140.0
BEGIN, END = "<!-- results table: scripts/results_table.py -->", "<!-- end of results table -->"


def _sizes(settings: dict) -> str:
    parts = []
    if settings.get("width", 1) != 1:
        parts.append(f"width {settings['width']:g}")
    parts.append(f"{settings.get('resize') or 28}²")
    parts.append(f"{settings['epochs']} epochs, batch {settings['batch_size']}, lr {settings['lr']:g}")
    return ", ".join(parts)


def notebook_seconds(notebook: str) -> tuple[float, float] | None:
    """(seconds, peak GFLOP/s) of the notebook's last ``make execute``, from its stamp."""
    path = ROOT / "notebooks" / f"{notebook}.ipynb"
    stamp = json.loads(path.read_text())["metadata"].get("cnn_course", {})
    if "seconds" not in stamp or not stamp.get("peak_gflops"):
        return None
    return stamp["seconds"], stamp["peak_gflops"]


def table(results: dict) -> str:
    """The markdown table. Raises ``ValueError`` for a results file with no runs."""
    if not results.get("runs"):
        raise ValueError("class_profile.json holds no runs: run benchmarks/class_profile.py")
    lines = ["| chapter | class run | recipe | last epoch, seeds 0/1/2 | book (GPU) | training s "
             "(reference) | notebook s (reference) |", "|---|---|---|---|---|---|---|"]
    for run in chapters.trained_runs():
        found = sorted((r for r in results["runs"] if r["chapter"] == run.key), key=lambda r: r["seed"])
        if not found:
            continue
        chapter = chapters.CHAPTER_OF[run.key]
        settings = found[0]["settings"]
        accuracy = " / ".join(f"{r['history']['test_acc'][-1]:.3f}" for r in found)
        book = run.book_accuracy
        reached = "" if book is None else (" ✓" if min(r["history"]["test_acc"][-1] for r in found)
                                            >= book else " ✗")
        seconds = statistics.fmean(r["seconds"] for r in found)
        reference = statistics.fmean(r.get("reference_seconds", float("nan")) for r in found)
        timed = notebook_seconds(chapter.notebook) if chapter.main_run is run else None
        whole = ("(in chapter {})".format(chapter.number) if chapter.main_run is not run else
                 "-" if timed is None else f"{timed[0]:.0f} ({timed[0] * timed[1] / REFERENCE_GFLOPS:.0f})")
        lines.append(f"| {chapter.number} {run.title} | {_sizes(settings)} | "
                     f"{settings.get('recipe', {}).get('name', 'book')} | {accuracy}{reached} | "
                     f"{book if book is not None else '-'} | {seconds:.0f} ({reference:.0f}) | {whole} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with README.md's table")
    args = parser.parse_args(argv)
    results = json.loads((ROOT / "benchmarks" / "results" / "class_profile.json").read_text())
    made = table(results)
    if not args.check:
        print(made)
        return 0
    readme = (ROOT / "README.md").read_text()
    if BEGIN not in readme or END not in readme:
        print(f"README.md has no results table between {BEGIN} and {END}")
        return 1
    current = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    if current != made:
        print("README.md's results table differs from the measurements: run "
              "`python scripts/results_table.py` and paste its table between the markers")
        return 1
    print("README.md's results table matches benchmarks/results/class_profile.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
