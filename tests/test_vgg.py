"""VGG as the notes describe it (section 5): the VGG block, VGG-11, and why small kernels pay."""

import pytest
import torch
from torch import nn

from cnn_helpers import models, receptive_field, settings, training
from cnn_helpers.chapters.ch05_vgg import exercises
from cnn_helpers.core import data
from cnn_helpers.core.profiles import PROFILE_NAMES


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


def test_two_3x3_convolutions_see_5x5_with_fewer_parameters_than_one_5x5():
    channels = 64
    stacked = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                            nn.Conv2d(channels, channels, 3, padding=1, bias=False))
    single = nn.Conv2d(channels, channels, 5, padding=2, bias=False)
    assert receptive_field(stacked, 32)[-1].size == receptive_field(single, 32)[-1].size == (5, 5)
    assert models.count_parameters(stacked) == 18 * channels**2 < models.count_parameters(single)
    three = nn.Sequential(*[nn.Conv2d(channels, channels, 3, padding=1, bias=False) for _ in range(3)])
    assert receptive_field(three, 32)[-1].size == (7, 7)
    assert models.count_parameters(three) == 27 * channels**2 < 49 * channels**2


@pytest.mark.parametrize("size", [16, 100])
def test_an_image_the_five_blocks_cannot_halve_is_a_clear_error(size):
    with pytest.raises(ValueError, match="multiple of 32"):
        models.vgg(image_size=size)


def test_every_profile_has_vgg_settings_that_build_a_model():
    for profile in PROFILE_NAMES:
        run = settings("vgg", profile)
        net = models.vgg(width=run.width, image_size=run.resize, hidden=run.hidden)
        assert models.layer_shapes(net, (1, 1, run.resize, run.resize))[-1][1] == (1, 10)
    full = settings("vgg", "full")
    assert (full.width, full.hidden, full.lr, full.batch_size, full.resize) == (0.25, 4096, 0.05, 128, 224)


def test_smoke_profile_trains_and_the_loss_falls():
    run = settings("vgg", "smoke")
    part = data.load_fallback_digits().subset(run.train_examples, run.test_examples)
    net = models.vgg(width=run.width, image_size=run.resize, hidden=run.hidden)
    history = training.fit(net, part.train, part.test, run.epochs, run.lr,
                           batch_size=run.batch_size, device="cpu", seed=0, live=False,
                           resize=run.resize)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, (128, 28, 28), (128, 56, 56)),
    (exercises.exercise_2, (8, 3), (11, 0)),
    (exercises.exercise_3, 27, 49),
    (exercises.exercise_4, 32, 224),
    (exercises.exercise_5, (1, 4), (4, 4)),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
