"""What several model families share: narrower nets by ``width``, named choices, He init.

The class profile trains every net of chapters 4-10 narrower than the book's
(``scaled``); LeNet and LeNet-BN pick their layers by name (``_choice``); NiN
and He et al.'s CIFAR nets start from He initialization (``init_kaiming``).
"""

from __future__ import annotations

from torch import nn


def _choice(table: dict, name: str, what: str):
    if name not in table:
        raise ValueError(f"{what}={name!r}: choose one of {', '.join(table)}")
    return table[name]


def scaled(channels: int, width: float) -> int:
    """``channels`` times ``width``, at least 1: the narrower nets of the class profile."""
    if not width > 0:
        raise ValueError(f"width={width}: it multiplies channel counts, so it must be > 0")
    return max(1, round(channels * width))


def init_kaiming(net: nn.Module) -> nn.Module:
    """He (Kaiming) initialization for ReLU nets: normal weights of variance 2 / fan-in, zero biases.

    A ReLU zeroes about half of its inputs, so each layer's weights need twice
    the variance that would keep the signal's size; He et al. (2015) give
    exactly that. NiN stacks 12 ReLU convolutions: under the book's Xavier
    init its class scores start nearly equal and it sits at chance for a
    long time on a small data set -- an effect of the initialization, which
    chapter 6 measures, not of NiN's design. Call it before
    ``fit(..., init=None)``.
    """
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return net
