"""The class recipe, one ingredient at a time: chapter 11.4's ladder, over seeds.

    python benchmarks/recipe.py [--nets resnet vgg] [--seeds 0 1 2] [--output PATH]

For each net and seed, trains the chapter's class-profile run (its net, data, epochs,
batch size and peak learning rate: ``chapters.train``) once per rung of
``ch11_comparison.recipe.LADDER``: the book's plain SGD at a constant rate, then +
Nesterov momentum, + weight decay, + the one-cycle schedule, + label smoothing, + random
flips (the class recipe). Prints each run's test accuracy per epoch and seconds; writes
every history to ``benchmarks/results/recipe.json``, which chapter 11 reads.
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
from cnn_helpers import chapters  # noqa: E402
from cnn_helpers.chapters.ch11_comparison import recipe as ladder  # noqa: E402
from cnn_helpers.core import data  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["resnet", "vgg"],
                        choices=[run.key for run in chapters.trained_runs()])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="class")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override settings for a quick trial (epochs=1 train_examples=2000)")
    parser.add_argument("--output", type=Path, default=ladder.RESULTS)
    args = parser.parse_args(argv)
    overrides = {name: (float(value) if "." in value or "e" in value else int(value))
                 for name, value in (item.split("=", 1) for item in args.set)}
    loaded = data.load_data()
    print(f"{loaded.name}; nets {', '.join(args.nets)}; seeds {args.seeds}", flush=True)
    print(f"{'net':<9} {'recipe':<18} {'seed':>4}  test accuracy per epoch{'':<12} {'seconds':>7}")
    rows = []
    for net in args.nets:
        for seed in args.seeds:
            for rung in ladder.LADDER:
                start = time.perf_counter()
                _, history, run = chapters.train(net, loaded, args.profile, seed, args.device,
                                                 recipe=rung, **overrides)
                seconds = time.perf_counter() - start
                rows.append({"chapter": net, "recipe": rung.name, "seed": seed,
                             "settings": asdict(run), "history": history.as_dict(),
                             "seconds": seconds})
                print(f"{net:<9} {rung.name:<18} {seed:>4}  "
                      f"{' '.join(f'{a:.3f}' for a in history.test_acc):<35} {seconds:>7.0f}",
                      flush=True)
    write_results(args.output, "chapter 11.4: the class recipe one ingredient at a time",
                  loaded, args.profile, chapters.settings(args.nets[0], args.profile, loaded.key),
                  args.device, "recipe.py", argv, rows, overrides=overrides,
                  book_accuracy={net: chapters.run(net).book_accuracy for net in args.nets})
    return 0


if __name__ == "__main__":
    sys.exit(main())
