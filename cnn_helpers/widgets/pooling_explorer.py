"""The pooling explorer (chapter 2): window, stride, padding, mode, and a shift.

Pick an input (a photograph, the notes' edge image, or a random feature
map with several channels), a mode (max or average), the window, stride
and padding, and move the input right with the shift slider. The widget
shows the shifted input, its pooled output (positions that did not change
since shift 0 tinted green), the output shape by the notes' formula, and
the invariance figure: for every shift, the share of input values and of
pooled values that stayed the same. Input and output are drawn at one
scale (their true relative sizes; the titles say the enlargement).

Everything is computed by ``update`` (``explorer.update(window=3)``),
which tests call headless; it returns a ``PoolingView``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F

from cnn_helpers.chapters.ch02_pooling.fast import pool
from cnn_helpers.chapters.ch02_pooling.invariance import InvarianceCurve
from cnn_helpers.core import render
from cnn_helpers.core.images import edge_image, photo, shifted
from cnn_helpers.core.language import tr
from cnn_helpers.ops.pooling import pooling_output_shape
from cnn_helpers.widgets.common import (
    Explorer,
    compact,
    picture,
    show,
    shown_at_own_size,
    single_thread,
)

INPUTS = {
    "photo": "photograph (cameraman, 256x256)",
    "edge": "the notes' edge image (6x8)",
    "features": "random feature map (4 channels, 64x64)",
}
MAX_SHIFT = 8


def random_feature_map(channels: int = 4, size: int = 64, seed: int = 0) -> torch.Tensor:
    """Smooth random blobs, one pattern per channel: what a convolution's output looks like."""
    generator = torch.Generator().manual_seed(seed)
    smooth = torch.randn(channels, 1, size, size, generator=generator)
    blur = torch.ones(1, 1, 7, 7) / 49
    for _ in range(2):  # two box blurs: blobs a few pixels wide
        smooth = F.conv2d(F.pad(smooth, (3, 3, 3, 3), mode="circular"), blur)
    smooth = smooth[:, 0]  # c x size x size
    return smooth / smooth.abs().max()


@dataclass
class PoolingView:
    """What the explorer shows for one setting."""

    output: torch.Tensor  # c x out_h x out_w: the pooled shifted input
    shape: tuple[int, int]  # by the notes' formula
    formula: str
    pooled_unchanged: float  # share of pooled values equal to those at shift 0
    input_unchanged: float  # share of input values equal to those at shift 0
    curve: InvarianceCurve


def _formula(n: int, k: int, q: int, s: int) -> str:
    return f"\u230a({n} \u2212 {k} + {2 * q} + {s}) / {s}\u230b = {(n - k + 2 * q + s) // s}"


def _tile(channels: np.ndarray, gap: int = 4, columns: int = 2) -> np.ndarray:
    """(c, h, w, 3) pictures in a grid of ``columns`` with white gaps (one picture: itself)."""
    c, h, w, _ = channels.shape
    columns = min(c, columns)
    rows = -(-c // columns)
    out = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap, 3), 255,
                  dtype=np.uint8)
    for i in range(c):
        row, column = divmod(i, columns)
        out[row * (h + gap) : row * (h + gap) + h, column * (w + gap) : column * (w + gap) + w] = (
            channels[i])
    return out


def invariance_chart(curve: InvarianceCurve, current: int, width: int = 260,
                     height: int = 190) -> str:
    """The invariance figure as SVG: for each shift, the share of input values (orange) and
    of pooled values (blue) unchanged since shift 0; the current shift outlined in red.

    Drawn at its own size in pixels (no stretching), with labelled axes.

    Args:
        curve: the shares, per shift.
        current: the shift outlined.
        width: the figure's width in pixels.
        height: the figure's height in pixels.

    Returns:
        The SVG text.
    """
    left, right, top, bottom = 46, 8, 8, 40  # margins: y labels, x labels
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(curve.shifts)
    bar = slot * 0.36

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'style="font: 13px sans-serif">']
    for share in (0, 0.5, 1):  # y axis: ticks and grid
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(share):.1f}" '
                     f'y2="{y(share):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y(share) + 4:.1f}" text-anchor="end">'
                     f'{share:.0%}</text>')
    for i, (shift, before, after) in enumerate(zip(curve.shifts, curve.unpooled, curve.pooled)):
        x = left + i * slot + (slot - 2 * bar) / 2
        for j, (value, color) in enumerate(((before, render.ORANGE), (after, render.BLUE))):
            parts.append(f'<rect x="{x + j * bar:.1f}" y="{y(value):.1f}" width="{bar:.1f}" '
                         f'height="{plot_h * value:.1f}" fill="rgb{color}"/>')
        if shift == current:
            parts.append(f'<rect x="{x - 2:.1f}" y="{top - 2}" width="{2 * bar + 4:.1f}" '
                         f'height="{plot_h + 4}" fill="none" stroke="rgb{render.RED}" '
                         'stroke-width="2"/>')
        parts.append(f'<text x="{x + bar:.1f}" y="{top + plot_h + 15}" '
                     f'text-anchor="middle">{shift}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#333"/>'
                 f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="#333"/>'
                 f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">'
                 f'{tr("shift (pixels to the right)")}</text>'
                 f'<text transform="translate(12 {top + plot_h / 2:.0f}) rotate(-90)" '
                 f'text-anchor="middle">{tr("unchanged")}</text></svg>')
    return "".join(parts)


class PoolingExplorer(Explorer):
    """Max or average pooling of a photo, the edge image or a feature map, shifted at will."""

    def __init__(self, mode: str = "max", window: int = 2, stride: int = 2, padding: int = 0,
                 image: str = "photo", shift: int = 0, photo_size: int = 256) -> None:
        """Build the controls and draw the first setting (notes 2).

        Args:
            mode: "max" or "avg".
            window: the pooling window's side.
            stride: the step between windows.
            padding: zeros added on each side.
            image: "photo", "edge" or "features".
            shift: pixels the input is moved to the right.
            photo_size: the side of the photo.

        Raises:
            ValueError: a starting value is one its control cannot take.
        """
        super().__init__()
        self._inputs = {
            "photo": photo("camera", size=photo_size)[None],  # 1 x 256 x 256
            "edge": edge_image()[None],  # 1 x 6 x 8
            "features": random_feature_map(),  # 4 x 64 x 64
        }
        self._stacks = {}  # input -> (shifts, c, h, w): the input at every shift, made once
        self._input_unchanged = {}  # input -> share of input values unchanged, per shift
        self._pooled = {}  # (input, mode, window, stride, padding) -> (pooled stack, curve)
        self._input_png = {}  # (input, shift) -> PNG bytes of the shifted input

        style = {"description_width": "60px"}  # one width: the controls line up
        self._register("image", widgets.Dropdown(
            options=[(tr(label), key) for key, label in INPUTS.items()], description=tr("input"),
            style=style, layout=widgets.Layout(width="370px")))
        self._register("mode", widgets.ToggleButtons(
            options=[(tr("max"), "max"), (tr("average"), "avg")],
            style={"button_width": "100px"}))  # (its label is drawn beside it, below)
        self._register("window", widgets.IntSlider(value=window, min=1, max=8,
                                                   description=tr("window"), style=style))
        self._register("stride", widgets.IntSlider(value=stride, min=1, max=6,
                                                   description=tr("stride"), style=style))
        self._register("padding", widgets.IntSlider(value=padding, min=0, max=3,
                                                     description=tr("padding"), style=style))
        self._register("shift", widgets.IntSlider(value=shift, min=0, max=MAX_SHIFT,
                                                  description=tr("shift \u2192"), style=style))
        self.input_picture = picture()
        self.output_picture = picture()
        self.chart = widgets.HTML()
        self.input_title, self.output_title = widgets.HTML(), widgets.HTML()
        self.readout = widgets.HTML()
        legend = widgets.HTML(
            f'<span style="color:rgb(255,150,0)">&#9632;</span> {tr("input")} '
            f'<span style="color:rgb(30,110,230)">&#9632;</span> {tr("pooled values unchanged")}')
        controls = list(self._controls.values())
        # ToggleButtons puts its own label above its buttons: one beside them instead
        mode_label = widgets.HTML(f"<div style='text-align:right;padding-right:8px'>{tr('mode')}"
                                  "</div>",
                                  layout=widgets.Layout(width="64px"))
        controls[1] = widgets.HBox([mode_label, controls[1]])
        controls = widgets.HBox([widgets.VBox(controls[:2]), widgets.VBox(controls[2:])],
                                layout=widgets.Layout(grid_gap="12px"))
        # each column as wide as its picture (never squeezed: the sizes are the point)
        self.input_box = widgets.VBox([self.input_title, self.input_picture])
        self.output_box = widgets.VBox([self.output_title, self.output_picture])
        chart_box = widgets.VBox([widgets.HTML(f"<b>{tr('invariance')}</b>"), self.chart, legend],
                                 layout=widgets.Layout(width="270px", flex="0 0 auto"))
        self.pictures = widgets.HBox([self.input_box, self.output_box, chart_box],
                                     layout=widgets.Layout(align_items="flex-start",
                                                           grid_gap="16px"))
        self.root = widgets.VBox([controls, self.readout, self.message, self.pictures])
        self._start(image=image, mode=mode, window=window, stride=stride, padding=padding,
                    shift=shift)

    # -- computation (no drawing) -----------------------------------------------------
    def shifted_inputs(self, image: str) -> torch.Tensor:
        """The input moved right by 0, 1, ..., MAX_SHIFT pixels: (shifts, c, h, w)."""
        if image not in self._stacks:
            X = self._inputs[image]
            stack = torch.stack([shifted(X, 0, s) for s in range(MAX_SHIFT + 1)])
            self._stacks[image] = stack
            same = stack == stack[0]  # shifts x c x h x w
            self._input_unchanged[image] = same.flatten(1).float().mean(1).tolist()
        return self._stacks[image]

    def pooled(self, image: str, mode: str, window: int, stride: int,
               padding: int) -> tuple[torch.Tensor, InvarianceCurve]:
        """Pool the input at every shift in one call; count what stayed as at shift 0 (notes 2).

        Args:
            image: the input's name.
            mode: "max" or "avg".
            window: the pooling window's side.
            stride: the step between windows.
            padding: zeros added on each side.

        Returns:
            The pooled inputs, shifts x c x out_h x out_w, and the invariance curve.
        """
        key = (image, mode, window, stride, padding)
        if key not in self._pooled:
            stack = self.shifted_inputs(image)  # shifts x c x h x w
            shifts, c, h, w = stack.shape
            pooled = pool(stack.reshape(shifts * c, h, w), window, mode, stride=stride,
                          padding=padding)  # (shifts * c) x out_h x out_w
            pooled = pooled.reshape(shifts, c, *pooled.shape[-2:])
            same = pooled == pooled[0]  # shifts x c x out_h x out_w
            curve = InvarianceCurve(list(range(shifts)), self._input_unchanged[image],
                                    same.flatten(1).float().mean(1).tolist())
            if len(self._pooled) > 32:  # keep memory bounded: forget the oldest setting
                self._pooled.pop(next(iter(self._pooled)))
            self._pooled[key] = (pooled, curve)
        return self._pooled[key]

    # -- one update -------------------------------------------------------------------
    def _update(self, **settings) -> PoolingView:
        with single_thread():  # small tensors: a second thread only waits (see common.py)
            return self._show(**settings)

    def _show(self, image, mode, window, stride, padding, shift) -> PoolingView:
        self.readout.value = ""
        show(self.pictures, False)  # until the setting is known to be possible
        X = self.shifted_inputs(image)[shift]  # c x h x w
        c, n_h, n_w = X.shape
        out_h, out_w = pooling_output_shape((n_h, n_w), window, stride=stride, padding=padding)
        pooled, curve = self.pooled(image, mode, window, stride, padding)
        zoom = self.zoom(image)
        if (image, shift) not in self._input_png:
            self._input_png[(image, shift)] = self._draw(X, image, zoom)
        shown_at_own_size(self.input_picture, self._input_png[(image, shift)])
        Y = pooled[shift]  # c x out_h x out_w
        formula = tr(f"{c} channel(s) in, {c} out (pooled separately); "
                     f"height {_formula(n_h, window, padding, stride)}, "
                     f"width {_formula(n_w, window, padding, stride)}")
        view = PoolingView(Y, (out_h, out_w), formula, curve.pooled[shift], curve.unpooled[shift],
                           curve)
        unchanged = Y == pooled[0] if shift else None  # at shift 0 everything is "unchanged"
        shown_at_own_size(self.output_picture, self._draw(Y, image, zoom, unchanged=unchanged))
        scale = tr("actual size") if zoom == 1 else tr(f"{zoom}\u00d7 enlarged")
        self.input_title.value = compact(f"<b>{tr('input')} {n_h}x{n_w}</b><br>"
                                         + tr(f"shifted; {scale}"))
        self.output_title.value = compact(f"<b>{tr('pooled')} {out_h}x{out_w}</b><br>"
                                          + tr("same scale; green: as at shift 0"))
        for box, image in ((self.input_box, self.input_picture),
                           (self.output_box, self.output_picture)):
            # the picture and its margins (a box narrower than its content would clip it)
            box.layout.width = f"{max(int(image.layout.width.removesuffix('px')), 150) + 8}px"
            box.layout.flex = "0 0 auto"
        self.chart.value = invariance_chart(curve, shift)
        show(self.pictures, True)
        self.readout.value = compact(html.escape(tr(
            f"{'max' if mode == 'max' else 'average'} pooling, window {window}, stride {stride}, "
            f"padding {padding} per side: output {c}x{out_h}x{out_w}. {formula}. "
            f"Shift {shift}: {view.input_unchanged:.0%} of input values and "
            f"{view.pooled_unchanged:.0%} of pooled values unchanged.")))
        return view

    def zoom(self, image: str) -> int:
        """One enlargement for the input and its pooled output (their true relative sizes):
        the input's picture about 256 px on its longer side."""
        c, h, w = self._inputs[image].shape
        rows, columns = -(-c // 2), min(c, 2)  # channels in a grid of two columns
        return render.display_factor(h * rows, w * columns, 256)

    def _draw(self, X: torch.Tensor, image: str, zoom: int, unchanged=None) -> np.ndarray:
        """Colour every channel on the input's scale, enlarge ``zoom`` times (a grid between
        the pixels once they are large), tile, tint unchanged outputs; frame each channel."""
        source = self._inputs[image]
        lo, hi = float(source.min()), float(source.max())
        cmap = "gray" if image != "features" else "RdBu_r"
        tiles = []
        for i in range(X.shape[0]):
            rgb = render.upscale(render.colorize(X[i], cmap=cmap, vmin=lo, vmax=hi), zoom)
            if unchanged is not None:
                render.tint_mask(rgb, unchanged[i].numpy(), render.GREEN, zoom, alpha=0.4)
            rgb = render.with_grid(rgb, zoom)
            tiles.append(np.pad(rgb, ((1, 1), (1, 1), (0, 0)), constant_values=150))  # a frame
        return _tile(np.stack(tiles))

    def describe(self) -> str:
        s = self.settings
        return (f"PoolingExplorer(input={s['image']!r}, mode={s['mode']!r}, window={s['window']}, "
                f"stride={s['stride']}, padding={s['padding']}, shift={s['shift']})")
