"""The kernel explorer (notes 1.1 and 1.3): slide a kernel over an image, with padding and stride.

Choose an input and a kernel, move the stride, padding and kernel-size
sliders, and pick one output element. The explorer shows

* the padded input (padding tinted blue) with the window of that element,
* the element-wise products of the window and the kernel, and their sum,
* the whole output feature map (diverging colours when it has signs),
* the output shape, with the notes' formula filled in with the numbers.

The feature map comes from ``F.conv2d``; the selected element is
recomputed from the padded input directly, so the two can be compared
(``tests/test_kernel_explorer.py`` does, for every setting).

    >>> explorer = KernelExplorer(kernel="Sobel x", padding=1)
    >>> explorer.update(stride=2, row=1, col=2).output_shape
    (3, 4)
"""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F

from cnn_helpers.core import render
from cnn_helpers.core.images import PHOTOS, checkerboard, edge_image, photo
from cnn_helpers.ops import conv_output_shape
from cnn_helpers.widgets.common import Explorer, compact, picture, show, single_thread, titled


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
        raise ValueError("type the kernel's rows, e.g. 1 0 -1; 2 0 -2; 1 0 -1")
    rows = []
    for number, line in enumerate(lines, 1):
        row = []
        for token in re.split(r"[\s,]+", line.strip(" []\t,")):
            try:
                numerator, _, denominator = token.partition("/")
                row.append(float(numerator) / float(denominator or 1))
            except (ValueError, ZeroDivisionError):
                raise ValueError(
                    f"custom kernel, row {number}: {token!r} is not a number"
                ) from None
        rows.append(row)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise ValueError(
            f"custom kernel: every row needs the same number of entries, got {[len(r) for r in rows]}"
        )
    kernel = torch.tensor(rows)
    if max(kernel.shape) > MAX_KERNEL:
        raise ValueError(f"custom kernel: at most {MAX_KERNEL}x{MAX_KERNEL}, got "
                         f"{kernel.shape[0]}x{kernel.shape[1]}")
    if not torch.isfinite(kernel).all():
        raise ValueError("custom kernel: every entry must be a finite number")
    return kernel


def _number(x: float) -> str:
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
    products: torch.Tensor  # (k_h, k_w): window * kernel
    window: torch.Tensor  # (k_h, k_w): the padded input under the window
    kernel: torch.Tensor  # (k_h, k_w)
    output: torch.Tensor  # (out_h, out_w): the whole feature map, from F.conv2d

    def __getitem__(self, key):
        return getattr(self, key)


def output_size_formula(input_size, kernel_size, stride: int, padding: int) -> str:
    """The notes' output-size formula (total padding) and PyTorch's, with the numbers filled in."""
    p = 2 * padding
    lines = [f"notes:   \u230a(n - k + p + s) / s\u230b, p = total padding = 2 x {padding} = {p}"]
    sizes = []
    for axis, n, k in zip(("height", "width"), input_size, kernel_size):
        size = (n - k + p + stride) // stride
        sizes.append(size)
        lines.append(f"  {axis:<6}  \u230a({n} - {k} + {p} + {stride}) / {stride}\u230b = {size}")
    lines.append(f"PyTorch: \u230a(n + 2 x padding - k) / s\u230b + 1, padding = {padding} per side")
    for axis, n, k in zip(("height", "width"), input_size, kernel_size):
        size = (n + 2 * padding - k) // stride + 1
        lines.append(f"  {axis:<6}  \u230a({n} + 2 x {padding} - {k}) / {stride}\u230b + 1 = {size}")
    lines.append(f"output shape: {sizes[0]} x {sizes[1]}")
    return "\n".join(lines)


class KernelExplorer(Explorer):
    """Cross-correlate an image with a kernel, with stride and padding (notes 1.1, 1.3).

    Every keyword sets the starting value of a control: ``image`` (a name
    from ``explorer.inputs``, e.g. ``"photo: camera"``, or a 2-D tensor of
    your own), ``kernel`` (a name from ``KERNELS`` or ``CUSTOM``),
    ``kernel_size`` (for the box blur), ``custom`` (the text of a custom
    kernel), ``stride`` (1-4), ``padding`` (0-3, per side), ``row``/``col``
    (the selected output element). ``photo_size`` is the side of the
    photos (256 keeps every update fast).
    """

    def __init__(self, image=EDGE_IMAGE, kernel: str = "edge [1, -1]", *, kernel_size: int = 3,
                 custom: str = DEFAULT_CUSTOM, stride: int = 1, padding: int = 0,
                 row: int = 0, col: int = 0, photo_size: int = 256, display: int = 256):
        super().__init__()
        self.display = display
        self.inputs: dict[str, Callable[[], torch.Tensor]] = {
            EDGE_IMAGE: edge_image,
            CHECKERBOARD: lambda: checkerboard(12, 3),
            **{f"photo: {name}": (lambda name=name: photo(name, photo_size)) for name in PHOTOS},
        }
        if isinstance(image, torch.Tensor):
            if image.dim() != 2:
                raise ValueError(f"image must be a 2-D (height, width) tensor, got {tuple(image.shape)}")
            own = image.detach().float().cpu()
            self.inputs = {"your image": lambda: own, **self.inputs}
            image = "your image"
        self._loaded: dict[str, torch.Tensor] = {}
        self._cache: dict[str, tuple] = {}  # picture -> (key, rgb): redrawn only when key changes

        # one width: the controls line up, three columns fit beside JupyterLab's file browser
        style = {"description_width": "80px"}
        def narrow():  # a Layout each: show() hides a control through its own layout
            return widgets.Layout(width="270px")

        controls = [
            self._register("image", widgets.Dropdown(
                options=list(self.inputs), description="input", style=style, layout=narrow())),
            self._register("kernel", widgets.Dropdown(
                options=[*KERNELS, CUSTOM], description="kernel", style=style, layout=narrow())),
            self._register("kernel_size", widgets.IntSlider(
                value=kernel_size, min=1, max=MAX_KERNEL, description="kernel size", style=style,
                layout=narrow())),
            self._register("custom", widgets.Textarea(
                value=custom, description="your kernel", continuous_update=False, style=style,
                placeholder="rows on lines, e.g.\n1 0 -1\n2 0 -2\n1 0 -1",
                layout=widgets.Layout(width="270px", height="5.5em"))),
            self._register("stride", widgets.IntSlider(
                value=stride, min=1, max=4, description="stride", style=style, layout=narrow())),
            self._register("padding", widgets.IntSlider(
                value=padding, min=0, max=3, description="padding", style=style, layout=narrow())),
            self._register("row", widgets.IntSlider(
                value=0, min=0, max=0, description="output row", style=style, layout=narrow())),
            self._register("col", widgets.IntSlider(
                value=0, min=0, max=0, description="output col", style=style, layout=narrow())),
        ]
        self.input_picture = picture()
        self.zoom_picture = picture()
        self.output_picture = picture()
        self.zoom_box = titled("zoom on the window", self.zoom_picture)
        self.products_table = widgets.HTML()
        self.shape_readout = widgets.HTML()
        self.output_legend = widgets.HTML(layout=widgets.Layout(max_width="300px"))
        input_legend = widgets.HTML("<small>blue: padding (zeros); green: the window</small>",
                                    layout=widgets.Layout(max_width="300px"))
        self.body = widgets.VBox([
            widgets.HBox([
                widgets.VBox([titled("padded input", self.input_picture), input_legend]),
                self.zoom_box,
                widgets.VBox([titled("output feature map", self.output_picture),
                              self.output_legend]),
            ], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start",
                                     grid_gap="24px")),
            widgets.HBox([self.products_table, self.shape_readout],
                         layout=widgets.Layout(flex_flow="row wrap", grid_gap="24px")),
        ])
        # controls in three columns: what to convolve | how | which output element
        self.root = widgets.VBox([
            widgets.HBox([widgets.VBox(controls[:4]), widgets.VBox(controls[4:6]),
                          widgets.VBox(controls[6:])], layout=widgets.Layout(grid_gap="8px")),
            self.message,
            self.body,
        ])
        self._start(image=image, kernel=kernel, kernel_size=kernel_size, custom=custom,
                    stride=stride, padding=padding, row=row, col=col)

    # -- settings -------------------------------------------------------------------
    @contextmanager
    def _quietly(self):
        """Change controls without each change triggering a redraw."""
        was, self._updating = self._updating, True
        try:
            yield
        finally:
            self._updating = was

    def _apply(self, changes: dict) -> None:
        """``row``/``col`` last: their sliders' range follows the output shape, which
        stride, padding, kernel and input decide."""
        position = ("row", "col")
        for name, value in changes.items():
            if name not in position:
                self._set(name, value)
        self._fit_position_range()
        for name in position:
            if name in changes:
                self._set(name, changes[name])

    def input_tensor(self, name: str) -> torch.Tensor:
        """The (h, w) input called ``name`` (photos load on first use)."""
        if name not in self._loaded:
            self._loaded[name] = self.inputs[name]().float()
        return self._loaded[name]

    def kernel_tensor(self, name: str, kernel_size: int, custom: str) -> torch.Tensor:
        """The (k_h, k_w) kernel called ``name``; a malformed custom kernel is a ValueError."""
        if name == CUSTOM:
            return parse_kernel(custom)
        if name in SIZED_KERNELS:
            return SIZED_KERNELS[name](kernel_size)
        return KERNELS[name]

    def _fit_position_range(self) -> tuple[int, int] | None:
        """Give the output-element sliders the range of the current output shape."""
        s = self.settings
        try:
            X = self.input_tensor(s["image"])
            K = self.kernel_tensor(s["kernel"], s["kernel_size"], s["custom"])
            shape = conv_output_shape(tuple(X.shape), tuple(K.shape),
                                      stride=s["stride"], padding=s["padding"])
        except ValueError:
            return None
        with self._quietly():
            for name, size in zip(("row", "col"), shape):
                slider = self._controls[name]
                if slider.max != size - 1:
                    slider.max = size - 1  # lowers the value too when it no longer fits
        return shape

    # -- one update -----------------------------------------------------------------
    def _update(self, **settings) -> KernelReadout:
        with single_thread():  # small tensors: one thread is fastest (see single_thread)
            return self._compute_and_draw(**settings)

    def _compute_and_draw(self, image, kernel, kernel_size, custom, stride, padding, row, col):
        show(self._controls["kernel_size"], kernel in SIZED_KERNELS)
        show(self._controls["custom"], kernel == CUSTOM)
        try:
            X = self.input_tensor(image)  # (n_h, n_w)
            K = self.kernel_tensor(kernel, kernel_size, custom)  # (k_h, k_w)
            shape = self._fit_position_range()
            if shape is None:  # repeat the check to raise its message
                conv_output_shape(tuple(X.shape), tuple(K.shape), stride=stride, padding=padding)
        except ValueError:
            show(self.body, False)
            raise
        show(self.body, True)
        row, col = self._controls["row"].value, self._controls["col"].value
        k_h, k_w = K.shape

        # the whole feature map, fast: (1, 1, n_h, n_w) -> (1, 1, out_h, out_w)
        output_key = (image, kernel, tuple(K.flatten().tolist()), stride, padding)
        Y = self._cached("output", output_key, lambda: F.conv2d(
            X[None, None], K[None, None], stride=stride, padding=padding)[0, 0])
        # the selected element, from the padded input directly
        padded = F.pad(X, (padding, padding, padding, padding))  # zeros on all four sides
        top, left = row * stride, col * stride
        window = padded[top : top + k_h, left : left + k_w]
        products = window * K
        value = float(products.sum())

        self._draw_input(image, padded, padding, (top, left), (k_h, k_w))
        self._draw_output(output_key, Y, (row, col))
        self.products_table.value = self._products_html(window, K, products, value, (row, col))
        formula = output_size_formula(tuple(X.shape), (k_h, k_w), stride, padding)
        self.shape_readout.value = (
            "<b>output shape</b><pre style='line-height:1.3'>" + html.escape(formula) + "</pre>")
        return KernelReadout(tuple(Y.shape), formula, (row, col), value, products, window, K, Y)

    def _cached(self, name: str, key, compute):
        """``compute()``, unless the last call for ``name`` had the same ``key``."""
        old = self._cache.get(name)
        if old is None or old[0] != key:
            self._cache[name] = (key, compute())
        return self._cache[name][1]

    # -- pictures -------------------------------------------------------------------
    def _draw_input(self, image, padded, padding, corner, kernel_shape):
        """The padded input, padding tinted, the window outlined; and a zoom on the window."""
        height, width = padded.shape
        factor = render.display_factor(height, width, self.display)

        def tinted():
            # black = 0, white = 1 (or the image's own range, for an image of yours)
            rgb = render.colorize(padded, vmin=min(0.0, float(padded.min())),
                                  vmax=max(1.0, float(padded.max())))
            if padding:
                ring = np.ones((height, width), dtype=bool)
                ring[padding:-padding, padding:-padding] = False
                render.tint_mask(rgb, ring, PADDING_TINT, alpha=0.5)
            return rgb

        small = self._cached("input_small", (image, padding), tinted)
        rgb = self._cached("input", (image, padding, factor),
                           lambda: render.with_grid(render.upscale(small, factor), factor)).copy()
        (top, left), (k_h, k_w) = corner, kernel_shape
        _mark(rgb, slice(top, top + k_h), slice(left, left + k_w), factor)
        self.input_picture.value = render.png_bytes(rgb)
        self.input_picture.layout.width = f"{rgb.shape[1]}px"

        show(self.zoom_box, factor < 8)
        if factor < 8:  # the window and three pixels around it, enlarged
            around = 3
            y0, x0 = max(top - around, 0), max(left - around, 0)
            y1, x1 = min(top + k_h + around, height), min(left + k_w + around, width)
            crop = small[y0:y1, x0:x1]
            zoom = render.display_factor(y1 - y0, x1 - x0, 160)
            crop = render.with_grid(render.upscale(crop, zoom), zoom)
            render.draw_box(crop, slice(top - y0, top - y0 + k_h), slice(left - x0, left - x0 + k_w),
                            MARK, zoom, thickness=3)
            self.zoom_picture.value = render.png_bytes(crop)

    def _draw_output(self, key, Y, position):
        """The feature map (diverging colours when it has signs), the element outlined."""
        out_h, out_w = Y.shape
        factor = render.display_factor(out_h, out_w, self.display)
        signed = bool((Y < 0).any())

        def base():
            if signed and Y.numel() <= 64 * 64:
                rgb = render.colorize(Y, symmetric=True)
                bound = float(Y.abs().max())
                legend = (f"blue = negative, white = 0, red = positive "
                          f"(scale -{_number(bound)} to {_number(bound)})")
            elif signed:  # a photo: a few strong edges would wash out the rest
                bound = max(float(torch.quantile(Y.abs().flatten()[::7], 0.99)), 1e-6)
                rgb = render.colorize(Y, cmap="RdBu_r", vmin=-bound, vmax=bound)
                legend = (f"blue = negative, white = 0, red = positive "
                          f"(full colour at +-{_number(bound)}, 99% of the values)")
            else:
                rgb = render.colorize(Y, vmin=min(0.0, float(Y.min())), vmax=max(float(Y.max()), 1e-6))
                legend = f"black = 0, white = {_number(float(Y.max()))}"
            return render.with_grid(render.upscale(rgb, factor), factor), legend

        rgb, legend = self._cached("output_rgb", (key, factor), base)
        rgb = rgb.copy()
        row, col = position
        _mark(rgb, slice(row, row + 1), slice(col, col + 1), factor)
        self.output_picture.value = render.png_bytes(rgb)
        self.output_picture.layout.width = f"{rgb.shape[1]}px"
        self.output_legend.value = compact(f"<small>{html.escape(legend)}; {out_h} x {out_w}</small>")

    @staticmethod
    def _products_html(window, kernel, products, value, position) -> str:
        """The products table: each cell ``input x weight = product``; then the sum."""
        k_h, k_w = kernel.shape
        small = k_h * k_w <= 25
        bound = float(products.abs().max()) or 1.0
        xs, ws, ps = window.tolist(), kernel.tolist(), products.tolist()  # floats, fast to read
        cells = []
        for i in range(k_h):
            row = []
            for j in range(k_w):
                x, w, p = _number(xs[i][j]), _number(ws[i][j]), ps[i][j]
                fade = int(90 * abs(p) / bound)
                shade = (255, 255 - fade, 255 - fade) if p > 0 else (255 - fade, 255 - fade, 255)
                text = f"{x}&times;{w}<br><b>{_number(p)}</b>" if small else f"<b>{_number(p)}</b>"
                row.append(f"<td title='{x} x {w}' style='background:rgb{shade};"
                           f"border:1px solid #ccc;padding:2px 5px;text-align:center'>{text}</td>")
            cells.append("<tr>" + "".join(row) + "</tr>")
        terms = [_number(p) if p >= 0 else f"({_number(p)})" for line in ps for p in line]
        total = (" + ".join(terms) if len(terms) <= 9
                 else f"the sum of the {len(terms)} products")
        font = "0.9em" if small else "0.75em"
        return (
            f"<b>output {position} = window &times; kernel, summed</b>"
            f"<table style='border-collapse:collapse;font-size:{font};margin:4px 0'>"
            + "".join(cells) + "</table>"
            + f"<div>{html.escape(total)} = <b>{_number(value)}</b></div>"
        )


def _mark(rgb: np.ndarray, rows: slice, cols: slice, factor: int) -> None:
    """Outline input ``rows`` x ``cols`` of a picture enlarged ``factor`` times, in place.

    When the enlargement is small (a photo), the box alone is a few screen
    pixels: it gets a margin, and short guide lines from the picture's
    edges lead to it.
    """
    if factor >= 6:
        render.draw_box(rgb, rows, cols, MARK, factor, thickness=3)
        return
    margin = 3
    y0, y1 = rows.start * factor - margin, rows.stop * factor + margin
    x0, x1 = cols.start * factor - margin, cols.stop * factor + margin
    render.draw_box(rgb, slice(y0, y1), slice(x0, x1), MARK, 1, thickness=2)
    render.guide_lines(rgb, slice(y0, y1), slice(x0, x1), MARK)

