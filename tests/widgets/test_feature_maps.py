"""The feature-map viewer: every channel of a chosen layer, the first convolution's kernels."""

import io

import numpy as np
import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.widgets.feature_maps import FeatureMapViewer, bars, tile


@pytest.fixture
def viewer():
    torch.manual_seed(0)
    images = torch.rand(4, 1, 28, 28)
    return FeatureMapViewer(models.lenet(), images, torch.tensor([3, 1, 4, 1]), tuple("0123456789"))


def test_viewer_lists_only_layers_that_output_feature_maps(viewer):
    assert viewer.feature_layers == [0, 1, 2, 3, 4, 5]  # conv, sigmoid, pool, conv, sigmoid, pool
    before = viewer.settings
    assert viewer.update(layer=7) is None  # Linear: not offered, and said so
    assert "layer: 7 is not one of the choices (0, 1, 2, 3, 4, 5)" in viewer.error
    assert viewer.settings == before and "not one of the choices" in viewer.message.value


def test_first_convolution_shows_six_maps_and_its_kernels(viewer):
    shown = viewer.update(layer=0, image=1)
    assert shown["maps"].shape == (6, 28, 28) and shown["kernels"].shape == (6, 5, 5)
    assert torch.equal(shown["kernels"], viewer.net[0].weight.detach()[:, 0])
    assert "true label: 1" in viewer.caption.value
    assert viewer.kernels_box.layout.display is None


def test_every_channel_is_the_layers_real_output(viewer):
    shown = viewer.update(layer=5, image=2)
    expected = viewer.net[:6](viewer.images[2:3])[0]
    assert shown["maps"].shape == (16, 5, 5) and torch.allclose(shown["maps"], expected)
    assert shown["kernels"] is None and viewer.kernels_box.layout.display == "none"
    assert viewer.maps_picture.value[:4] == b"\x89PNG"


def test_viewer_takes_a_model_of_blocks_and_answers_quickly():
    blocks = nn.Sequential(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()),
                           nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
                           nn.Flatten(), nn.Linear(8 * 14 * 14, 10))
    viewer = FeatureMapViewer(blocks, torch.rand(3, 1, 28, 28))
    assert viewer.feature_layers == [0, 1]
    shown = viewer.update(layer=1, image=2)
    assert shown["maps"].shape == (8, 14, 14) and viewer.error is None
    assert viewer.last_update_ms < 500


def _png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(data)).size


def test_all_maps_of_a_layer_share_one_colour_scale_that_the_widget_states(viewer):
    faint_and_strong = torch.stack([torch.linspace(0, 1, 16).reshape(4, 4)] * 2) * \
        torch.tensor([1.0, 10.0])[:, None, None]
    grid = tile(faint_and_strong, target=4, gap=0)
    assert not np.array_equal(grid[:, :4], grid[:, 4:])  # own scales would draw them alike
    assert np.array_equal(grid[0, 0], grid[0, 4])  # both start at the same value, 0
    shown = viewer.update(layer=3, image=1)
    low, high = shown["scale"]
    assert low == pytest.approx(float(shown["maps"].min()))
    assert high == pytest.approx(float(shown["maps"].max()))
    assert f"{low:.3g}" in viewer.scale_text.value and f"{high:.3g}" in viewer.scale_text.value
    assert "one colour scale for the whole layer" in viewer.scale_text.value


def test_maps_of_one_pixel_are_drawn_as_one_bar_per_channel():
    chart = bars(torch.tensor([1.0, -1.0, 2.0]), scale=(-1.0, 2.0), height=31, width=30, gap=0)
    coloured = (chart != 255).any(axis=2) & (chart != 150).any(axis=2)
    heights = [int(coloured[:, i * 10:(i + 1) * 10].any(axis=1).sum()) for i in range(3)]
    assert heights[2] > heights[0] > 0 and heights[1] > 0
    assert abs(heights[2] - 2 * heights[0]) <= 2 and abs(heights[1] - heights[0]) <= 2
    net = nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(6, 10))
    viewer = FeatureMapViewer(net, torch.rand(2, 1, 28, 28))
    shown = viewer.update(layer=2)
    assert shown["maps"].shape == (6, 1, 1)
    assert "one bar per channel" in viewer.maps_title.value
    assert "global avg pool" in dict((v, t) for t, v in viewer._controls["layer"].options)[2]


def test_blocks_are_named_by_what_they_are():
    torch.manual_seed(0)
    viewer = FeatureMapViewer(models.vgg(width=1 / 8, image_size=32), torch.rand(2, 1, 32, 32))
    labels = [text for text, _ in viewer._controls["layer"].options]
    assert labels[0] == "0: VGG block 1: 1 convolution, 1→8 channels, 32×32 → 16×16"
    assert labels[2] == "2: VGG block 3: 2 convolutions, 16→32 channels, 8×8 → 4×4"
    viewer.update(layer=2)
    assert "layer 2 (VGG block 3)" in viewer.caption.value
    resnet = FeatureMapViewer(models.resnet18(width=1 / 8), torch.rand(2, 1, 32, 32))
    labels = [text for text, _ in resnet._controls["layer"].options]
    assert labels[0] == "0: block 1: 1 convolution, 1→8 channels, 32×32 → 8×8"
    assert labels[2] == "2: ResNet module 2: 5 convolutions, 8→16 channels, 8×8 → 4×4"
    densenet = FeatureMapViewer(models.densenet(width=1 / 8), torch.rand(2, 1, 32, 32))
    labels = [text for text, _ in densenet._controls["layer"].options]
    assert labels[1:3] == ["1: dense block 1: 4 convolutions, 8→24 channels, 8×8 → 8×8",
                           "2: transition layer 1: 1 convolution, 24→12 channels, 8×8 → 4×4"]


@pytest.mark.parametrize("build, size", [
    (lambda: models.vgg(width=1 / 8, image_size=32), 32),
    (lambda: models.nin(width=1 / 8, image_size=67), 67),
    (lambda: models.resnet18(width=1 / 8), 32),
    (lambda: models.densenet(width=1 / 8), 32),
])
def test_every_net_shows_its_first_convolutions_kernels(build, size):
    torch.manual_seed(0)
    net = build()
    first = next(m for m in net.modules() if isinstance(m, nn.Conv2d))
    viewer = FeatureMapViewer(net, torch.rand(2, 1, size, size))
    shown = viewer.update(layer=0)
    assert torch.equal(shown["kernels"], first.weight.detach()[:, 0])
    assert viewer.kernels_box.layout.display is None
    assert "blue" in viewer.kernel_scale_text.value


def test_a_layer_of_124_maps_is_shown_32_at_a_time_in_a_picture_of_constant_size():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 124, 3, padding=1), nn.ReLU(), nn.Conv2d(124, 8, 3),
                        nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
    viewer = FeatureMapViewer(net, torch.rand(2, 1, 28, 28))
    assert viewer.page_slider.max == 3 and viewer.page_slider.layout.display is None
    assert viewer.describe() == "FeatureMapViewer(image=0, layer=0, page=0)"
    sizes = set()
    for page in range(4):
        shown = viewer.update(page=page)
        sizes.add(_png_size(viewer.maps_picture.value))
    assert shown["channels"] == (96, 124) and "channels 97-124 of 124" in viewer.maps_title.value
    assert max(width for width, _ in sizes) <= 8 * 64 + 7 * 2
    assert max(height for _, height in sizes) <= 4 * 64 + 3 * 2
    assert viewer.update(page=4) is None and "outside the range 0 to 3" in viewer.error
    shown = viewer.update(layer=2)  # 8 maps: one page, and the slider hides
    assert shown["channels"] == (0, 8) and viewer.page_slider.layout.display == "none"
    assert viewer.describe() == "FeatureMapViewer(image=0, layer=2)"


def test_tile_lays_channels_out_in_a_grid():
    grid = tile(torch.rand(16, 5, 5), columns=8, target=20, gap=2)
    assert grid.shape == (2 * 20 + 2, 8 * 20 + 7 * 2, 3) and grid.dtype.name == "uint8"


@pytest.mark.parametrize("images, message", [
    (torch.zeros(4, 28, 28), "non-empty \\(N, C, H, W\\) tensor"),
    (torch.zeros(0, 1, 28, 28), "non-empty"),
    (torch.zeros(2, 1, 32, 32),
     r"cannot take images of 32x32.*Pass FeatureMapViewer\(\.\.\., resize=28\)"),
])
def test_images_the_model_cannot_take_are_explained(images, message):
    with pytest.raises(ValueError, match=message):
        FeatureMapViewer(models.lenet(), images)


def test_a_later_in_place_relu_does_not_change_the_convolutions_maps():
    """torchvision's AlexNet has ReLU(inplace=True) after every convolution (issue 14, kind 1)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(784, 10))
    images = torch.rand(2, 1, 28, 28) - 0.5
    shown = FeatureMapViewer(net, images).update(layer=0, image=1)
    with torch.no_grad():
        expected = net[0](images[1:2])[0]
    assert expected.min() < 0 and torch.equal(shown["maps"], expected)


def test_a_net_in_float64_is_shown_from_float32_images():
    net = models.lenet().double()
    shown = FeatureMapViewer(net, torch.rand(2, 1, 28, 28)).update(layer=0, image=0)
    assert shown["maps"].shape == (6, 28, 28) and shown["maps"].dtype == torch.float32
