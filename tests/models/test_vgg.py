"""VGG as the notes describe it (section 5): the VGG block and VGG-11."""

import pytest
import torch
from torch import nn

from cnn_helpers import models


def books_vgg(conv_arch):
    """The book's PyTorch code (d2l-zh, section 7.2), written out."""
    def vgg_block(num_convs, in_channels, out_channels):
        layers = []
        for _ in range(num_convs):
            layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
            layers.append(nn.ReLU())
            in_channels = out_channels
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        return nn.Sequential(*layers)

    conv_blks = []
    in_channels = 1
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))


def test_vgg11_and_the_books_small_vgg_are_the_books_layer_for_layer():
    assert str(models.vgg()) == str(books_vgg(models.VGG11))
    small_arch = [(pair[0], pair[1] // 4) for pair in models.VGG11]  # the book's ratio = 4
    assert str(models.vgg(width=0.25)) == str(books_vgg(small_arch))


def test_a_vgg_block_keeps_the_size_through_its_convolutions_and_halves_it_once():
    block = models.vgg_block(2, 64, 128)
    assert [type(m).__name__ for m in block] == ["Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d"]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) for m in block if isinstance(m, nn.Conv2d))
    assert block(torch.zeros(1, 64, 56, 56)).shape == (1, 128, 28, 28)
    assert block[:4](torch.zeros(1, 64, 56, 56)).shape == (1, 128, 56, 56)


def test_vgg11_has_8_convolutions_3_dense_layers_and_128806154_parameters():
    net = models.vgg()
    modules = list(net.modules())
    assert sum(isinstance(m, nn.Conv2d) for m in modules) == 8
    assert sum(isinstance(m, nn.Linear) for m in modules) == 3
    assert models.count_parameters(net) == 128_806_154
    shapes = [s for _, s in models.layer_shapes(net, (1, 1, 224, 224))]
    assert shapes[:6] == [(1, 64, 112, 112), (1, 128, 56, 56), (1, 256, 28, 28), (1, 512, 14, 14),
                          (1, 512, 7, 7), (1, 25088)]


@pytest.mark.parametrize("size", [16, 100])
def test_an_image_the_five_blocks_cannot_halve_is_a_clear_error(size):
    with pytest.raises(ValueError, match="multiple of 32"):
        models.vgg(image_size=size)
