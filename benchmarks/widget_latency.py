"""How fast does an explorer answer a slider? Ours (PIL pictures) against the naive way (matplotlib).

Run: ``.venv/bin/python benchmarks/widget_latency.py [--updates 50]``

For each explorer in ``EXPLORERS`` (name, a function that makes it, the
list of updates), on a 256x256 photo (the Inception explorer: the book's
GoogLeNet on 96x96 images):

* **ours**: ``explorer.update(**settings)``, exactly what a slider
  callback runs: compute, draw the arrays, encode PNGs with Pillow.
* **naive**: the same update and the same pictures, but drawn the way
  plain ``interact`` + matplotlib does: one new figure with a panel per
  picture, saved as PNG, every update. (Ours still colours the arrays,
  so the naive column is if anything flattered.)

Both run in the same process, interleaved update by update, so a busy CPU
slows both alike. The table gives the median and 90th percentile in ms
and the ratio naive / ours of the medians, plus the median CPU time of
each (on a busy machine the wall clock also counts waiting for a core;
the CPU time is about what an idle machine takes). The issue's target:
median <= 50 ms on a 2-core CPU.

To add an explorer (the pooling explorer, say), append a row to
``EXPLORERS``; it must draw through ``render.png_bytes`` (as all do).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from cnn_helpers.core import render  # noqa: E402
from cnn_helpers.ops import conv_output_shape  # noqa: E402
from cnn_helpers.widgets.inception_explorer import InceptionExplorer  # noqa: E402
from cnn_helpers.widgets.kernel_explorer import (  # noqa: E402
    KERNELS,
    SIZED_KERNELS,
    KernelExplorer,
)
from cnn_helpers.widgets.network_explorer import NetworkExplorer  # noqa: E402
from cnn_helpers.widgets.receptive_explorer import CUSTOM, ReceptiveFieldExplorer  # noqa: E402

PHOTO_SIDE = 256


# ---------------------------------------------------------------- the explorers and their updates


def kernel_explorer_updates(count: int, seed: int = 0) -> list[dict]:
    """A student's session: mostly moving the output element, sometimes stride, padding, kernel.

    The output element stays inside the output shape of the moment, as a
    slider would keep it (the explorer refuses anything else).
    """
    rng = random.Random(seed)
    updates, stride, padding, kernel, box = [], 1, 0, (3, 3), 3  # the starting setting
    kernels = [name for name in KERNELS if name != "identity"]
    for _ in range(count):
        choice = rng.random()
        if choice < 0.4:
            rows, cols = conv_output_shape((PHOTO_SIDE, PHOTO_SIDE), kernel, stride=stride,
                                           padding=padding)
            updates.append(dict(row=rng.randrange(rows), col=rng.randrange(cols)))
        elif choice < 0.6:
            stride = rng.randint(1, 4)
            updates.append(dict(stride=stride))
        elif choice < 0.75:
            padding = rng.randint(0, 3)
            updates.append(dict(padding=padding))
        elif choice < 0.9:
            name = rng.choice(kernels)
            kernel = (box, box) if name in SIZED_KERNELS else tuple(KERNELS[name].shape)
            updates.append(dict(kernel=name))
        else:
            box = rng.randint(1, 9)
            kernel = (box, box)
            updates.append(dict(kernel="box blur", kernel_size=box))
    return updates


def receptive_explorer_updates(count: int, seed: int = 0) -> list[dict]:
    """Moving the layer and the output element of a VGG-style stack on the photo."""
    rng = random.Random(seed)
    sides = [256, 256, 128, 128, 128, 64]  # output side of each layer of VGG_ON_PHOTO
    updates, layer = [], len(sides) - 1
    for _ in range(count):
        if rng.random() < 0.25:
            layer = rng.randrange(len(sides))
            updates.append(dict(layer=layer))
        else:
            side = sides[layer]
            updates.append(dict(row=rng.randrange(side), col=rng.randrange(side)))
    return updates


VGG_ON_PHOTO = "k=3,p=1; k=3,p=1; pool k=2; k=3,p=1; k=3,p=1; pool k=2"


def network_explorer(builder, resize=None):
    """A network explorer on a fresh net and 16 random 28x28 grey images (a slider step costs
    the same for a trained net)."""
    def make():
        torch.manual_seed(0)
        return NetworkExplorer(builder(), torch.rand(16, 1, 28, 28), resize=resize)
    return make


def network_explorer_updates(channels: list[int]):
    """Stepping the layer slider (and the channel slider: ``channels[layer]`` maps there),
    sometimes another test image."""
    def updates(count: int, seed: int = 0) -> list[dict]:
        rng = random.Random(seed)
        steps, layer = [], 0
        for _ in range(count):
            choice = rng.random()
            if choice < 0.5:
                layer = (layer + rng.choice((-1, 1))) % len(channels)
                steps.append(dict(layer=layer, channel=1))  # channels count from 1
            elif choice < 0.85:
                steps.append(dict(channel=rng.randrange(channels[layer]) + 1))
            else:
                steps.append(dict(image=rng.randrange(16)))
        return steps
    return updates


def _channels(builder, side):
    with torch.no_grad():
        X, counts = torch.zeros(1, 1, side, side), []
        for layer in builder().eval():
            X = layer(X)
            counts.append(X.shape[1] if X.dim() == 4 else 1)
    return counts


def _class_resnet():
    from cnn_helpers import models
    from cnn_helpers.chapters import settings

    return models.resnet18(width=settings("resnet", profile="class").width)


def _lenet():
    from cnn_helpers import models

    return models.lenet()


CLASS_RESNET_SIDE = 48  # the class profile's resize for ResNet-18

INCEPTION_IMAGES = 8  # test images of the Inception explorer, 96x96 as in the book


def inception_explorer(images: int = INCEPTION_IMAGES):
    """The book's full-width GoogLeNet (fresh) on 96x96 images: the largest it will show."""
    from cnn_helpers import models
    from cnn_helpers.core import data

    torch.manual_seed(0)
    digits = data.load_fallback_digits().test_images[:images]
    return InceptionExplorer(models.googlenet(), digits, resize=96)


def inception_explorer_updates(count: int, seed: int = 0) -> list[dict]:
    """Mostly the channel slider, sometimes another block, now and then another image
    (a new image runs the whole net once: the slowest step)."""
    rng = random.Random(seed)
    blocks = ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"]
    widest = {"3a": 128, "3b": 192, "4a": 208, "4b": 224, "4c": 256, "4d": 288, "4e": 320,
              "5a": 320, "5b": 384}
    updates, block = [], "3a"
    for _ in range(count):
        choice = rng.random()
        if choice < 0.65:
            updates.append(dict(channel=rng.randrange(widest[block])))
        elif choice < 0.9:
            block = rng.choice(blocks)
            updates.append(dict(block=block, channel=0))
        else:
            updates.append(dict(image=rng.randrange(INCEPTION_IMAGES)))
    return updates

# (name, make_explorer, updates): append a row for another explorer
EXPLORERS = [
    ("kernel explorer", lambda: KernelExplorer(image="photo: camera", kernel="Sobel x",
                                               photo_size=PHOTO_SIDE),
     kernel_explorer_updates),
    ("receptive-field explorer", lambda: ReceptiveFieldExplorer(
        stack=CUSTOM, custom=VGG_ON_PHOTO, input_size=PHOTO_SIDE, background="photo"),
     receptive_explorer_updates),
    ("network explorer, LeNet", network_explorer(_lenet),
     network_explorer_updates(_channels(_lenet, 28))),
    ("network explorer, ResNet", network_explorer(_class_resnet, CLASS_RESNET_SIDE),
     network_explorer_updates(_channels(_class_resnet, CLASS_RESNET_SIDE))),
    ("Inception explorer 96x96", inception_explorer, inception_explorer_updates),
]


# ---------------------------------------------------------------- the naive way to draw


@contextmanager
def matplotlib_pictures():
    """While active, explorers' pictures are collected instead of encoded; ``draw`` renders them.

    Yields a function that draws the collected pictures as one matplotlib
    figure (a panel each, at their pixel size) and saves it as PNG: what a
    callback that calls ``plt.subplots ... savefig`` does per update.
    """
    frames: list[np.ndarray] = []
    original = render.png_bytes

    def collect(rgb):
        frames.append(rgb)
        return b""

    def draw() -> bytes:
        width = sum(frame.shape[1] for frame in frames) + 20 * len(frames)
        height = max(frame.shape[0] for frame in frames) + 20
        fig, axes = plt.subplots(1, len(frames), figsize=(width / 100, height / 100), dpi=100,
                                 squeeze=False)
        for ax, frame in zip(axes[0], frames):
            ax.imshow(frame, interpolation="nearest")
            ax.set_axis_off()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        frames.clear()
        return buffer.getvalue()

    render.png_bytes = collect
    try:
        yield draw
    finally:
        render.png_bytes = original


def time_updates(name, make_explorer, make_updates, count: int) -> dict:
    """Median and p90 (ms) of ours and of the naive drawing, interleaved on the same updates."""
    ours_explorer, naive_explorer = make_explorer(), make_explorer()
    updates = make_updates(count)
    for settings in updates[:3]:  # warm up: photos load, caches fill
        ours_explorer.update(**settings)
        with matplotlib_pictures() as draw:
            naive_explorer.update(**settings)
            draw()
    ours, naive, ours_cpu, naive_cpu = [], [], [], []
    for settings in updates:
        start, start_cpu = time.perf_counter(), time.process_time()
        ours_explorer.update(**settings)
        ours.append((time.perf_counter() - start) * 1000)
        ours_cpu.append((time.process_time() - start_cpu) * 1000)
        assert ours_explorer.error is None, (name, settings, ours_explorer.error)
        with matplotlib_pictures() as draw:
            start, start_cpu = time.perf_counter(), time.process_time()
            naive_explorer.update(**settings)
            draw()
            naive.append((time.perf_counter() - start) * 1000)
            naive_cpu.append((time.process_time() - start_cpu) * 1000)
    return dict(name=name, ours=ours, naive=naive, ours_cpu=ours_cpu, naive_cpu=naive_cpu)


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), float(np.percentile(times, 90))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=50, help="updates per explorer")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPU cores, torch {torch.__version__} with {torch.get_num_threads()} "
          f"threads, load average {load:.1f}; {args.updates} updates each on a "
          f"{PHOTO_SIDE}x{PHOTO_SIDE} photo")
    header = (f"{'explorer':<26}{'ours median':>12}{'p90':>9}{'(CPU)':>9}"
              f"{'naive median':>14}{'p90':>9}{'(CPU)':>9}{'naive/ours':>12}")
    print(header)
    print("-" * len(header))
    for name, make_explorer, make_updates in EXPLORERS:
        result = time_updates(name, make_explorer, make_updates, args.updates)
        ours_median, ours_p90 = summary(result["ours"])
        naive_median, naive_p90 = summary(result["naive"])
        ours_cpu, naive_cpu = (statistics.median(result[key]) for key in ("ours_cpu", "naive_cpu"))
        print(f"{name:<26}{ours_median:>9.1f} ms{ours_p90:>6.1f} ms{ours_cpu:>6.1f} ms"
              f"{naive_median:>11.1f} ms{naive_p90:>6.1f} ms{naive_cpu:>6.1f} ms"
              f"{naive_median / ours_median:>11.1f}x")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(wall-clock ms per slider change, kernel side: compute + pictures; (CPU): median CPU "
          f"time, what an idle machine would take; load average now {load:.1f}; "
          f"target: median <= 50 ms)")


if __name__ == "__main__":
    main()
