"""How fast does the pooling explorer answer a slider? Ours (PIL pictures) against matplotlib.

Run: ``.venv/bin/python benchmarks/pooling_latency.py [--updates 50]``

On the 256x256 cameraman photo, a seeded sequence of varied updates (shift,
window, stride, padding, mode), each a valid setting, timed two ways:

* **ours**: ``PoolingExplorer.update(**change)``, exactly what a slider
  callback runs: pool the input at every shift (cached per setting), colour
  the arrays and encode PNGs with Pillow (``cnn_helpers.core.render``).
* **matplotlib**: the same numbers (a second explorer computes them, with the
  same caches), drawn the way a plain ``interact`` callback would: a new
  figure with the shifted input, the pooled output with its unchanged mask,
  and the invariance bars, saved as PNG, every update.

Both run in one process, interleaved update by update, so a busy CPU slows
both alike. The table gives the median and 90th percentile (ms), the median
CPU time, and the ratio matplotlib / ours of the medians. Target of issue 4:
median <= 50 ms per update on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from cnn_helpers.widgets.common import single_thread  # noqa: E402
from cnn_helpers.widgets.pooling_explorer import MAX_SHIFT, PoolingExplorer  # noqa: E402


def varied_updates(count: int, seed: int = 0) -> list[dict]:
    """A student's session: mostly the shift slider, then window, stride, padding and mode."""
    rng = random.Random(seed)
    window, padding, updates = 2, 0, []
    for _ in range(count):
        choice = rng.random()
        if choice < 0.4:
            updates.append(dict(shift=rng.randint(0, MAX_SHIFT)))
        elif choice < 0.6:
            window = rng.randint(1, 8)
            padding = min(padding, window // 2)  # keep the setting valid
            updates.append(dict(window=window, padding=padding))
        elif choice < 0.75:
            updates.append(dict(stride=rng.randint(1, 6)))
        elif choice < 0.9:
            padding = rng.randint(0, window // 2)
            updates.append(dict(padding=padding))
        else:
            updates.append(dict(mode=rng.choice(["max", "avg"])))
    return updates


def matplotlib_update(explorer: PoolingExplorer, change: dict) -> bytes:
    """The same update, drawn as one matplotlib figure saved to PNG."""
    explorer._updating = True  # set the controls without the explorer's own drawing
    for name, value in change.items():
        explorer._controls[name].value = value
    explorer._updating = False
    s = explorer.settings
    with single_thread():
        X = explorer.shifted_inputs(s["image"])[s["shift"]][0]  # (256, 256)
        pooled, curve = explorer.pooled(s["image"], s["mode"], s["window"], s["stride"],
                                        s["padding"])
    Y, unchanged = pooled[s["shift"]][0], (pooled[s["shift"]] == pooled[0])[0]
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.4), dpi=100)
    axes[0].imshow(X, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("input (shifted)")
    axes[1].imshow(Y, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[1].imshow(np.ma.masked_where(~unchanged.numpy(), unchanged.numpy()), cmap="Greens",
                   alpha=0.4, vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_title(f"pooled {tuple(Y.shape)}")
    for ax in axes[:2]:
        ax.set_axis_off()
    shifts = np.array(curve.shifts)
    axes[2].bar(shifts - 0.2, curve.unpooled, 0.4, color="orange", label="input")
    axes[2].bar(shifts + 0.2, curve.pooled, 0.4, color="tab:blue", label="pooled")
    axes[2].axvspan(s["shift"] - 0.5, s["shift"] + 0.5, color="red", alpha=0.15)
    axes[2].set_ylim(0, 1)
    axes[2].legend(fontsize=8)
    axes[2].set_title("unchanged, per shift")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def time_updates(count: int) -> dict:
    """Wall-clock and CPU ms of both ways, interleaved on the same updates."""
    ours_explorer, naive_explorer = PoolingExplorer(), PoolingExplorer()
    updates = varied_updates(count)
    for change in updates[:3]:  # warm up: fonts, caches, first PNG encoders
        ours_explorer.update(**change)
        matplotlib_update(naive_explorer, change)
    ours_explorer.update(**PoolingExplorer().settings)
    naive_explorer.update(**PoolingExplorer().settings)
    result = {key: [] for key in ("ours", "naive", "ours_cpu", "naive_cpu")}
    for change in updates:
        start, start_cpu = time.perf_counter(), time.process_time()
        ours_explorer.update(**change)
        result["ours"].append((time.perf_counter() - start) * 1000)
        result["ours_cpu"].append((time.process_time() - start_cpu) * 1000)
        assert ours_explorer.error is None, (change, ours_explorer.error)
        start, start_cpu = time.perf_counter(), time.process_time()
        matplotlib_update(naive_explorer, change)
        result["naive"].append((time.perf_counter() - start) * 1000)
        result["naive_cpu"].append((time.process_time() - start_cpu) * 1000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=50, help="number of timed updates")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPU cores, torch {torch.__version__}, load average {load:.1f}; "
          f"{args.updates} varied updates of the pooling explorer on a 256x256 photo")
    result = time_updates(args.updates)
    header = f"{'drawing':<34}{'median':>10}{'p90':>10}{'median CPU':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    ours_median = statistics.median(result["ours"])
    for label, key in [("ours (numpy + Pillow PNG)", "ours"),
                       ("matplotlib figure -> PNG", "naive")]:
        median = statistics.median(result[key])
        p90 = float(np.percentile(result[key], 90))
        cpu = statistics.median(result[f"{key}_cpu"])
        print(f"{label:<34}{median:>7.1f} ms{p90:>7.1f} ms{cpu:>9.1f} ms{median / ours_median:>7.1f}x")
    print(f"(wall-clock ms per slider change, compute + pictures; ratio = median / ours; "
          f"load average now {os.getloadavg()[0]:.1f}; target: median <= 50 ms)")


if __name__ == "__main__":
    main()
