"""NiN as the notes describe it (section 6): the block, the model, its parameters, GAP, profiles."""

import pytest
import torch
from torch import nn

from cnn_helpers import corr2d_multi_in_out_1x1, models, settings, training
from cnn_helpers.chapters.ch06_nin import exercises
from cnn_helpers.core import data
from cnn_helpers.core.profiles import PROFILE_NAMES


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


def test_a_1x1_convolution_is_a_fully_connected_layer_on_every_pixel():
    torch.manual_seed(0)
    convolution = nn.Conv2d(6, 4, kernel_size=1)
    dense = nn.Linear(6, 4)
    dense.weight.data = convolution.weight.data.reshape(4, 6)
    dense.bias.data = convolution.bias.data
    X = torch.randn(2, 6, 5, 7)
    per_pixel = dense(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # pixels as samples
    assert torch.allclose(convolution(X), per_pixel, atol=1e-6)
    # chapter 1's from-scratch version, as a matrix product
    assert torch.allclose(corr2d_multi_in_out_1x1(X[0], convolution.weight) + convolution.bias[:, None, None],
                          convolution(X)[0], atol=1e-5)


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


def test_he_init_keeps_the_signal_through_three_blocks_where_xavier_shrinks_it():
    digits = data.load_fallback_digits().train_images[:64]
    X = nn.functional.interpolate(digits, size=(68, 68), mode="bilinear")

    def size_after_third_block(init, width):
        torch.manual_seed(0)
        net = init(models.nin(width, 68)).eval()
        with torch.no_grad():
            return net[:5](X).pow(2).mean().sqrt().item()

    for width in (0.125, 0.25):
        assert (size_after_third_block(models.init_kaiming, width)
                > 3 * size_after_third_block(training.init_xavier, width))


def test_every_profile_has_nin_settings_that_build_a_model():
    for profile in PROFILE_NAMES:
        run = settings("nin", profile)
        net = models.build("nin", width=run.width, image_size=run.resize)
        assert models.layer_shapes(net, (1, 1, run.resize, run.resize))[-1][1] == (1, 10)
    full = settings("nin", "full")
    assert (full.epochs, full.lr, full.batch_size, full.resize, full.width) == (10, 0.1, 128, 224, 1.0)
    assert full.lr > settings("alexnet", "full").lr  # NiN's learning rate is larger


def test_smoke_profile_trains_resized_digits_and_the_loss_falls():
    run = settings("nin", "smoke")
    part = data.load_fallback_digits().subset(run.train_examples, run.test_examples)
    torch.manual_seed(0)
    net = models.init_kaiming(models.nin(run.width, run.resize))
    history = training.fit(net, part.train, part.test, run.epochs, run.lr, batch_size=run.batch_size,
                           device="cpu", seed=0, init=None, live=False, resize=run.resize)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 9_312, 9_216),
    (exercises.exercise_2, 34_790, 34_570),
    (exercises.exercise_3, 67, 35),
    (exercises.exercise_4, 96_010, 96_000),
    (exercises.exercise_5, "a", "b"),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
