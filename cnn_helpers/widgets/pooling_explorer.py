"""The pooling explorer (chapter 2): window, stride, padding, mode, and a shift.

Pick an input (a photograph, the notes' edge image, or a random feature
map with several channels), a mode (max or average), the window, stride
and padding, and move the input right with the shift slider. The widget
shows the shifted input, its pooled output (positions that did not change
since shift 0 tinted green), the output shape by the notes' formula, and
the invariance figure: for every shift, the share of input values and of
pooled values that stayed the same.

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

from .. import render
from ..images import edge_image, photo, shifted
from ..pooling import InvarianceCurve, pool, pooling_output_shape
from .common import Explorer, picture, single_thread, titled

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
    smooth = smooth[:, 0]  # (c, size, size)
    return smooth / smooth.abs().max()


@dataclass
class PoolingView:
    """What the explorer shows for one setting."""

    output: torch.Tensor  # (c, out_h, out_w): the pooled shifted input
    shape: tuple[int, int]  # by the notes' formula
    formula: str
    pooled_unchanged: float  # share of pooled values equal to those at shift 0
    input_unchanged: float  # share of input values equal to those at shift 0
    curve: InvarianceCurve


def _formula(n: int, k: int, q: int, s: int) -> str:
    return f"\u230a({n} \u2212 {k} + {2 * q} + {s}) / {s}\u230b = {(n - k + 2 * q + s) // s}"


def _tile(channels: np.ndarray, gap: int = 4) -> np.ndarray:
    """(c, h, w, 3) pictures side by side with white gaps: (h, c * w + gaps, 3)."""
    c, h, w, _ = channels.shape
    out = np.full((h, c * w + (c - 1) * gap, 3), 255, dtype=np.uint8)
    for i in range(c):
        out[:, i * (w + gap) : i * (w + gap) + w] = channels[i]
    return out


def bar_chart(curve: InvarianceCurve, current: int, height: int = 110, bar: int = 11) -> np.ndarray:
    """Pairs of bars (input: orange, pooled: blue) for each shift; the current one outlined."""
    n = len(curve.shifts)
    slot = 2 * bar + 8
    rgb = np.full((height, n * slot + 4, 3), 255, dtype=np.uint8)
    rgb[height - 1] = 0  # the axis
    for i, (before, after) in enumerate(zip(curve.unpooled, curve.pooled)):
        x = 4 + i * slot
        for j, (value, color) in enumerate(((before, render.ORANGE), (after, render.BLUE))):
            top = height - 1 - round(value * (height - 6))
            rgb[top : height - 1, x + j * bar : x + (j + 1) * bar - 1] = color
        if curve.shifts[i] == current:
            render.draw_box(rgb, slice(0, height), slice(x - 3, x + 2 * bar + 2), render.RED,
                            thickness=2)
    return rgb


class PoolingExplorer(Explorer):
    """Max or average pooling of a photo, the edge image or a feature map, shifted at will."""

    def __init__(self, mode: str = "max", window: int = 2, stride: int = 2, padding: int = 0,
                 image: str = "photo", shift: int = 0, photo_size: int = 256):
        super().__init__()
        self._inputs = {
            "photo": photo("camera", size=photo_size)[None],  # (1, 256, 256)
            "edge": edge_image()[None],  # (1, 6, 8)
            "features": random_feature_map(),  # (4, 64, 64)
        }
        self._stacks = {}  # input -> (shifts, c, h, w): the input at every shift, made once
        self._input_unchanged = {}  # input -> share of input values unchanged, per shift
        self._pooled = {}  # (input, mode, window, stride, padding) -> (pooled stack, curve)
        self._input_png = {}  # (input, shift) -> PNG bytes of the shifted input

        self._register("image", widgets.Dropdown(
            options=[(label, key) for key, label in INPUTS.items()], description="input"))
        self._register("mode", widgets.ToggleButtons(
            options=[("max", "max"), ("average", "avg")], description="mode"))
        self._register("window", widgets.IntSlider(value=window, min=1, max=8,
                                                   description="window"))
        self._register("stride", widgets.IntSlider(value=stride, min=1, max=6,
                                                   description="stride"))
        self._register("padding", widgets.IntSlider(value=padding, min=0, max=3,
                                                     description="padding"))
        self._register("shift", widgets.IntSlider(value=shift, min=0, max=MAX_SHIFT,
                                                  description="shift \u2192"))
        self.input_picture = picture()
        self.output_picture = picture()
        self.chart_picture = picture()
        self.readout = widgets.HTML()
        legend = widgets.HTML(
            '<span style="color:rgb(255,150,0)">&#9632;</span> input values unchanged '
            '<span style="color:rgb(30,110,230)">&#9632;</span> pooled values unchanged '
            "(share, per shift)")
        controls = widgets.VBox(list(self._controls.values()))
        pictures = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"), children=[
            titled("input (shifted)", self.input_picture),
            titled("pooled output (green: same as at shift 0)", self.output_picture),
            titled("invariance", widgets.VBox([self.chart_picture, legend])),
        ])
        self.root = widgets.VBox([controls, self.readout, self.message, pictures])
        self._start(image=image, mode=mode, window=window, stride=stride, padding=padding,
                    shift=shift)

    # -- computation (no drawing) -----------------------------------------------------
    def shifted_inputs(self, image: str) -> torch.Tensor:
        """The input moved right by 0, 1, ..., MAX_SHIFT pixels: (shifts, c, h, w)."""
        if image not in self._stacks:
            X = self._inputs[image]
            stack = torch.stack([shifted(X, 0, s) for s in range(MAX_SHIFT + 1)])
            self._stacks[image] = stack
            same = stack == stack[0]  # (shifts, c, h, w)
            self._input_unchanged[image] = same.flatten(1).float().mean(1).tolist()
        return self._stacks[image]

    def pooled(self, image, mode, window, stride, padding) -> tuple[torch.Tensor, InvarianceCurve]:
        """Pool the input at every shift in one call; count what stayed as at shift 0."""
        key = (image, mode, window, stride, padding)
        if key not in self._pooled:
            stack = self.shifted_inputs(image)  # (shifts, c, h, w)
            shifts, c, h, w = stack.shape
            pooled = pool(stack.reshape(shifts * c, h, w), window, mode, stride=stride,
                          padding=padding)  # (shifts * c, out_h, out_w)
            pooled = pooled.reshape(shifts, c, *pooled.shape[-2:])
            same = pooled == pooled[0]  # (shifts, c, out_h, out_w)
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
        self.output_picture.value = b""
        self.chart_picture.value = b""
        X = self.shifted_inputs(image)[shift]  # (c, h, w)
        c, n_h, n_w = X.shape
        if (image, shift) not in self._input_png:
            self._input_png[(image, shift)] = self._draw(X, image)
        self.input_picture.value = self._input_png[(image, shift)]
        out_h, out_w = pooling_output_shape((n_h, n_w), window, stride=stride, padding=padding)
        pooled, curve = self.pooled(image, mode, window, stride, padding)
        Y = pooled[shift]  # (c, out_h, out_w)
        formula = (f"{c} channel(s) in, {c} out (pooled separately); "
                   f"height {_formula(n_h, window, padding, stride)}, "
                   f"width {_formula(n_w, window, padding, stride)}")
        view = PoolingView(Y, (out_h, out_w), formula, curve.pooled[shift], curve.unpooled[shift],
                           curve)
        unchanged = Y == pooled[0] if shift else None  # at shift 0 everything is "unchanged"
        self.output_picture.value = self._draw(Y, image, unchanged=unchanged)
        self.chart_picture.value = render.png_bytes(bar_chart(curve, shift))
        self.readout.value = html.escape(
            f"{'max' if mode == 'max' else 'average'} pooling, window {window}, stride {stride}, "
            f"padding {padding} per side: output {c}x{out_h}x{out_w}. {formula}. "
            f"Shift {shift}: {view.input_unchanged:.0%} of input values and "
            f"{view.pooled_unchanged:.0%} of pooled values unchanged.")
        return view

    def _draw(self, X: torch.Tensor, image: str, unchanged=None, target: int = 320) -> bytes:
        """Colour every channel on the input's scale, zoom, tile, tint unchanged outputs."""
        source = self._inputs[image]
        lo, hi = float(source.min()), float(source.max())
        cmap = "gray" if image != "features" else "RdBu_r"
        c, h, w = X.shape
        factor = render.display_factor(h, w, target if c == 1 else target // 2)
        tiles = []
        for i in range(c):
            rgb = render.upscale(render.colorize(X[i], cmap=cmap, vmin=lo, vmax=hi), factor)
            if unchanged is not None:
                render.tint_mask(rgb, unchanged[i].numpy(), render.GREEN, factor, alpha=0.4)
            tiles.append(rgb)
        return render.png_bytes(_tile(np.stack(tiles)))

    def describe(self) -> str:
        s = self.settings
        return (f"PoolingExplorer(input={s['image']!r}, mode={s['mode']!r}, window={s['window']}, "
                f"stride={s['stride']}, padding={s['padding']}, shift={s['shift']})")
