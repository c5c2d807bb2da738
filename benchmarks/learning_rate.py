"""NiN's learning rate against AlexNet's and VGG's (chapter 6): a short sweep over seeds.

    python benchmarks/learning_rate.py [--seeds 0 1 2] [--profile class]

The notes say NiN usually takes a larger learning rate than AlexNet and VGG.
For each seed this trains the class-profile NiN, AlexNet and VGG-11 (each as
its chapter builds and initializes it) at each rate of
``learning_rate.RATES``, from the same weights on the same batches, for the
short budget of ``settings("lr_sweep")``, and prints the test accuracy each
reaches. The table goes to ``benchmarks/results/learning_rate.json``, which
chapter 6 reads.
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
from cnn_helpers.chapters.ch06_nin import learning_rate  # noqa: E402
from cnn_helpers.core import data  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--nets", nargs="+", default=list(learning_rate.NETS))
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", type=Path, default=learning_rate.RESULTS)
    args = parser.parse_args(argv)
    loaded = data.load_data()
    budget = settings("lr_sweep", args.profile, data=loaded.key)
    print(f"{loaded.name}; {budget}", flush=True)
    rows, seeds = [], {}
    for seed in args.seeds:
        start = time.perf_counter()
        points = learning_rate.sweep(loaded, budget, nets=args.nets, seed=seed,
                                     device=args.device, profile=args.profile)
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
        seeds[seed] = points
        rows += learning_rate.rows(points, seed)
        print(learning_rate.table({seed: points}), flush=True)
    write_results(args.output, "chapter 6: test accuracy after a short budget, per learning rate",
                  loaded, args.profile, budget, args.device, "learning_rate.py", argv, rows,
                  rates=list(learning_rate.RATES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
