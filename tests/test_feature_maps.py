"""The feature-map viewer: every channel of a chosen layer, the first convolution's kernels."""

import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.widgets.feature_maps import FeatureMapViewer, tile


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
