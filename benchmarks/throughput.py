"""Each chapter's class-profile training speed against the machine's limit, and what helps.

    python benchmarks/throughput.py [--only resnet vgg] [--steps 30] [--variants fp32 bf16 compile]

Per net: the FLOPs of one training example (forward and backward, counted by
``torch.utils.flop_counter`` at the class profile's width and image size), the
examples per second of ``fit``'s training step on 2 threads, and so the GFLOP/s the
step reaches, against the machine's peak measured in the same run: a 2048x2048
float32 matmul on the same 2 threads (``peak_gflops``). The percentage is how far a
net is from what the cores can do; the rest goes to memory-bound layers (batch norm,
ReLU, pooling, concatenation), small convolutions oneDNN cannot tile well, and
Python's per-layer overhead.

Variants, each timed side by side in the same run on the same batches:

* ``fp32``: what the class profile runs (channels-last, float32);
* ``bf16``: ``torch.autocast("cpu", torch.bfloat16)`` around the forward pass (fast
  only where the CPU has AMX or AVX-512 BF16; the class budget never counts on it);
* ``compile``: ``torch.compile`` of the net (compile seconds reported apart: they are
  paid once per notebook run).

Times are also scaled to the reference 2-core laptop (140 GFLOP/s):
seconds x peak / 140.

``--breakdown`` adds, per net, where a training step's time goes (``torch.profiler``: the
three operators with the most self CPU time, as shares): the biggest remaining loss.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from cnn_helpers import chapters  # noqa: E402

REFERENCE_GFLOPS = 140.0  # the reference 2-core laptop's 2-thread fp32 2048^2 matmul
THREADS = 2


def peak_gflops(size: int = 2048, repeats: int = 10) -> float:
    """The median GFLOP/s of a ``size`` x ``size`` float32 matmul on ``THREADS`` threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / sorted(times)[repeats // 2] / 1e9


def training_flops(net, example: torch.Tensor) -> float:
    """FLOPs of forward + backward for one example (a batch's count / batch size)."""
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(net(example), torch.zeros(len(example), dtype=torch.long)).backward()
    net.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(example)


def step_rate(net, X, y, steps: int, bf16: bool = False) -> float:
    """Examples per second of SGD steps on one batch (3 warm-up steps first)."""
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    context = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()

    def step():
        with context:
            loss = F.cross_entropy(net(X), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * len(y) / (time.perf_counter() - start)


def breakdown(net, X, y, steps: int = 5) -> str:
    """The three operators with the most self CPU time in ``steps`` training steps, as shares."""
    from torch.profiler import ProfilerActivity, profile

    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            loss = F.cross_entropy(net(X), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:3]
    return ", ".join(f"{e.key} {e.self_cpu_time_total / total:.0%}" for e in top)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    keys = [run.key for run in chapters.trained_runs()]
    parser.add_argument("--only", nargs="+", choices=keys, default=keys)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--variants", nargs="+", choices=["fp32", "bf16", "compile"],
                        default=["fp32", "bf16"])
    parser.add_argument("--breakdown", action="store_true", help="where a step's time goes")
    args = parser.parse_args(argv)
    torch.set_num_threads(THREADS)
    peak = peak_gflops()
    print(f"peak: {peak:.0f} GFLOP/s (2-thread fp32 2048^2 matmul); reference laptop "
          f"{REFERENCE_GFLOPS:.0f}; times here x {peak / REFERENCE_GFLOPS:.2f} = reference times")
    print(f"{'net':<13} {'MFLOP/ex':>9} {'variant':<8} {'ex/s':>7} {'GFLOP/s':>8} {'of peak':>8}"
          f" {'s/epoch':>8} {'ref s/ep':>8} {'compile s':>9}")
    for key in args.only:
        run = chapters.settings(key, "class")
        side = run.resize or 28
        torch.manual_seed(0)
        X = torch.rand(run.batch_size, 1, side, side).contiguous(memory_format=torch.channels_last)
        y = torch.randint(10, (run.batch_size,))  # pixels in [0, 1], as fit feeds them
        examples = run.train_examples or 60_000
        for variant in args.variants:
            torch.manual_seed(0)  # each variant from the same fresh weights
            net = chapters.run(key).build(run).to(memory_format=torch.channels_last)
            flops = training_flops(net, X[:8])
            compile_seconds = float("nan")
            model = net
            if variant == "compile":
                model = torch.compile(net)
                start = time.perf_counter()
                step_rate(model, X, y, 1)
                compile_seconds = time.perf_counter() - start
            rate = step_rate(model, X, y, args.steps, bf16=variant == "bf16")
            epoch = examples / rate
            print(f"{key:<13} {flops / 1e6:>9.1f} {variant:<8} {rate:>7.0f} {rate * flops / 1e9:>8.1f}"
                  f" {rate * flops / 1e9 / peak:>7.0%} {epoch:>8.1f} {epoch * peak / REFERENCE_GFLOPS:>8.1f}"
                  f" {compile_seconds:>9.1f}", flush=True)
        if args.breakdown:
            print(f"{'':<13} time by operator: {breakdown(net, X, y)}", flush=True)
    print(f"peak again: {peak_gflops():.0f} GFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
