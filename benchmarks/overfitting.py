"""Does a design memorize less? Pooling (chapter 2) and NiN's head (chapter 6), over seeds.

    python benchmarks/overfitting.py lenet_pooling|nin_head [--seeds 0 1 2] [--profile class]

The notes say pooling (section 2.4) and global average pooling (sections 2.3,
6.2) reduce over-fitting. For each seed this trains the run's variants
exactly as the chapter does (``overfitting.train_alike`` with
``settings(run)``): LeNet with and without its pooling layers
(``lenet_pooling``), or a 28x28 NiN with global average pooling against the
same body with a fully connected head (``nin_head``). It prints each
variant's training accuracy (eval mode), test accuracy and their gap; the
results go to ``benchmarks/results/overfitting_<run>.json``, which the
chapters judge their own run against.
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
from cnn_helpers.chapters import overfitting  # noqa: E402
from cnn_helpers.chapters.ch02_pooling.overfitting import pooling_variants  # noqa: E402
from cnn_helpers.chapters.ch06_nin.head import head_variants  # noqa: E402
from cnn_helpers.core import data  # noqa: E402

EXPERIMENTS = {
    # run key: (what, the variants for the settings, fit's initializer)
    "lenet_pooling": ("chapter 2: LeNet with and without pooling, final accuracies",
                      lambda run: pooling_variants(), "xavier"),
    "nin_head": ("chapter 6: NiN's global average pooling against a fully connected head",
                 lambda run: head_variants(run.width), None),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", choices=sorted(EXPERIMENTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    what, variants, init = EXPERIMENTS[args.run]
    loaded = data.load_data()
    run = settings(args.run, args.profile, data=loaded.key)
    print(f"{loaded.name}; {run}", flush=True)
    print(f"{'seed':>4} {'variant':>24} {'params':>9} {'train acc':>9} {'test acc':>8} "
          f"{'gap':>7} {'seconds':>7}")
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        fitted = overfitting.train_alike(variants(run), loaded, run, seed=seed,
                                         device=args.device, live=False, init=init)
        seconds = (time.perf_counter() - start) / len(fitted)
        for one in fitted:
            print(f"{seed:>4} {one.name:>24} {one.parameters:>9,} {one.train_acc:>9.3f} "
                  f"{one.test_acc:>8.3f} {one.gap:>+7.3f} {seconds:>7.0f}", flush=True)
        rows += overfitting.rows(fitted, seed)
    write_results(args.output or overfitting.results_path(args.run), what, loaded, args.profile,
                  run, args.device, "overfitting.py", argv, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
