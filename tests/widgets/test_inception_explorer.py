"""The Inception explorer shows each path's real output, cost and place in the concatenation."""

import html

import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.ch07_googlenet import checks as googlenet
from cnn_helpers.widgets.common import single_thread
from cnn_helpers.widgets.inception_explorer import SHOWN, InceptionExplorer


@pytest.fixture(scope="module")
def explorer():
    torch.manual_seed(0)
    net = models.init_kaiming(models.googlenet(width=0.125, image_size=32))
    images = torch.rand(3, 1, 28, 28)
    with single_thread():
        yield InceptionExplorer(net, images, torch.tensor([3, 1, 4]), tuple("0123456789"),
                                resize=32)


def block_input(explorer, image, name):
    X = nn.functional.interpolate(explorer.images[image:image + 1], size=(32, 32), mode="bilinear")
    return googlenet.block_inputs(explorer.net, X)[name]


@pytest.mark.parametrize("name", ["3a", "4d", "5b"])
def test_each_path_shows_its_real_output_and_the_block_output_is_their_concatenation(
        explorer, name):
    view = explorer.update(block=name, image=1, channel=2)
    block = explorer.blocks[name]
    X = block_input(explorer, 1, name)
    with torch.no_grad():
        expected = [out[0] for out in block.path_outputs(X)]
        assert torch.allclose(view.output, block(X)[0], atol=1e-5)
    for shown, out in zip(view.path_maps, expected):
        assert torch.allclose(shown, out[2:2 + SHOWN], atol=1e-5)
    stops = [stop for _, stop in view.ranges]
    assert view.ranges[0][0] == 0 and stops[-1] == block.out_channels
    assert [stop - start for start, stop in view.ranges] == list(block.path_channels)
    assert f"= {block.out_channels} channels" in explorer.readout.value
    assert explorer.output_picture.value[:4] == b"\x89PNG"


def test_costs_are_the_paths_layers_and_their_shares_add_up(explorer):
    view = explorer.update(block="4a", channel=0)
    block = explorer.blocks["4a"]
    assert sum(c.parameters for c in view.costs) == models.count_parameters(block)
    side = block_input(explorer, explorer.settings["image"], "4a").shape[-1]
    assert all(layer.output_shape[1:] == (side, side) for c in view.costs for layer in c.layers)
    assert [c.layers[-1].kind for c in view.costs] == ["conv 1x1", "conv 3x3", "conv 5x5",
                                                       "conv 1x1"]
    shares = [int(t.split("% of the block's parameters")[0].rsplit(">", 1)[-1])
              for t in explorer.costs("4a")[1]]
    assert 98 <= sum(shares) <= 102  # rounded percentages


def test_a_path_with_fewer_channels_says_so_instead_of_showing_maps(explorer):
    block = explorer.blocks["3a"]
    narrow = min(block.path_channels)
    view = explorer.update(block="3a", channel=narrow)
    path = block.path_channels.index(narrow)
    assert view.path_maps[path].shape[0] == 0 and explorer.path_pictures[path].value == b""
    assert f"only {narrow} channels" in explorer.path_captions[path].value
    assert explorer.error is None


def test_channels_past_the_blocks_widest_path_are_refused_with_a_message(explorer):
    explorer.update(block="3a", channel=0)
    widest = max(explorer.blocks["3a"].path_channels)
    assert explorer._controls["channel"].max >= widest  # reachable by the slider
    assert explorer.update(channel=widest) is None
    assert f"widest path has {widest} channels" in explorer.error
    assert "&#9888;" in explorer.message.value
    assert explorer.update(channel=0) is not None and explorer.error is None


@pytest.mark.parametrize("changes, words", [
    ({"block": "6a"}, "block: '6a' is not one of the choices"),
    ({"image": 3}, "test image: 3 is outside the range 0 to 2"),
    ({"channel": 1.5}, "channels from: 1.5 is not a whole number"),
])
def test_values_a_control_cannot_take_are_refused(explorer, changes, words):
    before = explorer.settings
    assert explorer.update(**changes) is None
    assert words in explorer.error and explorer.settings == before


def test_a_net_without_inception_blocks_is_a_clear_error():
    with pytest.raises(ValueError, match="Inception blocks"):
        InceptionExplorer(models.lenet(), torch.rand(2, 1, 28, 28))


def test_choosing_a_narrower_block_starts_it_at_channel_0_instead_of_keeping_the_old_pictures(
        explorer):
    widest = {name: max(b.path_channels) for name, b in explorer.blocks.items()}
    wide = max(widest, key=widest.get)
    narrow = min(widest, key=widest.get)
    explorer.update(block=wide, channel=widest[wide] - 1)
    view = explorer.update(block=narrow)
    assert view is not None and view.block == narrow and explorer.error is None
    assert explorer.settings["channel"] == 0
    assert (f"went back to 0: block {narrow}'s widest path has {widest[narrow]}"
            in html.unescape(explorer.readout.value))
    # dragging the channel too far on the same block is still refused with the message
    assert explorer.update(channel=widest[narrow]) is None
    assert f"widest path has {widest[narrow]} channels" in explorer.error
    explorer.update(channel=0)
