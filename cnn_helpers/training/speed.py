"""How ``fit`` runs fast without changing what it computes: ``Speed``, CUDA graphs, threads.

* On CUDA: mixed precision (bf16, or fp16 with a gradient scaler) and
  channels-last memory for nets that are big enough to gain from them,
  and cuDNN autotuning; each training step is recorded once as a CUDA graph
  and replayed per batch (6x the eager speed for LeNet on an H100).
* On the CPU: channels-last memory for convolutional nets (1.4x for LeNet on
  2 cores). ``Speed(amp=True)`` forces mixed precision on the CPU too (the
  tests do, so that path is not dead code). A seeded run trains with
  ``SEEDED_CPU_THREADS`` threads, so it repeats exactly on any machine.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

from cnn_helpers.core.language import tr

# Below this many parameters a net is too small for mixed precision and channels-last to pay:
# their casts and layout changes cost more than the arithmetic they speed up (LeNet: 61,706).
SPEEDUP_MIN_PARAMETERS = 1_000_000
# A seeded run on the CPU trains with this many threads, whatever the machine has: PyTorch
# splits a convolution's or a batch norm's sums by thread, so the last digits -- and after a
# few hundred steps the accuracy -- depend on the thread count. Two is what the class profile
# is designed for (a 2-core laptop); same seed, same numbers on any CPU.
SEEDED_CPU_THREADS = 2


@dataclass(frozen=True)
class Speed:
    """``fit``'s speed-ups, each None for its own choice: ``fit(..., speed=Speed(amp=True))``.

    Attributes:
        amp: mixed precision (None: on CUDA, for nets of a million parameters
            or more; tiny nets like LeNet run faster in float32).
        amp_dtype: ``torch.bfloat16`` or ``torch.float16`` (None: bf16 where the
            device has it, else fp16 with a gradient scaler).
        channels_last: channels-last memory (None: on CUDA for nets of a million
            parameters or more; on the CPU for every convolutional net).
        cuda_graph: record one whole training step as a CUDA graph and replay it
            per batch, which removes Python's per-layer overhead (None: on CUDA
            when the data is a tensor pair, ``fit`` makes the optimizer and
            nothing augments; falls back to ordinary steps if recording fails).
    """

    amp: bool | None = None
    amp_dtype: torch.dtype | None = None
    channels_last: bool | None = None
    cuda_graph: bool | None = None

    def resolve(self, device: torch.device, net: nn.Module | None = None) -> Speed:
        """This ``Speed`` with ``amp``, ``amp_dtype`` and ``channels_last`` decided for ``device``.

        On the CPU, channels-last is on for every convolutional net: oneDNN's
        kernels prefer it, and a LeNet training step takes 22 ms instead of
        30-35 ms on 2 cores (``benchmarks/train_lenet.py``; ResNet-18 and VGG-11
        gain a few per cent). AMP stays off on the CPU: without native bf16
        instructions it is slower than float32. Asking for bf16 where there is
        none is a ``ValueError``, not PyTorch's warning that silently turns AMP off.
        ``cuda_graph`` is left as it is (``fit`` decides it: ``_use_cuda_graph``).
        """
        big = net is None or sum(p.numel() for p in net.parameters()) >= SPEEDUP_MIN_PARAMETERS
        convolutional = net is None or any(isinstance(m, nn.Conv2d) for m in net.modules())
        amp, amp_dtype, channels_last = self.amp, self.amp_dtype, self.channels_last
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
        return Speed(bool(amp), amp_dtype, bool(channels_last), self.cuda_graph)


def _has_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 (CPUs do; GPUs from Ampere; MPS from macOS 14)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "mps":
        newer = getattr(torch.backends.mps, "is_macos_or_newer", None)
        return bool(newer and newer(14, 0))
    return True


def _use_cuda_graph(speed: Speed, device: torch.device, augment, graphable: bool) -> bool:
    """Whether ``fit`` records its step as a CUDA graph; refuses what cannot be recorded."""
    if speed.cuda_graph and augment is not None:
        raise ValueError("cuda_graph=True replays one recorded batch; it cannot augment each "
                         "batch anew: leave cuda_graph=None with augment")
    if speed.cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device, not {device}")
    if speed.cuda_graph is None:
        return device.type == "cuda" and graphable
    return speed.cuda_graph


@contextmanager
def machine_settings(device: torch.device, seeded: bool) -> Iterator[None]:
    """While ``fit`` trains: cuDNN autotuning on CUDA, and a seeded CPU run's thread count.

    Both are put back afterwards, as the caller had them.
    """
    autotune = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = device.type == "cuda" or autotune  # fixed shapes: tune once
    threads = torch.get_num_threads()
    if seeded and device.type == "cpu":  # how sums are split depends on the threads
        torch.set_num_threads(SEEDED_CPU_THREADS)
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = autotune
        torch.set_num_threads(threads)


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
    def record(cls, step: Callable, net: nn.Module, X, y, loss_sum, correct):
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
            print(tr(f"(CUDA graph not used: {type(error).__name__}: {error})"))
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
