"""The network explorer: every layer as a card with its numbers, one layer enlarged."""

import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.receptive import receptive_field
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
    assert f"{models.count_parameters(net):,} parameters" in explorer.root.children[2].value


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
    shown = lenet_explorer.update(image=2, layer=3, channel=5)
    net, X = lenet_explorer.net, lenet_explorer.images[2:3]
    with torch.no_grad():
        assert torch.allclose(shown["maps"], net[:4](X)[0])
    assert torch.equal(shown["kernel"], net[3].weight.detach()[5])
    assert lenet_explorer.kernel_box.layout.display is None
    assert "kernel that made map 5: 6 slices, one per input channel, of 5×5" in lenet_explorer.kernel_title.value
    assert lenet_explorer.cards[3].layout.border.endswith("#d62728")
    assert lenet_explorer.cards[0].layout.border.endswith("#dddddd")
    assert "true label: 4" in lenet_explorer.caption.value


def test_a_vector_layer_has_no_channel_slider_and_no_kernel(lenet_explorer):
    shown = lenet_explorer.update(layer=7)
    assert shown["maps"].shape == (120,) and shown["kernel"] is None
    assert lenet_explorer.channel_slider.layout.display == "none"
    assert lenet_explorer.kernel_box.layout.display == "none"


def test_a_channel_the_layer_does_not_have_is_refused_with_a_message(lenet_explorer):
    lenet_explorer.update(layer=0, channel=0)
    assert lenet_explorer.update(layer=0, channel=6) is None
    assert "channel: 6 is outside the range 0 to 5" in lenet_explorer.error
    assert lenet_explorer.settings["channel"] == 0
    assert lenet_explorer.update(layer=3, channel=15)["kernel"].shape == (6, 5, 5)


def test_images_and_nets_the_explorer_cannot_take_are_explained():
    with pytest.raises(ValueError, match="cannot take images of 1×32×32.*resize="):
        NetworkExplorer(models.lenet(), torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match="walks an nn.Sequential"):
        NetworkExplorer(models.Residual(1, 1), torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="non-empty"):
        NetworkExplorer(nn.Sequential(nn.Conv2d(1, 1, 3)), torch.zeros(0, 1, 8, 8))
