"""AlexNet as the notes describe it (section 4): layers, shapes, parameters, cost."""

import pytest
import torch
from torch import nn

from cnn_helpers import models


def books_alexnet():
    """The book's PyTorch code (d2l-zh, section 7.1), written out: d2l 1.0.3 ships no AlexNet."""
    return nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 10))


def test_full_alexnet_is_the_books_layer_for_layer():
    assert str(models.alexnet()) == str(books_alexnet())


def test_five_convolutions_two_hidden_layers_and_one_output_layer():
    net = models.alexnet()
    convolutions = [m for m in net if isinstance(m, nn.Conv2d)]
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [c.kernel_size[0] for c in convolutions] == [11, 5, 3, 3, 3]
    assert [c.out_channels for c in convolutions] == [96, 256, 384, 384, 256]
    assert [layer.out_features for layer in linears] == [4096, 4096, 10]
    pools_after = [i for i, m in enumerate(net) if isinstance(m, nn.MaxPool2d)]
    conv_index = [i for i, m in enumerate(net) if isinstance(m, nn.Conv2d)]
    assert pools_after == [conv_index[0] + 2, conv_index[1] + 2, conv_index[4] + 2]


def test_a_224_image_walks_to_6400_features_and_10_scores():
    shapes = [s for _, s in models.layer_shapes(models.alexnet(), (1, 1, 224, 224))]
    assert shapes[0] == (1, 96, 54, 54) and shapes[2] == (1, 96, 26, 26)
    assert shapes[5] == (1, 256, 12, 12) and shapes[12] == (1, 256, 5, 5)
    assert shapes[13] == (1, 6400) and shapes[-1] == (1, 10)


def test_alexnet_has_46764746_parameters_mostly_in_its_fully_connected_layers():
    rows = models.multiply_adds(models.alexnet(), (1, 1, 224, 224))
    total = sum(parameters for _, parameters, _ in rows)
    assert total == models.count_parameters(models.alexnet()) == 46_764_746
    dense = sum(p for name, p, _ in rows if name == "Linear")
    work = sum(w for *_, w in rows)
    conv_work = sum(w for name, _, w in rows if name == "Conv2d")
    assert dense / total > 0.9 and conv_work / work > 0.9  # weights in FC, arithmetic in conv
    assert rows[0] == ("Conv2d", 96 * 121 + 96, 54 * 54 * 96 * 121)


def test_shapes_and_arithmetic_are_counted_in_the_nets_own_float_type():
    """The zero input follows the net (float64 here; bf16, or a GPU, elsewhere) (issue 14)."""
    net = models.alexnet(0.125, 96).double()
    assert models.layer_shapes(net, (1, 1, 96, 96))[-1] == ("Linear", (1, 10))
    rows = models.multiply_adds(net, (1, 1, 96, 96))
    assert rows == models.multiply_adds(models.alexnet(0.125, 96), (1, 1, 96, 96))


@pytest.mark.parametrize("width, size, flat", [(0.25, 96, 64), (0.125, 68, 32), (0.5, 224, 3200)])
def test_width_and_image_size_give_narrower_nets_with_the_right_flatten(width, size, flat):
    net = models.alexnet(width, size)
    shapes = models.layer_shapes(net, (2, 1, size, size))
    assert shapes[13] == ("Flatten", (2, flat)) and shapes[-1][1] == (2, 10)


def test_too_small_an_image_or_width_is_a_clear_error():
    with pytest.raises(ValueError, match="too small for AlexNet.*at least 65"):
        models.alexnet(image_size=64)
    models.alexnet(width=0.125, image_size=65)  # the smallest that works
    with pytest.raises(ValueError, match="width=0"):
        models.alexnet(width=0)


def test_dropout_zeroes_or_doubles_in_training_and_does_nothing_when_predicting():
    net = models.alexnet(0.125, 68)
    dropout = net[-2]
    ones = torch.ones(10_000)
    out = dropout.train()(ones)
    assert set(out.unique().tolist()) == {0.0, 2.0} and abs(out.mean().item() - 1) < 0.05
    assert torch.equal(dropout.eval()(ones), ones)
