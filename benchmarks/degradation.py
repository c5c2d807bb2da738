"""Degradation over seeds: plain and residual nets of several depths, their training losses.

    python benchmarks/degradation.py [--seeds 0 1 2] [--blocks 1 3] [--profile class]
                                     [--set lr=0.1 ...] [--output PATH]

Chapter 9 (notes 9.3; He et al. 2016, section 4.2, figure 6) claims that a
deeper *plain* net reaches a higher training loss than a shallower one, and
that residual connections remove the gap. This script trains, for each seed,
a plain and a residual ``degradation.cifar_style_net`` with each number of
blocks per stage (``6n + 2`` layers), exactly as the notebook does
(``degradation.train_depths`` with ``settings("degradation")``), and prints
each net's training loss per epoch and the gaps the notebook checks:

* degradation: last-epoch training loss of the deeper plain net minus the
  shallower plain net's (positive: the deeper one trains worse);
* with shortcuts: the same difference for the residual nets.

The results -- every epoch's loss per run, settings, machine, date and
command -- go to ``benchmarks/results/degradation.json`` (not with --set:
trials of other settings are printed only). The chapter's checks are set
below the worst seed recorded there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.class_profile import write_results  # noqa: E402
from cnn_helpers import settings  # noqa: E402
from cnn_helpers.chapters.ch09_resnet import degradation  # noqa: E402
from cnn_helpers.core import data  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--blocks", type=int, nargs="+", default=list(degradation.BLOCKS_PER_STAGE),
                        help="blocks per stage of each depth (1 -> 8 layers, 3 -> 20, 5 -> 32)")
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override settings for a trial (lr=0.1 epochs=8); not for the results file")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "degradation.json")
    args = parser.parse_args(argv)
    overrides = {name: (float(value) if "." in value or "e" in value else int(value))
                 for name, value in (item.split("=", 1) for item in args.set)}
    loaded = data.load_data()
    run = settings("degradation", args.profile, data=loaded.key, **overrides)
    part = loaded.subset(run.train_examples, run.test_examples)
    print(f"{loaded.name}, {len(part.train_labels)} training images; {run}", flush=True)
    results = []
    for seed in args.seeds:
        start = time.perf_counter()
        trained = degradation.train_depths(part, args.blocks, run, seed=seed, device=args.device, verbose=True)
        seconds = time.perf_counter() - start
        for one in trained:
            results.append({"seed": seed, "layers": one.layers, "residual": one.residual,
                            "history": one.history.as_dict()})
        gaps = degradation.loss_gaps(trained)
        print(f"  seed {seed}: plain deeper - shallower {gaps.plain:+.3f}, residual deeper - "
              f"shallower {gaps.residual:+.3f}; {seconds:.0f} s", flush=True)
    if overrides:
        print(f"(settings overridden: {overrides}; no results file written)")
        return 0
    write_results(args.output, "chapter 9: plain and residual nets of several depths, training loss "
                  "per epoch", loaded, args.profile, run, args.device, "degradation.py", argv, results,
                  blocks_per_stage=args.blocks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
