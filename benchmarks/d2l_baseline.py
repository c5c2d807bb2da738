"""The book's trainer as a student runs it: ``d2l.train_ch6`` fed by ``d2l.load_data_fashion_mnist``.

Shared by ``train_lenet.py`` and ``full_profile.py``, which time it beside
``cnn_helpers.training.fit`` on the same net, images and device.

d2l's Animator runs on matplotlib's Agg backend and its ``display`` calls
render the figure to SVG, as they would in a notebook (d2l sets SVG
output): that is the cost a student pays, with no window popping up.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

import torch

from cnn_helpers.core import cache


def render(figure, fmt):
    """Draw ``figure`` into memory as ``fmt`` ("svg", "png"): what a notebook pays per update."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer


class NotebookDisplay:
    """Stands in for IPython.display inside d2l: renders figures as a notebook would."""

    @staticmethod
    def display(*objects, **kwargs):
        for obj in objects:
            if hasattr(obj, "savefig"):
                render(obj, "svg")

    @staticmethod
    def clear_output(wait=False):
        pass


def sync(device):
    """Wait for the GPU, so that a timer read afterwards counts all the work queued."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def memory_loaders(images, batch_size):
    """Plain DataLoaders over in-memory tensors: the cheapest way to feed d2l."""
    train = torch.utils.data.TensorDataset(*images.train)
    test = torch.utils.data.TensorDataset(*images.test)
    return (torch.utils.data.DataLoader(train, batch_size, shuffle=True),
            torch.utils.data.DataLoader(test, batch_size))


def book_loaders(images, batch_size, resize=None):
    """``d2l.load_data_fashion_mnist(batch_size, resize)`` itself, reading ``images`` (an
    ``ImageData``, pixels in [0, 1]) saved as Fashion-MNIST's files.

    The book's loader reads ``../data/FashionMNIST/raw``; torchvision finds
    the files there and downloads nothing. It keeps the images in memory,
    so the folder can go once the loaders exist. Resizing (``resize=224``
    for AlexNet) happens per image in its 4 worker processes, as in the book.
    """
    from d2l import torch as d2l

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder, "data", "FashionMNIST", "raw")
        raw.mkdir(parents=True)
        for prefix, (X, y) in (("train", images.train), ("t10k", images.test)):
            pixels = (X[:, 0] * 255).round().to(torch.uint8)  # [0, 1] -> the files' 0-255
            cache.write_idx(raw / f"{prefix}-images-idx3-ubyte", pixels)
            cache.write_idx(raw / f"{prefix}-labels-idx1-ubyte", y)
        Path(folder, "work").mkdir()
        # the book asks for 4 workers whatever the CPU count; PyTorch warns about that on 2 cores
        warnings.filterwarnings("ignore", message="This DataLoader will create")
        os.chdir(Path(folder, "work"))
        try:
            return d2l.load_data_fashion_mnist(batch_size, resize=resize)
        finally:
            os.chdir(here)


def run_train_ch6(make_net, loaders, epochs, lr, device, seed):
    """Train ``make_net()`` (built after seeding) with ``d2l.train_ch6``; return (wall seconds, d2l's own examples/s,
    final test accuracy), the last two read from what d2l prints.

    Raises ``SystemExit`` when an epoch has fewer than 5 batches (train_ch6
    divides by ``len(train_iter) // 5``).
    """
    from d2l import torch as d2l

    d2l.display = NotebookDisplay  # d2l.Animator calls display.display / clear_output
    loader, test_loader = loaders
    if len(loader) < 5:
        raise SystemExit(f"d2l.train_ch6 needs at least 5 batches per epoch (it divides by "
                         f"len(train_iter) // 5); {len(loader)} with these settings")
    torch.manual_seed(seed)
    net = make_net()
    printed = io.StringIO()
    sync(device)
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Attempting to set identical low and high xlims")
        d2l.train_ch6(net, loader, test_loader, epochs, lr, device)
        sync(device)
    seconds = time.perf_counter() - start
    text = printed.getvalue()
    own_speed = float(re.search(r"([\d.]+) examples/sec", text).group(1))
    test_acc = float(re.search(r"test acc ([\d.]+)", text).group(1))
    return seconds, own_speed, test_acc
