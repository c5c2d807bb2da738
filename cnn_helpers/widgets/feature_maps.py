"""What a trained network sees: every channel of a layer's output, for one test image.

Chapter 3 (LeNet) and every later architecture chapter. Choose a test image
and a layer; the viewer shows each channel's activation map as a grid
(feature map, 特征图), and for the first convolution also its learned
kernels. It takes any model whose top-level children run in order (an
``nn.Sequential`` of layers or of blocks) and a tensor of images.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from .. import render
from ..training import image_size_error
from .common import Explorer, picture, titled


def tile(maps, columns: int | None = None, target: int = 64, gap: int = 2,
         symmetric: bool = False) -> np.ndarray:
    """(C, H, W) numbers -> one RGB grid, each map on its own colour scale, enlarged crisply."""
    maps = maps.detach().float().cpu() if isinstance(maps, torch.Tensor) else torch.as_tensor(maps)
    count, height, width = maps.shape
    columns = columns or min(count, 8)
    rows = -(-count // columns)
    factor = render.display_factor(height, width, target)
    cell_h, cell_w = height * factor, width * factor
    grid = np.full((rows * (cell_h + gap) - gap, columns * (cell_w + gap) - gap, 3), 255, np.uint8)
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (cell_h + gap), column * (cell_w + gap)
        cmap = "gray" if symmetric else "viridis"
        grid[top:top + cell_h, left:left + cell_w] = render.upscale(
            render.colorize(maps[index], cmap=cmap, symmetric=symmetric), factor)
    return grid


class FeatureMapViewer(Explorer):
    """For ``net`` and a batch of ``images`` (N, C, H, W): feature maps of a chosen layer."""

    def __init__(self, net: nn.Module, images: torch.Tensor, labels=None, classes=None,
                 image: int = 0, layer: int | None = None, resize: int | None = None):
        super().__init__()
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise ValueError(f"images must be a non-empty (N, C, H, W) tensor, got {shape}; "
                             "for one grey image use images[None, None]")
        self.net, self.images, self.labels, self.classes = net, images, labels, classes
        self.resize = resize
        self.layers = list(net.children()) if len(list(net.children())) else [net]
        self._cached_image: int | None = None
        self._outputs: list[torch.Tensor] = []
        self._first_conv = next((i for i, m in enumerate(self.layers)
                                 if isinstance(m, nn.Conv2d)), None)
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
        options = [(f"{i}: {type(m).__name__} -> {'x'.join(map(str, shapes[i].shape))}", i)
                   for i, m in enumerate(self.layers) if shapes[i].dim() == 3]
        if not options:
            raise ValueError("this model has no layer whose output is a stack of feature maps")
        self.feature_layers = [value for _, value in options]
        layer = self.feature_layers[0] if layer is None else layer
        image_slider = self._register("image", widgets.IntSlider(
            min=0, max=len(images) - 1, description="test image"))
        layer_menu = self._register("layer", widgets.Dropdown(
            options=options, description="layer",
            layout=widgets.Layout(width="340px")))
        self.input_picture, self.maps_picture, self.kernels_picture = picture(), picture(), picture()
        self.caption = widgets.HTML()
        self.kernels_box = titled("kernels of the first convolution", self.kernels_picture)
        self.root = widgets.VBox([
            widgets.HBox([image_slider, layer_menu]), self.caption,
            widgets.HBox([titled("input", self.input_picture),
                          titled("feature maps (one per channel)", self.maps_picture),
                          self.kernels_box]),
            self.message])
        self._start(image=image, layer=layer)

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

    def _update(self, image: int, layer: int):
        maps = self._run(image)[layer]  # C x H x W
        self.input_picture.value = render.png_bytes(tile(self.images[image], 1, target=112))
        self.maps_picture.value = render.png_bytes(tile(maps, target=64))
        kernels = None
        if layer == self._first_conv:
            weight = self.layers[layer].weight.detach().float().cpu()  # C_out x C_in x k x k
            kernels = weight[:, 0] if weight.shape[1] == 1 else weight.mean(dim=1)
            self.kernels_picture.value = render.png_bytes(tile(kernels, target=40, symmetric=True))
        self.kernels_box.layout.display = None if kernels is not None else "none"
        predicted = int(self.logits.argmax())
        truth = ("" if self.labels is None
                 else f", true label: {self._name(int(self.labels[image]))}")
        self.caption.value = html.escape(
            f"layer {layer} ({type(self.layers[layer]).__name__}): {maps.shape[0]} channels of "
            f"{maps.shape[1]}x{maps.shape[2]}; predicted: {self._name(predicted)}{truth}")
        return {"maps": maps, "kernels": kernels, "predicted": predicted}

    def _name(self, label: int) -> str:
        return self.classes[label] if self.classes else str(label)
