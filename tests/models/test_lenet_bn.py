"""LeNet with batch normalization (notes section 8): the book's layers, where batch norm sits,
its extra parameters."""

from torch import nn

from cnn_helpers import models
from cnn_helpers.ops.batch_norm import BatchNorm


def books_lenet_bn_concise():
    """The book's concise LeNet with batch norm (d2l-zh 7.5.4), written out."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))


def test_concise_lenet_bn_is_the_books_layer_for_layer():
    assert str(models.lenet_bn("pytorch")) == str(books_lenet_bn_concise())


def test_batch_norm_sits_after_each_convolution_and_hidden_layer_before_the_sigmoid():
    net = models.lenet_bn()
    kinds = [type(m).__name__ for m in net]
    norms = [i for i, k in enumerate(kinds) if k == "BatchNorm"]
    assert [kinds[i - 1] for i in norms] == ["Conv2d", "Conv2d", "Linear", "Linear"]
    assert all(kinds[i + 1] == "Sigmoid" for i in norms)
    assert [net[i].num_dims for i in norms] == [4, 4, 2, 2]
    assert [net[i].num_features for i in norms] == [6, 16, 120, 84]
    assert kinds[-1] == "Linear"  # no batch norm on the output layer


def test_lenet_bn_shapes_and_its_452_extra_parameters_gamma_and_beta():
    shapes = [s for _, s in models.layer_shapes(models.lenet_bn(), (2, 1, 28, 28))]
    assert shapes[0] == (2, 6, 24, 24) and shapes[3] == (2, 6, 12, 12)
    assert shapes[7] == (2, 16, 4, 4) and shapes[8] == (2, 256) and shapes[-1] == (2, 10)
    extra = 2 * (6 + 16 + 120 + 84)  # a gamma and a beta per channel or feature
    without = models.count_parameters(nn.Sequential(
        *[m for m in models.lenet_bn() if not isinstance(m, BatchNorm)]))
    assert models.count_parameters(models.lenet_bn()) == without + extra == 44_426 + 452
    assert models.count_parameters(models.lenet_bn("pytorch")) == without + extra
