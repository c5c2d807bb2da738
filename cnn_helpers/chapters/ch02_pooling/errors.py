"""The two errors of pooling (notes, chapter 2): the variance of the average, the shift of the max.

What the notes say of each pooling's error (average: the variance of the
estimate; max: a shift of its mean): ``window_estimates`` simulates the
estimates from a window of noisy responses, ``check_window_errors`` checks the
first statement on them. The second is not measured (chapter 2 says why).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from cnn_helpers.core.claims import claim


@dataclass(frozen=True)
class WindowEstimate:
    """Average and max pooling as estimates of one feature's strength in a window of noisy responses."""

    window: int  # responses per window (k * k)
    mean_of_average: float
    spread_of_average: float  # standard deviation over the trials
    mean_of_max: float
    spread_of_max: float


def window_estimates(windows: Iterable[int] = (4, 9, 16), trials: int = 20_000, strength: float = 1.0,
                     noise: float = 0.2, offset: float = 0.0, seed: int = 0) -> list[WindowEstimate]:
    """Simulate a window of ``k * k`` responses, each ``strength + offset + noise * N(0, 1)``.

    The notes' two sources of error: a window holds few responses, so an
    estimate from it varies (its spread over ``trials`` windows); and an
    error in the convolution's parameters (here a constant ``offset``, as a
    wrong bias gives) shifts the responses' mean. Returns, per window size,
    the mean and the standard deviation of the average and of the maximum.

    Args:
        windows: responses per window (``k * k``), one row each.
        trials: windows simulated per size.
        strength: the feature's true strength.
        noise: standard deviation of each response's noise.
        offset: a constant error added to every response (a wrong bias).
        seed: seed of the random generator.

    Returns:
        One ``WindowEstimate`` per window size, in order.
    """
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for n in windows:
        responses = strength + offset + noise * torch.randn(trials, n, generator=generator)  # trials x n
        average, maximum = responses.mean(dim=1), responses.max(dim=1).values  # trials each
        rows.append(WindowEstimate(n, average.mean().item(), average.std().item(),
                                   maximum.mean().item(), maximum.std().item()))
    return rows


def check_window_errors(noise: float = 0.2) -> list[WindowEstimate]:
    """Check the notes' first error statement on ``window_estimates``; print and return its rows.

    (1) The variance of the estimate: the average's spread over the trials is
    ``noise / sqrt(n)`` (within 5%) and smaller than the maximum's, for every window.
    The notes' second statement (max pooling curbs the shift of the mean that errors
    in the convolution's parameters cause) is not simulated: see chapter 2's notebook.
    """
    rows = window_estimates(noise=noise)
    print(f"{'window':>8}{'average':>9}{'spread':>8}{'maximum':>9}{'spread':>8}")
    for row in rows:
        print(f"{row.window:>8}{row.mean_of_average:>9.3f}{row.spread_of_average:>8.3f}"
              f"{row.mean_of_max:>9.3f}{row.spread_of_max:>8.3f}")
    claim(all(abs(row.spread_of_average - noise / math.sqrt(row.window)) < 0.05 * noise / math.sqrt(row.window)
              and row.spread_of_average < row.spread_of_max for row in rows),
          f"(1) holds: the average's spread falls as noise / sqrt(window), "
          f"{', '.join(f'{row.spread_of_average:.3f}' for row in rows)} (formula: "
          f"{', '.join(f'{noise / math.sqrt(row.window):.3f}' for row in rows)}); the maximum's "
          f"stays larger: {', '.join(f'{row.spread_of_max:.3f}' for row in rows)}")
    return rows
