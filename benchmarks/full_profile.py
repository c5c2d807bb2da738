"""Every architecture of the course in the ``full`` profile (the book's settings), on the real
Fashion-MNIST, trained by ``fit``; LeNet, AlexNet and ResNet-18 also by the book's ``d2l.train_ch6``.

    python benchmarks/full_profile.py [--only NAME ...] [--epochs N] [--device cuda]
        [--budget-s 540] [--output benchmarks/results/full_profile.json] [--data-dir DIR]
        [--estimate-only] [--tiny]

On a GPU machine without network, run the one command that
``scripts/prepare_device_run.sh`` prepares and prints (README, Benchmarks).

Each net trains with its chapter's ``settings(chapter, "full")`` (image size,
epochs, learning rate, batch size, width) on all 60,000 training and 10,000
test images, seed 0, through ``fit`` with its defaults (on CUDA: bf16
autocast, channels-last, cuDNN autotuning, each step replayed from a recorded
CUDA graph), as a student with a GPU gets it. NiN starts from He init as in
its chapter (``models.init_kaiming``); the others from the book's Xavier init.
For ``lenet``, ``alexnet`` and ``resnet`` the same net also trains through
``d2l.train_ch6``, fed by the book's ``d2l.load_data_fashion_mnist(batch,
resize)`` reading the same images, on the same device (``d2l_baseline.py``).
A net that fails (out of memory, diverged) is recorded with its error and
the run goes on; the JSON is rewritten after every net, so a run cut short
keeps what it finished.

Columns of the table (keys of each net's JSON entry in brackets):

* net: the chapter's row in ``cnn_helpers.core.profiles`` (``--only`` takes it)
* book: the test accuracy the book prints for its run (``book_acc``)
* test acc: ``fit``'s test accuracy after the last epoch (``test_acc``)
* s/epoch: wall time of the whole ``fit`` call / epochs: training, the test
  evaluation after each epoch and one-time costs (cuDNN autotuning, recording
  the CUDA graph) (``s_per_epoch``; each epoch's own in ``epoch_seconds``)
* examples/s: training images per second of training, ``fit``'s own count,
  mean over epochs; evaluation not counted (``examples_per_s``)
* peak GiB: ``torch.cuda.max_memory_allocated`` during that net's ``fit``,
  reset before it; "-" off CUDA (``peak_gib``, null)
* d2l s/epoch, d2l acc: the same for ``d2l.train_ch6``, whose wall time
  includes its loader's 4 worker processes resizing each image and its
  Animator's SVG redraws (``d2l``: ``s_per_epoch``, ``test_acc``, ...)
* fit/d2l: s/epoch of ``fit`` over that of ``d2l.train_ch6``; the target on a
  GPU is at most 0.2 (``ratio``)

Time estimate (printed before training; nets run fastest first, so those cut
by ``--budget-s`` are the slowest, to be rerun with ``--only``): per trainer
``SETUP_S`` + epochs x (training images + test images / 3) / examples per
second, with the examples per second of one H200 in ``SPEEDS``. They are
estimates, not measurements, made like this:

* fit, LeNet: 600k examples/s, measured on an H100 (``train_lenet.py``, README);
  LeNet-BN, whose scratch batch norm adds ~20 small kernels per layer, half that.
* fit, the large nets: the arithmetic of one training example (3 x 2 x the
  multiply-adds of ``models.multiply_adds`` at the book's sizes: AlexNet 5.6,
  NiN 4.6, VGG 3.1, ResNet-18 1.9, DenseNet 0.8 GFLOP) at about 110 TFLOP/s,
  a seventh of the H200's 790 dense bf16 TFLOP/s: one input channel, small
  images and narrow layers (VGG's 16 channels at 224x224) keep these nets far
  from the peak, and DenseNet's and ResNet's batch norms and concatenations are
  bound by memory traffic, so they get fewer examples/s than FLOPs suggest.
  GoogLeNet (1.7 GFLOP at 96x96 in its draft, in many small branches) is
  guessed like ResNet-18.
* d2l.train_ch6: bound by the book's loader. On one core of the 2-core CPU
  where this was written, ``Resize`` + ``ToTensor`` of one 28x28 image took
  0.2 ms (no resize), 0.7-0.9 ms (to 96) and 1.6-1.8 ms (to 224) under a load
  of 6; 4 workers on idle cores about twice as fast give some 40k, 10k and 5k
  images/s, and the GPU in float32 eager mode is not much faster than that
  for AlexNet and ResNet-18 (d2l reaches 96k examples/s for LeNet on an H100
  from memory, README).
* the CPU dry run (``--tiny``) checks the code path only; its times say
  nothing about a GPU's (on a CPU the estimates are printed but meaningless).

``--tiny`` is the test suite's dry run: the ``smoke`` profile's narrow, small
nets, 256 training and 64 test images, batch 32, one epoch, one CPU thread
(its speed means nothing, and on a busy shared CPU two threads that wait for
each other run 10-20 times slower than one).
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from d2l_baseline import book_loaders, run_train_ch6, sync  # noqa: E402

from cnn_helpers import chapters, models, training  # noqa: E402
from cnn_helpers.chapters import settings  # noqa: E402
from cnn_helpers.core import cache, data  # noqa: E402
from cnn_helpers.core.devices import describe_device, try_gpu  # noqa: E402
from cnn_helpers.core.files import write_text  # noqa: E402

SEED = 0
SETUP_S = 5.0  # per trainer: building the net, cuDNN autotuning, recording the graph, workers
START_S = 20.0  # once: imports, CUDA context, reading Fashion-MNIST, the warm-up
GPU_TARGET_RATIO = 0.2  # fit's s/epoch at most a fifth of d2l.train_ch6's


# Estimated training examples/s of one H200 (module docstring): fit, and d2l.train_ch6 where
# this benchmark compares them. Everything else about a net is in its chapter's record.
SPEEDS: dict[str, tuple[float, float | None]] = {
    "lenet": (600_000, 40_000), "alexnet": (20_000, 6_000), "vgg": (35_000, None),
    "nin": (24_000, None), "googlenet": (40_000, None), "lenet_bn": (300_000, None),
    "resnet": (40_000, 9_000), "densenet": (40_000, None)}


@dataclass(frozen=True)
class Net:
    """One architecture of the course, as this benchmark trains it: its chapter's run record
    and the speeds the plan estimates with."""

    run: chapters.Run
    fit_speed: float
    d2l_speed: float | None = None  # None: not compared with d2l.train_ch6

    @property
    def name(self) -> str:
        return self.run.key

    @property
    def book_acc(self) -> float | None:
        return self.run.book_accuracy


NETS = [Net(run, *SPEEDS.get(run.key, (40_000, None))) for run in chapters.RUNS.values()
        if run.compared]
BY_NAME = {net.name: net for net in NETS}


def run_settings(net: Net, tiny: bool, epochs: int | None):
    """The chapter's full settings, or for ``--tiny`` its smoke ones cut to a few batches."""
    if tiny:
        run = replace(settings(net.name, "smoke"), epochs=1, train_examples=256,
                      test_examples=64, batch_size=32)
    else:
        run = settings(net.name, "full")
    return replace(run, epochs=epochs) if epochs else run


def missing(net: Net) -> str | None:
    """Why ``net`` cannot run in this checkout (None: it can)."""
    return None if net.run.build is not None else f"run {net.name!r} has no builder"


def build(net: Net, run) -> torch.nn.Module:
    """A fresh ``net`` at ``run``'s width, image size and hidden units, built as its chapter
    builds it (He init where the chapter uses it)."""
    return net.run.build(run)


def estimate_s(net: Net, run, n_train: int, n_test: int) -> float:
    """Seconds this net should take on one H200 (fit, plus d2l.train_ch6 where compared)."""
    images = run.epochs * (n_train + n_test / 3)
    seconds = SETUP_S + images / net.fit_speed
    if net.d2l_speed:
        seconds += SETUP_S + images / net.d2l_speed
    return seconds


def plan(nets: list[Net], args, device):
    """Estimate each net's time, order them fastest first and keep those within the budget.

    Returns ([(net, run settings)] to train, names dropped, estimated seconds in all).
    """
    rows = []
    for net in nets:
        run = run_settings(net, args.tiny, args.epochs)
        rows.append((estimate_s(net, run, run.train_examples or 60_000,
                                run.test_examples or 10_000), net, run))
    rows.sort(key=lambda row: row[0])  # fastest first: the budget cuts the slowest
    print(f"\nestimated time on one H200 ({'the tiny dry run' if args.tiny else 'full profile'}"
          + ("" if device.type == "cuda" else f"; meaningless on {device.type}") + "):")
    total, kept, dropped = START_S, [], []
    for seconds, net, run in rows:
        fits = total + seconds <= args.budget_s
        print(f"  {net.name:<10} {seconds:6.0f} s  ({run.epochs} epochs, batch {run.batch_size}, "
              f"{run.resize or 28}x{run.resize or 28}, width {run.width}"
              + (", also d2l.train_ch6" if net.d2l_speed else "") + ")"
              + ("" if fits else "  -> over the budget"))
        if fits:
            total += seconds
            kept.append((net, run))
        else:
            dropped.append(net.name)
    print(f"  total {total:.0f} s with {START_S:.0f} s to start; budget {args.budget_s:.0f} s")
    if dropped:
        print(f"dropping {', '.join(dropped)} to stay within --budget-s {args.budget_s:.0f}; "
              "rerun them with " + " ".join(f"--only {name}" for name in dropped))
    return kept, dropped, total


def load_images(tiny: bool, root):
    """The real Fashion-MNIST (all of it); ``--tiny`` takes whatever ``load_data`` finds."""
    if tiny:
        return data.load_data(root=root)
    try:
        return data.load_fashion_mnist(root)
    except Exception as error:
        raise SystemExit(f"full_profile.py needs the real Fashion-MNIST: {error}. Give "
                         f"--data-dir a folder holding FashionMNIST/raw/ with the four official "
                         f".gz files (or set {cache.DATA_VARIABLE}).") from None


def free(device):
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_gib(device):
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def train_fit(net: Net, run, images, device) -> dict:
    """Train ``net`` through ``fit``; its JSON entry."""
    free(device)
    torch.manual_seed(SEED)  # the He init draws its weights here (fit draws Xavier's itself)
    model = build(net, run)
    sync(device)
    start = time.perf_counter()
    history = training.fit(model, images.train, images.test, run.epochs, run.lr,
                           batch_size=run.batch_size, device=device, seed=SEED,
                           init=net.run.init, resize=run.resize, live=False)
    sync(device)
    seconds = time.perf_counter() - start
    return dict(test_acc=history.test_acc[-1], s_per_epoch=seconds / history.epochs,
                examples_per_s=sum(history.examples_per_s) / history.epochs,
                peak_gib=peak_gib(device), epochs=history.epochs,
                parameters=models.count_parameters(model),
                epoch_seconds=history.epoch_seconds, test_acc_per_epoch=history.test_acc,
                train_loss=history.train_loss)


def train_d2l(net: Net, run, images, device) -> dict:
    """Train ``net`` through ``d2l.train_ch6`` on the book's loader; its JSON entry."""
    free(device)
    loaders = book_loaders(images, run.batch_size, run.resize)
    seconds, own_speed, test_acc = run_train_ch6(lambda: build(net, run), loaders, run.epochs,
                                                 run.lr, device, SEED)
    return dict(test_acc=test_acc, s_per_epoch=seconds / run.epochs, examples_per_s=own_speed,
                peak_gib=peak_gib(device))


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def train_both(net: Net, run, images, device, compare: bool) -> dict:
    """Train ``net`` through ``fit`` and, where ``compare`` and its entry says so, through
    ``d2l.train_ch6``; its JSON entry. A failure (out of memory, diverged) is recorded there
    as "error" and the run goes on."""
    part = images.subset(run.train_examples, run.test_examples)
    entry = dict(book_acc=net.book_acc, lr=run.lr, batch_size=run.batch_size,
                 image_size=run.resize or 28, width=run.width)
    print(f"\n{net.name}: {run.epochs} epochs on {len(part.train_labels):,} images", flush=True)
    try:
        entry |= train_fit(net, run, part, device)
    except Exception as error:
        print(f"  fit failed: {_error(error)}")
        return entry | dict(error=_error(error))
    print(f"  fit: test acc {entry['test_acc']:.3f}, {entry['s_per_epoch']:.2f} s/epoch, "
          f"{entry['examples_per_s']:,.0f} examples/s", flush=True)
    if net.d2l_speed and compare:
        try:
            entry["d2l"] = train_d2l(net, run, part, device)
        except Exception as error:
            print(f"  d2l.train_ch6 failed: {_error(error)}")
            entry["d2l"] = dict(error=_error(error))
        else:
            entry["ratio"] = entry["s_per_epoch"] / entry["d2l"]["s_per_epoch"]
            print(f"  d2l.train_ch6: test acc {entry['d2l']['test_acc']:.3f}, "
                  f"{entry['d2l']['s_per_epoch']:.2f} s/epoch", flush=True)
    return entry


def d2l_problem() -> str | None:
    """Why ``from d2l import torch`` fails here (None: it works); d2l's figures go to Agg."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from d2l import torch as d2l  # noqa: F401
    except Exception as error:  # a package d2l imports is missing on this machine
        return _error(error)
    return None


def versions() -> dict:
    found = {"python": platform.python_version(), "torch": torch.__version__,
             "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}
    for package in ("torchvision", "d2l", "numpy", "matplotlib"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


def table(results: dict) -> str:
    """The markdown table of the module docstring's columns."""
    lines = ["| net | book | test acc | s/epoch | examples/s | peak GiB | d2l s/epoch | d2l acc "
             "| fit/d2l |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | {r['book_acc']:.2f} | failed: {r['error']} | | | | | | |")
            continue
        peak = f"{r['peak_gib']:.2f}" if r["peak_gib"] is not None else "-"
        d2l = r.get("d2l")
        if d2l is None:
            d2l_cells = "| - | - | -"
        elif "error" in d2l:
            d2l_cells = f"| failed: {d2l['error']} | - | -"
        else:
            d2l_cells = f"| {d2l['s_per_epoch']:.2f} | {d2l['test_acc']:.3f} | {r['ratio']:.2f}"
        lines.append(f"| {name} | {r['book_acc']:.2f} | {r['test_acc']:.3f} | "
                     f"{r['s_per_epoch']:.2f} | {r['examples_per_s']:,.0f} | {peak} {d2l_cells} |")
    return "\n".join(lines)


def verdicts(results: dict, device) -> list[str]:
    """One line per net: its accuracy against the book's, its ratio against the target."""
    lines = []
    for name, r in results.items():
        if "error" in r:
            lines.append(f"{name}: failed ({r['error']})")
            continue
        gap = r["test_acc"] - r["book_acc"]
        line = (f"{name}: test acc {r['test_acc']:.3f} "
                + (f">= the book's {r['book_acc']:.2f}" if gap >= 0
                   else f"MISSES the book's {r['book_acc']:.2f} by {-gap:.3f}"))
        if "ratio" in r:
            met = device.type == "cuda" and r["ratio"] <= GPU_TARGET_RATIO
            line += (f"; fit/d2l.train_ch6 per epoch {r['ratio']:.2f} "
                     f"(speed-up {1 / r['ratio']:.1f}x; target on a GPU <= {GPU_TARGET_RATIO}"
                     + (": met)" if met else ": not met)" if device.type == "cuda" else ")"))
        lines.append(line)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=[net.name for net in NETS],
                        metavar="NAME", help="train only this net (repeatable): "
                        + ", ".join(net.name for net in NETS))
    parser.add_argument("--epochs", type=int, default=None, help="default: the chapter's")
    parser.add_argument("--device", default=None, help="cpu, cuda (default: best available)")
    parser.add_argument("--budget-s", type=float, default=540.0,
                        help="drop the slowest nets whose estimated time would exceed this")
    parser.add_argument("--output", default=None,
                        help="the JSON file (default: benchmarks/results/full_profile.json; with "
                             "--tiny, full_profile_tiny.json in the temporary folder, so that a "
                             "dry run never replaces the committed results)")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding FashionMNIST/raw (default: $CNN_DATA_DIR or data/)")
    parser.add_argument("--estimate-only", action="store_true",
                        help="print the time estimate and the nets it keeps, train nothing")
    parser.add_argument("--tiny", action="store_true",
                        help="the CPU dry run of the tests: tiny nets and data, 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs {args.epochs}: train at least 1 epoch")
    device = torch.device(args.device) if args.device else try_gpu()
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: torch {torch.__version__} sees no CUDA GPU here")
    if args.tiny:
        torch.set_num_threads(1)
    print(describe_device(device))

    chosen = [BY_NAME[name] for name in dict.fromkeys(args.only or BY_NAME)]
    skipped = {net.name: why for net in chosen if (why := missing(net))}
    for name, why in skipped.items():
        print(f"skipping {name}: {why}")
    kept, dropped, total = plan([net for net in chosen if net.name not in skipped], args, device)
    if args.estimate_only:
        return 0

    images = load_images(args.tiny, args.data_dir)
    d2l_missing = d2l_problem() if any(net.d2l_speed for net, _ in kept) else None
    if d2l_missing:
        print(f"d2l.train_ch6 is not compared: `from d2l import torch` fails ({d2l_missing})")
    report = dict(benchmark="benchmarks/full_profile.py",
                  command=" ".join(["python", "benchmarks/full_profile.py", *sys.argv[1:]]),
                  date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  device=describe_device(device), versions=versions(), seed=SEED,
                  profile="smoke, cut to a tiny dry run" if args.tiny else "full",
                  data=dict(name=images.name, train=len(images.train_labels),
                            test=len(images.test_labels)),
                  budget_s=args.budget_s, estimated_s=round(total), dropped=dropped,
                  skipped=skipped, d2l_missing=d2l_missing, results={})
    output = Path(args.output or (Path(tempfile.gettempdir(), "full_profile_tiny.json")
                                  if args.tiny else ROOT / "benchmarks/results/full_profile.json"))
    output.parent.mkdir(parents=True, exist_ok=True)

    # warm-up: the CUDA context and first kernels should not count against the first net
    training.fit(models.lenet(), images.subset(64, 64).train, None, 1, 0.1, batch_size=32,
                 device=device, live=False)
    for net, run in kept:
        report["results"][net.name] = train_both(net, run, images, device, compare=not d2l_missing)
        write_text(output, json.dumps(report, indent=1) + "\n")  # kept if the run is cut short

    print("\n" + table(report["results"]) + "\n")
    print("\n".join(verdicts(report["results"], device)))
    print(f"\nresults written to {output}")
    failed = [name for name, r in report["results"].items()
              if "error" in r or "error" in r.get("d2l", {})]
    return 1 if failed or not report["results"] else 0


if __name__ == "__main__":
    sys.exit(main())
