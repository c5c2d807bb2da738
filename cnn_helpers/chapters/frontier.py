"""How far a class run is from the book, where a few minutes cannot reach it: the frontier.

``benchmarks/frontier.py`` trains a chapter's class run for as many whole epochs as fit into 1,
2, 3 and 5 minutes of the reference 2-core laptop (140 GFLOP/s), one complete one-cycle run per
budget, and writes ``results/frontier.json``. ``show(key)`` prints that run's line per budget
against the book's printed accuracy; chapters 5 and 7 call it after their training.
"""

from __future__ import annotations

import json
import statistics

from cnn_helpers import core
from cnn_helpers.core.language import tr

RESULTS = core.RESULTS / "frontier.json"


def show(key: str, path=RESULTS) -> None:
    """Print the accuracy per budget for run ``key`` (mean over the seeds recorded, each seed's
    value in brackets) and how far each is from the book's figure. Prints a sentence, never
    raises, when the file or the run is missing."""
    try:
        results = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(tr(f"no frontier measured ({path.name}: {error}); run benchmarks/frontier.py"))
        return
    runs = [r for r in results.get("runs", []) if r["chapter"] == key]
    if not runs:
        print(tr(f"no frontier measured for {key}; run benchmarks/frontier.py --nets {key}"))
        return
    book = runs[0].get("book_accuracy")
    peak = runs[0].get("peak_gflops", results.get("peak_gflops", "?"))
    print(tr(f"{key}, the class run given more time (benchmarks/results/frontier.json, "
             f"{results.get('machine', {}).get('processor', '')} at {peak} "
             f"GFLOP/s, times scaled to the reference laptop):"))
    for minutes in dict.fromkeys(r["minutes"] for r in runs):
        same = [r for r in runs if r["minutes"] == minutes]
        last = [r["history"]["test_acc"][-1] for r in same]
        mean = statistics.fmean(last)
        seeds = ", ".join(f"seed {r['seed']} {a:.3f}" for r, a in zip(same, last))
        epochs = same[0]["epochs"]
        plural = "s" if epochs != 1 else ""
        print(tr(f"  {minutes:g} min ({epochs} epoch{plural}): {mean:.3f} ({seeds})") if book is None
              else tr(f"  {minutes:g} min ({epochs} epoch{plural}): {mean:.3f} ({seeds}); the "
                      f"book's {book}: {mean - book:+.3f}"))
