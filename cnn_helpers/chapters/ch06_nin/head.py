"""NiN's head against the dense head it replaced (notes 6.2, 2.3): does it memorize less?

The notes say global average pooling, by dropping the fully connected layers'
parameters, eases over-fitting -- and sometimes lengthens the training a
useful model needs. The chapter's own NiN cannot show it in the class
profile: at 68x68 its last block's maps are 1x1, so its "global average" is
one pixel. These two nets are built from the chapter's ``nin_block`` for
28x28 images, with the same body -- two NiN blocks, each followed by 3x3
stride-2 max pooling, then dropout -- and differ only in the head:

* "global average pooling" (NiN's): a NiN block with one channel per class,
  then the average of each 6x6 map is that class's score;
* "fully connected" (AlexNet's and VGG's): flatten the body's maps, a dense
  layer of 256 units with a ReLU, a dense layer to the classes.

Lin, Chen and Yan (2013, section 4.6) made the same swap on CIFAR-10 and
report a lower test error with global average pooling than with a fully
connected layer on the same mlpconv layers.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from cnn_helpers import models
from cnn_helpers.models.common import scaled

GAP, DENSE = "global average pooling", "fully connected"


def head_variants(width: float = 0.25, num_classes: int = 10,
                  block: Callable[..., nn.Module] | None = None
                  ) -> dict[str, Callable[[], nn.Module]]:
    """The two nets to compare, as builders: {"global average pooling": ..., "fully connected": ...}.

    Each takes N x 1 x 28 x 28 images to N x ``num_classes`` scores and is
    He-initialized (``models.init_kaiming``), as the chapter's NiN is.

    Args:
        width: multiplies NiN's first two channel counts (96, 256): 24 and 64 at 0.25.
        num_classes: the classes to score.
        block: the NiN block to build from, ``nin_block``'s signature (None:
            ``models.nin_block``; the chapter passes the ``nin_block`` of its cell).

    Raises:
        ValueError: for a width <= 0.
    """
    block = block or models.nin_block
    c1, c2 = scaled(96, width), scaled(256, width)

    def body() -> list[nn.Module]:
        return [block(1, c1, kernel_size=5, stride=1, padding=2),   # N x c1 x 28 x 28
                nn.MaxPool2d(kernel_size=3, stride=2),                # N x c1 x 13 x 13
                block(c1, c2, kernel_size=3, stride=1, padding=1),    # N x c2 x 13 x 13
                nn.MaxPool2d(kernel_size=3, stride=2),                # N x c2 x 6 x 6
                nn.Dropout(0.5)]

    def gap() -> nn.Module:
        return models.init_kaiming(nn.Sequential(
            *body(),
            block(c2, num_classes, kernel_size=3, stride=1, padding=1),  # N x 10 x 6 x 6
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()))                # N x 10

    def dense() -> nn.Module:
        return models.init_kaiming(nn.Sequential(
            *body(),
            nn.Flatten(),                                               # N x (c2 * 36)
            nn.Linear(c2 * 6 * 6, 256), nn.ReLU(),                      # N x 256
            nn.Linear(256, num_classes)))                               # N x 10

    return {GAP: gap, DENSE: dense}
