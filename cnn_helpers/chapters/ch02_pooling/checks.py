"""Pooling's measurable claims (notes, chapter 2): invariance, parameters, compression.

``ops.pool2d`` is pooling written to be read; this module measures what
the notes *say* about pooling, so that the notebook can check each claim:

* pooling eases convolution's over-sensitivity to position (2.4):
  ``invariance_curve`` counts the outputs that stay exactly the same when
  the input moves by a few pixels, before and after pooling;
* the notes' translation, *rotation and scale* invariance:
  ``transformation_sensitivity`` measures how much a feature map changes
  under small shifts, rotations and rescalings, without and with pooling
  (``relative_change``), and ``change_by_distance`` where in the image a
  rotation's change survives pooling;
* pooling has no parameters, and global average pooling replaces large
  fully connected heads (2.3): ``gap_head``, ``flatten_head``,
  ``parameter_count``;
* pooling compresses features and the computation after it (2.4):
  ``conv_multiply_adds``;
* what the notes say of each pooling's error (average: the variance of the
  estimate; max: a shift of its mean): ``window_estimates`` simulates both
  estimates; which pooling the course's nets use: ``pooling_census``.

``pool`` is the fast twin of ``ops.pool2d`` (``F.max_pool2d`` /
``F.avg_pool2d`` with the same checks and messages), for widgets and
full-size photographs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cnn_helpers import models
from cnn_helpers.core.images import shifted, transformed
from cnn_helpers.models import count_parameters
from cnn_helpers.ops import Pair, as_pair, conv_output_shape

EDGE_KERNEL = torch.tensor([[1.0, -1.0]])  # the notes' vertical-edge detector (1.1)
MODES = ("max", "avg")


# ---------------------------------------------------------------- fast pooling


def pooling_output_shape(input_size, pool_size, *, stride=None, padding=0) -> Pair:
    """Output (height, width) of a pooling window, with ``pool2d``'s checks.

    ``stride`` defaults to the window (as in PyTorch); ``padding`` is per
    side. Raises ``ValueError`` for an impossible setting: a window larger
    than the padded input, or padding of more than half the window (PyTorch
    refuses it: some windows would hold only padding).
    """
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")
    q = as_pair(padding, "padding")
    if min(q) < 0:
        raise ValueError(f"padding cannot be negative, got {q}")
    if q[0] > k[0] // 2 or q[1] > k[1] // 2:
        raise ValueError(
            f"padding {q} is more than half the window {k}: some windows would hold only padding"
        )
    return conv_output_shape(input_size, k, stride=s, padding=q)


def pool(X: torch.Tensor, pool_size, mode: str = "max", *, stride=None, padding=0) -> torch.Tensor:
    """Max or average pooling of (h, w) or (c, h, w) with PyTorch: ``pool2d``, but fast.

    Same arguments, defaults, checks and results as ``ops.pool2d``
    (``tests/test_pooling_chapter.py`` compares them).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    if X.dim() not in (2, 3):
        raise ValueError(f"X must be (height, width) or (channels, height, width), got {tuple(X.shape)}")
    k = as_pair(pool_size, "pool_size")
    s = as_pair(k if stride is None else stride, "stride")
    q = as_pair(padding, "padding")
    pooling_output_shape(tuple(X.shape[-2:]), k, stride=s, padding=q)  # raises if impossible
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    channels = X.unsqueeze(0) if X.dim() == 2 else X  # (c, h, w)
    Y = torch_pool(channels, k, stride=s, padding=q)  # (c, out_h, out_w)
    return Y[0] if X.dim() == 2 else Y


# ---------------------------------------------------------------- invariance (2.4)


def edge_response(X: torch.Tensor) -> torch.Tensor:
    """Edge strength ``|X * [1, -1]|`` of an (h, w) image: (h, w - 1), a convolution's output."""
    return F.conv2d(X[None, None], EDGE_KERNEL.to(X)[None, None])[0, 0].abs()


def unchanged_fraction(before: torch.Tensor, after: torch.Tensor, tolerance: float = 0.0) -> float:
    """Share of elements that differ by at most ``tolerance`` (0: exactly equal)."""
    if before.shape != after.shape:
        raise ValueError(f"shapes differ: {tuple(before.shape)} and {tuple(after.shape)}")
    return ((before - after).abs() <= tolerance).float().mean().item()


@dataclass(frozen=True)
class InvarianceCurve:
    """Fraction of unchanged outputs for each shift, without and with pooling."""

    shifts: list[int]
    unpooled: list[float]  # the feature map itself, compared position by position
    pooled: list[float]  # the pooled feature map


def invariance_curve(feature_map, shifts, pool_size=2, mode: str = "max", *, stride=None,
                     padding=0, tolerance: float = 0.0, before_pooling=None) -> InvarianceCurve:
    """Move the input right by each shift and count the outputs that did not change.

    ``feature_map`` is (h, w) or (c, h, w). ``before_pooling`` maps an input
    to the map that is pooled (e.g. ``edge_response``: pool the output of an
    edge detector); by default the input itself is pooled. For every shift
    ``s`` the shifted input goes through the same steps, and the outputs are
    compared *at the same positions* with those of the unshifted input.
    """
    step = before_pooling or (lambda X: X)
    reference = step(feature_map)
    reference_pooled = pool(reference, pool_size, mode, stride=stride, padding=padding)
    unpooled, pooled = [], []
    for s in shifts:
        moved = step(shifted(feature_map, 0, s))
        unpooled.append(unchanged_fraction(reference, moved, tolerance))
        moved_pooled = pool(moved, pool_size, mode, stride=stride, padding=padding)
        pooled.append(unchanged_fraction(reference_pooled, moved_pooled, tolerance))
    return InvarianceCurve(list(shifts), unpooled, pooled)


def expected_unchanged_max(pool_size: int, shift: int) -> float:
    """Share of k x k max-pooling outputs that survive a shift of ``s`` columns, for noise.

    With all-different random values, a window's maximum survives when the
    largest of the ``k + s`` columns that the old and new window cover
    lies in the ``k - s`` columns they share: ``(k - s) / (k + s)``
    (0 once ``s >= k``).
    """
    k, s = pool_size, abs(shift)
    return max(k - s, 0) / (k + s)


# ---------------------------------------------------------------- shifts, rotations, rescalings


# The small transformations chapter 2 tests the notes' invariance claim with: keyword
# arguments of ``images.transformed`` (shift in pixels, angle in degrees, scale factor).
TRANSFORMATIONS = {
    "shift 1 px": dict(shift=1), "shift 2 px": dict(shift=2),
    "rotate 5°": dict(angle=5), "rotate 10°": dict(angle=10), "rotate 15°": dict(angle=15),
    "scale 0.9": dict(scale=0.9), "scale 1.1": dict(scale=1.1),
}


def relative_change(before: torch.Tensor, after: torch.Tensor) -> float:
    """``||after - before|| / ||before||`` (Frobenius norms), compared position by position.

    0: unchanged. For two maps of equal strength that share no non-zero
    position (a thin edge moved off itself) it is sqrt(2) = 1.41. Raises
    ``ValueError`` when the shapes differ or ``before`` is all zeros.
    """
    if before.shape != after.shape:
        raise ValueError(f"shapes differ: {tuple(before.shape)} and {tuple(after.shape)}")
    size = before.norm()
    if size == 0:
        raise ValueError("`before` is all zeros: a change relative to it is undefined")
    return ((after - before).norm() / size).item()


def centre_crop(X: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` of an (h, w) image (where no border value was repeated)."""
    h, w = X.shape[-2:]
    if size > min(h, w):
        raise ValueError(f"cannot crop {size}x{size} from {h}x{w}")
    top, left = (h - size) // 2, (w - size) // 2
    return X[..., top:top + size, left:left + size]


@dataclass(frozen=True)
class Sensitivity:
    """How much one transformation changes a feature map, without and with pooling."""

    transformation: str
    unpooled: float  # relative_change of the feature map itself (no pooling)
    pooled: dict  # mode ("max", "avg") -> relative_change of the pooled feature map

    def kept(self, mode: str) -> float:
        """Share of the change that survives pooling: pooled / unpooled (1: pooling absorbs none)."""
        return self.pooled[mode] / self.unpooled


def transformation_sensitivity(image: torch.Tensor, transformations=None, pool_size: int = 2,
                               modes=MODES, before_pooling=edge_response,
                               crop: int | None = None) -> list[Sensitivity]:
    """Transform ``image`` and measure how much its feature map changes, before and after pooling.

    ``image``: (h, w). For every entry ``name -> arguments`` of ``transformations``
    (default ``TRANSFORMATIONS``; arguments of ``images.transformed``), the
    transformed image's central ``crop`` x ``crop`` (default: half the shorter
    side, away from the repeated border) goes through ``before_pooling``
    (default: the edge detector) and then through ``pool_size`` x
    ``pool_size`` pooling with stride ``pool_size``; each map is compared with
    the untransformed image's at the same positions (``relative_change``).
    Returns one ``Sensitivity`` per transformation, in order.
    """
    transformations = TRANSFORMATIONS if transformations is None else transformations
    crop = crop or min(image.shape[-2:]) // 2

    def maps(X):
        features = before_pooling(centre_crop(X, crop))
        return features, {mode: pool(features, pool_size, mode) for mode in modes}

    reference, reference_pooled = maps(image)
    rows = []
    for name, arguments in transformations.items():
        features, pooled = maps(transformed(image, **arguments))
        rows.append(Sensitivity(name, relative_change(reference, features),
                                {mode: relative_change(reference_pooled[mode], pooled[mode])
                                 for mode in modes}))
    return rows


def sensitivity_table(rows: list[Sensitivity]) -> str:
    """The rows as text: relative change without pooling, with each mode, and the share kept."""
    modes = list(rows[0].pooled)
    lines = [f"{'':<12}{'no pooling':>11}" + "".join(f"{mode + ' pool':>10}" for mode in modes)
             + "".join(f"{mode + ' kept':>10}" for mode in modes)]
    for row in rows:
        lines.append(f"{row.transformation:<12}{row.unpooled:>11.2f}"
                     + "".join(f"{row.pooled[mode]:>10.2f}" for mode in modes)
                     + "".join(f"{row.kept(mode):>10.0%}" for mode in modes))
    return "\n".join(lines)


# What chapter 2 checks, on a photo and a pattern, for max and average 2x2 pooling: a one-pixel
# shift keeps at most this share of its change after pooling ...
SHIFT_KEPT_AT_MOST = 0.75
# ... while a 5-15 degree rotation or a 10% rescaling keeps at least this share.
OTHER_KEPT_AT_LEAST = 0.8


def check_transformation_claims(results: dict[str, list[Sensitivity]]) -> None:
    """Check the notes' invariance claim on ``transformation_sensitivity`` results, per image.

    ``results``: image name -> rows for ``TRANSFORMATIONS``. For every image and
    pooling mode: pooling absorbs a real part of a 1-pixel shift's change (at
    most ``SHIFT_KEPT_AT_MOST`` of it survives), but little of any rotation's
    or rescaling's (at least ``OTHER_KEPT_AT_LEAST`` survives), and each of
    those changes the pooled map more than the 1-pixel shift does. Prints one
    line per image; raises ``AssertionError`` naming the row that fails.
    """
    for image, rows in results.items():
        shift = next(row for row in rows if row.transformation == "shift 1 px")
        others = [row for row in rows if not row.transformation.startswith("shift")]
        for mode in shift.pooled:
            assert shift.kept(mode) <= SHIFT_KEPT_AT_MOST, (image, mode, shift)
            for row in others:
                assert row.kept(mode) >= OTHER_KEPT_AT_LEAST, (image, mode, row)
                assert row.pooled[mode] > shift.pooled[mode], (image, mode, row, shift)
        absorbed_shift = [1 - shift.kept(mode) for mode in shift.pooled]
        absorbed_other = [1 - row.kept(mode) for row in others for mode in row.pooled]
        enlarged = " (below 0: pooling made the change larger)" if min(absorbed_other) < 0 else ""
        print(f"\u2713 {image}: max and average pooling absorb {_percent_range(absorbed_shift)} of a "
              f"1-pixel shift's change, but only {_percent_range(absorbed_other)} of a 5-15° "
              f"rotation's or a 10% rescaling's{enlarged}, which change the pooled map more than "
              "the shift does")


def _percent_range(values) -> str:
    """"41-44%", "9%", or "-1% to 9%" when the range starts below 0 (no "-1-9%")."""
    low, high = f"{min(values):.0%}", f"{max(values):.0%}"
    if low == high:
        return low
    return f"{low} to {high}" if min(values) < 0 else f"{low[:-1]}-{high}"


def change_by_distance(image: torch.Tensor, arguments: dict, pool_size: int = 2, mode: str = "max",
                       ring: int = 16, before_pooling=edge_response) -> tuple[list[float], list[float]]:
    """Where a transformation's change survives pooling: relative change per ring around the centre.

    The whole (h, w) ``image`` and its ``images.transformed(image, **arguments)``
    go through ``before_pooling`` and pooling (as in
    ``transformation_sensitivity``); the pooled maps are compared ring by
    ring, ``ring`` input pixels wide, out to half the shorter side. Returns
    ``(distances, changes)``: each ring's middle distance from the centre in
    input pixels, and its relative change. A rotation by ``a`` degrees moves
    a pixel at distance ``r`` by about ``r * a * pi / 180`` pixels; a rescaling by
    ``s`` moves it by ``|s - 1| * r``.
    """
    before = pool(before_pooling(image), pool_size, mode)
    after = pool(before_pooling(transformed(image, **arguments)), pool_size, mode)
    h, w = before.shape
    rows = torch.arange(h) + 0.5 - h / 2
    cols = torch.arange(w) + 0.5 - w / 2
    distance = (rows[:, None] ** 2 + cols[None, :] ** 2).sqrt() * pool_size  # in input pixels
    distances, changes = [], []
    for inner in range(0, min(image.shape) // 2 - ring + 1, ring):
        inside = (distance >= inner) & (distance < inner + ring)
        if before[inside].norm() > 0:
            distances.append(inner + ring / 2)
            changes.append(relative_change(before[inside], after[inside]))
    return distances, changes


def check_rotation_absorbed_near_centre_only(image: torch.Tensor, angle: float = 5,
                                             pool_size: int = 2, mode: str = "max") -> None:
    """Pooling absorbs a rotation only where it moves pixels by less than a window (the centre).

    A rotation by ``angle`` degrees moves a pixel at distance r from the
    centre by r * angle (in radians); it moves them by a whole window
    (``pool_size`` pixels) at r = ``pool_size / radians(angle)``. Checks, with
    ``change_by_distance``: inside that radius the pooled map changes about as
    little as for a 1-pixel shift (within 0.1); beyond twice it, at least 0.3
    more. Prints one line; raises ``AssertionError`` otherwise.
    """
    one_window = pool_size / math.radians(angle)
    distances, rotated = change_by_distance(image, dict(angle=angle), pool_size, mode)
    _, moved = change_by_distance(image, dict(shift=1), pool_size, mode)
    near = [(r, s) for d, r, s in zip(distances, rotated, moved) if d < one_window]
    far = [(r, s) for d, r, s in zip(distances, rotated, moved) if d > 2 * one_window]
    assert near and far, f"no ring closer than {one_window:.0f} px or beyond {2 * one_window:.0f} px"
    assert all(r <= s + 0.1 for r, s in near), near
    assert all(r >= s + 0.3 for r, s in far), far
    print(f"\u2713 a {angle:g}° rotation moves pixels by one {pool_size}x{pool_size} window "
          f"{one_window:.0f} px from the centre: closer in, {mode} pooling absorbs it like a "
          f"1-pixel shift; beyond {2 * one_window:.0f} px its pooled map changes "
          f"{min(r - s for r, s in far):.2f}-{max(r - s for r, s in far):.2f} more than the shift's")


# ---------------------------------------------------------------- parameters (2, 2.3)


# Number of learnable numbers in a module (0 for a pooling layer): one implementation, in models.
parameter_count = count_parameters


def gap_head(channels: int, classes: int) -> nn.Sequential:
    """Global average pooling then one fully connected layer (NiN, GoogLeNet, ResNet style)."""
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(1),  # N x C x H x W -> N x C x 1 x 1: one number per channel
        nn.Flatten(),  # N x C
        nn.Linear(channels, classes),  # N x classes
    )


def flatten_head(channels: int, height: int, width: int, classes: int) -> nn.Sequential:
    """Flatten every feature then one fully connected layer (LeNet, AlexNet, VGG style)."""
    return nn.Sequential(
        nn.Flatten(),  # N x C x H x W -> N x (C * H * W)
        nn.Linear(channels * height * width, classes),  # N x classes
    )


# ---------------------------------------------------------------- compression (2.4)


def conv_multiply_adds(in_channels: int, out_channels: int, kernel_size, output_size) -> int:
    """Multiply-adds of one convolution: every output element costs c_in * k_h * k_w."""
    k_h, k_w = as_pair(kernel_size, "kernel_size")
    out_h, out_w = as_pair(output_size, "output_size")
    return out_channels * out_h * out_w * in_channels * k_h * k_w


def feature_count(shape) -> int:
    """Number of numbers in a feature map of ``shape``."""
    return math.prod(shape)


# ---------------------------------------------------------------- the two errors; which pooling is used


@dataclass(frozen=True)
class WindowEstimate:
    """Average and max pooling as estimates of one feature's strength in a window of noisy responses."""

    window: int  # responses per window (k * k)
    mean_of_average: float
    spread_of_average: float  # standard deviation over the trials
    mean_of_max: float
    spread_of_max: float


def window_estimates(windows=(4, 9, 16), trials: int = 20_000, strength: float = 1.0,
                     noise: float = 0.2, offset: float = 0.0, seed: int = 0) -> list[WindowEstimate]:
    """Simulate a window of ``k * k`` responses, each ``strength + offset + noise * N(0, 1)``.

    The notes' two sources of error: a window holds few responses, so an
    estimate from it varies (its spread over ``trials`` windows); and an
    error in the convolution's parameters (here a constant ``offset``, as a
    wrong bias gives) shifts the responses' mean. Returns, per window size,
    the mean and the standard deviation of the average and of the maximum.
    """
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for n in windows:
        responses = strength + offset + noise * torch.randn(trials, n, generator=generator)
        average, maximum = responses.mean(dim=1), responses.max(dim=1).values
        rows.append(WindowEstimate(n, average.mean().item(), average.std().item(),
                                   maximum.mean().item(), maximum.std().item()))
    return rows


def check_window_errors(noise: float = 0.2, offset: float = 0.3) -> list[WindowEstimate]:
    """Check the notes' two error statements on ``window_estimates``; print and return its rows.

    (1) The variance of the estimate: the average's spread is ``noise / sqrt(n)``
    (within 5%) and smaller than the maximum's for every window. (2) A shift of
    the mean from a constant parameter error (``offset``): it moves the average
    and the maximum alike, by ``offset`` (within 1e-4) -- max pooling does not
    undo it. Raises ``AssertionError`` otherwise.
    """
    rows = window_estimates(noise=noise)
    shifted_rows = window_estimates(noise=noise, offset=offset)
    for row, moved in zip(rows, shifted_rows):
        assert abs(row.spread_of_average - noise / math.sqrt(row.window)) < 0.05 * noise / math.sqrt(row.window), row
        assert row.spread_of_average < row.spread_of_max, row
        assert abs(moved.mean_of_average - row.mean_of_average - offset) < 1e-4, (row, moved)
        assert abs(moved.mean_of_max - row.mean_of_max - offset) < 1e-4, (row, moved)
    print(f"{'window':>8}{'average':>9}{'spread':>8}{'maximum':>9}{'spread':>8}")
    for row in rows:
        print(f"{row.window:>8}{row.mean_of_average:>9.3f}{row.spread_of_average:>8.3f}"
              f"{row.mean_of_max:>9.3f}{row.spread_of_max:>8.3f}")
    print("\u2713 (1) holds: the average's spread falls as noise / sqrt(window) "
          + ", ".join(f"{row.spread_of_average:.3f}" for row in rows)
          + "; the maximum's stays larger: " + ", ".join(f"{row.spread_of_max:.3f}" for row in rows))
    print(f"\u2713 (2), taken literally, does not hold: a constant error of {offset} shifts the "
          f"average and the maximum alike, by {offset}")
    return rows


# The nets of chapters 3-10, built narrow (the count of pooling layers does not depend on width).
CENSUS = {
    "LeNet (the book's)": lambda: models.lenet(),
    "AlexNet": lambda: models.alexnet(0.125, 68),
    "VGG-11": lambda: models.vgg(width=0.125, image_size=32, hidden=16),
    "NiN": lambda: models.nin(0.125, 68),
    "GoogLeNet": lambda: models.googlenet(0.125),
    "ResNet-18": lambda: models.resnet18(0.125),
    "DenseNet": lambda: models.densenet(0.125),
}


@dataclass(frozen=True)
class PoolingCount:
    """How one net shrinks its feature maps."""

    net: str
    max_pooling: int  # nn.MaxPool2d layers
    average_pooling: int  # nn.AvgPool2d layers (a window, not global)
    global_average: int  # nn.AdaptiveAvgPool2d layers (the head)
    strided_convolutions: int  # convolutions with stride > 1: shrinking without pooling


def pooling_census(nets: dict | None = None) -> list[PoolingCount]:
    """Count the pooling layers and strided convolutions of each net (default ``CENSUS``)."""
    counts = []
    for name, build in (CENSUS if nets is None else nets).items():
        layers = list(build().modules())
        counts.append(PoolingCount(
            name, sum(isinstance(m, nn.MaxPool2d) for m in layers),
            sum(isinstance(m, nn.AvgPool2d) for m in layers),
            sum(isinstance(m, nn.AdaptiveAvgPool2d) for m in layers),
            sum(isinstance(m, nn.Conv2d) and max(m.stride) > 1 for m in layers)))
    return counts


def check_pooling_census(counts: list[PoolingCount] | None = None) -> list[PoolingCount]:
    """Print ``pooling_census`` as a table and check what it says about "max pooling is used today".

    Every net after the book's LeNet shrinks with max pooling (ResNet and DenseNet only in the
    stem); every net from NiN on ends with global average pooling; ResNet-18 has more stride-2
    convolutions than max poolings. Raises ``AssertionError`` otherwise; returns the counts.
    """
    counts = pooling_census() if counts is None else counts
    print(f"{'':<20}{'max pool':>9}{'avg pool':>9}{'global avg':>11}{'strided conv':>14}")
    for c in counts:
        print(f"{c.net:<20}{c.max_pooling:>9}{c.average_pooling:>9}{c.global_average:>11}"
              f"{c.strided_convolutions:>14}")
    by_name = {c.net: c for c in counts}
    after_lenet = [c for c in counts if not c.net.startswith("LeNet")]
    assert all(c.max_pooling >= 1 for c in after_lenet), after_lenet
    assert all(by_name[name].global_average == 1 for name in ("NiN", "GoogLeNet", "ResNet-18", "DenseNet"))
    resnet = by_name["ResNet-18"]
    assert resnet.strided_convolutions > resnet.max_pooling, resnet
    print(f"\u2713 max pooling in all {len(after_lenet)} nets after LeNet (in ResNet and DenseNet "
          "only once, in the stem); global average pooling ends NiN, GoogLeNet, ResNet and DenseNet; "
          f"ResNet-18 has {resnet.strided_convolutions} stride-2 convolutions (the stem's, and in three "
          "modules a block's first convolution and its 1x1 shortcut) against one max pooling")
    return counts
