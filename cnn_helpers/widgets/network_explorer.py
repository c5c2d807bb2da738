"""The whole network at a glance, for one test image (chapters 3-10).

In the spirit of CNN Explainer (Wang et al., 2020): every top-level layer of
a net in order, as a strip of cards -- its output shape, its parameters, its
multiply-adds, the size of its receptive field in input pixels (notes 1.2;
"—" once the maps are flattened, "all" after global pooling) and a
thumbnail of its output for the chosen image. The "layer" slider enlarges
that layer's feature maps below; the "channel" slider picks one map, and
when the layer is a convolution, the kernel that made that map (one k×k
slice per input channel). The totals under the strip are
``models.count_parameters`` and ``models.multiply_adds`` of the whole net.

It takes any net whose top-level children run in order (the course's
builders all return an ``nn.Sequential``), trained or fresh.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import torch
from torch import nn

from .. import architecture, models, render
from ..receptive import layer_geometry, receptive_field
from .common import Explorer, picture, show, titled
from .feature_maps import PAGE, bars, colour_bar, layer_scale, tile

THUMBNAIL = 56  # pixels, the longer side of a card's picture


@dataclass
class LayerRow:
    """One card of the strip: what a top-level layer is and what it costs."""

    index: int
    name: str
    shape: tuple  # output (C, H, W) or (features,)
    parameters: int
    multiply_adds: int  # per example
    field: str  # receptive-field side in input pixels, "—" after flattening, "all" after GAP


def _geometries(items) -> list:
    """The convolutions and poolings an output element's widest path goes through, in order."""
    found = []
    for item in items:
        if isinstance(item, architecture.Layer):
            for module in item.modules:
                if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                    found.append(layer_geometry(module))
        elif isinstance(item, architecture.Block):
            found += _geometries(item.items)
        elif isinstance(item, architecture.Repeat):
            for instance in item.instances:
                found += _geometries([instance])
        elif isinstance(item, architecture.Parallel):  # the union of the paths' fields
            paths = [_geometries(branch) for branch in item.branches]
            found += max(paths, key=_field_side)
    return found


def _field_side(geometries) -> int:
    side, jump = 1, 1
    for g in geometries:
        side, jump = side + (g.span[0] - 1) * jump, jump * g.stride[0]
    return side


def short_name(layer: nn.Module) -> str:
    """"conv 5×5, pad 2, 6 ch" for a layer, "VGG block, 2 conv" for a block."""
    if not list(layer.children()):
        return architecture.layer_text(layer)[1]
    convolutions = sum(isinstance(m, nn.Conv2d) for m in layer.modules())
    return f"{(architecture.block_name(layer) or 'block').split(',')[0]}, {convolutions} conv"


def layer_rows(net: nn.Sequential, input_shape) -> list[LayerRow]:
    """A ``LayerRow`` for every top-level layer of ``net`` for one input of ``input_shape``
    (C, H, W). Receptive fields come from ``receptive.receptive_field`` over the
    convolutions and poolings so far, taking the widest of parallel paths."""
    rows, geometries, X, flat = [], [], torch.zeros((1, *input_shape)), None
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for index, layer in enumerate(net.children()):
                before = tuple(X.shape[1:])
                work = sum(w for _, _, w in models.multiply_adds(layer, tuple(X.shape)))
                X = layer(X)
                after = tuple(X.shape[1:])
                if isinstance(layer, (nn.Flatten, nn.Linear)) or len(after) != 3:
                    flat = "—"
                elif isinstance(layer, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
                    flat = "all"
                if flat is None:
                    items = architecture.describe(layer, (1, *before))[1:]
                    geometries += _geometries(items)
                    field = receptive_field(geometries, input_shape[1:])[-1].size[0] \
                        if geometries else 1
                    field = f"{field}×{field}"
                rows.append(LayerRow(index, short_name(layer), after,
                                     models.count_parameters(layer), work, flat or field))
    finally:
        net.train(was_training)
    return rows


class NetworkExplorer(Explorer):
    """Every layer of ``net`` as a card for one of ``images`` (N, C, H, W); one layer enlarged."""

    def __init__(self, net: nn.Module, images: torch.Tensor, labels=None, classes=None,
                 image: int = 0, layer: int = 0, channel: int = 0, resize: int | None = None):
        super().__init__()
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
            raise ValueError("images must be a non-empty (N, C, H, W) tensor; "
                             "for one grey image use images[None, None]")
        if not isinstance(net, nn.Sequential):
            raise ValueError(f"the explorer walks an nn.Sequential's layers in order; "
                             f"got {type(net).__name__}")
        self.net, self.images, self.labels, self.classes = net, images, labels, classes
        self.resize, self.layers = resize, list(net.children())
        side = (resize, resize) if resize else tuple(images.shape[2:])
        try:
            self.rows = layer_rows(net, (images.shape[1], *side))
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"the model cannot take images of {images.shape[1]}×{side[0]}×"
                             f"{side[1]}: {error}. Pass resize= if it expects another size") from None
        self.total_parameters = models.count_parameters(net)
        self.total_multiply_adds = sum(w for _, _, w in models.multiply_adds(
            net, (1, images.shape[1], *side)))
        self._cached_image, self._outputs, self._selected = None, [], None
        self._register("image", widgets.IntSlider(min=0, max=len(images) - 1,
                                                  description="test image"))
        self._register("layer", widgets.IntSlider(min=0, max=len(self.layers) - 1,
                                                  description="layer"))
        self.channel_slider = self._register("channel", widgets.IntSlider(
            min=0, max=0, description="channel"))
        self.cards = [self._card(row) for row in self.rows]
        self.thumbnails = [card.children[1] for card in self.cards]
        strip = widgets.HBox([card for card in self.cards],
                             layout=widgets.Layout(overflow="auto", width="100%",
                                                   flex_flow="row nowrap"))
        totals = widgets.HTML(html.escape(
            f"total: {self.total_parameters:,} parameters, {self.total_multiply_adds:,} "
            "multiply-adds per image (sums of the cards)"))
        self.caption, self.maps_title, self.scale_text = (widgets.HTML() for _ in range(3))
        self.kernel_title = widgets.HTML()
        self.input_picture, self.maps_picture, self.map_picture = picture(), picture(), picture()
        self.scale_picture, self.kernel_picture = picture(), picture()
        self.kernel_box = widgets.VBox([self.kernel_title, self.kernel_picture])
        self.root = widgets.VBox([
            widgets.HBox([self._controls["image"], self._controls["layer"], self.channel_slider]),
            strip, totals, self.caption,
            widgets.HBox([titled("input", self.input_picture),
                          widgets.VBox([self.maps_title, self.maps_picture,
                                        widgets.HBox([self.scale_picture, self.scale_text])]),
                          widgets.VBox([widgets.HTML("<b>the chosen map</b>"), self.map_picture]),
                          self.kernel_box]),
            self.message])
        self._start(image=image, layer=layer, channel=channel)

    @staticmethod
    def _card(row: LayerRow) -> widgets.VBox:
        shape = "×".join(map(str, row.shape))
        text = (f"<div style='font-size:12px;line-height:1.25'><b>{row.index}</b> "
                f"{html.escape(row.name)}<br>→ {shape}<br>{row.parameters:,} params<br>"
                f"{row.multiply_adds:,} mult-adds<br>field {row.field}</div>")
        return widgets.VBox([widgets.HTML(text), picture()], layout=widgets.Layout(
            width="132px", min_width="132px", border="2px solid #dddddd", padding="2px"))

    # -- computing --------------------------------------------------------------------
    def _run(self, image: int) -> list[torch.Tensor]:
        """Every top-level layer's output for one image, and the cards' thumbnails."""
        if image != self._cached_image:
            X = self.images[image:image + 1].to(next(self.net.parameters()).device)
            if self.resize:
                X = nn.functional.interpolate(X, size=(self.resize, self.resize), mode="bilinear")
            outputs = []
            was_training = self.net.training
            self.net.eval()
            try:
                with torch.no_grad():
                    for layer in self.layers:
                        X = layer(X)
                        outputs.append(X[0].float().cpu().clone())
            finally:
                self.net.train(was_training)
            self._outputs, self._cached_image = outputs, image
            self.logits = outputs[-1]
            for output, thumbnail in zip(outputs, self.thumbnails):
                thumbnail.value = render.png_bytes(self._thumbnail(output))
        return self._outputs

    @staticmethod
    def _thumbnail(output: torch.Tensor):
        """A layer's output in one small picture: the mean over channels of a stack of maps
        (its own scale), or bars for a vector (the first 32 numbers)."""
        if output.dim() == 3 and output.shape[1:] != (1, 1):
            return tile(output.mean(dim=0, keepdim=True), 1, target=THUMBNAIL)
        values = output.flatten()[:32]
        return bars(values, layer_scale(values), height=THUMBNAIL, width=2 * THUMBNAIL)

    def _apply(self, changes: dict) -> None:
        """The layer first: it decides how many channels there are to choose from."""
        for name in ("image", "layer"):
            if name in changes:
                self._set(name, changes[name])
        self._fit_channels(self._controls["layer"].value)
        if "channel" in changes:
            self._set("channel", changes["channel"])

    def _fit_channels(self, layer: int) -> int:
        shape = self.rows[layer].shape
        count = shape[0] if len(shape) == 3 else 1
        was, self._updating = self._updating, True
        try:
            self.channel_slider.max = count - 1  # ipywidgets moves the value into the range
        finally:
            self._updating = was
        show(self.channel_slider, len(shape) == 3)
        return count

    # -- drawing ----------------------------------------------------------------------
    def _update(self, image: int, layer: int, channel: int):
        outputs = self._run(image)
        self._fit_channels(layer)
        channel = min(channel, self.channel_slider.max)
        if self._selected != layer:
            if self._selected is not None:
                self.cards[self._selected].layout.border = "2px solid #dddddd"
            self.cards[layer].layout.border = "2px solid #d62728"
            self._selected = layer
        if self.input_picture.value == b"" or image != getattr(self, "_drawn_image", None):
            self.input_picture.value = render.png_bytes(tile(self.images[image], 1, target=112))
            self._drawn_image = image
        maps, row = outputs[layer], self.rows[layer]
        scale = layer_scale(maps)
        kernel = None
        if maps.dim() == 3 and maps.shape[1:] != (1, 1):
            first = channel // PAGE * PAGE
            page = maps[first:first + PAGE]
            self.maps_picture.value = render.png_bytes(tile(page, scale=scale))
            self.map_picture.value = render.png_bytes(tile(maps[channel:channel + 1], 1,
                                                           target=128, scale=scale))
            shown = f"channels {first + 1}-{first + len(page)} of {len(maps)}"
            self.maps_title.value = f"<b>layer {layer}: one map per channel, {shown}</b>"
        else:
            values = maps.flatten()
            self.maps_picture.value = render.png_bytes(bars(values[:128], scale))
            self.map_picture.value = render.png_bytes(tile(values[channel:channel + 1].reshape(
                1, 1, 1), 1, target=40, scale=scale))
            self.maps_title.value = (f"<b>layer {layer}: one bar per number"
                                     f"{'' if len(values) <= 128 else ' (the first 128)'}</b>")
        self.scale_picture.value = render.png_bytes(colour_bar(scale))
        self.scale_text.value = html.escape(f"one colour scale for the layer: {scale[0]:.3g} to "
                                            f"{scale[1]:.3g}")
        module = self.layers[layer]
        if isinstance(module, nn.Conv2d):
            kernel = module.weight.detach()[channel].float().cpu()  # C_in x k x k
            self.kernel_picture.value = render.png_bytes(
                tile(kernel[:PAGE], columns=min(len(kernel), 4 if len(kernel) <= 4 else 8),
                     target=96 if len(kernel) <= 4 else 32, symmetric=True))
            slices = "1 slice" if len(kernel) == 1 else f"{len(kernel)} slices, one per input channel,"
            self.kernel_title.value = html.escape(
                f"kernel that made map {channel}: {slices} of {kernel.shape[1]}×{kernel.shape[2]} "
                f"(blue < 0 < red){'' if len(kernel) <= PAGE else f'; the first {PAGE} shown'}")
        self.kernel_box.layout.display = None if kernel is not None else "none"
        predicted = int(self.logits.argmax())
        truth = "" if self.labels is None else f", true label: {self._name(int(self.labels[image]))}"
        self.caption.value = html.escape(
            f"layer {layer} ({row.name}) -> {'×'.join(map(str, row.shape))}; receptive field "
            f"{row.field}; predicted: {self._name(predicted)}{truth}")
        return {"maps": maps, "kernel": kernel, "row": row, "predicted": predicted}

    def _name(self, label: int) -> str:
        return self.classes[label] if self.classes else str(label)
