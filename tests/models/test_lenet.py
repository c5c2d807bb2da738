"""LeNet (notes section 3): shapes, both poolings, the modern variant, d2l's layers."""

import pytest
import torch
from torch import nn

from cnn_helpers import models

EXPECTED_SHAPES = [
    ("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("AvgPool2d", (1, 6, 14, 14)),
    ("Conv2d", (1, 16, 10, 10)), ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)),
    ("Flatten", (1, 400)), ("Linear", (1, 120)), ("Sigmoid", (1, 120)),
    ("Linear", (1, 84)), ("Sigmoid", (1, 84)), ("Linear", (1, 10)),
]


def test_books_lenet_walks_a_28x28_image_to_10_scores():
    assert models.layer_shapes(models.lenet()) == EXPECTED_SHAPES


def test_notes_max_pooling_and_modern_relu_variants_differ_only_in_those_layers():
    notes, modern = models.lenet("max", "sigmoid"), models.lenet("max", "relu")
    assert [type(m) for m in notes].count(nn.MaxPool2d) == 2
    assert [type(m) for m in modern].count(nn.ReLU) == 4
    assert models.count_parameters(notes) == models.count_parameters(modern) == 61_706
    assert [shape for _, shape in models.layer_shapes(notes)] == [s for _, s in EXPECTED_SHAPES]


def test_matches_d2l_lenet_layer_for_layer():
    from d2l import torch as d2l

    ours = models.lenet()
    theirs = d2l.LeNet()
    theirs(torch.zeros(1, 1, 28, 28))  # materialise d2l's lazy layers
    assert [type(m) for m in ours] == [type(m) for m in theirs.net]
    assert models.count_parameters(theirs) == 61_706


def test_unknown_choices_are_refused_with_the_options():
    with pytest.raises(ValueError, match="avg, max"):
        models.lenet(pooling="median")
    with pytest.raises(ValueError, match="sigmoid, relu"):
        models.lenet(activation="tanh")
