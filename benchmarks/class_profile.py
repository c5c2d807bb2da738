"""Every chapter's class-profile training over several seeds, written to a results file.

    python benchmarks/class_profile.py [--seeds 0 1 2] [--only resnet ...] [--output PATH]

Trains each chapter's net exactly as its notebook does (``cnn_helpers.chapters.train``)
on the data set ``load_data`` finds (real Fashion-MNIST when cached), and
prints, per chapter: the accuracy each seed is judged by (the test accuracy
after the last epoch, ``training.judged_accuracy``), its min-max over seeds,
the target in the chapter's record, the book's printed figure for its full
GPU run, and seconds of training per run -- measured here and scaled to the
reference 2-core laptop (seconds x this machine's peak / 140 GFLOP/s, the peak
being a 2-thread float32 matmul measured before and after the runs:
``throughput.peak_gflops``).

The results -- every epoch's loss and accuracies per run, the settings,
the machine, versions, date and command -- go to a JSON file
(``benchmarks/results/class_profile.json`` by default). The accuracy
targets are set from it (below the worst seed, with a stated margin) and
chapter 11 reads it; nothing there is typed in by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import torch  # noqa: E402

from benchmarks.throughput import REFERENCE_GFLOPS, peak_gflops  # noqa: E402
from cnn_helpers import chapters, models, training  # noqa: E402
from cnn_helpers.core import data  # noqa: E402
from cnn_helpers.core.files import write_text  # noqa: E402


def write_results(path, what: str, loaded, profile: str, run, device: str, script: str, argv,
                  runs: list, **extra) -> None:
    """Write a benchmark's results document to ``path`` (JSON): what was measured, the data set,
    profile, settings, device, machine, date, the command that made it, ``extra`` fields and the
    ``runs``; used by benchmarks/degradation.py and benchmarks/augmentation.py."""
    import json
    from dataclasses import asdict
    from datetime import datetime, timezone
    from pathlib import Path

    document = {"what": what, "data": loaded.name, "data_key": loaded.key, "profile": profile,
                "settings": asdict(run), **extra, "device": device, "machine": machine(),
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "command": f"python benchmarks/{script} " + " ".join(argv or sys.argv[1:]),
                "runs": runs}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(document, indent=1) + "\n")  # interrupted: the old file stays
    print(f"wrote {path}")


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "torch": torch.__version__}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", choices=[run.key for run in chapters.trained_runs()], default=None)
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override settings for a trial (epochs=5 lr=0.1); not for the results file")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "class_profile.json")
    args = parser.parse_args(argv)
    overrides = {name: (float(value) if "." in value or "e" in value else int(value))
                 for name, value in (item.split("=", 1) for item in args.set)}
    loaded = data.load_data()
    command = "python benchmarks/class_profile.py " + " ".join(sys.argv[1:] if argv is None else argv)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    keys = args.only or [run.key for run in chapters.trained_runs()]
    results = []
    torch.set_num_threads(training.SEEDED_CPU_THREADS)
    peak_before = peak_gflops()
    print(f"peak {peak_before:.0f} GFLOP/s (reference laptop {REFERENCE_GFLOPS:.0f})", flush=True)
    print(f"{'chapter':<13} {'last-epoch accuracy per seed':<30} {'min-max':<12} {'target':>6} {'book':>5} {'s/run':>6}")
    for chapter in keys:
        spec = chapters.run(chapter)
        judged, seconds = [], []
        for seed in args.seeds:
            start = time.perf_counter()
            net, history, run = chapters.train(chapter, loaded, args.profile, seed, args.device, **overrides)
            seconds.append(time.perf_counter() - start)
            judged.append(training.judged_accuracy(history))
            results.append({"chapter": chapter, "title": spec.title,
                            "notebook": chapters.CHAPTER_OF[chapter].notebook, "seed": seed, "settings": asdict(run),
                            "parameters": models.count_parameters(net), "history": history.as_dict(),
                            "judged_accuracy": judged[-1], "final_accuracy": history.test_acc[-1],
                            "seconds": seconds[-1], "command": command, "date": today})
            print(f"  {chapter} seed {seed}: test acc per epoch "
                  + " ".join(f"{a:.3f}" for a in history.test_acc) + f"; {seconds[-1]:.0f} s", flush=True)
        target = spec.target(loaded.key, args.profile)
        book = spec.book_accuracy
        print(f"{chapter:<13} {' '.join(f'{a:.3f}' for a in judged):<30} "
              f"{min(judged):.3f}-{max(judged):.3f} {target if target is not None else '-':>6} "
              f"{book if book is not None else '-':>5} {sum(seconds) / len(seconds):>6.0f}", flush=True)
    peak = (peak_before + peak_gflops()) / 2
    scale = peak / REFERENCE_GFLOPS
    print(f"peak {peak:.0f} GFLOP/s: seconds here x {scale:.2f} = seconds on the reference laptop")
    for result in results:
        result["peak_gflops"] = round(peak, 1)
        result["reference_seconds"] = result["seconds"] * scale
    if overrides:
        print(f"(settings overridden: {overrides}; no results file written)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.output.read_text())["runs"] if args.output.exists() else []
    kept = [r for r in previous if (r["chapter"], r["seed"]) not in {(r2["chapter"], r2["seed"]) for r2 in results}]
    document = {"what": "each chapter's class-profile training, as its notebook makes it",
                "data": loaded.name, "data_key": loaded.key, "profile": args.profile,
                "device": args.device, "machine": machine() | {"peak_gflops": round(peak, 1)},
                "reference_gflops": REFERENCE_GFLOPS,
                "date": today, "command": command,  # the latest; each run keeps its own
                "runs": kept + results}
    write_text(args.output, json.dumps(document, indent=1) + "\n")  # the old file, or this one
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
