"""Activation memory (chapters 10 and 11): what training keeps for the backward pass."""

import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.ch10_densenet import memory


def test_saved_bytes_count_each_storage_once_and_leave_out_the_parameters():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
    X = torch.rand(2, 1, 8, 8)
    # the convolution saves its input (2x1x8x8); the ReLU its output (2x4x8x8); float32
    assert memory.saved_tensor_bytes(net, X) == (2 * 64 + 2 * 4 * 64) * 4
    assert memory.activation_bytes(net, 8) == (64 + 4 * 64) * 4
    net.eval()
    memory.saved_tensor_bytes(net, X)
    assert not net.training  # put back in the mode it was in


def test_activation_memory_grows_in_proportion_to_the_batch_but_for_batch_norms_statistics():
    net = models.resnet18(0.125)
    two, four, eight = (memory.saved_tensor_bytes(net, torch.rand(n, 1, 28, 28)) for n in (2, 4, 8))
    assert eight - four == 2 * (four - two)  # every image adds the same bytes
    assert eight == pytest.approx(4 * two, rel=0.1)  # a small part per channel, not per image


def test_a_dense_blocks_saved_bytes_grow_faster_than_its_units():
    rows = memory.check_dense_block_growth(units=(1, 2, 4), in_channels=8, growth_rate=4, size=8)
    (_, one), (_, two), (_, four) = rows
    assert two > 2 * one and four > 2 * two


def test_densenet_has_fewer_parameters_but_more_activation_memory_than_resnet18():
    ratio = memory.check_concatenation_memory(
        memory.memory_row("DenseNet", models.densenet(0.25), 32),
        memory.memory_row("ResNet-18", models.resnet18(0.25), 32))
    assert ratio > 1


def test_the_check_fails_when_the_dense_net_needs_less_memory():
    small = memory.MemoryRow("DenseNet", 32, 100, 10)
    with pytest.raises(AssertionError):
        memory.check_concatenation_memory(small, memory.MemoryRow("ResNet-18", 32, 1000, 20))
