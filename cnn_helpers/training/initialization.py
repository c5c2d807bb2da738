"""The weights ``fit`` starts from: the book's Xavier init, or PyTorch's own, drawn anew."""

from __future__ import annotations

from typing import Callable

from torch import nn
from torch.nn.parameter import is_lazy


def init_default(net: nn.Module) -> nn.Module:
    """PyTorch's own initialization, drawn anew: every layer's ``reset_parameters``.

    A net's biases are drawn when it is built, before ``fit`` sees its
    seed; drawing them again here is what makes ``fit(..., seed=0)``
    repeat exactly, whatever the random state was when the net was made.
    """
    for module in net.modules():
        own = list(module.parameters(recurse=False))
        if hasattr(module, "reset_parameters") and not any(map(is_lazy, own)):
            module.reset_parameters()
    return net


def init_xavier(net: nn.Module) -> nn.Module:
    """The book's init: Xavier-uniform weights for every Linear and Conv2d layer.

    The rest (biases, batch-norm scales) gets PyTorch's own init, drawn anew.
    """
    init_default(net)
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)) and not is_lazy(module.weight):
            nn.init.xavier_uniform_(module.weight)
    return net


INITIALIZERS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "xavier": init_xavier,  # what d2l.train_ch6 does
    "default": init_default,  # PyTorch's own (Kaiming-uniform) initialization
}
