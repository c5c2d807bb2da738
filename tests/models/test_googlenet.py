"""GoogLeNet as the notes describe it (section 7): the Inception block and the model."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from cnn_helpers import models


class BooksInception(nn.Module):
    """The book's PyTorch code (d2l-zh, section 7.4), written out."""

    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)


def books_googlenet():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(),
                       nn.Conv2d(64, 192, kernel_size=3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b3 = nn.Sequential(BooksInception(192, 64, (96, 128), (16, 32), 32),
                       BooksInception(256, 128, (128, 192), (32, 96), 64),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b4 = nn.Sequential(BooksInception(480, 192, (96, 208), (16, 48), 64),
                       BooksInception(512, 160, (112, 224), (24, 64), 64),
                       BooksInception(512, 128, (128, 256), (24, 64), 64),
                       BooksInception(512, 112, (144, 288), (32, 64), 64),
                       BooksInception(528, 256, (160, 320), (32, 128), 128),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b5 = nn.Sequential(BooksInception(832, 256, (160, 320), (32, 128), 128),
                       BooksInception(832, 384, (192, 384), (48, 128), 128),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))




def test_full_googlenet_is_the_books_layer_for_layer():
    ours, book = models.googlenet(), books_googlenet()
    assert str(ours).replace("Inception", "BooksInception") == str(book)
    ours.load_state_dict(book.state_dict())  # same names and shapes: the book's weights load
    X = torch.rand(2, 1, 96, 96)
    with torch.no_grad():
        assert torch.allclose(ours(X), book(X), atol=1e-5)


def test_a_96_image_walks_through_five_modules_to_10_scores():
    shapes = [s for _, s in models.layer_shapes(models.googlenet(), (1, 1, 96, 96))]
    assert shapes == [(1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6), (1, 832, 3, 3),
                      (1, 1024), (1, 10)]


def test_the_modules_are_joined_by_3x3_stride_2_max_pooling():
    net = models.googlenet()
    assert [type(module[-1]) for module in net[:4]] == [nn.MaxPool2d] * 4
    assert all(m[-1].kernel_size == 3 and m[-1].stride == 2 for m in net[:4])
    first, second = net[0][0], net[1][2]
    assert (first.kernel_size, first.stride, first.out_channels) == ((7, 7), (2, 2), 64)
    assert net[1][0].kernel_size == (1, 1) and second.out_channels == 3 * 64 == 192
    assert [len([m for m in module if isinstance(m, models.Inception)]) for module in net[2:5]] \
        == [2, 5, 2]
    assert isinstance(net[4][-2], nn.AdaptiveAvgPool2d) and net[5].out_features == 10


@pytest.mark.parametrize("size", [(12, 12), (7, 7), (6, 9), (1, 1)])
def test_every_path_keeps_height_and_width(size):
    block = models.Inception(5, 2, (3, 4), (1, 3), 2)
    X = torch.rand(2, 5, *size)
    assert [tuple(out.shape) for out in block.path_outputs(X)] == [
        (2, 2, *size), (2, 4, *size), (2, 3, *size), (2, 2, *size)]


def test_the_output_is_the_four_paths_side_by_side_on_the_channels():
    torch.manual_seed(0)
    block = models.Inception(192, 64, (96, 128), (16, 32), 32)
    X = torch.rand(1, 192, 12, 12)
    with torch.no_grad():
        paths, Y = block.path_outputs(X), block(X)
    assert Y.shape == (1, 64 + 128 + 32 + 32, 12, 12) == (1, block.out_channels, 12, 12)
    assert torch.equal(Y[:, :64], paths[0]) and torch.equal(Y[:, 64:192], paths[1])
    assert torch.equal(Y[:, 192:224], paths[2]) and torch.equal(Y[:, 224:], paths[3])


@pytest.mark.parametrize("size", [28, 32, 96, 224])
def test_global_average_pooling_lets_googlenet_take_any_size(size):
    net = models.googlenet(width=0.125).eval()
    assert net(torch.zeros(1, 1, size, size)).shape == (1, 10)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"c2=\(96,\): give the pair"):
        models.Inception(192, 64, (96,), (16, 32), 32)
    with pytest.raises(ValueError, match="c1=0"):
        models.Inception(192, 0, (96, 128), (16, 32), 32)
    with pytest.raises(ValueError, match="image_size=0"):
        models.googlenet(image_size=0)
    with pytest.raises(ValueError, match="num_classes=0"):
        models.googlenet(num_classes=0)
    with pytest.raises(ValueError, match="width=0"):
        models.googlenet(width=0)
