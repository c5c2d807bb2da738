"""A tiny widget for chapter 0: if this slider moves the numbers, widgets work."""

from __future__ import annotations

import html

import ipywidgets as widgets

from cnn_helpers.core import render
from cnn_helpers.core.images import edge_image
from cnn_helpers.core.language import tr
from cnn_helpers.ops import conv_output_shape, corr2d
from cnn_helpers.widgets.common import Explorer, picture


class WidgetCheck(Explorer):
    """Box-blur the notes' 6x8 edge image with a k x k kernel; show the output and its shape."""

    def __init__(self, kernel_size: int = 2):
        super().__init__()
        self.image = edge_image()
        slider = self._register("kernel_size", widgets.IntSlider(
            value=kernel_size, min=1, max=9, description=tr("kernel size")))
        self.readout = widgets.HTML()
        self.output_picture = picture()
        self.root = widgets.VBox([slider, self.readout, self.output_picture, self.message])
        self.redraw()

    def _update(self, kernel_size: int):
        n_h, n_w = self.image.shape
        self.readout.value = ""
        self.output_picture.value = b""
        shape = conv_output_shape((n_h, n_w), kernel_size)  # ValueError past 6: no room
        output = corr2d(self.image, self.image.new_ones(kernel_size, kernel_size) / kernel_size**2)
        self.readout.value = html.escape(tr(
            f"{n_h}x{n_w} input, {kernel_size}x{kernel_size} kernel -> output {shape[0]}x{shape[1]}"
        ))
        factor = render.display_factor(n_h, n_w, 240)
        rgb = render.upscale(render.colorize(output, vmin=0, vmax=1), factor)
        # shown at its own size (a stretched picture blurs), framed so white stays visible
        self.output_picture.layout.width = f"{rgb.shape[1]}px"
        self.output_picture.layout.border = "1px solid #999"
        self.output_picture.value = render.png_bytes(rgb)
        return shape
