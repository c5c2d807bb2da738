"""The network explorer: every layer as a card with its numbers, one layer enlarged."""

import re

import ipywidgets as widgets
import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.ch07_googlenet.checks import unrolled
from cnn_helpers.ops.receptive import receptive_field
from cnn_helpers.widgets import network_explorer
from cnn_helpers.widgets.network_explorer import NetworkExplorer


@pytest.fixture(scope="module")
def lenet_explorer():
    torch.manual_seed(0)
    return NetworkExplorer(models.lenet(), torch.rand(4, 1, 28, 28), torch.tensor([3, 1, 4, 1]),
                           tuple("0123456789"))


@pytest.mark.parametrize("build, side", [(models.lenet, 28),
                                         (lambda: models.resnet18(width=1 / 8), 32),
                                         (lambda: models.densenet(width=1 / 8), 32)])
def test_the_cards_add_up_to_the_nets_parameters_and_multiply_adds(build, side):
    torch.manual_seed(0)
    net = build()
    explorer = NetworkExplorer(net, torch.rand(2, 1, side, side))
    assert len(explorer.rows) == len(net)
    assert sum(row.parameters for row in explorer.rows) == models.count_parameters(net)
    assert sum(row.multiply_adds for row in explorer.rows) == sum(
        work for _, _, work in models.multiply_adds(net, (1, 1, side, side)))
    assert f"{models.count_parameters(net):,} parameters" in explorer.totals.value


def test_lenets_receptive_fields_are_receptive_field_of_its_layers_and_a_dash_after_flatten(
        lenet_explorer):
    net = lenet_explorer.net
    for row in lenet_explorer.rows[:6]:
        side = receptive_field(net[:row.index + 1], 28)[-1].size[0]
        assert row.field == f"{side}×{side}"
    assert [row.field for row in lenet_explorer.rows[:6]] == ["5×5", "5×5", "6×6", "14×14",
                                                              "14×14", "16×16"]
    assert {row.field for row in lenet_explorer.rows[6:]} == {"—"}


def test_a_residual_blocks_field_follows_its_main_path_not_its_shortcut():
    """Stem: 7×7 stride 2 (r 7, jump 2), 3×3 stride-2 pooling (r 11, jump 4); module 1: four
    3×3 convolutions at jump 4 (r 43); module 2: 3×3 stride 2 (r 51, jump 8), then three 3×3
    at jump 8 (r 99). Walking the 1×1 stride-2 shortcut in line would double the jump."""
    explorer = NetworkExplorer(models.resnet18(width=1 / 8), torch.rand(2, 1, 32, 32))
    assert [row.field for row in explorer.rows[:3]] == ["11×11", "43×43", "99×99"]
    assert [row.field for row in explorer.rows[5:]] == ["all", "—", "—"]


def test_choosing_a_convolutions_map_shows_the_kernel_that_made_it(lenet_explorer):
    shown = lenet_explorer.update(image=2, layer=3, channel=6)  # counted from 1
    net, X = lenet_explorer.net, lenet_explorer.images[2:3]
    with torch.no_grad():
        assert torch.allclose(shown["maps"], net[:4](X)[0])
    assert torch.equal(shown["kernel"], net[3].weight.detach()[5])
    assert lenet_explorer.kernel_box.layout.display is None
    assert "kernel that made map 6: 6 slices, one per input channel, of 5×5" in lenet_explorer.kernel_title.value
    assert "channels 1-16 of 16" in lenet_explorer.maps_title.value  # as the feature-map viewer
    assert lenet_explorer.cards[3].layout.border.endswith("#d62728")
    assert lenet_explorer.cards[0].layout.border.endswith("#dddddd")
    assert "true label: 4" in lenet_explorer.caption.value


def test_a_vector_layer_has_no_channel_slider_and_no_kernel(lenet_explorer):
    shown = lenet_explorer.update(layer=7)
    assert shown["maps"].shape == (120,) and shown["kernel"] is None
    assert lenet_explorer.channel_slider.layout.display == "none"
    assert lenet_explorer.kernel_box.layout.display == "none"
    assert lenet_explorer.map_box.layout.display == "none"  # no map to choose: a strip of bars
    assert lenet_explorer.class_bars.layout.display == "none"  # not the last layer


def test_the_last_layers_bars_carry_the_class_names_and_the_prediction_in_bold(lenet_explorer):
    shown = lenet_explorer.update(image=1, layer=len(lenet_explorer.layers) - 1)
    bars = lenet_explorer.class_bars.value
    assert lenet_explorer.class_bars.layout.display is None
    assert lenet_explorer.maps_picture.layout.display == "none"
    assert bars.count("<tr") == 10 and all(f">{name}</td>" in bars for name in "0123456789")
    best = int(shown["maps"].argmax())
    assert f"font-weight:bold'><td style='padding:0 6px 0 0;white-space:nowrap'>{best}<" in bars


def test_a_receptive_field_larger_than_the_input_is_said_to_be():
    explorer = NetworkExplorer(models.resnet18(width=1 / 8), torch.rand(2, 1, 32, 32))
    explorer.update(layer=2)  # 99×99 on a 32×32 input
    assert ("receptive field 99×99: larger than the 32×32 input; the padding makes up the rest"
            in explorer.caption.value)
    explorer.update(layer=0)  # 11×11
    assert "larger than" not in explorer.caption.value


def test_a_channel_the_layer_does_not_have_is_refused_with_a_message(lenet_explorer):
    lenet_explorer.update(layer=0, channel=1)
    assert lenet_explorer.update(layer=0, channel=7) is None
    assert "channel: 7 is outside the range 1 to 6" in lenet_explorer.error
    assert lenet_explorer.settings["channel"] == 1
    assert lenet_explorer.update(layer=3, channel=16)["kernel"].shape == (6, 5, 5)


def test_images_and_nets_the_explorer_cannot_take_are_explained():
    with pytest.raises(ValueError, match="cannot take images of 1×32×32.*resize="):
        NetworkExplorer(models.lenet(), torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match="walks an nn.Sequential"):
        NetworkExplorer(models.Residual(1, 1), torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="non-empty"):
        NetworkExplorer(nn.Sequential(nn.Conv2d(1, 1, 3)), torch.zeros(0, 1, 8, 8))


# -- a projector: 1280x720 beside the file browser (the browser test measures the whole) -----
def _pixels(size: str) -> int:
    return int(size.removesuffix("px"))


def _html_texts(widget) -> list[str]:
    if isinstance(widget, widgets.HTML):
        return [widget.value]
    return [text for child in getattr(widget, "children", ()) for text in _html_texts(child)]


@pytest.mark.parametrize("build, side, resize", [
    (models.lenet, 28, None),
    (lambda: models.resnet18(width=1 / 4), 28, 48),  # the class profile's ResNet
    (lambda: unrolled(models.googlenet(width=1 / 8, image_size=32)), 28, 32),  # chapter 7, smoke
    (lambda: models.alexnet(), 28, 224),  # 96 maps of 54×54: too large for the box at once
])
def test_every_picture_keeps_to_its_box_at_every_layer(build, side, resize):
    torch.manual_seed(0)
    explorer = NetworkExplorer(build(), torch.rand(2, 1, side, side), resize=resize)
    boxes = [(explorer.maps_picture, network_explorer.MAPS_BOX),
             (explorer.map_picture, network_explorer.MAP_BOX),
             (explorer.kernel_picture, network_explorer.KERNEL_BOX),
             (explorer.input_picture, network_explorer.INPUT_BOX)]
    for layer in range(len(explorer.rows)):
        assert explorer.update(layer=layer) is not None, explorer.error
        for picture, (width, height) in boxes:
            if picture.layout.display != "none" and picture.value:
                assert _pixels(picture.layout.width) <= width, (layer, picture.layout.width)
                assert _pixels(picture.layout.height) <= height, (layer, picture.layout.height)
    for thumbnail in explorer.thumbnails:
        assert _pixels(thumbnail.layout.height) <= network_explorer.THUMBNAIL
        # inside the card's border and padding (8 px) and the picture's own margins (4 px)
        assert _pixels(thumbnail.layout.width) <= network_explorer.CARD_WIDTH - 12


def test_a_window_of_cards_follows_the_layer_and_the_slider_reaches_every_layer(lenet_explorer):
    count = len(lenet_explorer.rows)
    assert count > network_explorer.WINDOW and lenet_explorer._controls["layer"].max == count - 1
    for layer in range(count):
        shown = lenet_explorer.update(layer=layer)["window"]
        assert layer in shown and len(shown) == network_explorer.WINDOW
        displayed = [i for i, card in enumerate(lenet_explorer.cards)
                     if card.layout.display != "none"]
        assert displayed == list(shown)
        assert f"layers {shown[0]}-{shown[-1]} of 0-{count - 1} shown" in lenet_explorer.totals.value
        assert "61,706 parameters" in lenet_explorer.totals.value  # the totals stay in view
    assert list(network_explorer.window(0, 12)) == [0, 1, 2, 3, 4, 5]
    assert list(network_explorer.window(5, 12)) == [2, 3, 4, 5, 6, 7]
    assert list(network_explorer.window(11, 12)) == [6, 7, 8, 9, 10, 11]
    assert list(network_explorer.window(3, 4)) == [0, 1, 2, 3]


def test_a_net_with_few_layers_shows_all_its_cards():
    explorer = NetworkExplorer(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten()),
                               torch.rand(2, 1, 8, 8))
    assert all(card.layout.display != "none" for card in explorer.cards)
    assert "all 3 layers" in explorer.totals.value


def test_maps_are_drawn_as_large_as_their_box_allows_and_large_maps_a_page_at_a_time():
    assert network_explorer.fit_grid(6, 28, 28, (360, 176)) == (6, 3, 3)  # 84-px maps, 2 rows
    assert network_explorer.fit_grid(1, 5, 5, (112, 112)) == (1, 1, 22)
    assert network_explorer.fit_grid(16, 54, 54, (360, 176)) == (16, 6, 1)  # 6 + 6 + 4
    assert network_explorer.fit_grid(32, 54, 54, (360, 176)) == (18, 6, 1)  # a page: what fits
    assert network_explorer.fit_grid(2, 300, 300, (360, 176)) == (1, 1, 1)  # one, too large


def test_no_text_is_smaller_than_the_notebooks_body_text(lenet_explorer):
    lenet_explorer.update(layer=3)
    for text in _html_texts(lenet_explorer.root):
        sizes = [int(size) for size in re.findall(r"font-size:\s*(\d+)px", text)]
        assert all(size >= 14 for size in sizes), text
    for card in lenet_explorer.cards:
        assert "font-size:14px" in card.children[0].value
