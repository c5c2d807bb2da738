"""Pooling against over-fitting (notes 2.4): LeNet with and without its two pooling layers.

The notes say pooling compresses the features, so the layers after it need
fewer parameters, and so the model is less complex and over-fits less. The
test: chapter 3's LeNet (the notes' variant: max pooling, ReLU) as it is, and
the same net with its two 2x2 poolings removed. Without them the second
convolution's maps stay 24x24 instead of shrinking to 5x5, so the first dense
layer takes 16 x 24 x 24 = 9,216 features instead of 400: 1.1 million
parameters where LeNet has 62 thousand. Everything else is the same.
``overfitting.train_alike`` trains both on few images for many epochs.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from cnn_helpers import models

WITH, WITHOUT = "with pooling", "without pooling"


def without_pooling(net: nn.Sequential) -> nn.Sequential:
    """``net`` (a LeNet, N x 1 x 28 x 28 -> N x 10) with its poolings removed, the dense layer widened.

    Each pooling layer becomes ``nn.Identity``; the first ``nn.Linear`` is
    rebuilt for the larger flattened input (16 x 24 x 24 for LeNet). The
    other layers are ``net``'s own modules, shared.

    Raises:
        ValueError: when ``net`` has no pooling layer or no dense layer after its flatten.
    """
    pooled = (nn.MaxPool2d, nn.AvgPool2d)
    if not any(isinstance(layer, pooled) for layer in net):
        raise ValueError("the net has no MaxPool2d or AvgPool2d layer to remove")
    layers = [nn.Identity() if isinstance(layer, pooled) else layer for layer in net]
    flatten = next((i for i, layer in enumerate(layers) if isinstance(layer, nn.Flatten)), None)
    dense = next((i for i, layer in enumerate(layers)
                  if isinstance(layer, nn.Linear) and flatten is not None and i > flatten), None)
    if dense is None:
        raise ValueError("the net has no nn.Linear after an nn.Flatten to widen")
    features = models.layer_shapes(nn.Sequential(*layers[:dense]), (1, 1, 28, 28))[-1][1]
    layers[dense] = nn.Linear(features[-1], layers[dense].out_features)
    return nn.Sequential(*layers)


def pooling_variants(build: Callable[[], nn.Sequential] | None = None
                     ) -> dict[str, Callable[[], nn.Module]]:
    """The two nets to compare: {"with pooling": LeNet, "without pooling": the same without}.

    ``build`` makes the LeNet (None: ``models.lenet("max", "relu")``, the notes' variant).
    """
    build = build or (lambda: models.lenet("max", "relu"))
    return {WITH: build, WITHOUT: lambda: without_pooling(build())}
