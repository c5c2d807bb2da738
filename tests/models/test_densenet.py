"""DenseNet as the notes describe it (section 10): dense blocks, transition layers, the model."""

import torch
from torch import nn

from cnn_helpers import models


def test_a_dense_block_concatenates_its_input_and_each_units_output():
    torch.manual_seed(0)
    block = models.DenseBlock(num_convs=2, in_channels=3, num_channels=10).eval()
    X = torch.rand(4, 3, 8, 8)
    Y = block(X)
    assert Y.shape == (4, 3 + 2 * 10, 8, 8)
    assert torch.equal(Y[:, :3], X)  # the input itself travels on, untouched
    first = block.net[0](X)
    assert torch.allclose(Y[:, 3:13], first)
    assert torch.allclose(Y[:, 13:], block.net[1](torch.cat((X, first), dim=1)))
    assert [unit[2].in_channels for unit in block.net] == [3, 13]


def test_a_conv_block_is_batch_norm_relu_then_a_3x3_convolution():
    unit = models.conv_block(5, 7)
    assert [type(m) for m in unit] == [nn.BatchNorm2d, nn.ReLU, nn.Conv2d]
    assert unit[2].kernel_size == (3, 3) and unit[2].padding == (1, 1)


def test_a_transition_layer_sets_the_channels_and_halves_the_size():
    layer = models.transition_block(23, 10)
    assert layer(torch.rand(4, 23, 8, 8)).shape == (4, 10, 4, 4)
    assert isinstance(layer[-1], nn.AvgPool2d) and layer[2].kernel_size == (1, 1)


def test_the_books_densenet_has_758226_parameters_and_no_transition_after_the_last_block():
    net = models.densenet()
    assert models.count_parameters(net) == 758_226
    kinds = [type(m).__name__ for m in net]
    assert kinds.count("DenseBlock") == 4 and kinds[-6] == "DenseBlock"
    shapes = [s for _, s in models.layer_shapes(net, (1, 1, 96, 96))]
    assert shapes[:8] == [(1, 64, 24, 24), (1, 192, 24, 24), (1, 96, 12, 12), (1, 224, 12, 12),
                          (1, 112, 6, 6), (1, 240, 6, 6), (1, 120, 3, 3), (1, 248, 3, 3)]
    assert shapes[-1] == (1, 10)


def test_densenet_has_a_fifteenth_of_resnet18s_parameters():
    assert models.count_parameters(models.resnet18()) > 14 * models.count_parameters(models.densenet())


def test_compression_sets_the_share_of_channels_a_transition_keeps():
    assert models.densenet()[-1].in_features == 248  # the book's 0.5
    kept = models.densenet(compression=1.0)
    assert kept[-1].in_features == 64 + 16 * 32  # no halving: every unit's channels reach the end
    assert models.count_parameters(kept) > 2 * models.count_parameters(models.densenet())
