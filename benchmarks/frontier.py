"""The frontier of a net that cannot reach the book's accuracy in a class: accuracy per minute.

    python benchmarks/frontier.py --nets vgg [--minutes 1 2 3 5] [--seeds 0] [--output PATH]

For each budget of minutes *on the reference 2-core laptop* (140 GFLOP/s), trains the
chapter's class run (net, batch, peak learning rate, the class recipe) for as many whole
epochs as fit in that budget -- the one-cycle schedule spread over those epochs, so each
budget is a complete run, not a stopped one -- and prints the last epoch's test accuracy
against the book's figure. The epochs per budget come from a first epoch's measured time,
scaled to the reference by this machine's measured matmul peak
(``throughput.peak_gflops``). Writes ``benchmarks/results/frontier.json``; the README and
the chapters quote it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import torch  # noqa: E402

from benchmarks.class_profile import write_results  # noqa: E402
from benchmarks.throughput import REFERENCE_GFLOPS, peak_gflops  # noqa: E402
from cnn_helpers import chapters, training  # noqa: E402
from cnn_helpers.core import data  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "frontier.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["vgg"],
                        choices=[run.key for run in chapters.trained_runs()])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 2, 3, 5])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--profile", default="class")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override settings for a quick trial (train_examples=2000)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    overrides = {name: (float(value) if "." in value or "e" in value else int(value))
                 for name, value in (item.split("=", 1) for item in args.set)}
    loaded = data.load_data()
    torch.set_num_threads(training.SEEDED_CPU_THREADS)
    peak = peak_gflops()
    scale = peak / REFERENCE_GFLOPS
    print(f"{loaded.name}; peak {peak:.0f} GFLOP/s: seconds here x {scale:.2f} = reference seconds")
    print(f"{'net':<10} {'budget':>6} {'epochs':>6} {'seed':>4} {'last epoch':>10} {'book':>5} "
          f"{'s here':>7} {'ref min':>7}", flush=True)
    rows = []
    for net in args.nets:
        start = time.perf_counter()  # one epoch, to size the budgets
        chapters.train(net, loaded, args.profile, 0, "cpu", epochs=1, **overrides)
        epoch_reference = (time.perf_counter() - start) * scale
        for minutes in args.minutes:
            epochs = max(1, int(minutes * 60 // epoch_reference))
            for seed in args.seeds:
                start = time.perf_counter()
                _, history, run = chapters.train(net, loaded, args.profile, seed, "cpu",
                                                 epochs=epochs, **overrides)
                seconds = time.perf_counter() - start
                book = chapters.run(net).book_accuracy
                rows.append({"chapter": net, "minutes": minutes, "epochs": epochs, "seed": seed,
                             "settings": asdict(run), "history": history.as_dict(),
                             "seconds": seconds, "reference_seconds": seconds * scale,
                             "peak_gflops": round(peak, 1), "book_accuracy": book})
                print(f"{net:<10} {minutes:>5g}m {epochs:>6} {seed:>4} {history.test_acc[-1]:>10.3f} "
                      f"{book if book is not None else '-':>5} {seconds:>7.0f} "
                      f"{seconds * scale / 60:>7.1f}", flush=True)
    kept = _other_nets(args.output, args.nets)  # a run for one net keeps the others' rows
    rows = kept + rows
    write_results(args.output, "accuracy after 1, 2, 3, 5 reference-laptop minutes of training",
                  loaded, args.profile, chapters.settings(args.nets[0], args.profile, loaded.key),
                  "cpu", "frontier.py", argv, rows, peak_gflops=round(peak, 1),
                  reference_gflops=REFERENCE_GFLOPS, overrides=overrides)
    return 0


def _other_nets(path: Path, nets: list[str]) -> list[dict]:
    """The rows of ``path`` for nets other than ``nets`` (none when there is no such file), each
    with the peak it was measured at (older files kept it once, for every row)."""
    import json

    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    rows = [row for row in old.get("runs", []) if row.get("chapter") not in nets]
    for row in rows:
        row.setdefault("peak_gflops", old.get("peak_gflops"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
