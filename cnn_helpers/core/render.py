"""Fast pictures for widgets: arrays to PNG bytes without matplotlib.

A slider must answer in well under a second. Re-saving a matplotlib
figure costs about 100 ms per update on a 2-core laptop; colouring an
array through a lookup table and encoding it with Pillow costs a few.
Widgets therefore draw with these functions into ``ipywidgets.Image``.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import torch
from PIL import Image

Color = tuple[int, int, int]  # (red, green, blue), 0-255

RED = (220, 40, 40)
ORANGE = (255, 150, 0)
BLUE = (30, 110, 230)
GREEN = (40, 170, 60)


@lru_cache(maxsize=None)
def _lookup_table(cmap: str) -> np.ndarray:
    """256 x 3 uint8 colours of a matplotlib colormap (computed once)."""
    from matplotlib import colormaps

    return (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def colorize(values: torch.Tensor | np.ndarray, *, cmap: str = "gray", vmin: float | None = None,
             vmax: float | None = None, symmetric: bool = False) -> np.ndarray:
    """(h, w) numbers -> (h, w, 3) uint8 colours.

    Args:
        values: an (h, w) tensor or array; NaN takes the lowest colour.
        cmap: a matplotlib colormap's name.
        vmin: the value of the lowest colour (default: the smallest finite value).
        vmax: the value of the highest colour (default: the largest finite value).
        symmetric: centre the scale on zero (for feature maps with signs, e.g.
            an edge detector's +1/-1), with a diverging colormap.

    Returns:
        The (h, w, 3) uint8 colours.

    Raises:
        ValueError: when ``values`` is not 2-D.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().float().cpu().numpy()
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 2:
        raise ValueError(f"colorize takes a 2-D array, got shape {values.shape}")
    finite = values[np.isfinite(values)]
    if symmetric:
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        vmin, vmax = -bound, bound
        cmap = "RdBu_r" if cmap == "gray" else cmap
    lo = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    index = np.clip((np.nan_to_num(values, nan=lo) - lo) * scale, 0, 255).astype(np.uint8)
    if hi <= lo:
        index[:] = 128 if symmetric else 255 * (lo > 0)
    return _lookup_table(cmap)[index]


def rgb_image(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """(3, h, w) or (h, w, 3) floats in [0, 1] or uint8 -> (h, w, 3) uint8."""
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu().numpy()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 3 and image.shape[-1] != 3:
        image = image.transpose(1, 2, 0)
    if image.dtype != np.uint8:
        image = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    return image


def upscale(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: a 6x8 image stays crisp at 240x320."""
    if factor <= 1:
        return rgb
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def display_factor(height: int, width: int, target: int = 320) -> int:
    """The integer zoom that brings the longer side near ``target`` pixels."""
    return max(1, target // max(height, width, 1))


def draw_box(rgb: np.ndarray, rows: slice, cols: slice, color: Color = RED, factor: int = 1,
             thickness: int = 2, fill_alpha: float = 0.0) -> np.ndarray:
    """Outline (and optionally tint) input rows ``rows`` and columns ``cols``, in place.

    Parts outside the picture are clipped.

    Args:
        rgb: the (H, W, 3) uint8 picture, zoomed ``factor`` times.
        rows: the box's rows, in the un-zoomed image.
        cols: its columns, in the un-zoomed image.
        color: (red, green, blue), 0-255.
        factor: the zoom of ``rgb``.
        thickness: of the outline, in picture pixels.
        fill_alpha: how strongly the inside is tinted (0: not at all).

    Returns:
        ``rgb``, drawn on.
    """
    height, width = rgb.shape[0] // factor, rgb.shape[1] // factor
    top, bottom = max(rows.start, 0), min(rows.stop, height)
    left, right = max(cols.start, 0), min(cols.stop, width)
    if top >= bottom or left >= right:
        return rgb
    y0, y1, x0, x1 = top * factor, bottom * factor, left * factor, right * factor
    color = np.array(color, dtype=np.float32)
    if fill_alpha > 0:
        region = rgb[y0:y1, x0:x1].astype(np.float32)
        rgb[y0:y1, x0:x1] = (region * (1 - fill_alpha) + color * fill_alpha).astype(np.uint8)
    t = min(thickness, max(1, (y1 - y0) // 2), max(1, (x1 - x0) // 2))
    rgb[y0 : y0 + t, x0:x1] = color
    rgb[y1 - t : y1, x0:x1] = color
    rgb[y0:y1, x0 : x0 + t] = color
    rgb[y0:y1, x1 - t : x1] = color
    return rgb


def tint_mask(rgb: np.ndarray, mask: np.ndarray, color: Color = GREEN, factor: int = 1,
              alpha: float = 0.45) -> np.ndarray:
    """Tint the pixels where ``mask`` is true (mask in un-zoomed coordinates), in place.

    Args:
        rgb: the (H, W, 3) uint8 picture, zoomed ``factor`` times.
        mask: (h, w) booleans in un-zoomed coordinates.
        color: (red, green, blue), 0-255.
        factor: the zoom of ``rgb``.
        alpha: how strongly to tint (1: the colour alone).

    Returns:
        ``rgb``, tinted.
    """
    big = upscale(np.asarray(mask, dtype=bool)[..., None], factor)[..., 0]
    color = np.array(color, dtype=np.float32)
    rgb[big] = (rgb[big].astype(np.float32) * (1 - alpha) + color * alpha).astype(np.uint8)
    return rgb


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode (h, w, 3) uint8 as PNG, favouring speed over size."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def guide_lines(rgb: np.ndarray, rows: slice, cols: slice, color: Color = RED, gap: int = 6,
                dash: int = 4) -> np.ndarray:
    """Dashed lines from the picture's four edges towards a box, in place.

    On a photo shown at its own size a 3x3 window is a few pixels: the lines
    lead the eye to it.

    Args:
        rgb: the (H, W, 3) uint8 picture.
        rows: the box's rows, in picture pixels.
        cols: its columns, in picture pixels.
        color: (red, green, blue), 0-255.
        gap: pixels left free around the box.
        dash: length of each dash and of each space between two.

    Returns:
        ``rgb``, drawn on.
    """
    height, width = rgb.shape[:2]
    middle_y = min(max((rows.start + rows.stop) // 2, 0), height - 1)
    middle_x = min(max((cols.start + cols.stop) // 2, 0), width - 1)
    on_x = (np.arange(width) // dash) % 2 == 0
    on_y = (np.arange(height) // dash) % 2 == 0
    near_x = (np.arange(width) > cols.start - gap) & (np.arange(width) < cols.stop + gap)
    near_y = (np.arange(height) > rows.start - gap) & (np.arange(height) < rows.stop + gap)
    rgb[middle_y, on_x & ~near_x] = color
    rgb[on_y & ~near_y, middle_x] = color
    return rgb


def with_grid(rgb: np.ndarray, factor: int, smallest: int = 8) -> np.ndarray:
    """Faint lines between pixels enlarged ``factor`` times, so a student can count them.

    Only from ``smallest`` on: below it the lines would hide the picture.
    """
    if factor < smallest:
        return rgb
    rgb = rgb.copy()
    rgb[::factor] = (rgb[::factor].astype(np.int16) * 3 // 4 + 40).astype(np.uint8)
    rgb[:, ::factor] = (rgb[:, ::factor].astype(np.int16) * 3 // 4 + 40).astype(np.uint8)
    return rgb
