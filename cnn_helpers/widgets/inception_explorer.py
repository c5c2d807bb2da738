"""The Inception explorer (chapter 7): the four paths of one of GoogLeNet's nine blocks.

For a GoogLeNet (``models.googlenet``, trained or fresh) and a test image,
choose an Inception block (3a ... 5b). The explorer shows the four paths
side by side -- each path's layers with kernel, channels and output shape,
its share of the block's parameters and multiply-adds, and its output
feature maps for that image (the slider "channels from" picks which) --
and the concatenated output: one bar per channel (its mean activation),
coloured by the path that fills it, with each path's channel range.

Everything is computed by ``update`` (``explorer.update(block="4a")``),
which tests call headless; it returns an ``InceptionView``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from cnn_helpers.chapters.ch07_googlenet.checks import (
    PATH_COLORS,
    PathCost,
    inception_blocks,
    path_costs,
)
from cnn_helpers.core import render
from cnn_helpers.core.language import tr
from cnn_helpers.widgets.common import (
    NetExplorer,
    compact,
    picture,
    shown_at_own_size,
    single_thread,
)
from cnn_helpers.widgets.feature_maps import tile

SHOWN = 8  # feature maps shown per path


@dataclass
class InceptionView:
    """What the explorer shows for one setting."""

    block: str
    path_maps: list[torch.Tensor]  # per path: the shown channels, (k, H, W) (k may be 0)
    output: torch.Tensor  # the block's output for the image, (C, H, W)
    ranges: list[tuple[int, int]]  # per path: [start, stop) of its channels in the output
    costs: list[PathCost]


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def channel_strip(means: torch.Tensor, ranges: list[tuple[int, int]], height: int = 40) -> tuple[np.ndarray, int]:
    """One bar per output channel (its height: the channel's mean activation), coloured by the
    path that fills it, on a light tint of that path's colour. Returns the picture and the bar
    width in pixels; ``mark_channels`` then marks the channels on show below the bars."""
    count = len(means)
    bar = min(24, max(1, 768 // max(count, 1)))  # 1024 channels: 1 pixel each; 256: 3; 32: 24
    values = means.float().clamp(min=0).numpy()
    top = float(values.max()) if count and values.max() > 0 else 1.0
    levels = height - np.round(values / top * (height - 2)).astype(int)  # row where a bar starts
    colors = np.zeros((count, 3), dtype=np.uint8)
    for path, (start, stop) in enumerate(ranges):
        colors[start:stop] = _hex_to_rgb(PATH_COLORS[path])
    light = 255 - (255 - colors.astype(np.int16)) // 4
    rows = np.arange(height)[:, None]  # height x 1 against count levels
    column = np.where((rows >= levels)[..., None], colors, light).astype(np.uint8)  # h x count x 3
    rgb = np.full((height + 8, count * bar, 3), 255, dtype=np.uint8)
    rgb[:height] = np.repeat(column, bar, axis=1)
    return rgb, bar


def mark_channels(strip: np.ndarray, bar: int, channels: Iterable[int]) -> np.ndarray:
    """A copy of ``strip`` with a red mark below each channel in ``channels``."""
    marked = strip.copy()
    for channel in channels:
        marked[-6:-1, channel * bar:(channel + 1) * bar] = render.RED
    return marked


class InceptionExplorer(NetExplorer):
    """One Inception block of ``net`` for one of ``images`` (N, 1, H, W): its four paths."""

    def __init__(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None,
                 classes: list[str] | None = None, block: str = "3a", image: int = 0,
                 channel: int = 0, resize: int | None = None) -> None:
        """Run ``net`` on the first image and show one block's four paths (notes 7.1).

        Args:
            net: the trained model, a GoogLeNet.
            images, labels, classes: as for ``NetExplorer`` (test images, N x C x H x W).
            block: the Inception block shown first ("3a" ... "5b").
            image: the index of the image shown first.
            channel: the first channel of each path shown.
            resize: the side the images are resized to for the net; None, none.

        Raises:
            ValueError: the images are not N x C x H x W, or the net is not a GoogLeNet.
        """
        super().__init__(net, images, labels, classes, resize)
        self.blocks = inception_blocks(net)  # ValueError for a net that is not a GoogLeNet
        self._inputs: dict[int, tuple[dict, torch.Tensor]] = {}  # image -> (block inputs, logits)
        self._outputs: dict[tuple[int, str], list[torch.Tensor]] = {}  # (image, block) -> paths
        self._tables: dict[str, tuple[list[PathCost], list[str]]] = {}
        self._input_png: dict[int, np.ndarray] = {}
        self._strips: dict[tuple[int, str], tuple[np.ndarray, int]] = {}  # unmarked, per output
        widest = max(max(b.path_channels) for b in self.blocks.values())

        # Laid out for a projector (1280x720 with the file browser open: about 860 x 600 px):
        # one row of controls, the image and its readout, the four paths side by side, the
        # concatenated output.
        self._register("block", widgets.Dropdown(
            options=[(tr(f"{name} (module {name[0]})"), name) for name in self.blocks],
            description=tr("block"), layout=widgets.Layout(width="215px")))
        self._register("image", widgets.IntSlider(min=0, max=len(images) - 1,
                                                  description=tr("test image")))
        self._register("channel", widgets.IntSlider(
            min=0, max=widest - 1, description=tr("channels from"),
            style={"description_width": "initial"}, layout=widgets.Layout(width="270px")))
        self.readout = widgets.HTML()
        self.input_picture = picture()
        self.path_titles = [widgets.HTML() for _ in range(4)]
        self.path_tables = [widgets.HTML() for _ in range(4)]
        self.path_pictures = [picture() for _ in range(4)]
        self.path_captions = [widgets.HTML() for _ in range(4)]
        self.output_picture = picture()
        self.output_caption = widgets.HTML()
        columns = [widgets.VBox([title, table, maps, caption],
                                layout=widgets.Layout(width="205px", margin="0 8px 0 0"))
                   for title, table, maps, caption in zip(self.path_titles, self.path_tables,
                                                          self.path_pictures, self.path_captions)]
        self.root = widgets.VBox([
            widgets.HBox(list(self._controls.values())),
            widgets.HBox([self.input_picture, self.readout]),
            self.message,
            widgets.HBox(columns),
            widgets.HTML(compact(f"<b>{tr('concatenated output')}</b> "
                                 + tr("(one bar per channel: its mean activation; red marks: the "
                                      "channels shown above)"))),
            self.output_picture, self.output_caption])
        self._start(block=block, image=image, channel=channel)

    # -- computation (no drawing) ---------------------------------------------------------
    def block_inputs(self, image: int) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The input of every Inception block and the class scores, for one test image."""
        if image not in self._inputs:
            seen = {}
            hooks = [block.register_forward_hook(
                lambda m, i, o, name=name: seen.__setitem__(name, i[0].detach()))
                for name, block in self.blocks.items()]
            device = next(self.net.parameters()).device
            X = self.images[image:image + 1].to(device)
            if self.resize:
                X = nn.functional.interpolate(X, size=(self.resize, self.resize), mode="bilinear")
            was_training = self.net.training
            self.net.eval()
            try:
                with torch.no_grad():
                    logits = self.net(X)[0].float().cpu()
            finally:
                for hook in hooks:
                    hook.remove()
                self.net.train(was_training)
            if len(self._inputs) > 16:  # keep memory bounded: forget the oldest image
                self._inputs.pop(next(iter(self._inputs)))
            self._inputs[image] = (seen, logits)
        return self._inputs[image]

    def path_outputs(self, image: int, block: str) -> list[torch.Tensor]:
        """The four paths' outputs (C_path, H, W) of ``block`` for one test image."""
        key = (image, block)
        if key not in self._outputs:
            X = self.block_inputs(image)[0][block]
            with torch.no_grad():
                outputs = [out[0].float().cpu() for out in self.blocks[block].path_outputs(X)]
            if len(self._outputs) > 64:
                self._outputs.pop(next(iter(self._outputs)))
            self._outputs[key] = outputs
        return self._outputs[key]

    def costs(self, block: str) -> tuple[list[PathCost], list[str]]:
        """Each path's layers and costs at this block's input size, and their HTML tables."""
        if block not in self._tables:
            X = self.block_inputs(0)[0][block]
            costs = path_costs(self.blocks[block], X.shape[-2], X.shape[-1])
            parameters = sum(c.parameters for c in costs) or 1
            work = sum(c.multiply_adds for c in costs) or 1
            tables = []
            for cost in costs:
                rows = "".join(
                    f"<tr><td>{html.escape(layer.kind)}</td><td>{layer.in_channels}&rarr;"
                    f"{layer.out_channels}</td><td style='text-align:right'>"
                    f"{layer.parameters:,}</td></tr>" for layer in cost.layers)
                tables.append(compact(
                    '<table style="font-size:12px; border-spacing:6px 0">'
                    f"<tr><th>{tr('layer')}</th><th>{tr('channels')}</th><th>{tr('params')}</th>"
                    f"</tr>{rows}</table><div style='font-size:12px'>"
                    + tr(f"{cost.parameters / parameters:.0%} of the block's parameters, "
                         f"{cost.multiply_adds / work:.0%} of its multiply-adds "
                         f"({cost.multiply_adds:,})") + "</div>"))
            self._tables[block] = (costs, tables)
        return self._tables[block]

    # -- one update -----------------------------------------------------------------------
    def _update(self, **settings) -> InceptionView:
        block, channel = settings["block"], settings["channel"]
        widest = max(self.blocks[block].path_channels)
        moved = None
        if channel >= widest and block != getattr(self, "_drawn_block", block):
            # The student chose a narrower block, not a channel: start it at channel 0 and say
            # so, rather than keep the old block's pictures under the new block's name.
            was, self._updating = self._updating, True
            try:
                self._controls["channel"].value = settings["channel"] = 0
            finally:
                self._updating = was
            moved = " \u00b7 " + tr(f"'channels from' went back to 0: block {block}'s widest path "
                                    f"has {widest} channels")
        with single_thread():  # small tensors: a second thread only waits (see common.py)
            view = self._show(**settings)
        self._drawn_block = block
        if moved:
            self.readout.value += compact(html.escape(moved))
        return view

    def _show(self, block: str, image: int, channel: int) -> InceptionView:
        outputs = self.path_outputs(image, block)
        counts = [out.shape[0] for out in outputs]
        if channel >= max(counts):
            raise ValueError(tr(
                f"block {block}'s widest path has {max(counts)} channels (0 to {max(counts) - 1}): "
                f"there is nothing to show from channel {channel}; move 'channels from' below "
                f"{max(counts)}"))
        costs, tables = self.costs(block)
        starts = np.cumsum([0] + counts)
        ranges = [(int(starts[i]), int(starts[i + 1])) for i in range(4)]
        shown, maps = [], []
        for path, (out, cost) in enumerate(zip(outputs, costs)):
            stop = min(channel + SHOWN, counts[path])
            picked = out[channel:stop]  # k x H x W; k = 0 past this path's channels
            maps.append(picked)
            shown.append(range(ranges[path][0] + channel, ranges[path][0] + stop))
            color = PATH_COLORS[path]
            self.path_titles[path].value = compact(
                f'<b style="color:{color}">{tr(f"path {path + 1}: {html.escape(cost.name)}")}</b>')
            self.path_tables[path].value = tables[path]
            if len(picked):
                shown_at_own_size(self.path_pictures[path], tile(picked, columns=4, target=40))
                self.path_captions[path].value = compact(html.escape(tr(
                    f"channels {channel}-{stop - 1} of {counts[path]} (block output "
                    f"{ranges[path][0] + channel}-{ranges[path][0] + stop - 1})")))
            else:
                self.path_pictures[path].value = b""
                self.path_captions[path].value = compact(html.escape(tr(
                    f"this path has only {counts[path]} channels (0 to {counts[path] - 1})")))
        output = torch.cat(outputs)
        if (image, block) not in self._strips:
            if len(self._strips) > 64:
                self._strips.pop(next(iter(self._strips)))
            self._strips[(image, block)] = channel_strip(output.mean(dim=(1, 2)), ranges)
        strip, bar = self._strips[(image, block)]
        shown_at_own_size(self.output_picture,
                          mark_channels(strip, bar, [c for path in shown for c in path]))
        paths = " \u00b7 ".join(tr(f"path {i + 1}: channels {a}-{b - 1}")
                                for i, (a, b) in enumerate(ranges))
        self.output_caption.value = html.escape(tr(f"{paths} ({ranges[-1][1]} in all)"))
        if image not in self._input_png:
            self._input_png[image] = tile(self.images[image], 1, target=64)
        shown_at_own_size(self.input_picture, self._input_png[image])
        X = self.block_inputs(image)[0][block]
        _, c_in, height, width = X.shape
        logits = self.block_inputs(image)[1]
        self.readout.value = compact(html.escape(tr(
            f"block {block} (module {block[0]}): {c_in}x{height}x{width} in -> "
            f"{' + '.join(map(str, counts))} = {sum(counts)} channels of {height}x{width}; "
            f"channels {channel}-{channel + SHOWN - 1} of each path shown; "
            f"{self.prediction_text(logits, image)}")))
        return InceptionView(block, maps, output, ranges, costs)

    def describe(self) -> str:
        s = self.settings
        return f"InceptionExplorer(block={s['block']!r}, image={s['image']}, channel={s['channel']})"


__all__ = ["InceptionExplorer", "InceptionView"]
