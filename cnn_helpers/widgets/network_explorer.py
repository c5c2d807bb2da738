"""The whole network at a glance, for one test image (chapters 3-10).

In the spirit of CNN Explainer (Wang et al., 2020): the top-level layers of
a net in order, as cards -- its output shape, its parameters, its
multiply-adds, the size of its receptive field in input pixels (notes 1.2;
"—" once the maps are flattened, "all" after global pooling) and a
thumbnail of its output for the chosen image. The "layer" slider enlarges
that layer's feature maps below; the "channel" slider picks one map (numbered
from 1, as in the feature-map viewer), and when the layer is a convolution, the
kernel that made that map (one k×k slice per input channel). A layer of numbers
(flatten, fully connected) is a strip of bars; the last one's bars carry the class
names when the classes are known. The totals under the cards are
``models.count_parameters`` and ``models.multiply_adds`` of the whole net.

Laid out for a projector (1280x720 with JupyterLab's file browser open: about
860 x 600 px for a widget): a window of ``WINDOW`` cards around the chosen
layer (the slider reaches every layer; the line under the cards says which
are shown), every picture at its own pixel size inside a fixed box, and text
no smaller than the notebook's (14 px).

It takes any net whose top-level children run in order (the course's
builders all return an ``nn.Sequential``), trained or fresh.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.core.language import tr
from cnn_helpers.widgets.common import NetExplorer, picture, show, shown_at_own_size, viewer_inputs
from cnn_helpers.widgets.feature_maps import bars, colour_bar, layer_scale, tile
from cnn_helpers.widgets.network_layers import LayerRow, field_note, layer_rows, short_name

# Names tests import from here; they live in network_layers.
__all__ = ["LayerRow", "NetworkExplorer", "fit_grid", "fitted", "layer_rows", "short_name",
           "window"]

THUMBNAIL = 56  # pixels, the longer side of a card's picture
WINDOW = 6  # cards shown at once, around the chosen layer
CARD_WIDTH = 104  # pixels, border included: "105,415,200" in 14-px text fits
FONT = "font-size:14px;line-height:1.3"  # JupyterLab's body text (--jp-content-font-size1)
# Boxes (width, height) in pixels for the enlarged pictures: the input, one page of the
# layer's maps, the chosen map and the kernel that made it, side by side in about 800 px.
INPUT_BOX, MAPS_BOX, MAP_BOX, KERNEL_BOX = (64, 64), (360, 176), (112, 112), (200, 112)
PAGE = 16  # a layer's maps shown at once (fewer when they are too large for the box)
BARS = 120  # numbers drawn as bars for a vector layer: 3 px each fill the maps box


def fit_grid(count: int, height: int, width: int, box: tuple[int, int],
             gap: int = 2) -> tuple[int, int, int]:
    """(shown, columns, zoom): how to draw ``count`` maps inside a box of pixels.

    All of them at the largest whole zoom that fits; when not even zoom 1 fits
    them all, as many as fit at zoom 1 (at least one).

    Args:
        count: the maps to draw.
        height: each map's height.
        width: each map's width.
        box: (width, height) of the room, in pixels.
        gap: pixels between the maps.

    Returns:
        (maps shown, columns, zoom).
    """
    box_width, box_height = box
    best = None
    for columns in range(1, count + 1):
        rows = -(-count // columns)
        zoom = min(((box_width + gap) // columns - gap) // width,
                   ((box_height + gap) // rows - gap) // height)
        if zoom >= 1 and (best is None or zoom > best[2]):
            best = (count, columns, zoom)
    if best is not None:
        return best
    columns = max(1, (box_width + gap) // (width + gap))
    rows = max(1, (box_height + gap) // (height + gap))
    return min(count, columns * rows), min(count, columns), 1


def fitted(maps: torch.Tensor, box: tuple[int, int], **options: object) -> tuple[np.ndarray, int]:
    """The first maps of (C, H, W) ``maps`` that fit ``box``, as one grid (``tile``), and how
    many that is."""
    shown, columns, zoom = fit_grid(len(maps), maps.shape[1], maps.shape[2], box)
    return tile(maps[:shown], columns, target=zoom * max(maps.shape[1:]), **options), shown


def window(layer: int, count: int, size: int = WINDOW) -> range:
    """The cards on show: ``size`` of ``count`` around ``layer``, as centred as the ends allow."""
    start = min(max(layer - size // 2, 0), max(count - size, 0))
    return range(start, min(start + size, count))


def _text(content: str, **style) -> str:
    extra = "".join(f";{key.replace('_', '-')}:{value}" for key, value in style.items())
    return f"<div style='{FONT}{extra}'>{content}</div>"


def class_bars(values: torch.Tensor, classes: list[str]) -> str:
    """The last layer's numbers as bars named by class, the largest (the prediction) in bold."""
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    span, best = (high - low) or 1.0, int(values.argmax())
    rows = []
    for index, (name, value) in enumerate(zip(classes, values.tolist())):
        left = (min(value, 0.0) - low) / span * 100
        width = abs(value) / span * 100
        bar = (f"<div style='position:relative;height:10px;background:#f2f2f2'><div style='"
               f"position:absolute;left:{left:.1f}%;width:{width:.1f}%;height:10px;"
               f"background:{'#d62728' if index == best else '#4c72b0'}'></div></div>")
        weight = "bold" if index == best else "normal"
        rows.append(f"<tr style='font-weight:{weight}'><td style='padding:0 6px 0 0;"
                    f"white-space:nowrap'>{html.escape(str(name))}</td><td style='width:150px;"
                    f"padding:0'>{bar}</td><td style='padding:0 0 0 6px;text-align:right'>"
                    f"{value:.2f}</td></tr>")
    return (f"<table style='{FONT};line-height:1.2;border-collapse:collapse'>{''.join(rows)}"
            "</table>")


class NetworkExplorer(NetExplorer):
    """Every layer of ``net`` as a card for one of ``images`` (N, C, H, W); one layer enlarged."""

    def __init__(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None,
                 classes: list[str] | None = None, image: int = 0, layer: int = 0,
                 channel: int = 1, resize: int | None = None) -> None:
        """Run ``net`` on the first image: a card per layer, one enlarged (chapters 3-10).

        Args:
            net: the trained model, an nn.Sequential.
            images, labels, classes: as for ``NetExplorer`` (test images, N x C x H x W).
            image: the index of the image shown first.
            layer: the index of the layer enlarged first.
            channel: the channel whose kernel is shown first, counted from 1.
            resize: the side the images are resized to for the net; None, none.

        Raises:
            ValueError: the images are not N x C x H x W, the net is not an
                nn.Sequential, or the images do not fit it.
        """
        images, labels = viewer_inputs(images, labels)  # numpy, uint8, float64 ...
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
            raise ValueError("images must be a non-empty (N, C, H, W) tensor; "
                             "for one grey image use images[None, None]")
        if not isinstance(net, nn.Sequential):
            raise ValueError(f"the explorer walks an nn.Sequential's layers in order; "
                             f"got {type(net).__name__}")
        super().__init__(net, images, labels, classes, resize)
        self.layers = list(net.children())
        side = (resize, resize) if resize else tuple(images.shape[2:])
        try:
            self.rows = layer_rows(net, (images.shape[1], *side))
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"the model cannot take images of {images.shape[1]}×{side[0]}×"
                             f"{side[1]}: {error}. Pass resize= if it expects another size") from None
        self.input_side = side[0]
        self.total_parameters = models.count_parameters(net)
        self.total_multiply_adds = sum(w for _, _, w in models.multiply_adds(
            net, (1, images.shape[1], *side)))
        self._cached_image, self._outputs, self._selected = None, [], None
        self._window: range | None = None

        def slider(description: str, maximum: int, minimum: int = 0) -> widgets.IntSlider:
            return widgets.IntSlider(min=minimum, max=maximum, description=description,
                                     layout=widgets.Layout(width="265px"))

        self._register("image", slider(tr("test image"), len(images) - 1))
        self._register("layer", slider(tr("layer"), len(self.layers) - 1))
        self.channel_slider = self._register("channel", slider(tr("channel"), 1, minimum=1))
        # the cards: a legend, then a window of WINDOW cards around the chosen layer
        self.cards = [self._card(row) for row in self.rows]
        self.thumbnails = [card.children[1].children[0] for card in self.cards]
        legend = widgets.HTML(_text("<br>".join(tr(word) for word in (
                                        "layer", "output", "params", "mult-adds", "field")),
                                    color="#555555", padding_top="4px"),
                              layout=widgets.Layout(width="76px", min_width="76px"))
        strip = widgets.HBox([legend, *self.cards])
        self.totals = widgets.HTML()
        self.caption, self.maps_title, self.scale_text = (widgets.HTML() for _ in range(3))
        self.kernel_title = widgets.HTML()
        self.input_picture, self.maps_picture, self.map_picture = picture(), picture(), picture()
        self.scale_picture, self.kernel_picture = picture(), picture()

        def column(children, width: int) -> widgets.VBox:
            return widgets.VBox(children, layout=widgets.Layout(width=f"{width}px",
                                                                min_width=f"{width}px"))

        self.kernel_box = column([self.kernel_title, self.kernel_picture], KERNEL_BOX[0] + 10)
        self.map_box = column([widgets.HTML(_text(f"<b>{tr('the chosen map')}</b>")),
                               self.map_picture],
                              MAP_BOX[0] + 10)
        self.class_bars = widgets.HTML()  # the last layer's numbers, named by class
        self.root = widgets.VBox([
            widgets.HBox([self._controls["image"], self._controls["layer"], self.channel_slider]),
            strip, self.totals, self.caption,
            widgets.HBox([
                column([widgets.HTML(_text(f"<b>{tr('input')}</b>")), self.input_picture],
                       INPUT_BOX[0] + 10),
                column([self.maps_title, self.maps_picture, self.class_bars, self.scale_picture,
                        self.scale_text], MAPS_BOX[0] + 10),
                self.map_box, self.kernel_box]),
            self.message])
        self._start(image=image, layer=layer, channel=channel)

    @staticmethod
    def _card(row: LayerRow) -> widgets.VBox:
        """Its numbers on the legend's lines, its thumbnail, then its name (one to three
        lines, last so that the numbers of all cards line up)."""
        numbers = _text(f"<b>{row.index}</b><br>{'×'.join(map(str, row.shape))}<br>"
                        f"{row.parameters:,}<br>{row.multiply_adds:,}<br>{tr(row.field)}")
        thumbnail = widgets.Box([picture()], layout=widgets.Layout(
            height=f"{THUMBNAIL + 4}px", align_items="center"))
        return widgets.VBox([widgets.HTML(numbers), thumbnail,
                             widgets.HTML(_text(html.escape(row.name)))],
                            layout=widgets.Layout(width=f"{CARD_WIDTH}px",
                                                  min_width=f"{CARD_WIDTH}px",
                                                  border="2px solid #dddddd", padding="2px"))

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
                shown_at_own_size(thumbnail, self._thumbnail(output))
        return self._outputs

    @staticmethod
    def _thumbnail(output: torch.Tensor) -> np.ndarray:
        """A layer's output in one small picture: the mean over channels of a stack of maps
        (its own scale), or bars for a vector (as many of its first numbers as fit at 3 px a
        bar), narrower than the card inside its border, padding and the picture's margins."""
        if output.dim() == 3 and output.shape[1:] != (1, 1):
            return fitted(output.mean(dim=0, keepdim=True), (THUMBNAIL, THUMBNAIL))[0]
        width = CARD_WIDTH - 16
        values = output.flatten()[:(width + 2) // 3]  # bars of 2 px and gaps of 1
        return bars(values, layer_scale(values), height=THUMBNAIL, width=width)

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
            self.channel_slider.max = count  # ipywidgets moves the value into the range
        finally:
            self._updating = was
        show(self.channel_slider, len(shape) == 3)
        return count

    # -- drawing ----------------------------------------------------------------------
    def _show_cards(self, layer: int) -> None:
        """The window of cards around ``layer``, its card outlined in red; the totals line."""
        shown = window(layer, len(self.cards))
        if shown != self._window:
            for index, card in enumerate(self.cards):
                show(card, index in shown)
            self._window = shown
            count = len(self.cards)
            which = (tr(f"all {count} layers") if len(shown) == count else
                     tr(f"layers {shown[0]}-{shown[-1]} of 0-{count - 1} shown"))
            self.totals.value = _text(html.escape(tr(
                f"{which} · whole net: {self.total_parameters:,} parameters, "
                f"{self.total_multiply_adds:,} multiply-adds per image")))
        if self._selected != layer:
            if self._selected is not None:
                self.cards[self._selected].layout.border = "2px solid #dddddd"
            self.cards[layer].layout.border = "2px solid #d62728"
            self._selected = layer

    def _update(self, image: int, layer: int, channel: int):
        outputs = self._run(image)
        self._fit_channels(layer)
        channel = min(channel, self.channel_slider.max) - 1  # the slider counts from 1
        self._show_cards(layer)
        if image != getattr(self, "_drawn_image", None):
            shown_at_own_size(self.input_picture, fitted(self.images[image], INPUT_BOX)[0])
            self._drawn_image = image
        maps, row = outputs[layer], self.rows[layer]
        scale = layer_scale(maps)
        kernel = None
        if maps.dim() == 3 and maps.shape[1:] != (1, 1):
            page = fit_grid(min(len(maps), PAGE), *maps.shape[1:], MAPS_BOX)[0]
            first = channel // page * page
            grid, shown = fitted(maps[first:first + page], MAPS_BOX, scale=scale)
            shown_at_own_size(self.maps_picture, grid)
            shown_at_own_size(self.map_picture,
                              fitted(maps[channel:channel + 1], MAP_BOX, scale=scale)[0])
            self.maps_title.value = _text("<b>" + tr(f"layer {layer}: channels {first + 1}-"
                                                     f"{first + shown} of {len(maps)}, a map "
                                                     f"each") + "</b>")
        else:
            values = maps.flatten()
            grid = bars(values[:BARS], scale, height=MAPS_BOX[1] - 16, width=MAPS_BOX[0])
            shown_at_own_size(self.maps_picture, grid)
            if maps.dim() == 3:  # 1×1 maps: the chosen one is one number
                shown_at_own_size(self.map_picture, tile(values[channel:channel + 1].reshape(
                    1, 1, 1), 1, target=40, scale=scale))
            self.maps_title.value = _text("<b>" + (
                tr(f"layer {layer}: a bar per number") if len(values) <= BARS else
                tr(f"layer {layer}: a bar per number (the first {BARS})")) + "</b>")
        named = layer == len(self.layers) - 1 and self.classes and len(self.classes) == maps.numel()
        self.class_bars.value = class_bars(maps.flatten(), self.classes) if named else ""
        show(self.maps_picture, not named)
        show(self.class_bars, bool(named))
        self.map_box.layout.display = None if maps.dim() == 3 else "none"
        shown_at_own_size(self.scale_picture, colour_bar(scale, width=max(grid.shape[1], 160),
                                                         height=12))
        self.scale_text.value = _text(html.escape(tr(
            f"one colour scale for the layer: {scale[0]:.3g} to {scale[1]:.3g}")))
        module = self.layers[layer]
        if isinstance(module, nn.Conv2d):
            kernel = module.weight.detach()[channel].float().cpu()  # C_in x k x k
            slices, shown = fitted(kernel[:PAGE], KERNEL_BOX, symmetric=True)
            shown_at_own_size(self.kernel_picture, slices)
            what = (tr("1 slice") if len(kernel) == 1 else
                    tr(f"{len(kernel)} slices, one per input channel,"))
            size = f"{kernel.shape[1]}×{kernel.shape[2]}"
            self.kernel_title.value = _text(html.escape(
                tr(f"kernel that made map {channel + 1}: {what} of {size} (blue < 0 < red)")
                if len(kernel) <= shown else
                tr(f"kernel that made map {channel + 1}: {what} of {size} (blue < 0 < red); the "
                   f"first {shown} shown")))
        self.kernel_box.layout.display = None if kernel is not None else "none"
        predicted = int(self.logits.argmax())
        self.caption.value = _text(html.escape(tr(
            f"layer {layer} ({row.name}) -> {'×'.join(map(str, row.shape))}; receptive field "
            f"{row.field}{field_note(row.field, self.input_side)}; "
            f"{self.prediction_text(self.logits, image)}")))
        return {"maps": maps, "kernel": kernel, "row": row, "predicted": predicted,
                "window": self._window}

