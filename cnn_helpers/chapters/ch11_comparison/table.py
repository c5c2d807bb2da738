"""Chapter 11: the course's networks side by side (卷积神经网络对比), one row per net.

Each ``Row`` joins the cheap columns (``columns``: recomputed from the
builders) and the measured ones (``measurements``: read from the results
files). The book's printed accuracies and the papers are citations, read
from each chapter's record (``Run.book_accuracy``, ``Chapter.paper``). The
nets compared are the runs whose record says ``compared=True``, plus any run
the results file holds, so a new chapter appears here without edits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnn_helpers.chapters import CHAPTER_OF, RUNS
from cnn_helpers.chapters.ch11_comparison.columns import CheapColumns, cheap_columns
from cnn_helpers.chapters.ch11_comparison.measurements import Measured, full_profile_entry, measured
from cnn_helpers.chapters.record import Paper
from cnn_helpers.core.profiles import RunSettings

if TYPE_CHECKING:
    import pandas as pd


def chapter_names(results: dict | None = None) -> list[str]:
    """The runs compared: those whose record says ``compared``, in chapter order, then any
    other run the class-profile ``results`` hold that no record knows (measured, but not
    buildable in this checkout)."""
    names = [run.key for run in RUNS.values() if run.compared]
    for run in (results or {}).get("runs", []):
        if run["chapter"] not in names and run["chapter"] not in RUNS:
            names.append(run["chapter"])
    return names


def title(chapter: str, results: dict | None = None) -> str:
    """The net's name for tables and plots (its record, else the results file)."""
    if chapter in RUNS:
        return RUNS[chapter].title
    for run in (results or {}).get("runs", []):
        if run["chapter"] == chapter:
            return run["title"]
    return chapter



@dataclass(frozen=True)
class Row:
    """One line of the comparison table; None where a column has no number."""

    chapter: str
    title: str
    paper: Paper | None
    book: CheapColumns | None  # the cheap columns of the book's configuration
    trained: CheapColumns | None  # the same for the net the class profile trained
    class_profile: Measured | None
    full_profile: dict | None
    book_accuracy: float | None


def comparison_rows(results: dict | None, full: dict | None = None,
                    chapters: list[str] | None = None) -> list[Row]:
    """The table: one ``Row`` per chapter of ``chapters`` (default ``chapter_names(results)``);
    the cheap columns recomputed here, the measured ones from ``results`` (class profile) and
    ``full`` (either may be None: no file)."""
    rows = []
    for chapter in chapters or chapter_names(results):
        record = RUNS.get(chapter)
        buildable = record is not None and record.build is not None
        found = measured(results, chapter)
        trained = (cheap_columns(chapter, RunSettings.from_dict(found.settings))
                   if buildable and found is not None else None)
        paper = CHAPTER_OF[chapter].paper if record is not None else None
        rows.append(Row(chapter, title(chapter, results), paper,
                        cheap_columns(chapter) if buildable else None, trained, found,
                        full_profile_entry(full, chapter),
                        record.book_accuracy if record is not None else None))
    return rows


def _millions(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e6:.2f} M"


def ideas_frame(rows: list[Row]) -> pd.DataFrame:
    """Each net's year and the idea the notes credit it with: a table of its own, so that the
    ideas read in full and the numbers' table stays one line a net at 1280x720."""
    import pandas as pd

    return pd.DataFrame({"year": [r.paper.year if r.paper else "-" for r in rows],
                         "idea (notes)": [r.paper.idea if r.paper else "-" for r in rows]},
                        index=pd.Index([r.title for r in rows], name="net"))


def table_frame(rows: list[Row]) -> pd.DataFrame:
    """The rows' numbers as a pandas DataFrame for the notebook (one column per quantity, '-'
    when there is no number; accuracies as fractions, the class profile's as mean and min-max);
    the years and ideas are ``ideas_frame``."""
    import pandas as pd

    def acc(m: Measured | None):
        return "-" if m is None else f"{m.mean:.3f} ({m.low:.3f}-{m.high:.3f})"

    data = {
        "input": [f"{r.book.image_size}²" if r.book else "-" for r in rows],
        "parameters": [_millions(r.book.parameters if r.book else None) for r in rows],
        "multiply-adds": [_millions(r.book.multiply_adds if r.book else None) for r in rows],
        "receptive field": [f"{r.book.receptive_field} px" if r.book else "-" for r in rows],
        "activations / image": [f"{r.book.activation_bytes / 2**20:.2f} MiB" if r.book else "-"
                                for r in rows],
        "class profile acc": [acc(r.class_profile) for r in rows],
        "full profile acc (GPU)": [f"{r.full_profile['test_acc']:.3f}" if r.full_profile else "-"
                                   for r in rows],
        "book acc": [f"{r.book_accuracy:.2f}" if r.book_accuracy is not None else "-"
                     for r in rows],
    }
    return pd.DataFrame(data, index=pd.Index([r.title for r in rows], name="net"))


def trained_frame(rows: list[Row]) -> pd.DataFrame:
    """The nets the class profile trained: their settings, size, cost and accuracy per seed."""
    import pandas as pd

    kept = [r for r in rows if r.class_profile is not None]
    return pd.DataFrame({
        "width": [r.class_profile.settings["width"] for r in kept],
        "input": [f"{r.trained.image_size}²" if r.trained else "-" for r in kept],
        "epochs": [r.class_profile.epochs for r in kept],
        "recipe": [r.class_profile.settings.get("recipe", {}).get("name", "book") for r in kept],
        "parameters": [_millions(r.class_profile.parameters) for r in kept],
        "multiply-adds": [_millions(r.trained.multiply_adds) if r.trained else "-" for r in kept],
        "last-epoch acc per seed": [" ".join(f"{a:.3f}" for a in r.class_profile.judged) for r in kept],
        "s / run": [f"{r.class_profile.seconds:.0f}" for r in kept],
    }, index=pd.Index([r.title for r in kept], name="net"))
