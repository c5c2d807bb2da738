"""Which pooling the course's nets use (notes, chapter 2): ``pooling_census``.

"Max pooling is used today": counted on the nets of chapters 3-10, with the
layers that shrink feature maps without pooling (strided convolutions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from cnn_helpers import models
from cnn_helpers.core.claims import claim

# The nets of chapters 3-10, built narrow (the count of pooling layers does not depend on width).
CENSUS: dict[str, Callable[[], nn.Module]] = {
    "LeNet (the book's)": lambda: models.lenet(),
    "AlexNet": lambda: models.alexnet(0.125, 68),
    "VGG-11": lambda: models.vgg(width=0.125, image_size=32, hidden=16),
    "NiN": lambda: models.nin(0.125, 68),
    "GoogLeNet": lambda: models.googlenet(0.125),
    "ResNet-18": lambda: models.resnet18(0.125),
    "DenseNet": lambda: models.densenet(0.125),
}


@dataclass(frozen=True)
class PoolingCount:
    """How one net shrinks its feature maps."""

    net: str
    max_pooling: int  # nn.MaxPool2d layers
    average_pooling: int  # nn.AvgPool2d layers (a window, not global)
    global_average: int  # nn.AdaptiveAvgPool2d layers (the head)
    strided_convolutions: int  # convolutions with stride > 1: shrinking without pooling


def pooling_census(nets: dict[str, Callable[[], nn.Module]] | None = None) -> list[PoolingCount]:
    """Count the pooling layers and strided convolutions of each net (default ``CENSUS``)."""
    counts = []
    for name, build in (CENSUS if nets is None else nets).items():
        layers = list(build().modules())
        counts.append(PoolingCount(
            name, sum(isinstance(m, nn.MaxPool2d) for m in layers),
            sum(isinstance(m, nn.AvgPool2d) for m in layers),
            sum(isinstance(m, nn.AdaptiveAvgPool2d) for m in layers),
            sum(isinstance(m, nn.Conv2d) and max(m.stride) > 1 for m in layers)))
    return counts


def check_pooling_census(counts: list[PoolingCount] | None = None) -> list[PoolingCount]:
    """Print ``pooling_census`` as a table and check what it says about "max pooling is used today".

    Every net after the book's LeNet shrinks with max pooling (ResNet and DenseNet only in the
    stem); every net from NiN on ends with global average pooling; ResNet-18 has more stride-2
    convolutions than max poolings. One ``claim`` (``ClaimFailed`` when it does not hold); returns the counts.
    """
    counts = pooling_census() if counts is None else counts
    print(f"{'':<20}{'max pool':>9}{'avg pool':>9}{'global avg':>11}{'strided conv':>14}")
    for c in counts:
        print(f"{c.net:<20}{c.max_pooling:>9}{c.average_pooling:>9}{c.global_average:>11}"
              f"{c.strided_convolutions:>14}")
    by_name = {c.net: c for c in counts}
    after_lenet = [c for c in counts if not c.net.startswith("LeNet")]
    resnet = by_name["ResNet-18"]
    claim(all(c.max_pooling >= 1 for c in after_lenet)
          and all(by_name[name].global_average == 1 for name in ("NiN", "GoogLeNet", "ResNet-18", "DenseNet"))
          and resnet.strided_convolutions > resnet.max_pooling,
          f"max pooling in all {len(after_lenet)} nets after LeNet (in ResNet and DenseNet "
          "only once, in the stem); global average pooling ends NiN, GoogLeNet, ResNet and DenseNet; "
          f"ResNet-18 has {resnet.strided_convolutions} stride-2 convolutions (the stem's, and in three "
          f"modules a block's first convolution and its 1x1 shortcut) against {resnet.max_pooling} max pooling")
    return counts
