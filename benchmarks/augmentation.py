"""Augmentation over seeds: chapter 4's AlexNet without and with it, on few images for many epochs.

    python benchmarks/augmentation.py [--seeds 0 1 2] [--profile class] [--output PATH]

The notes (section 4) say AlexNet was trained with image augmentation so that
it would not memorize its training images. This script trains, for each
seed, the chapter's AlexNet twice exactly as the notebook does
(``augment.train_with_and_without`` with ``settings("alexnet_augment")``) and
prints each run's training accuracy (un-augmented images, eval mode), test
accuracy and their gap. The results go to
``benchmarks/results/augmentation.json``; the chapter's check is set from the
smallest shrink of the gap recorded there.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.class_profile import write_results  # noqa: E402
from cnn_helpers import settings  # noqa: E402
from cnn_helpers.chapters.ch04_alexnet import augmentation as augment  # noqa: E402
from cnn_helpers.core import data  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", type=Path, default=augment.RESULTS)
    args = parser.parse_args(argv)
    loaded = data.load_data()
    run = settings("alexnet_augment", args.profile, data=loaded.key)
    print(f"{loaded.name}; {run}", flush=True)
    print(f"{'seed':>4} {'augmented':>9} {'train acc':>9} {'test acc':>8} {'gap':>7} {'seconds':>7}")
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        runs = augment.train_with_and_without(loaded, run, seed=seed, device=args.device, live=False)
        seconds = (time.perf_counter() - start) / 2
        for one in runs:
            rows.append({"seed": seed, **asdict(one)})
            print(f"{seed:>4} {str(one.augmented):>9} {one.train_acc:>9.3f} {one.test_acc:>8.3f} "
                  f"{one.gap:>+7.3f} {seconds:>7.0f}", flush=True)
    write_results(args.output, "chapter 4: AlexNet without and with augmentation, final accuracies",
                  loaded, args.profile, run, args.device, "augmentation.py", argv, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
