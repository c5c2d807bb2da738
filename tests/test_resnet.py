"""ResNet as the notes describe it (section 9): the residual block, ResNet-18, why shortcuts help."""

import pytest
import torch
from torch import nn

from cnn_helpers import models, settings, training
from cnn_helpers.chapters.ch09_resnet import exercises
from cnn_helpers.core import data
from cnn_helpers.core.profiles import PROFILE_NAMES


def test_a_residual_block_keeps_the_shape_or_halves_it_with_a_1x1_shortcut():
    X = torch.rand(4, 3, 6, 6)
    assert models.Residual(3, 3)(X).shape == (4, 3, 6, 6)
    block = models.Residual(3, 6, use_1x1conv=True, strides=2)
    assert block(X).shape == (4, 6, 3, 3) and block.conv3.kernel_size == (1, 1)


def test_a_block_that_changes_the_shape_without_a_1x1_shortcut_is_refused():
    with pytest.raises(ValueError, match="needs use_1x1conv=True"):
        models.Residual(3, 6)


def test_the_block_adds_its_input_before_the_last_relu():
    torch.manual_seed(0)
    block = models.Residual(4, 4).eval()
    X = torch.randn(2, 4, 5, 5)
    inner = block.bn2(block.conv2(nn.functional.relu(block.bn1(block.conv1(X)))))
    assert torch.allclose(block(X), nn.functional.relu(inner + X))
    nn.init.zeros_(block.bn2.weight)  # F(X) = 0: the block passes its (non-negative) input on
    assert torch.allclose(block(X.relu()), X.relu())


def test_resnet18_has_18_weighted_layers_and_11178378_parameters():
    net = models.resnet18()
    convolutions = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert sum(m.kernel_size != (1, 1) for m in convolutions) == 17  # + 1 fully connected = 18
    assert sum(m.kernel_size == (1, 1) for m in convolutions) == 3  # the shortcuts
    assert models.count_parameters(net) == 11_178_378
    shapes = [s for _, s in models.layer_shapes(net, (1, 1, 96, 96))]
    assert shapes == [(1, 64, 24, 24), (1, 64, 24, 24), (1, 128, 12, 12), (1, 256, 6, 6),
                      (1, 512, 3, 3), (1, 512, 1, 1), (1, 512), (1, 10)]


@pytest.mark.parametrize("size", [32, 96, 224])
def test_global_average_pooling_lets_resnet18_take_any_size(size):
    net = models.resnet18(width=0.125).eval()
    assert net(torch.zeros(2, 1, size, size)).shape == (2, 10)


def test_the_gradient_reaching_the_first_layer_survives_depth_only_with_shortcuts():
    """Without batch norm, a plain stack's gradient vanishes with depth; a residual stack's does not."""
    class Plain(nn.Module):
        def __init__(self, channels, shortcut):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
            self.shortcut = shortcut

        def forward(self, X):
            Y = self.conv2(nn.functional.relu(self.conv1(X)))
            return nn.functional.relu(Y + X if self.shortcut else Y)

    def first_gradient(depth, shortcut):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1),
                            *[Plain(8, shortcut) for _ in range(depth)],
                            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
        X, y = torch.rand(16, 1, 12, 12), torch.arange(16) % 10
        nn.functional.cross_entropy(net(X), y).backward()
        return net[0].weight.grad.norm().item()

    assert first_gradient(16, shortcut=False) < 1e-6 * first_gradient(1, shortcut=False)
    assert first_gradient(16, shortcut=True) > 0.1 * first_gradient(1, shortcut=True)


def test_every_profile_has_resnet_settings_that_build_a_model():
    for profile in PROFILE_NAMES:
        run = settings("resnet", profile)
        net = models.resnet18(run.width).eval()
        assert net(torch.zeros(1, 1, run.resize, run.resize)).shape == (1, 10)
    full = settings("resnet", "full")
    assert (full.epochs, full.lr, full.batch_size, full.resize, full.width) == (10, 0.05, 256, 96, 1.0)


def test_smoke_profile_trains_and_the_loss_falls():
    run = settings("resnet", "smoke")
    part = data.load_fallback_digits().subset(run.train_examples, run.test_examples)
    history = training.fit(models.resnet18(run.width), part.train, part.test, run.epochs, run.lr,
                           batch_size=run.batch_size, device="cpu", seed=0, live=False,
                           resize=run.resize)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, (128, 12, 12), (128, 24, 24)),
    (exercises.exercise_2, 18, 21),
    (exercises.exercise_3, 512, 25088),
    (exercises.exercise_4, 172_928, 172_480),
    (exercises.exercise_5, 0, -3),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None


def test_resnet18_takes_images_down_to_one_pixel_because_every_stride_pads():
    # the notes' chapter used to say "any size of at least 32"; the true minimum is 1
    assert models.smallest_input(models.resnet18(0.125)) == 1
    assert models.smallest_input(models.nin(0.125, 68)) == models.NIN_MIN_SIZE == 67


def test_smallest_input_says_when_no_size_fits():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 30 * 30, 10))  # 32x32 only
    assert models.smallest_input(net, largest=40) == 32
    with pytest.raises(ValueError, match="no square image"):
        models.smallest_input(net, largest=20)


def test_module_depth_is_a_free_choice_resnet34_has_34_weighted_layers():
    net = models.resnet34(0.25)
    convolutions = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert sum(m.kernel_size != (1, 1) for m in convolutions) + 1 == 34
    assert models.count_parameters(models.resnet34()) > 1.9 * models.count_parameters(models.resnet18())
    with pytest.raises(ValueError, match="4 modules"):
        models.resnet((2, 2, 2))


def test_with_batch_norm_the_plain_stacks_gradient_does_not_vanish():
    plain_bn = [models.first_layer_gradient(d, shortcut=False, batch_norm=True) for d in (1, 16)]
    plain = [models.first_layer_gradient(d, shortcut=False) for d in (1, 16)]
    assert plain[1] < 1e-6 * plain[0]          # without batch norm it vanishes
    assert plain_bn[1] > 0.1 * plain_bn[0]     # with batch norm it does not
