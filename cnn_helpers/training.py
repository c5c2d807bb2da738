"""Training an image classifier: ``fit``, its history, checkpoints and the book's init.

Chapter 3 (LeNet) and every later architecture chapter train through
``fit``. It does what the book's ``d2l.train_ch6`` does -- minibatch SGD on
the cross-entropy loss, Xavier-initialized weights, test accuracy after
every epoch -- but is built to be fast and honest:

* Data given as tensors ``(X, y)`` is moved to the device once and
  batches are indexed there (no DataLoader, no worker processes); any
  iterable of ``(X, y)`` batches works too (e.g. ``d2l.load_data_fashion_mnist``).
* On CUDA: mixed precision (bf16, or fp16 with a gradient scaler) and
  channels-last memory for nets that are big enough to gain from them,
  and cuDNN autotuning; each training step is recorded once as a CUDA graph
  and replayed per batch (6x the eager speed for LeNet on an H100).
* On the CPU: channels-last memory for convolutional nets (1.4x for LeNet on
  2 cores). ``amp=True`` forces mixed precision on the CPU too (the tests
  do, so that path is not dead code).
* Resizing for the larger nets (``resize=224``) happens per batch on the device.
* The live view is cheap: one tqdm bar, reset each epoch, and one plot updated in
  place once per epoch (d2l's Animator redraws the whole figure five
  times per epoch, which dominates a small net's training time).
* Failures say what to do: a NaN/inf loss raises ``TrainingDiverged``
  naming the learning rate; CUDA out-of-memory raises ``TrainingOutOfMemory``
  naming a batch size to try; Ctrl-C stops cleanly and ``fit`` returns
  the model and history so far (``history.interrupted`` is True); images
  of a size the net cannot take name the ``resize=`` it expects; a net with
  batch norm leaves out a last batch of one example (and says so).
"""

from __future__ import annotations

import math
import re
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.parameter import is_lazy

from cnn_helpers.core.devices import try_gpu


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; ``.history`` holds the finished epochs."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class TrainingOutOfMemory(RuntimeError):
    """The GPU ran out of memory; the message names a smaller batch size to try."""


@dataclass
class History:
    """Per-epoch numbers of one ``fit`` run (lists, one entry per finished epoch)."""

    device: str = "cpu"
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    examples_per_s: list[float] = field(default_factory=list)  # training examples only
    epoch_seconds: list[float] = field(default_factory=list)  # wall time incl. evaluation
    interrupted: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def summary(self) -> str:
        """One line, like the last line d2l prints."""
        if not self.epochs:
            return "no finished epoch: " + _no_epoch_reason(self)
        test = f", test acc {self.test_acc[-1]:.3f}" if self.test_acc else ""
        speed = sum(self.examples_per_s) / self.epochs
        return (f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}{test}; "
                f"{speed:,.0f} examples/s on {self.device}, {self.epochs} epochs"
                + (" (interrupted)" if self.interrupted else ""))

    def as_dict(self) -> dict:
        return asdict(self)

    def plot(self, ax=None):
        """Loss and accuracies against the epoch, on ``ax`` (a new figure if None).

        Sized for a projector: 640 x 360 px, text as large as the notebook's body
        text (``PLOT_FONT_SIZE``), thick lines, a tick on whole epochs only.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
        epochs = range(1, self.epochs + 1)
        ax.plot(epochs, self.train_loss, lw=2.5, label="train loss")
        ax.plot(epochs, self.train_acc, "--", lw=2.5, label="train acc")
        if self.test_acc:
            ax.plot(epochs, self.test_acc, ":", lw=3, label="test acc")
        ax.set_xlabel("epoch", fontsize=PLOT_FONT_SIZE)
        ax.set_xlim(1, max(2, self.epochs))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=PLOT_FONT_SIZE)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=PLOT_FONT_SIZE, framealpha=0.85)
        return ax


def _no_epoch_reason(history: History) -> str:
    """Why a history has no epoch, as a student reads it."""
    if history.interrupted:
        return "training was interrupted before the first epoch finished"
    return "no epoch was run (epochs=0)"


# Training curves for the back of a room: 8 x 4.5 in at 80 dpi is 640 x 360 px (it fits
# beside JupyterLab's file browser at 1280 x 720); 13 pt at 80 dpi is 14.4 px, the size of
# JupyterLab's body text (--jp-content-font-size1, 14 px).
PLOT_SIZE, PLOT_DPI, PLOT_FONT_SIZE = (8, 4.5), 80, 13


# -- initialization --------------------------------------------------------------------
def init_default(net: nn.Module) -> nn.Module:
    """PyTorch's own initialization, drawn anew: every layer's ``reset_parameters``.

    A net's biases are drawn when it is built, before ``fit`` sees its
    seed; drawing them again here is what makes ``fit(..., seed=0)``
    repeat exactly, whatever the random state was when the net was made.
    """
    for module in net.modules():
        own = list(module.parameters(recurse=False))
        if hasattr(module, "reset_parameters") and not any(map(is_lazy, own)):
            module.reset_parameters()
    return net


def init_xavier(net: nn.Module) -> nn.Module:
    """The book's init: Xavier-uniform weights for every Linear and Conv2d layer.

    The rest (biases, batch-norm scales) gets PyTorch's own init, drawn anew.
    """
    init_default(net)
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)) and not is_lazy(module.weight):
            nn.init.xavier_uniform_(module.weight)
    return net


INITIALIZERS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "xavier": init_xavier,  # what d2l.train_ch6 does
    "default": init_default,  # PyTorch's own (Kaiming-uniform) initialization
}


# -- checkpoints -----------------------------------------------------------------------
def save_checkpoint(path: str | Path, net: nn.Module, optimizer=None,
                    history: History | None = None) -> Path:
    """Save state_dicts (never pickled modules) so ``load_checkpoint`` can use weights_only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": net.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if history is not None:
        state["history"] = history.as_dict()
    torch.save(state, path)
    return path


def load_checkpoint(path: str | Path, net: nn.Module, optimizer=None,
                    map_location=None) -> History | None:
    """Load weights (and optimizer state) saved by ``save_checkpoint``; return the history."""
    state = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    net.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return History(**state["history"]) if "history" in state else None


# -- batches ---------------------------------------------------------------------------
def _is_tensor_pair(data) -> bool:
    return (isinstance(data, (tuple, list)) and len(data) == 2
            and all(isinstance(part, torch.Tensor) for part in data)
            and len(data[0]) == len(data[1]) and data[0].dim() >= 2)


def _place(data, device: torch.device):
    """Move a tensor pair to the device if it fits; else keep it where it is."""
    X, y = data
    try:
        return X.to(device), y.to(device)
    except torch.OutOfMemoryError:
        if device.type == "cuda":
            torch.cuda.empty_cache()
        return X, y  # batches are moved one at a time instead


def _batches(data, batch_size: int, generator: torch.Generator | None):
    """Yield (X, y) batches: index a tensor pair (shuffled if ``generator``) or iterate."""
    if not _is_tensor_pair(data):
        yield from data
        return
    X, y = data
    n = len(y)
    if generator is not None:
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]
    else:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]


def _number_of_batches(data, batch_size: int) -> int | None:
    if _is_tensor_pair(data):
        return math.ceil(len(data[1]) / batch_size)
    try:
        return len(data)
    except TypeError:
        return None


class _Prepare:
    """Per batch on the device: to float, resize, channels-last."""

    def __init__(self, device, resize, channels_last):
        self.device, self.channels_last = device, channels_last
        self.size = (resize, resize) if isinstance(resize, int) else resize

    def __call__(self, X, y):
        X = X.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if X.dtype == torch.uint8:
            X = X.float().div_(255)
        if self.size is not None and tuple(X.shape[-2:]) != tuple(self.size):
            X = F.interpolate(X, size=self.size, mode="bilinear", align_corners=False)
        if self.channels_last and X.dim() == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        return X, y


# -- checks that turn PyTorch's errors into sentences ------------------------------------
_ONE_EXAMPLE_BATCHES = ("every training batch would hold a single example, and batch norm needs "
                        "more than one to normalize by: use batch_size=2 or more (and at least "
                        "2 training examples)")


def has_batch_norm(net: nn.Module) -> bool:
    """Whether ``net`` holds a batch-norm layer (PyTorch's or ``normalization.BatchNorm``)."""
    from cnn_helpers.ops.batch_norm import BatchNorm

    return any(isinstance(m, (nn.modules.batchnorm._BatchNorm, BatchNorm)) for m in net.modules())


# PyTorch's words when an image is too small for a window, and when a flattened feature map
# does not have the size a fully connected layer was built for
_TOO_SMALL = ("Output size is too small", "Kernel size can't be greater than actual input size",
              "smaller than kernel size", "Padding size should be less than")
_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
_CHANNELS = re.compile(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+) channels")
LARGEST_SIDE_TRIED = 512  # image sides beyond this are not tried when looking for what fits


def _size_verdict(error: Exception) -> str | None:
    """'small' or 'large' when ``error`` says the image was too small or too large, else None."""
    text = str(error)
    if any(words in text for words in _TOO_SMALL):
        return "small"
    match = _MATMUL.search(text)
    if match and int(match[2]) != int(match[3]):
        return "small" if int(match[2]) < int(match[3]) else "large"
    return None


def _try_side(net: nn.Module, like: torch.Tensor, side: int) -> str:
    """Run one zero image of ``side`` x ``side``: 'fits', 'small', 'large' or 'other'."""
    try:
        net(like.new_zeros((1, like.shape[1], side, side)))
    except RuntimeError as error:
        return _size_verdict(error) or "other"
    return "fits"


def _sides_that_fit(net: nn.Module, like: torch.Tensor, verdict: str):
    """(smallest, largest) square side ``net`` takes; largest None: no limit seen; None: none.

    Bisection on one image at a time, steered by whether each failing side
    was too small or too large (about 20 forward passes of one image).
    """
    small, large, fits = 0, None, None  # sides <= small are too small, >= large too large
    if verdict == "small":
        small = like.shape[-1]
    else:
        large = like.shape[-1]
    while fits is None:
        if large is None:
            if small >= LARGEST_SIDE_TRIED:
                return None
            side = min(2 * small, LARGEST_SIDE_TRIED)
        elif large - small > 1:
            side = (small + large) // 2
        else:
            return None
        result = _try_side(net, like, side)
        if result == "fits":
            fits = side
        elif result == "small":
            small = side
        elif result == "large":
            large = side
        else:
            return None
    low, high = small, fits  # low too small, high fits: bisect for the smallest
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if _try_side(net, like, middle) == "fits" else (middle, high)
    smallest = high
    if large is None:
        if _try_side(net, like, 2 * fits) == "fits":
            return smallest, None  # e.g. global average pooling: any larger side works
        large = 2 * fits
    low, high = fits, large  # low fits, high does not: bisect for the largest
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _try_side(net, like, middle) == "fits" else (low, middle)
    return smallest, low


def _roundest(low: int, high: int) -> int:
    """The side in [low, high] divisible by the highest power of two (96 in 65..96)."""
    return max(range(low, high + 1), key=lambda side: ((side & -side), side))


def image_size_error(net: nn.Module, X: torch.Tensor, error: Exception, resize,
                     caller: str) -> ValueError | None:
    """A ``ValueError`` naming the ``resize=`` ``net`` expects, when ``error`` (raised by
    ``net(X)``, X: N x C x H x W) is about the size or channels of the images; None otherwise.

    The sides that fit are found by trying one zero image at a time (eval
    mode, no gradients); ``caller`` names the function in the advice.
    """
    shape = "x".join(map(str, X.shape[-2:]))
    given = f"images of {shape}" + (f" (after resize={resize})" if resize else "")
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    channels = _CHANNELS.search(str(error))
    if channels:
        return ValueError(f"{caller}: this net takes images with {channels[1]} channel(s), but "
                          f"these have {channels[2]}; resizing cannot change that "
                          f"(PyTorch: {said})")
    verdict = _size_verdict(error)
    if verdict is None or X.dim() != 4:
        return None
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            sides = _sides_that_fit(net, X[:1], verdict)
    finally:
        net.train(was_training)
    if sides is None:
        expects = f"no square image from 1x1 to {LARGEST_SIDE_TRIED}x{LARGEST_SIDE_TRIED} fits it"
        advice = "check the net's layers"
    elif sides[1] is None:
        expects = f"it needs images of at least {sides[0]}x{sides[0]} pixels"
        advice = f"pass {caller}(..., resize={sides[0]}) or larger"
    else:
        side = _roundest(*sides)
        expects = (f"it takes images from {sides[0]}x{sides[0]} to {sides[1]}x{sides[1]} "
                   f"(it was probably built for {side}x{side})")
        advice = f"pass {caller}(..., resize={side})"
    return ValueError(f"{caller}: this net cannot take {given}: {expects}. {advice[0].upper()}"
                      f"{advice[1:]}. (PyTorch: {said})")


def check_image_size(net: nn.Module, images: torch.Tensor, resize=None, caller: str = "fit"):
    """Run the first of ``images`` (N, C, H, W, already resized) through ``net`` (eval mode,
    no gradients); raise a ``ValueError`` naming the ``resize=`` the net expects if it cannot
    take images of that size (or channels). Other errors pass through unchanged.

    ``fit`` calls it on its first batch; ``evaluate_accuracy``, ``predict`` and
    ``show_predictions`` explain a failing forward pass the same way. ``caller``
    names the function in the advice ("pass fit(..., resize=96)").
    """
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            net(images[:1])
    except RuntimeError as error:
        explained = image_size_error(net, images, error, resize, caller)
        if explained is None:
            raise
        raise explained from None
    finally:
        net.train(was_training)


def evaluate_accuracy(net: nn.Module, data, batch_size: int = 1024, device=None,
                      resize=None, amp: bool | None = None, channels_last: bool | None = None,
                      amp_dtype: torch.dtype | None = None) -> float:
    """The fraction of ``data`` (a tensor pair or an iterable of batches) classified right.

    Raises a ``ValueError`` naming the ``resize=`` to pass when the net cannot
    take images of this size.
    """
    device = torch.device(device) if device is not None else next(net.parameters()).device
    amp, amp_dtype, channels_last = _speedups(device, amp, amp_dtype, channels_last, net)
    prepare = _Prepare(device, resize, channels_last)
    if _is_tensor_pair(data):
        data = _place(data, device)
    net.eval()
    correct = torch.zeros((), device=device)
    total = 0
    with torch.no_grad(), torch.autocast(device.type, dtype=amp_dtype, enabled=amp):
        for X, y in _batches(data, batch_size, None):
            X, y = prepare(X, y)
            correct += (_forward(net, X, resize, "evaluate_accuracy").argmax(dim=1) == y).sum()
            total += len(y)
    return float(correct) / max(total, 1)


def _forward(net: nn.Module, X: torch.Tensor, resize, caller: str) -> torch.Tensor:
    """``net(X)``; an error about the image size becomes a sentence naming ``resize=``."""
    try:
        return net(X)
    except RuntimeError as error:
        explained = image_size_error(net, X, error, resize, caller)
        if explained is None:
            raise
        raise explained from None


def predict(net: nn.Module, images: torch.Tensor, resize=None) -> torch.Tensor:
    """Predicted labels of a batch of images (on the net's device; returned on the CPU).

    Raises a ``ValueError`` naming the ``resize=`` to pass when the net cannot
    take images of this size.
    """
    return _predict(net, images, resize, "predict")


def _predict(net: nn.Module, images: torch.Tensor, resize, caller: str) -> torch.Tensor:
    device = next(net.parameters()).device
    net.eval()
    with torch.no_grad():
        X, _ = _Prepare(device, resize, False)(images, torch.zeros(len(images)))
        return _forward(net, X, resize, caller).argmax(dim=1).cpu()


def show_predictions(net: nn.Module, data, count: int = 8, resize=None) -> torch.Tensor:
    """Draw the first ``count`` test images of ``data`` (an ``ImageData``), the true label
    above each and the prediction below (red when wrong); return the predicted labels."""
    import matplotlib.pyplot as plt

    images, labels = data.test_images[:count], data.test_labels[:count]
    predicted = _predict(net, images, resize, "show_predictions")
    fig, axes = plt.subplots(1, len(images), figsize=(1.1 * len(images) + 0.2, 1.8), squeeze=False)
    for ax, image, truth, guess in zip(axes[0], images, labels, predicted):
        ax.imshow(image[0].numpy(), cmap="gray_r")
        ax.set_title(data.classes[truth], fontsize=9)
        ax.set_xlabel(data.classes[guess], fontsize=9, color="black" if guess == truth else "red")
        ax.set_xticks([]), ax.set_yticks([])
    plt.show()
    return predicted


# Below this many parameters a net is too small for mixed precision and channels-last to pay:
# their casts and layout changes cost more than the arithmetic they speed up (LeNet: 61,706).
SPEEDUP_MIN_PARAMETERS = 1_000_000
# A seeded run on the CPU trains with this many threads, whatever the machine has: PyTorch
# splits a convolution's or a batch norm's sums by thread, so the last digits -- and after a
# few hundred steps the accuracy -- depend on the thread count. Two is what the class profile
# is designed for (a 2-core laptop); same seed, same numbers on any CPU.
SEEDED_CPU_THREADS = 2


def _speedups(device, amp, amp_dtype, channels_last, net=None):
    """Defaults: AMP and channels-last on CUDA for nets that are not tiny; bf16 where possible.

    On the CPU, channels-last is on for every convolutional net: oneDNN's
    kernels prefer it, and a LeNet training step takes 22 ms instead of
    30-35 ms on 2 cores (``benchmarks/train_lenet.py``; ResNet-18 and VGG-11
    gain a few per cent). AMP stays off on the CPU: without native bf16
    instructions it is slower than float32. The mixed-precision type is
    bf16 where the device has it, else fp16 (GPUs before NVIDIA's Ampere,
    Apple GPUs before macOS 14); asking for bf16 where there is none is a
    ``ValueError``, not PyTorch's warning that silently turns AMP off.
    """
    big = net is None or sum(p.numel() for p in net.parameters()) >= SPEEDUP_MIN_PARAMETERS
    convolutional = net is None or any(isinstance(m, nn.Conv2d) for m in net.modules())
    if amp is None:
        amp = device.type == "cuda" and big
    if amp_dtype is None:
        amp_dtype = torch.bfloat16 if _has_bf16(device) else torch.float16
    elif amp and amp_dtype == torch.bfloat16 and not _has_bf16(device):
        raise ValueError(f"amp_dtype=torch.bfloat16: {device} has no bfloat16; pass "
                         "amp_dtype=torch.float16 or leave amp_dtype=None")
    if channels_last is None:
        channels_last = ((device.type == "cuda" and big)
                         or (device.type == "cpu" and convolutional))
    return bool(amp), amp_dtype, bool(channels_last)


def _has_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 (CPUs do; GPUs from Ampere; MPS from macOS 14)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "mps":
        newer = getattr(torch.backends.mps, "is_macos_or_newer", None)
        return bool(newer and newer(14, 0))
    return True


# -- the live view ---------------------------------------------------------------------
def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _publish(figure, handle):
    """Show ``figure`` (first call) or replace it in place (later calls); returns the handle."""
    from IPython.display import display

    if handle is None:
        return display(figure, display_id=True)
    handle.update(figure)
    return handle


class _LivePlot:
    """One small figure, redrawn once per epoch and replaced in place in the notebook."""

    def __init__(self, epochs: int):
        import matplotlib.pyplot as plt

        self.figure, self.ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI,
                                            layout="constrained")
        plt.close(self.figure)  # shown only through the display handle, not again at cell end
        self.epochs, self.handle = epochs, None

    def update(self, history: History):
        self.ax.clear()
        history.plot(self.ax)
        self.ax.set_xlim(1, max(2, self.epochs))
        self.ax.set_ylim(0, max(1.0, max(history.train_loss[:1] + [1.0]) * 1.05))
        self.handle = _publish(self.figure, self.handle)


# -- fit -------------------------------------------------------------------------------
def fit(net: nn.Module, train_data, test_data=None, epochs: int = 10, lr: float = 0.9, *,
        batch_size: int = 256, device=None, init: str | None = "xavier", seed: int | None = None,
        optimizer: torch.optim.Optimizer | None = None, resize=None, amp: bool | None = None,
        amp_dtype: torch.dtype | None = None, channels_last: bool | None = None,
        live: bool | None = None, checkpoint: str | Path | None = None,
        cuda_graph: bool | None = None, augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
        callbacks: Iterable[Callable[[int, History, nn.Module], None]] = ()) -> History:
    """Train ``net`` with minibatch SGD on the cross-entropy loss; return the ``History``.

    ``train_data`` / ``test_data``: a pair of tensors ``(X, y)`` (batches are
    indexed on the device, reshuffled each epoch) or any iterable of
    ``(X, y)`` batches. ``init``: "xavier" (the book's), "default" or None
    (leave the weights alone, e.g. to continue training). ``seed`` makes a
    CPU run repeat exactly, on any machine (it trains with
    ``SEEDED_CPU_THREADS`` threads). ``resize``: image side the net expects (224 for
    AlexNet), applied per batch on the device. ``amp`` / ``channels_last``:
    None means "on CUDA, for nets of a million parameters or more" (tiny nets like
    LeNet run faster in float32); on the CPU, channels-last for convolutional nets. ``live``: progress bar and plot (None: in a
    notebook only). ``checkpoint``: a path to save state_dicts after each
    epoch. ``cuda_graph``: record one whole training step as a CUDA graph and
    replay it per batch, which removes Python's per-layer overhead (None: on
    CUDA when the data is a tensor pair and ``fit`` makes the optimizer;
    falls back to ordinary steps if recording fails). ``augment``: a function
    applied to every training batch on the device, e.g.
    ``cnn_helpers.chapters.ch04_alexnet.augmentation.random_shift`` (never to the test data; no CUDA
    graph then, as each batch's randomness differs). ``callbacks``: called
    as ``callback(epoch, history, net)`` after each epoch.

    A net with batch norm cannot normalize a batch of one example (it has no
    spread): ``fit`` leaves out a last batch of one (65 examples in batches
    of 64), saying so once; ``batch_size=1`` is a ``ValueError``.

    Raises ``TrainingDiverged`` when the loss becomes NaN/inf,
    ``TrainingOutOfMemory`` when CUDA runs out of memory, and ``ValueError``
    naming the ``resize=`` the net expects when the first batch's images do
    not fit it (``check_image_size``). Ctrl-C (KeyboardInterrupt) returns
    the history so far, marked interrupted.
    """
    device = torch.device(device) if device is not None else try_gpu()
    amp, amp_dtype, channels_last = _speedups(device, amp, amp_dtype, channels_last, net)
    live = _in_notebook() if live is None else live
    generator = None
    if seed is not None:
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
    elif _is_tensor_pair(train_data):
        generator = torch.Generator().manual_seed(int(torch.randint(2**31, ())))
    if init is not None:
        if init not in INITIALIZERS:
            raise ValueError(f"init={init!r}: choose one of {', '.join(INITIALIZERS)} or None")
        INITIALIZERS[init](net)
    net.to(device)
    if channels_last:
        net.to(memory_format=torch.channels_last)
    if _is_tensor_pair(train_data):
        train_data = _place(train_data, device)
    if test_data is not None and _is_tensor_pair(test_data):
        test_data = _place(test_data, device)
    own_optimizer = optimizer is None
    optimizer = optimizer or _sgd(net, lr, device)
    # fp16 needs its gradients scaled against underflow; bf16 has float32's range and does not
    scaler = torch.amp.GradScaler(device.type) if amp and amp_dtype == torch.float16 else None
    if cuda_graph and augment is not None:
        raise ValueError("cuda_graph=True replays one recorded batch; it cannot augment each "
                         "batch anew: leave cuda_graph=None with augment")
    if cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device, not {device}")
    if cuda_graph is None:
        cuda_graph = (device.type == "cuda" and own_optimizer and scaler is None
                      and augment is None and _is_tensor_pair(train_data))
    prepare = _Prepare(device, resize, channels_last)
    history = History(device=str(device))
    plot = _LivePlot(epochs) if live else None
    n_batches = _number_of_batches(train_data, batch_size)
    # batch norm cannot normalize one example (no spread): a last batch of one is left out
    drop_single = has_batch_norm(net)
    if drop_single and _is_tensor_pair(train_data):
        if batch_size == 1 or len(train_data[1]) == 1:
            raise ValueError(_ONE_EXAMPLE_BATCHES)
        n_batches -= len(train_data[1]) % batch_size == 1
    said_dropped, checked_size = False, False
    refresh = max(1, (n_batches or 50) // 10)  # sync with the device ~10 times per epoch
    loss_sum = torch.zeros((), device=device)  # this epoch's sums, kept on the device
    correct = torch.zeros((), device=device)

    def step(X, y):
        """One minibatch: forward, loss, backward, SGD update, running sums."""
        with torch.autocast(device.type, dtype=amp_dtype, cache_enabled=not cuda_graph) \
                if amp else nullcontext():
            y_hat = net(X)
            loss = F.cross_entropy(y_hat, y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        loss_sum.add_(loss.detach(), alpha=len(y))
        correct.add_((y_hat.detach().argmax(dim=1) == y).sum())

    graphed = None
    epoch, batch = 0, 0
    bar = _progress_bar(live, n_batches)  # one bar, reset each epoch (one output, not one per epoch)
    autotune = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = device.type == "cuda" or autotune  # fixed shapes: tune once
    threads = torch.get_num_threads()
    if seed is not None and device.type == "cpu":  # how sums are split depends on the threads
        torch.set_num_threads(SEEDED_CPU_THREADS)
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            net.train()
            loss_sum.zero_()
            correct.zero_()
            seen = 0
            if bar is not None:
                bar.reset(total=n_batches)
                bar.set_description(f"epoch {epoch}/{epochs}", refresh=False)
            for batch, (X, y) in enumerate(_batches(train_data, batch_size, generator), 1):
                if drop_single and len(y) == 1:
                    if not said_dropped:
                        print("(batch norm needs more than one example per batch: fit leaves out "
                              "each epoch's last batch, which holds a single example)")
                        said_dropped = True
                    continue
                X, y = prepare(X, y)
                if augment is not None:
                    X = augment(X)
                if not checked_size:  # a clear sentence, not PyTorch's, for a wrong image size
                    check_image_size(net, X, resize, "fit")
                    checked_size = True
                if cuda_graph and graphed is None and len(y) == batch_size:
                    graphed = _GraphedStep.record(step, net, X, y, loss_sum, correct)
                    cuda_graph = graphed is not None
                if graphed is not None and len(y) == batch_size:
                    graphed(X, y)
                else:
                    step(X, y)
                seen += len(y)
                if batch % refresh == 0 or batch == n_batches:
                    mean_loss = float(loss_sum) / seen  # one sync with the device
                    _check_finite(mean_loss, epoch, batch, lr, history)
                    if bar is not None:
                        bar.set_postfix(loss=f"{mean_loss:.3f}",
                                        acc=f"{float(correct) / seen:.3f}", refresh=False)
                        bar.update(batch - bar.n)
            train_seconds = time.perf_counter() - start
            if seen == 0:
                raise ValueError(_ONE_EXAMPLE_BATCHES if said_dropped
                                 else "the training data gave no batches")
            _check_finite(float(loss_sum) / seen, epoch, batch, lr, history)
            history.train_loss.append(float(loss_sum) / seen)
            history.train_acc.append(float(correct) / seen)
            history.examples_per_s.append(seen / train_seconds)
            if test_data is not None:
                history.test_acc.append(evaluate_accuracy(
                    net, test_data, batch_size, device, resize, amp, channels_last, amp_dtype))
            if plot is not None:
                plot.update(history)
            history.epoch_seconds.append(time.perf_counter() - start)
            if checkpoint is not None:
                save_checkpoint(checkpoint, net, optimizer, history)
            for callback in callbacks:
                callback(epoch, history, net)
    except KeyboardInterrupt:
        history.interrupted = True
        print(f"Interrupted at epoch {epoch}, batch {batch}: keeping the model as it is and "
              f"the history of the {history.epochs} finished epoch(s).")
    except torch.OutOfMemoryError as error:
        if device.type == "cuda":
            torch.cuda.empty_cache()
        smaller = max(1, batch_size // 2)
        raise TrainingOutOfMemory(
            f"{device} ran out of memory at batch size {batch_size}"
            + (f" with images resized to {resize}" if resize else "")
            + f". Try fit(..., batch_size={smaller}) (or a smaller resize / width)."
        ) from error
    finally:
        torch.backends.cudnn.benchmark = autotune
        torch.set_num_threads(threads)
        if bar is not None:
            bar.close()
    return history


def plateau_exit(history: History, steps_per_epoch: int, below: float = 2.2) -> tuple[int, int] | None:
    """When a run left the loss plateau at ln 10 = 2.30 (chance for 10 classes): ``(epoch, steps)``.

    ``epoch`` (counted from 1) is the first whose mean training loss is below
    ``below``; ``steps`` = ``epoch * steps_per_epoch`` is the number of SGD
    steps taken by its end, an upper bound on when the net left the plateau
    (the history keeps one loss per epoch). None when every epoch stayed on it.
    Used by chapters 3 and 8 to print the number instead of stating one.
    """
    for epoch, loss in enumerate(history.train_loss, start=1):
        if loss < below:
            return epoch, epoch * steps_per_epoch
    return None


JUDGED_EPOCHS = 3  # check_training judges the mean test accuracy of the last three epochs


def judged_accuracy(history: History) -> float:
    """The test accuracy a training run is judged by: the mean of its last three epochs.

    One epoch's test accuracy jumps with the last few steps (NiN, DenseNet and
    LeNet-BN move by 0.1-0.3 between epochs on the class profile's small data),
    so a target on the last epoch alone fails on noise, and the best epoch
    would be chosen by looking at the test set. The late-epoch mean is what the
    targets in ``models.ACCURACY_TARGETS`` were measured with, over seeds.
    """
    late = history.test_acc[-JUDGED_EPOCHS:]
    return sum(late) / len(late)


def check_training(history: History, model: str, data, profile: str) -> float | None:
    """The check every training chapter makes after ``fit``, printed as the notebooks' lines.

    The training loss must have gone down, and the mean test accuracy of the
    last three epochs (``judged_accuracy``) must reach
    ``models.accuracy_target(model, data.key, profile)`` where one is
    claimed. ``model``: the key in ``models.ACCURACY_TARGETS`` ("alexnet");
    ``data``: the ``ImageData`` trained on. Returns the target (None: no
    accuracy claimed, or no finished epoch to judge: a Ctrl-C in the first
    epoch or ``epochs=0``, which it says in one line). Raises an
    ``AssertionError`` that names what failed.
    """
    from cnn_helpers.models import BOOK_ACCURACY, accuracy_target

    if not history.epochs:  # nothing to judge: say why rather than fail on an empty list
        print(f"{_no_epoch_reason(history)}: nothing to check (run the training cell again "
              "and let at least one epoch finish)")
        return None
    first, last = history.train_loss[0], history.train_loss[-1]
    assert last < first, f"the training loss did not go down: {first:.3f} -> {last:.3f}"
    print(f"\u2713 the training loss went down: {first:.3f} -> {last:.3f}")
    target = accuracy_target(model, data.key, profile)
    if target is None:
        print(f"(no accuracy target for {model} on {data.name} in the {profile} profile)")
        return None
    accuracy = judged_accuracy(history)
    late = len(history.test_acc[-JUDGED_EPOCHS:])
    what = f"mean test accuracy of the last {late} epochs" if late > 1 else "test accuracy"
    assert accuracy >= target, (f"{model}: {what} {accuracy:.3f} < {target} "
                                f"({data.name}, {profile} profile)")
    print(f"\u2713 {model}: {what} {accuracy:.3f} \u2265 {target} ({data.name}, {profile} profile)")
    book = BOOK_ACCURACY.get(model)
    if book is not None and data.key == "fashion_mnist" and profile != "full":
        print(f"  the book's full-size run on a GPU (10 epochs): {book}; this {profile} run's last "
              f"epoch: {history.test_acc[-1]:.3f} ({history.test_acc[-1] - book:+.3f})")
    return target


class _GraphedStep:
    """A training step recorded once as a CUDA graph, then replayed on each new batch.

    Small nets spend most of a step in Python launching ~60 small kernels;
    a replay launches them all at once. Recording needs a few warm-up steps,
    so the weights are saved before and restored after them: the replays
    then continue from exactly where eager training would.
    """

    def __init__(self, graph, X, y):
        self.graph, self.X, self.y = graph, X, y

    @classmethod
    def record(cls, step, net, X, y, loss_sum, correct):
        state = [t.detach().clone() for t in (*net.parameters(), *net.buffers())]
        sums = (loss_sum.clone(), correct.clone())
        static_X, static_y = X.clone(), y.clone()
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    step(static_X, static_y)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                step(static_X, static_y)
        except Exception as error:  # a model that cannot be recorded trains step by step
            print(f"(CUDA graph not used: {type(error).__name__}: {error})")
            graph = None
        with torch.no_grad():
            for saved, tensor in zip(state, (*net.parameters(), *net.buffers())):
                tensor.copy_(saved)
            loss_sum.copy_(sums[0])
            correct.copy_(sums[1])
        return cls(graph, static_X, static_y) if graph is not None else None

    def __call__(self, X, y):
        self.X.copy_(X)
        self.y.copy_(y)
        self.graph.replay()


def _sgd(net: nn.Module, lr: float, device: torch.device) -> torch.optim.Optimizer:
    """The book's plain minibatch SGD; on CUDA one fused kernel updates every parameter."""
    if device.type == "cuda":
        try:
            return torch.optim.SGD(net.parameters(), lr=lr, fused=True)
        except (TypeError, RuntimeError):  # an older PyTorch without fused SGD
            pass
    return torch.optim.SGD(net.parameters(), lr=lr)


def _check_finite(mean_loss: float, epoch: int, batch: int, lr: float, history: History):
    if not math.isfinite(mean_loss):
        raise TrainingDiverged(
            f"training diverged: the loss became {mean_loss} in epoch {epoch} "
            f"(by batch {batch}). The learning rate lr={lr:g} is probably too high; "
            f"try lr={lr / 10:g}.", history)


def _progress_bar(live: bool, total: int | None):
    if not live:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, leave=False, unit="batch", mininterval=0.5)

