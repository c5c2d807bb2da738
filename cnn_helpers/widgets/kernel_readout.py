"""What the kernel explorer computes and draws (notes 1.1 and 1.3), without any widget.

The kernels it offers (``KERNELS``, ``SIZED_KERNELS``, a custom one typed
by the student and read by ``parse_kernel``), the selected output element
recomputed from the padded input (``selected_element``), the notes'
output-size formula with the numbers filled in, the products table, and
the pictures as RGB arrays. ``kernel_explorer.KernelExplorer`` puts them
on screen; everything here runs headless and is tested as such.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from cnn_helpers.core import render
from cnn_helpers.core.language import tr


def box_blur(size: int = 3) -> torch.Tensor:
    """A ``size`` x ``size`` average: every weight is 1 / size^2."""
    return torch.full((size, size), 1.0 / size**2)


# The kernels the explorer offers (notebooks reuse them: KERNELS["Sobel x"]).
KERNELS: dict[str, torch.Tensor] = {
    "edge [1, -1]": torch.tensor([[1.0, -1.0]]),  # vertical edges (1.1)
    "edge [1, -1] transposed": torch.tensor([[1.0], [-1.0]]),  # horizontal edges
    "Sobel x": torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "Sobel y": torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "Laplacian": torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    "box blur": box_blur(3),
    "sharpen": torch.tensor([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
}
# Kernels whose size follows the kernel-size slider.
SIZED_KERNELS: dict[str, Callable[[int], torch.Tensor]] = {"box blur": box_blur}
CUSTOM = "custom (type it)"
DEFAULT_CUSTOM = "0 -1 0\n-1 5 -1\n0 -1 0"

EDGE_IMAGE = "edge image 6x8 (notes)"
CHECKERBOARD = "checkerboard 12x12"

PADDING_TINT = (90, 150, 255)
MARK = (0, 200, 60)  # the window and the selected output element (apart from grey and RdBu)
MAX_KERNEL = 9


def parse_kernel(text: str) -> torch.Tensor:
    """The student's kernel: rows on lines (or separated by ';'), numbers by spaces or commas.

    ``"1 0 -1; 2 0 -2; 1 0 -1"``, ``"[[1, 0], [0, -1]]"`` and fractions like
    ``1/9`` are accepted. Anything else is a ``ValueError`` that says why.
    """
    lines = [line for line in re.split(r"[\n;]|\]\s*,?\s*\[", text) if line.strip(" []")]
    if not lines:
        raise ValueError(tr("type the kernel's rows, e.g. 1 0 -1; 2 0 -2; 1 0 -1"))
    rows = []
    for number, line in enumerate(lines, 1):
        row = []
        for token in re.split(r"[\s,]+", line.strip(" []\t,")):
            try:
                numerator, _, denominator = token.partition("/")
                row.append(float(numerator) / float(denominator or 1))
            except (ValueError, ZeroDivisionError):
                raise ValueError(
                    tr(f"custom kernel, row {number}: {token!r} is not a number")
                ) from None
        rows.append(row)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise ValueError(tr(
            f"custom kernel: every row needs the same number of entries, got {[len(r) for r in rows]}"
        ))
    kernel = torch.tensor(rows)  # k_h x k_w
    if max(kernel.shape) > MAX_KERNEL:
        raise ValueError(tr(f"custom kernel: at most {MAX_KERNEL}x{MAX_KERNEL}, got "
                            f"{kernel.shape[0]}x{kernel.shape[1]}"))
    if not torch.isfinite(kernel).all():
        raise ValueError(tr("custom kernel: every entry must be a finite number"))
    return kernel


def kernel_tensor(name: str, kernel_size: int, custom: str) -> torch.Tensor:
    """The k_h x k_w kernel called ``name``; a malformed custom kernel is a ValueError."""
    if name == CUSTOM:
        return parse_kernel(custom)
    if name in SIZED_KERNELS:
        return SIZED_KERNELS[name](kernel_size)
    return KERNELS[name]


def short_number(x: float) -> str:
    """A short form: 1, -2, 0.5, 0.111, 12.35 (integers bare, others to 3 or 2 decimals)."""
    if abs(x - round(x)) < 5e-7:
        return str(int(round(x)))
    text = (f"{x:.3f}" if abs(x) < 1 else f"{x:.2f}").rstrip("0").rstrip(".")
    return "0" if float(text) == 0 else text


@dataclass
class KernelReadout:
    """What the explorer shows for one setting (what tests and notebooks read)."""

    output_shape: tuple[int, int]
    formula: str  # the notes' formula, and PyTorch's, with the current numbers
    position: tuple[int, int]  # the selected output element (row, col)
    selected_value: float  # its value, summed from the products below
    products: torch.Tensor  # k_h x k_w: window * kernel
    window: torch.Tensor  # k_h x k_w: the padded input under the window
    kernel: torch.Tensor  # k_h x k_w
    output: torch.Tensor  # out_h x out_w: the whole feature map, from F.conv2d

    def __getitem__(self, key: str) -> object:
        return getattr(self, key)


def selected_element(padded: torch.Tensor, kernel: torch.Tensor, stride: int,
                     position: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, float]:
    """One output element computed by hand from the padded input (notes 1.1).

    Args:
        padded: the input with its padding, H x W.
        kernel: the kernel, k_h x k_w.
        stride: the step between windows, the same along both axes.
        position: the output element (row, col).

    Returns:
        The window of ``padded`` under that element, its products with the kernel
        (both k_h x k_w) and their sum.
    """
    k_h, k_w = kernel.shape
    top, left = position[0] * stride, position[1] * stride
    window = padded[top : top + k_h, left : left + k_w]  # k_h x k_w
    products = window * kernel  # k_h x k_w
    return window, products, float(products.sum())


def output_size_formula(input_size: tuple[int, int], kernel_size: tuple[int, int], stride: int,
                        padding: int) -> str:
    """The notes' output-size formula (total padding) and PyTorch's, with the numbers filled in.

    Args:
        input_size: the input's (height, width).
        kernel_size: the kernel's (height, width).
        stride: the step between windows, the same along both axes.
        padding: the padding on each side (the notes' p is twice this).

    Returns:
        Lines of text: each formula with this setting's numbers, then the output shape.
    """
    p = 2 * padding
    lines = [tr(f"notes:   \u230a(n - k + p + s) / s\u230b, p = total padding = 2 x {padding} "
                f"= {p}")]
    sizes = []
    for axis, n, k in zip(("height", "width"), input_size, kernel_size):
        size = (n - k + p + stride) // stride
        sizes.append(size)
        lines.append(f"  {tr(axis):<6}  \u230a({n} - {k} + {p} + {stride}) / {stride}\u230b = {size}")
    lines.append(tr(f"PyTorch: \u230a(n + 2 x padding - k) / s\u230b + 1, padding = {padding} "
                    f"per side"))
    for axis, n, k in zip(("height", "width"), input_size, kernel_size):
        size = (n + 2 * padding - k) // stride + 1
        lines.append(f"  {tr(axis):<6}  \u230a({n} + 2 x {padding} - {k}) / {stride}\u230b + 1 = "
                     f"{size}")
    lines.append(tr(f"output shape: {sizes[0]} x {sizes[1]}"))
    return "\n".join(lines)


def products_html(window: torch.Tensor, kernel: torch.Tensor, products: torch.Tensor,
                  value: float, position: tuple[int, int]) -> str:
    """The products table: each cell ``input x weight = product``; then the sum (notes 1.1).

    Args:
        window: the padded input under the window, k_h x k_w.
        kernel: the kernel, k_h x k_w.
        products: ``window * kernel``, k_h x k_w.
        value: the sum of the products (the output element).
        position: the output element (row, col), for the heading.

    Returns:
        The table and the sum written out, as HTML.
    """
    k_h, k_w = kernel.shape
    small = k_h * k_w <= 25
    bound = float(products.abs().max()) or 1.0
    xs, ws, ps = window.tolist(), kernel.tolist(), products.tolist()  # floats, fast to read
    cells = []
    for i in range(k_h):
        row = []
        for j in range(k_w):
            x, w, p = short_number(xs[i][j]), short_number(ws[i][j]), ps[i][j]
            fade = int(90 * abs(p) / bound)
            shade = (255, 255 - fade, 255 - fade) if p > 0 else (255 - fade, 255 - fade, 255)
            text = (f"{x}&times;{w}<br><b>{short_number(p)}</b>" if small
                    else f"<b>{short_number(p)}</b>")
            row.append(f"<td title='{x} x {w}' style='background:rgb{shade};"
                       f"border:1px solid #ccc;padding:2px 5px;text-align:center'>{text}</td>")
        cells.append("<tr>" + "".join(row) + "</tr>")
    terms = [short_number(p) if p >= 0 else f"({short_number(p)})" for line in ps for p in line]
    total = (" + ".join(terms) if len(terms) <= 9
             else tr(f"the sum of the {len(terms)} products"))
    font = "0.9em" if small else "0.75em"
    return (
        f"<b>{tr(f'output {position} = window &times; kernel, summed')}</b>"
        f"<table style='border-collapse:collapse;font-size:{font};line-height:1.25;margin:4px 0'>"
        + "".join(cells) + "</table>"
        + f"<div>{html.escape(total)} = <b>{short_number(value)}</b></div>"
    )


# -- pictures (RGB arrays, H x W x 3) --------------------------------------------------
def tinted_input(padded: torch.Tensor, padding: int) -> np.ndarray:
    """The padded input in grey, its padding ring tinted blue: H x W x 3."""
    # black = 0, white = 1 (or the image's own range, for an image of yours)
    rgb = render.colorize(padded, vmin=min(0.0, float(padded.min())),
                          vmax=max(1.0, float(padded.max())))  # H x W x 3
    if padding:
        height, width = padded.shape
        ring = np.ones((height, width), dtype=bool)
        ring[padding:-padding, padding:-padding] = False
        render.tint_mask(rgb, ring, PADDING_TINT, alpha=0.5)
    return rgb


def window_zoom(small: np.ndarray, corner: tuple[int, int],
                kernel_shape: tuple[int, int]) -> np.ndarray:
    """The window and three pixels around it, enlarged, the window outlined."""
    height, width = small.shape[:2]
    (top, left), (k_h, k_w) = corner, kernel_shape
    around = 3
    y0, x0 = max(top - around, 0), max(left - around, 0)
    y1, x1 = min(top + k_h + around, height), min(left + k_w + around, width)
    crop = small[y0:y1, x0:x1]
    zoom = render.display_factor(y1 - y0, x1 - x0, 160)
    crop = render.with_grid(render.upscale(crop, zoom), zoom)
    render.draw_box(crop, slice(top - y0, top - y0 + k_h), slice(left - x0, left - x0 + k_w),
                    MARK, zoom, thickness=3)
    return crop


def feature_map_picture(Y: torch.Tensor, factor: int) -> tuple[np.ndarray, str]:
    """The out_h x out_w feature map enlarged ``factor`` times (diverging colours when it has
    signs), and the legend that says what its colours mean."""
    signed = bool((Y < 0).any())
    if signed and Y.numel() <= 64 * 64:
        rgb = render.colorize(Y, symmetric=True)
        bound = float(Y.abs().max())
        legend = tr(f"blue = negative, white = 0, red = positive "
                    f"(scale -{short_number(bound)} to {short_number(bound)})")
    elif signed:  # a photo: a few strong edges would wash out the rest
        bound = max(float(torch.quantile(Y.abs().flatten()[::7], 0.99)), 1e-6)
        rgb = render.colorize(Y, cmap="RdBu_r", vmin=-bound, vmax=bound)
        legend = tr(f"blue = negative, white = 0, red = positive "
                    f"(full colour at +-{short_number(bound)}, 99% of the values)")
    elif float(Y.max()) == 0:  # (a scale from 0 to 0 says nothing)
        rgb = render.colorize(Y, vmin=0.0, vmax=1.0)
        legend = tr("every value is 0 (black)")
    else:
        rgb = render.colorize(Y, vmin=min(0.0, float(Y.min())), vmax=float(Y.max()))
        legend = tr(f"black = 0, white = {short_number(float(Y.max()))}")
    return render.with_grid(render.upscale(rgb, factor), factor), legend


def mark_window(rgb: np.ndarray, rows: slice, cols: slice, factor: int) -> None:
    """Outline input ``rows`` x ``cols`` of a picture enlarged ``factor`` times, in place.

    When the enlargement is small (a photo), the box alone is a few screen
    pixels: it gets a margin, and short guide lines from the picture's
    edges lead to it.

    Args:
        rgb: the enlarged picture, H x W x 3, drawn on.
        rows: the rows to outline, in the picture's own pixels (before enlarging).
        cols: the columns to outline, likewise.
        factor: how many times the picture is enlarged.
    """
    if factor >= 6:
        render.draw_box(rgb, rows, cols, MARK, factor, thickness=3)
        return
    margin = 3
    y0, y1 = rows.start * factor - margin, rows.stop * factor + margin
    x0, x1 = cols.start * factor - margin, cols.stop * factor + margin
    render.draw_box(rgb, slice(y0, y1), slice(x0, x1), MARK, 1, thickness=2)
    render.guide_lines(rgb, slice(y0, y1), slice(x0, x1), MARK)
