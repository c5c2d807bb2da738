"""What a trained network sees: every channel of a layer's output, for one test image.

Chapter 3 (LeNet) and every later architecture chapter. Choose a test image
and a layer; the viewer shows each channel's activation map as a grid
(feature map, 特征图), and with the layer that holds the first convolution
also that convolution's learned kernels. It takes any model whose top-level
children run in order (an ``nn.Sequential`` of layers or of blocks) and a
tensor of images.

All maps of a layer share one colour scale, drawn as a colour bar with its
two ends, so a dark map is a map of small numbers -- not a map scaled on its
own. Maps of 1×1 (after global pooling, NiN's class maps) are single numbers
and are drawn as one bar per channel. A layer with more than ``PAGE`` maps
is shown ``PAGE`` at a time (the "maps" slider), so the widget keeps its size.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from cnn_helpers.core import render
from cnn_helpers.core.language import tr
from cnn_helpers.figures.architecture_names import block_name, layer_text
from cnn_helpers.training import image_size_error
from cnn_helpers.widgets.common import (
    NetExplorer,
    compact,
    picture,
    show,
    shown_at_own_size,
    titled,
)

PAGE = 32     # maps shown at once: 4 rows of 8
COLUMNS = 8
CELL = 64     # pixels per map (the longer side)


def layer_scale(maps: torch.Tensor | np.ndarray, symmetric: bool = False) -> tuple[float, float]:
    """(low, high) of the colour scale shared by all of a layer's maps: their smallest and
    largest value (``symmetric``: -m to m, m the largest magnitude)."""
    maps = torch.as_tensor(maps).detach().float()
    finite = maps[torch.isfinite(maps)]
    if finite.numel() == 0:
        return (-1.0, 1.0) if symmetric else (0.0, 1.0)
    if symmetric:
        bound = float(finite.abs().max())
        return -bound, bound
    return float(finite.min()), float(finite.max())


def tile(maps: torch.Tensor | np.ndarray, columns: int | None = None, target: int = CELL,
         gap: int = 2, symmetric: bool = False,
         scale: tuple[float, float] | None = None) -> np.ndarray:
    """C x H x W numbers -> one RGB grid on one colour scale for all maps, enlarged crisply.

    Args:
        maps: the maps, C x H x W.
        columns: maps per row of the grid; None, up to ``COLUMNS``.
        target: the side, in pixels, each map is enlarged towards.
        gap: pixels between the maps.
        symmetric: centre the scale on zero (blue negative, red positive: kernels).
        scale: (low, high); None, ``layer_scale(maps, symmetric)``, so two maps of
            the grid can be compared by colour.

    Returns:
        The grid as an RGB array, height x width x 3.
    """
    maps = maps.detach().float().cpu() if isinstance(maps, torch.Tensor) else torch.as_tensor(maps)
    count, height, width = maps.shape
    low, high = scale if scale is not None else layer_scale(maps, symmetric)
    columns = columns or min(count, COLUMNS)
    rows = -(-count // columns)
    factor = render.display_factor(height, width, target)
    cell_h, cell_w = height * factor, width * factor
    grid = np.full((rows * (cell_h + gap) - gap, columns * (cell_w + gap) - gap, 3), 255, np.uint8)
    cmap = "RdBu_r" if symmetric else "viridis"
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (cell_h + gap), column * (cell_w + gap)
        grid[top:top + cell_h, left:left + cell_w] = render.upscale(
            render.colorize(maps[index], cmap=cmap, vmin=low, vmax=high), factor)
    return grid


def bars(values: torch.Tensor | np.ndarray, scale: tuple[float, float], height: int = 160,
         width: int = 8 * CELL, gap: int = 2) -> np.ndarray:
    """C numbers -> an RGB bar chart, one bar per channel: 1×1 maps as what they are.

    Args:
        values: one number per channel (C).
        scale: (low, high): the axis, and the colour scale of the bars.
        height: the chart's height in pixels.
        width: the chart's width in pixels.
        gap: pixels between the bars.

    Returns:
        The chart, height x width x 3, bars drawn from a grey zero line.
    """
    values = torch.as_tensor(values).detach().float().cpu().numpy()
    low, high = min(scale[0], 0.0), max(scale[1], 0.0)
    span = high - low if high > low else 1.0
    step = max(3, (width + gap) // max(len(values), 1))
    chart = np.full((height, step * len(values) - gap, 3), 255, np.uint8)
    colours = render.colorize(values[None, :], cmap="viridis", vmin=scale[0], vmax=scale[1])[0]

    def row(value):
        return int(round((high - value) / span * (height - 1)))

    zero = row(0.0)
    for index, value in enumerate(values):
        top, bottom = sorted((row(float(value)), zero))
        chart[top:bottom + 1, index * step:index * step + step - gap] = colours[index]
    chart[zero, :] = (150, 150, 150)
    return chart


def colour_bar(scale: tuple[float, float], symmetric: bool = False, width: int = 192,
               height: int = 12) -> np.ndarray:
    """The colour scale from ``scale[0]`` (left) to ``scale[1]`` (right) as an RGB strip.

    Args:
        scale: (low, high).
        symmetric: the diverging blue-white-red map (kernels) instead of viridis.
        width: the strip's width in pixels.
        height: the strip's height in pixels.

    Returns:
        The strip, height x width x 3.
    """
    ramp = np.linspace(scale[0], scale[1], width, dtype=np.float32)[None, :].repeat(height, 0)
    return render.colorize(ramp, cmap="RdBu_r" if symmetric else "viridis", vmin=scale[0],
                           vmax=scale[1])


def layer_label(index: int, module: nn.Module, before: tuple, after: tuple, number: int) -> str:
    """A menu entry that says what the layer is: "0: conv 5×5, pad 2, 6 ch → 6×28×28", or
    for a block "1: VGG block 2: 1 convolution, 8→16 channels, 32×32 → 16×16".

    Args:
        index: the layer's place in the net.
        module: the layer or block.
        before: the C x H x W shape before it.
        after: the C x H x W shape after it.
        number: the blocks of this name so far (1 for the first).

    Returns:
        The entry's text.
    """
    shape = "×".join(map(str, after))
    if not list(module.children()):
        return f"{index}: {layer_text(module)[1]} → {shape}"
    convolutions = sum(isinstance(m, nn.Conv2d) for m in module.modules())
    name = (block_name(module) or "block").split(",")[0]  # "dense block, 4 units" -> "dense block"
    plural = "" if convolutions == 1 else "s"
    # (the translation keeps "index: name number: ", which FeatureMapViewer._kind reads)
    return tr(f"{index}: {name} {number}: {convolutions} convolution{plural}, "
              f"{before[0]}→{after[0]} channels, {before[1]}×{before[2]} → {after[1]}×{after[2]}")


class FeatureMapViewer(NetExplorer):
    """For ``net`` and a batch of ``images`` (N, C, H, W): feature maps of a chosen layer."""

    def __init__(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None,
                 classes: list[str] | None = None, image: int = 0, layer: int | None = None,
                 resize: int | None = None) -> None:
        """Run ``net`` on the first image and show the chosen layer's maps (chapter 3).

        Args:
            net: the trained model.
            images, labels, classes: as for ``NetExplorer`` (test images, N x C x H x W).
            image: the index of the image shown first.
            layer: the index of the layer shown first; None, the first in the menu.
            resize: the side the images are resized to for the net; None, none.

        Raises:
            ValueError: the images are not N x C x H x W, or do not fit the net.
        """
        super().__init__(net, images, labels, classes, resize)
        self.layers = list(net.children()) if len(list(net.children())) else [net]
        self._cached_image: int | None = None
        self._outputs: list[torch.Tensor] = []
        self._first_conv_module = next((m for m in net.modules() if isinstance(m, nn.Conv2d)),
                                       None)  # its kernels are shown with the layer holding it
        self._first_conv = next((i for i, layer in enumerate(self.layers)
                                 if any(m is self._first_conv_module for m in layer.modules())),
                                None)
        try:
            shapes = self._run(0)
        except RuntimeError as error:  # e.g. 32x32 images into a net built for 28x28
            explained = image_size_error(self.net, self._input(0), error, resize,
                                          "FeatureMapViewer")
            if explained is not None:  # names the resize= the net expects
                raise explained from None
            raise ValueError(
                f"the model cannot take images of shape {tuple(images.shape[1:])}: {error}. "
                "Pass resize= if the model expects another size") from None
        options = self._options(shapes)
        if not options:
            raise ValueError("this model has no layer whose output is a stack of feature maps")
        self.feature_layers = [value for _, value in options]
        layer = self.feature_layers[0] if layer is None else layer
        image_slider = self._register("image", widgets.IntSlider(
            min=0, max=len(images) - 1, description=tr("test image")))
        layer_menu = self._register("layer", widgets.Dropdown(
            options=options, description=tr("layer"),
            layout=widgets.Layout(width="560px")))
        self.page_slider = self._register("page", widgets.IntSlider(
            min=0, max=0, description=tr("maps"), readout=False))
        self.input_picture, self.maps_picture, self.kernels_picture = picture(), picture(), picture()
        self.scale_picture, self.kernel_scale_picture = picture(), picture()
        self.caption, self.maps_title = widgets.HTML(), widgets.HTML()
        self.scale_text, self.kernel_scale_text = widgets.HTML(), widgets.HTML()
        # pictures at their own pixel size, each colour bar under its maps and as wide, its
        # numbers below it: a long line of text can no longer stretch the pictures
        self.kernels_box = widgets.VBox([
            widgets.HTML(f"<b>{tr('kernels of the first convolution')}</b>"), self.kernels_picture,
            self.kernel_scale_picture, self.kernel_scale_text])
        self.root = widgets.VBox([
            widgets.HBox([image_slider, layer_menu]), self.page_slider, self.caption,
            widgets.HBox([titled(tr("input"), self.input_picture),
                          widgets.VBox([self.maps_title, self.maps_picture,
                                        self.scale_picture, self.scale_text]),
                          self.kernels_box],
                         # on a projector beside the file browser the kernels go below the maps
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.message])
        self._start(image=image, layer=layer, page=0)

    def _options(self, shapes) -> list[tuple[str, int]]:
        """(menu entry, layer index) of every layer whose output is a stack of maps."""
        options, seen = [], {}
        side = (self.resize, self.resize) if self.resize else tuple(self.images.shape[2:])
        before = (self.images.shape[1], *side)
        for index, (module, output) in enumerate(zip(self.layers, shapes)):
            after = tuple(output.shape)
            name = (block_name(module) or "block").split(",")[0]
            seen[name] = seen.get(name, 0) + (1 if list(module.children()) else 0)
            if output.dim() == 3:
                options.append((layer_label(index, module, before, after, seen[name]), index))
            before = after
        return options

    def _apply(self, changes: dict) -> None:
        """The layer first: it decides how many pages of maps there are."""
        if "layer" in changes:
            self._set("layer", changes["layer"])
        self._fit_pages(self._controls["layer"].value)
        for name, value in changes.items():
            if name != "layer":
                self._set(name, value)

    def _fit_pages(self, layer: int) -> int:
        """Set the page slider's range for ``layer``; return the number of pages."""
        pages = -(-self._run(self._cached_image or 0)[layer].shape[0] // PAGE)
        was, self._updating = self._updating, True
        try:
            self.page_slider.max = pages - 1  # ipywidgets moves the value into the range
        finally:
            self._updating = was
        show(self.page_slider, pages > 1)
        return pages

    def _input(self, image: int) -> torch.Tensor:
        """Image number ``image`` as the net takes it: 1 x C x H x W, on its device, resized."""
        parameter = next(self.net.parameters())
        floating = parameter.is_floating_point() and self.images.is_floating_point()
        dtype = parameter.dtype if floating else None  # e.g. a net in float64 or bf16
        X = self.images[image:image + 1].to(parameter.device, dtype)
        if self.resize:
            X = nn.functional.interpolate(X, size=(self.resize, self.resize), mode="bilinear")
        return X

    def _run(self, image: int) -> list[torch.Tensor]:
        """Every top-level child's output for one image (computed once per image)."""
        if image != self._cached_image:
            outputs = []
            # a copy: a later in-place layer (ReLU(inplace=True)) would change the kept output
            hooks = [layer.register_forward_hook(
                         lambda m, i, o: outputs.append(o.detach().clone()))
                     for layer in self.layers]
            X = self._input(image)
            was_training = self.net.training
            self.net.eval()
            try:
                with torch.no_grad():
                    self.logits = self.net(X)[0].float().cpu()
            finally:
                for hook in hooks:
                    hook.remove()
                self.net.train(was_training)
            self._outputs = [output[0].float().cpu() for output in outputs]
            self._cached_image = image
        return self._outputs

    def _update(self, image: int, layer: int, page: int):
        maps = self._run(image)[layer]  # C x H x W
        pages = self._fit_pages(layer)
        page = min(page, pages - 1)  # the layer menu moved to a layer with fewer pages
        first, last = page * PAGE, min((page + 1) * PAGE, maps.shape[0])
        scale = layer_scale(maps)
        shown_at_own_size(self.input_picture, tile(self.images[image], 1, target=112))
        if maps.shape[1:] == (1, 1):  # one number per channel: bars, not 1-pixel pictures
            grid = bars(maps[first:last, 0, 0], scale)
            drawn = tr("one bar per channel (each map is 1×1: a single number)")
        else:
            grid = tile(maps[first:last], scale=scale)
            drawn = tr("one map per channel")
        shown = "" if pages == 1 else tr(f", channels {first + 1}-{last} of {maps.shape[0]}")
        self.maps_title.value = f"<b>{tr('feature maps')}: {drawn}{shown}</b>"
        shown_at_own_size(self.maps_picture, grid)
        shown_at_own_size(self.scale_picture,
                          colour_bar(scale, width=max(grid.shape[1], 160), height=16))
        self.scale_text.value = compact(html.escape(tr(
            f"one colour scale for the whole layer: {scale[0]:.3g} (left) to {scale[1]:.3g} "
            f"(right)")))
        kernels = None
        if layer == self._first_conv:
            weight = self._first_conv_module.weight.detach().float().cpu()  # C_out x C_in x k x k
            kernels = weight[:, 0] if weight.shape[1] == 1 else weight.mean(dim=1)
            kernel_scale = layer_scale(kernels, symmetric=True)
            page_of_kernels = kernels[first:last] if len(kernels) == maps.shape[0] else kernels[:PAGE]
            kernel_grid = tile(page_of_kernels, target=40, symmetric=True, scale=kernel_scale)
            shown_at_own_size(self.kernels_picture, kernel_grid)
            shown_at_own_size(self.kernel_scale_picture, colour_bar(
                kernel_scale, True, width=max(kernel_grid.shape[1], 120), height=16))
            averaged = ("" if weight.shape[1] == 1 else
                        tr(f",<br>averaged over {weight.shape[1]} inputs"))
            self.kernel_scale_text.value = compact(
                tr(f"blue {kernel_scale[0]:.2g} to red {kernel_scale[1]:.2g}") + averaged)
        self.kernels_box.layout.display = None if kernels is not None else "none"
        predicted = int(self.logits.argmax())
        self.caption.value = html.escape(tr(
            f"layer {layer} ({self._kind(layer)}): {maps.shape[0]} channels of "
            f"{maps.shape[1]}x{maps.shape[2]}; {self.prediction_text(self.logits, image)}"))
        return {"maps": maps, "kernels": kernels, "predicted": predicted, "scale": scale,
                "channels": (first, last)}

    def describe(self) -> str:
        """The one-line text form; the page only when the layer has more than one."""
        shown = {name: value for name, value in self.settings.items()
                 if name != "page" or self.page_slider.max > 0}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    def _kind(self, layer: int) -> str:
        """The layer's class, or for a block what it is ("VGG block 2")."""
        module = self.layers[layer]
        if not list(module.children()):
            return type(module).__name__
        label = dict((value, text) for text, value in self._controls["layer"].options)[layer]
        return label.split(": ")[1]
