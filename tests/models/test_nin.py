"""NiN as the notes describe it (section 6): the block, the model, its parameters, GAP, He init."""

import pytest
import torch
from torch import nn

from cnn_helpers import models


def books_nin_block(in_channels, out_channels, kernel_size, strides, padding):
    """The book's PyTorch code (d2l-zh, section 7.3), written out."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def books_nin():
    return nn.Sequential(
        books_nin_block(1, 96, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        books_nin_block(96, 256, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        books_nin_block(256, 384, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        books_nin_block(384, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())


def block_parameters(c_in, c_out, k):
    """One k x k convolution and two 1x1 convolutions, each with biases."""
    return c_out * (c_in * k * k + 1) + 2 * c_out * (c_out + 1)


def test_full_nin_is_the_books_layer_for_layer():
    assert str(models.nin()) == str(books_nin())


def test_nin_block_is_one_convolution_then_two_1x1_convolutions_with_the_same_channels():
    block = models.nin_block(3, 8, kernel_size=5, stride=2, padding=1)
    convolutions = [m for m in block if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convolutions] == [(5, 5), (1, 1), (1, 1)]
    assert [c.out_channels for c in convolutions] == [8, 8, 8]
    assert convolutions[0].stride == (2, 2) and convolutions[0].padding == (1, 1)
    assert [type(m) for m in block][1::2] == [nn.ReLU] * 3  # a ReLU after each convolution


def test_a_224_image_walks_through_four_blocks_to_10_class_scores():
    shapes = [s for _, s in models.layer_shapes(models.nin(), (1, 1, 224, 224))]
    assert shapes == [(1, 96, 54, 54), (1, 96, 26, 26), (1, 256, 26, 26), (1, 256, 12, 12),
                      (1, 384, 12, 12), (1, 384, 5, 5), (1, 384, 5, 5), (1, 10, 5, 5),
                      (1, 10, 1, 1), (1, 10)]


def test_nin_has_1992166_parameters_by_the_formula_far_fewer_than_alexnet():
    net = models.nin()
    blocks = [m for m in net if isinstance(m, nn.Sequential)]
    expected = [block_parameters(1, 96, 11), block_parameters(96, 256, 5),
                block_parameters(256, 384, 3), block_parameters(384, 10, 3)]
    assert [models.count_parameters(b) for b in blocks] == expected
    assert models.count_parameters(net) == sum(expected) == 1_992_166
    assert models.count_parameters(models.alexnet()) / sum(expected) > 20
    assert not any(isinstance(m, nn.Linear) for m in net.modules())  # no fully connected layer


def test_global_average_pooling_of_the_last_blocks_maps_is_the_output():
    torch.manual_seed(0)
    net = models.init_kaiming(models.nin(0.25, 131)).eval()  # 131 -> 31 -> 15 -> 7 -> 3
    X = torch.rand(2, 1, 131, 131)
    with torch.no_grad():
        maps = net[:8](X)
        assert maps.shape == (2, 10, 3, 3)
        assert torch.allclose(maps.mean(dim=(2, 3)), net(X), atol=1e-6)


def test_width_scales_the_first_three_blocks_and_the_last_has_one_channel_per_class():
    net = models.nin(0.25, 96, num_classes=7)
    outs = [m[0].out_channels for m in net if isinstance(m, nn.Sequential)]
    assert outs == [24, 64, 96, 7]
    assert models.layer_shapes(net, (2, 1, 96, 96))[-1] == ("Flatten", (2, 7))


def test_global_average_pooling_lets_nin_take_any_image_size_from_67():
    net = models.nin(0.125, 67)
    for size in (67, 96, 224):  # no layer depends on the size it was built for
        assert models.layer_shapes(net, (1, 1, size, size))[-1][1] == (1, 10)
    with pytest.raises(RuntimeError):  # the bound is tight: at 66 the last pooling has no room
        net(torch.zeros(1, 1, 66, 66))


def test_too_small_an_image_or_bad_class_count_is_a_clear_error():
    with pytest.raises(ValueError, match="too small for NiN.*at least 67"):
        models.nin(image_size=66)
    with pytest.raises(ValueError, match="num_classes=0"):
        models.nin(num_classes=0)
    with pytest.raises(ValueError, match="width=0"):
        models.nin(width=0)


def test_he_init_gives_weights_of_variance_2_over_fan_in_and_zero_biases():
    torch.manual_seed(0)
    net = models.init_kaiming(models.nin())
    first = net[2][0]  # 96 -> 256 channels, 5x5: fan-in 2,400
    assert abs(first.weight.var().item() - 2 / 2400) < 0.02 * 2 / 2400
    assert all((m.bias == 0).all() for m in net.modules() if isinstance(m, nn.Conv2d))
