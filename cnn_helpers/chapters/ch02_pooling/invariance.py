"""Pooling's invariance (notes, chapter 2, 2.4): what survives a shift, a rotation, a rescaling.

* pooling eases convolution's over-sensitivity to position (2.4):
  ``invariance_curve`` counts the outputs that stay exactly the same when
  the input moves by a few pixels, before and after pooling;
* the notes' translation, *rotation and scale* invariance:
  ``transformation_sensitivity`` measures how much a feature map changes
  under small shifts, rotations and rescalings, without and with pooling
  (``relative_change``), and ``change_by_distance`` where in the image a
  rotation's change survives pooling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cnn_helpers.chapters.ch02_pooling.fast import pool
from cnn_helpers.core.claims import claim
from cnn_helpers.core.images import shifted, transformed
from cnn_helpers.ops import Pair
from cnn_helpers.ops.pooling import MODES

EDGE_KERNEL = torch.tensor([[1.0, -1.0]])  # the notes' vertical-edge detector (1.1)
# A step before pooling: an (h, w) input -> the feature map that is pooled (e.g. edge_response).
FeatureStep = Callable[[torch.Tensor], torch.Tensor]


# ---------------------------------------------------------------- shifts: unchanged outputs


def edge_response(X: torch.Tensor) -> torch.Tensor:
    """Edge strength ``|X * [1, -1]|`` of an (h, w) image: (h, w - 1), a convolution's output."""
    # 1 x 1 x h x w -> 1 x 1 x h x (w - 1) -> h x (w - 1)
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


def invariance_curve(feature_map: torch.Tensor, shifts: Sequence[int], pool_size: int | Pair = 2,
                     mode: str = "max", *, stride: int | Pair | None = None, padding: int | Pair = 0,
                     tolerance: float = 0.0, before_pooling: FeatureStep | None = None) -> InvarianceCurve:
    """Move the input right by each shift and count the outputs that did not change.

    For every shift ``s`` the shifted input goes through the same steps, and
    the outputs are compared *at the same positions* with those of the
    unshifted input.

    Args:
        feature_map: the input, (h, w) or (c, h, w).
        shifts: the shifts to the right, in pixels.
        pool_size: the pooling window.
        mode: "max" or "avg".
        stride: the pooling's stride (default: the window).
        padding: the pooling's padding, per side.
        tolerance: how far two outputs may differ and still count as unchanged (0: exactly equal).
        before_pooling: maps an input to the map that is pooled (e.g. ``edge_response``: pool
            the output of an edge detector); by default the input itself is pooled.

    Returns:
        The fraction of unchanged outputs per shift, without and with pooling.
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


# ---------------------------------------------------------------- shifts, rotations, rescalings: how much changes


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


def transformation_sensitivity(image: torch.Tensor, transformations: dict[str, dict] | None = None,
                               pool_size: int = 2, modes: Iterable[str] = MODES,
                               before_pooling: FeatureStep = edge_response,
                               crop: int | None = None) -> list[Sensitivity]:
    """Transform ``image`` and measure how much its feature map changes, before and after pooling.

    For every entry ``name -> arguments`` of ``transformations``, the
    transformed image's central ``crop`` x ``crop`` goes through
    ``before_pooling`` and then through ``pool_size`` x ``pool_size`` pooling
    with stride ``pool_size``; each map is compared with the untransformed
    image's at the same positions (``relative_change``).

    Args:
        image: an (h, w) image.
        transformations: name -> arguments of ``images.transformed`` (default ``TRANSFORMATIONS``).
        pool_size: the pooling window and stride.
        modes: the poolings to measure, "max" and/or "avg".
        before_pooling: the step before pooling (default: the edge detector).
        crop: side of the central square compared (default: half the shorter side, away
            from the repeated border).

    Returns:
        One ``Sensitivity`` per transformation, in order.
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
    those changes the pooled map more than the 1-pixel shift does. One ``claim`` per
    image: prints its sentence, or raises ``ClaimFailed`` (an ``AssertionError``) with it.
    """
    for image, rows in results.items():
        shift = next(row for row in rows if row.transformation == "shift 1 px")
        others = [row for row in rows if not row.transformation.startswith("shift")]
        holds = all(shift.kept(mode) <= SHIFT_KEPT_AT_MOST
                    and all(row.kept(mode) >= OTHER_KEPT_AT_LEAST and row.pooled[mode] > shift.pooled[mode]
                            for row in others)
                    for mode in shift.pooled)
        absorbed_shift = [1 - shift.kept(mode) for mode in shift.pooled]
        absorbed_other = [1 - row.kept(mode) for row in others for mode in row.pooled]
        enlarged = " (below 0: pooling made the change larger)" if min(absorbed_other) < 0 else ""
        claim(holds, f"{image}: max and average pooling absorb {_percent_range(absorbed_shift)} of a "
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
                       ring: int = 16, before_pooling: FeatureStep = edge_response
                       ) -> tuple[list[float], list[float]]:
    """Where a transformation's change survives pooling: relative change per ring around the centre.

    The whole image and its transformed copy go through ``before_pooling``
    and pooling (as in ``transformation_sensitivity``); the pooled maps are
    compared ring by ring, out to half the shorter side. A rotation by ``a``
    degrees moves a pixel at distance ``r`` by about ``r * a * pi / 180``
    pixels; a rescaling by ``s`` moves it by ``|s - 1| * r``.

    Args:
        image: an (h, w) image.
        arguments: the transformation, as arguments of ``images.transformed``.
        pool_size: the pooling window and stride (1: no pooling).
        mode: "max" or "avg".
        ring: width of each ring, in input pixels.
        before_pooling: the step before pooling (default: the edge detector).

    Returns:
        ``(distances, changes)``: each ring's middle distance from the centre in input
        pixels, and its relative change.
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
    more. Prints one line.

    Args:
        image: an (h, w) image.
        angle: the rotation, in degrees.
        pool_size: the pooling window and stride.
        mode: "max" or "avg".

    Raises:
        ClaimFailed: (an ``AssertionError``) when a ring breaks the claim.
        ValueError: when no ring lies near or far enough.
    """
    one_window = pool_size / math.radians(angle)
    distances, rotated = change_by_distance(image, dict(angle=angle), pool_size, mode)
    _, moved = change_by_distance(image, dict(shift=1), pool_size, mode)
    near = [(r, s) for d, r, s in zip(distances, rotated, moved) if d < one_window]
    far = [(r, s) for d, r, s in zip(distances, rotated, moved) if d > 2 * one_window]
    if not (near and far):
        raise ValueError(f"no ring closer than {one_window:.0f} px or beyond {2 * one_window:.0f} px: "
                         "use a larger image or a larger angle")
    claim(all(r <= s + 0.1 for r, s in near) and all(r >= s + 0.3 for r, s in far),
          f"a {angle:g}° rotation moves pixels by one {pool_size}x{pool_size} window "
          f"{one_window:.0f} px from the centre: closer in, {mode} pooling absorbs it like a "
          f"1-pixel shift (within 0.1); beyond {2 * one_window:.0f} px its pooled map changes "
          f"{min(r - s for r, s in far):.2f}-{max(r - s for r, s in far):.2f} more than the shift's")
