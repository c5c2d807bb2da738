"""The kernel explorer (notes 1.1 and 1.3): slide a kernel over an image, with padding and stride.

Choose an input and a kernel, move the stride, padding and kernel-size
sliders, and pick one output element. The explorer shows

* the padded input (padding tinted blue) with the window of that element,
* the element-wise products of the window and the kernel, and their sum,
* the whole output feature map (diverging colours when it has signs),
* the output shape, with the notes' formula filled in with the numbers.

The feature map comes from ``F.conv2d``; the selected element is
recomputed from the padded input directly, so the two can be compared
(``tests/test_kernel_explorer.py`` does, for every setting). What the
explorer computes and draws lives in ``kernel_readout``; this module holds
its controls, their layout and the update that ties them together.

    >>> explorer = KernelExplorer(kernel="Sobel x", padding=1)
    >>> explorer.update(stride=2, row=1, col=2).output_shape
    (3, 4)
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Callable

import ipywidgets as widgets
import torch
import torch.nn.functional as F

from cnn_helpers.core import render
from cnn_helpers.core.images import PHOTOS, checkerboard, edge_image, photo
from cnn_helpers.core.language import tr
from cnn_helpers.ops import conv_output_shape
from cnn_helpers.widgets.common import (
    Explorer,
    compact,
    picture,
    show,
    single_thread,
    titled,
    viewer_inputs,
)
from cnn_helpers.widgets.kernel_readout import (
    CHECKERBOARD,
    CUSTOM,
    DEFAULT_CUSTOM,
    EDGE_IMAGE,
    KERNELS,
    MAX_KERNEL,
    SIZED_KERNELS,
    KernelReadout,
    box_blur,
    feature_map_picture,
    kernel_tensor,
    mark_window,
    output_size_formula,
    parse_kernel,
    products_html,
    selected_element,
    tinted_input,
    window_zoom,
)

# Names notebooks, benchmarks and tests import from here; they live in kernel_readout.
__all__ = ["CHECKERBOARD", "CUSTOM", "DEFAULT_CUSTOM", "EDGE_IMAGE", "KERNELS", "MAX_KERNEL",
           "SIZED_KERNELS", "KernelExplorer", "KernelReadout", "box_blur", "output_size_formula",
           "parse_kernel"]


class KernelExplorer(Explorer):
    """Cross-correlate an image with a kernel, with stride and padding (notes 1.1, 1.3).

    Every keyword sets the starting value of a control; ``update`` moves them
    (``explorer.update(stride=2)``) and returns a ``KernelReadout``.
    """

    def __init__(self, image: str | torch.Tensor = EDGE_IMAGE, kernel: str = "edge [1, -1]", *,
                 kernel_size: int = 3, custom: str = DEFAULT_CUSTOM, stride: int = 1,
                 padding: int = 0, row: int = 0, col: int = 0, photo_size: int = 256,
                 display: int = 190) -> None:
        """Build the controls and draw the first setting (notes 1.1, 1.3).

        Args:
            image: a name from ``explorer.inputs`` (e.g. ``"photo: camera"``), or an
                H x W tensor of your own.
            kernel: a name from ``KERNELS``, or ``CUSTOM``.
            kernel_size: the side of a sized kernel (the box blur).
            custom: the text of a custom kernel (see ``parse_kernel``).
            stride: 1-4.
            padding: 0-3, per side.
            row: the selected output element's row.
            col: the selected output element's column.
            photo_size: the side of the photos (256 keeps every update fast).
            display: the side, in screen pixels, the pictures are enlarged to (and a larger
                input, such as a 256x256 photo, shrunk to): at 190 the whole explorer fits a
                1280x720 window beside JupyterLab's file browser, at every setting.

        Raises:
            ValueError: a 2-D tensor is not what ``image`` holds, or a starting value is
                one its control cannot take.
        """
        super().__init__()
        self.display = display
        self.inputs: dict[str, Callable[[], torch.Tensor]] = {
            EDGE_IMAGE: edge_image,
            CHECKERBOARD: lambda: checkerboard(12, 3),
            **{f"photo: {name}": (lambda name=name: photo(name, photo_size)) for name in PHOTOS},
        }
        if not isinstance(image, str):
            image, _ = viewer_inputs(image)  # numpy, uint8, float64 ...: floats in [0, 1]
            if not isinstance(image, torch.Tensor) or image.dim() != 2:
                raise ValueError("image must be a 2-D (height, width) tensor or array, got "
                                 f"{tuple(getattr(image, 'shape', ())) or type(image).__name__}")
            own = image.detach().float().cpu()
            self.inputs = {"your image": lambda: own, **self.inputs}
            image = "your image"
        self._loaded: dict[str, torch.Tensor] = {}
        self._cache: dict[str, tuple] = {}  # picture -> (key, rgb): redrawn only when key changes

        # one width: the controls line up, three columns fit beside JupyterLab's file browser
        style = {"description_width": "80px"}
        def narrow():  # a Layout each: show() hides a control through its own layout
            return widgets.Layout(width="262px")  # (a column is 270: no scrollbar in it)

        controls = [
            self._register("image", widgets.Dropdown(
                options=list(self.inputs), description=tr("input"), style=style, layout=narrow())),
            self._register("kernel", widgets.Dropdown(
                options=[*KERNELS, CUSTOM], description=tr("kernel"), style=style, layout=narrow())),
            self._register("kernel_size", widgets.IntSlider(
                value=kernel_size, min=1, max=MAX_KERNEL, description=tr("kernel size"), style=style,
                layout=narrow())),
            self._register("custom", widgets.Textarea(
                value=custom, description=tr("your kernel"), continuous_update=False, style=style,
                placeholder=tr("rows on lines, e.g.\n1 0 -1\n2 0 -2\n1 0 -1"),
                layout=widgets.Layout(width="262px", height="4.4em"))),
            self._register("stride", widgets.IntSlider(
                value=stride, min=1, max=4, description=tr("stride"), style=style, layout=narrow())),
            self._register("padding", widgets.IntSlider(
                value=padding, min=0, max=3, description=tr("padding"), style=style, layout=narrow())),
            self._register("row", widgets.IntSlider(
                value=0, min=0, max=0, description=tr("output row"), style=style, layout=narrow())),
            self._register("col", widgets.IntSlider(
                value=0, min=0, max=0, description=tr("output col"), style=style, layout=narrow())),
        ]
        self.input_picture = picture()
        self.zoom_picture = picture()
        self.output_picture = picture()
        self.zoom_picture.layout.width = "120px"
        self.zoom_box = titled(tr("zoom on the window"), self.zoom_picture)
        self.products_table = widgets.HTML()
        self.shape_readout = widgets.HTML()
        legend_layout = {"max_width": f"{display}px", "min_width": "150px"}
        self.output_legend = widgets.HTML(layout=widgets.Layout(**legend_layout))
        input_legend = widgets.HTML(compact("<small>" + tr("blue: padding (zeros); green: the "
                                                           "window") + "</small>"),
                                    layout=widgets.Layout(**legend_layout))
        # the pictures beside the products (a 9x9 table is as tall as a picture), the zoom and
        # the shape below: at every setting the explorer fits 1280x720 beside the file browser
        # the pictures' columns never shrink (a squeezed column crops its picture); the
        # products' sum, a line of text, wraps instead
        def unsqueezed(*children):
            return widgets.VBox(children, layout=widgets.Layout(flex="0 0 auto"))
        self.products_table.layout = widgets.Layout(flex="1 1 auto", min_width="0")
        self.body = widgets.VBox([
            widgets.HBox([
                unsqueezed(titled(tr("padded input"), self.input_picture), input_legend),
                unsqueezed(titled(tr("output feature map"), self.output_picture), self.output_legend),
                self.products_table,
            ], layout=widgets.Layout(align_items="flex-start", grid_gap="16px")),
            widgets.HBox([self.zoom_box, self.shape_readout],
                         layout=widgets.Layout(align_items="flex-start", grid_gap="24px")),
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
    def _quietly(self) -> Iterator[None]:
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
        """The H x W input called ``name`` (photos load on first use)."""
        if name not in self._loaded:
            self._loaded[name] = self.inputs[name]().float()
        return self._loaded[name]

    def kernel_tensor(self, name: str, kernel_size: int, custom: str) -> torch.Tensor:
        """The k_h x k_w kernel called ``name``; a malformed custom kernel is a ValueError."""
        return kernel_tensor(name, kernel_size, custom)

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
            X = self.input_tensor(image)  # n_h x n_w
            K = self.kernel_tensor(kernel, kernel_size, custom)  # k_h x k_w
            shape = self._fit_position_range()
            if shape is None:  # repeat the check to raise its message
                conv_output_shape(tuple(X.shape), tuple(K.shape), stride=stride, padding=padding)
        except ValueError:
            show(self.body, False)
            raise
        show(self.body, True)
        row, col = self._controls["row"].value, self._controls["col"].value
        k_h, k_w = K.shape

        # the whole feature map, fast: 1 x 1 x n_h x n_w -> 1 x 1 x out_h x out_w
        output_key = (image, kernel, tuple(K.flatten().tolist()), stride, padding)
        Y = self._cached("output", output_key, lambda: F.conv2d(
            X[None, None], K[None, None], stride=stride, padding=padding)[0, 0])  # out_h x out_w
        # the selected element, from the padded input directly
        padded = F.pad(X, (padding, padding, padding, padding))  # (n_h + 2p) x (n_w + 2p)
        window, products, value = selected_element(padded, K, stride, (row, col))

        self._draw_input(image, padded, padding, (row * stride, col * stride), (k_h, k_w))
        self._draw_output(output_key, Y, (row, col))
        self.products_table.value = products_html(window, K, products, value, (row, col))
        formula = output_size_formula(tuple(X.shape), (k_h, k_w), stride, padding)
        self.shape_readout.value = (
            f"<b>{tr('output shape')}</b><pre style='line-height:1.2;margin:2px 0'>"
            + html.escape(formula)
            + "</pre>")
        return KernelReadout(tuple(Y.shape), formula, (row, col), value, products, window, K, Y)

    def _cached(self, name: str, key: Hashable, compute: Callable[[], object]) -> object:
        """``compute()``, unless the last call for ``name`` had the same ``key``."""
        old = self._cache.get(name)
        if old is None or old[0] != key:
            self._cache[name] = (key, compute())
        return self._cache[name][1]

    # -- pictures -------------------------------------------------------------------
    def _draw_input(self, image: str, padded: torch.Tensor, padding: int,
                    corner: tuple[int, int], kernel_shape: tuple[int, int]) -> None:
        """The padded input, padding tinted, the window outlined; and a zoom on the window."""
        height, width = padded.shape
        factor = render.display_factor(height, width, self.display)
        small = self._cached("input_small", (image, padding),
                             lambda: tinted_input(padded, padding))  # H x W x 3
        rgb = self._cached("input", (image, padding, factor),
                           lambda: render.with_grid(render.upscale(small, factor), factor)).copy()
        (top, left), (k_h, k_w) = corner, kernel_shape
        mark_window(rgb, slice(top, top + k_h), slice(left, left + k_w), factor)
        self.input_picture.value = render.png_bytes(rgb)
        self.input_picture.layout.width = f"{min(rgb.shape[1], self.display)}px"

        show(self.zoom_box, factor < 8)
        if factor < 8:  # the window and three pixels around it, enlarged
            self.zoom_picture.value = render.png_bytes(window_zoom(small, corner, kernel_shape))

    def _draw_output(self, key: Hashable, Y: torch.Tensor, position: tuple[int, int]) -> None:
        """The feature map (diverging colours when it has signs), the element outlined."""
        out_h, out_w = Y.shape
        factor = render.display_factor(out_h, out_w, self.display)
        rgb, legend = self._cached("output_rgb", (key, factor),
                                   lambda: feature_map_picture(Y, factor))
        rgb = rgb.copy()
        row, col = position
        mark_window(rgb, slice(row, row + 1), slice(col, col + 1), factor)
        self.output_picture.value = render.png_bytes(rgb)
        self.output_picture.layout.width = f"{min(rgb.shape[1], self.display)}px"
        self.output_legend.value = compact(f"<small>{html.escape(legend)}; {out_h} x {out_w}</small>")
