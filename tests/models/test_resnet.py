"""ResNet as the notes describe it (section 9): the residual block, ResNet-18, why shortcuts help."""

import pytest
import torch
from torch import nn

from cnn_helpers import models


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
    gradient = models.first_layer_gradient
    assert gradient(16, shortcut=False) < 1e-6 * gradient(1, shortcut=False)
    assert gradient(16, shortcut=True) > 0.1 * gradient(1, shortcut=True)


# models.first_layer_gradient(depth, shortcut) as computed before the block was shared (commit
# 088af56: models.py's own Block and comparison.py's _TwoConvolutions gave these same floats)
FIRST_LAYER_GRADIENTS = {
    (1, False): 0.0003633728774730116, (1, True): 0.025694774463772774,
    (4, False): 6.780974786124716e-07, (4, True): 0.04658937454223633,
    (16, False): 5.572276967454788e-18, (16, True): 0.08707636594772339,
}


@pytest.mark.parametrize("depth, shortcut", list(FIRST_LAYER_GRADIENTS))
def test_first_layer_gradient_built_from_residual_blocks_gives_the_old_numbers(depth, shortcut):
    expected = FIRST_LAYER_GRADIENTS[depth, shortcut]
    assert models.first_layer_gradient(depth, shortcut) == pytest.approx(expected, rel=1e-5)
    assert models.first_layer_gradient(depth, shortcut, norm_layer=nn.Identity) \
        == models.first_layer_gradient(depth, shortcut)


def test_batch_norm_as_an_argument_or_a_norm_layer_is_the_same_stack():
    assert models.first_layer_gradient(4, False, batch_norm=True) \
        == models.first_layer_gradient(4, False, norm_layer=nn.BatchNorm2d)
    with pytest.raises(ValueError, match="not both"):
        models.first_layer_gradient(4, False, batch_norm=True, norm_layer=nn.BatchNorm2d)


def test_the_plain_block_is_the_residual_block_with_nothing_added_back():
    torch.manual_seed(0)
    plain = models.Residual(3, 6, strides=2, shortcut=False).eval()
    X = torch.randn(2, 3, 6, 6)
    inner = plain.bn2(plain.conv2(nn.functional.relu(plain.bn1(plain.conv1(X)))))
    assert plain.conv3 is None and torch.equal(plain(X), nn.functional.relu(inner))
    with pytest.raises(ValueError, match="plain block"):
        models.Residual(3, 6, use_1x1conv=True, shortcut=False)


def test_norm_layer_identity_takes_batch_norm_out_of_the_block():
    block = models.Residual(4, 4, norm_layer=nn.Identity)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
    assert models.count_parameters(block) == 2 * (4 * 4 * 9 + 4)


@pytest.mark.parametrize("blocks, layers", [(1, 8), (3, 20), (9, 56)])
def test_he_et_als_cifar_nets_have_6n_plus_2_weighted_layers(blocks, layers):
    for shortcut in (False, True):
        net = models.cifar_style_net(blocks, shortcut, width=0.25)
        convolutions = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
        assert sum(m.kernel_size == (3, 3) for m in convolutions) + 1 == layers == models.weighted_layers(blocks)
        assert net(torch.rand(2, 1, 14, 14)).shape == (2, 10)


def test_the_plain_net_is_the_residual_net_without_its_shortcuts():
    plain, shortcut = models.cifar_style_net(3, False, 0.5), models.cifar_style_net(3, True, 0.5)
    shortcuts = [b.conv3 for b in shortcut.modules() if isinstance(b, models.Residual) and b.conv3 is not None]
    assert len(shortcuts) == 2  # the 1x1 convolutions where stages 2 and 3 halve the size
    extra = sum(p.numel() for conv in shortcuts for p in conv.parameters())
    assert models.count_parameters(shortcut) - models.count_parameters(plain) == extra
    assert all(not b.shortcut for b in plain.modules() if isinstance(b, models.Residual))
    with pytest.raises(ValueError, match="at least one block"):
        models.cifar_style_net(0, True)


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


def test_check_shortcut_refuses_what_the_block_refuses():
    from cnn_helpers.models.resnet import check_shortcut

    check_shortcut(3, 3, False, 1, True)
    with pytest.raises(ValueError, match="needs use_1x1conv=True"):
        check_shortcut(3, 3, False, 2, True)
    with pytest.raises(ValueError, match="plain block"):
        check_shortcut(3, 6, True, 1, False)


def test_first_layer_gradient_takes_the_block_to_stack():
    assert models.first_layer_gradient(4, True, batch_norm=True, block=models.Residual) \
        == models.first_layer_gradient(4, True, batch_norm=True)
