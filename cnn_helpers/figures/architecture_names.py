"""What a layer or a block is called in the book's words (chapters 3-10), read from the module.

``layer_text`` writes one layer's box ("conv 5×5, pad 2, 6 ch");
``block_name`` names a block ("VGG block", "residual block"): by class name
from ``BLOCK_NAMES``, or by matching the course's builders (``vgg_block``,
``nin_block``, ...). Architecture figures and the network explorer's list of
layers both read them. ``figure_text`` writes them in Chinese for the figures of
``images/zh/`` (``CHINESE``: each English phrase beside its Chinese).
"""

from __future__ import annotations

import re
from typing import Callable

from torch import nn

from cnn_helpers import models


def _pair(value: int | tuple | list) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _size(value: int | tuple | list) -> str:
    h, w = _pair(value)
    return f"{h}×{w}"


def layer_text(module: nn.Module) -> tuple[str, str]:
    """(kind, text) for one layer: ``("conv", "conv 5×5, pad 2, 6 ch")``.

    Convolutions give kernel, stride and padding (when not 1 and 0) and the
    output channels; poolings their window, stride and padding; fully
    connected layers their output units. The input's channels are the shape
    drawn before the box.
    """
    if isinstance(module, nn.Conv2d):
        text = f"conv {_size(module.kernel_size)}"
        if _pair(module.stride) != (1, 1):
            text += f", stride {_pair(module.stride)[0]}"
        if isinstance(module.padding, str):
            text += f", pad {module.padding}"
        elif _pair(module.padding) != (0, 0):
            text += f", pad {_pair(module.padding)[0]}"
        return "conv", f"{text}, {module.out_channels} ch"
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        name = "max pool" if isinstance(module, nn.MaxPool2d) else "avg pool"
        text = f"{name} {_size(module.kernel_size)}, stride {_pair(module.stride)[0]}"
        if _pair(module.padding) != (0, 0):
            text += f", pad {_pair(module.padding)[0]}"
        return "pool", text
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        name = "avg" if isinstance(module, nn.AdaptiveAvgPool2d) else "max"
        size = _pair(module.output_size)
        if size == (1, 1):
            return "pool", f"global {name} pool"
        return "pool", f"adaptive {name} pool to {_size(size)}"
    if isinstance(module, nn.Linear):
        return "fc", f"fully connected, {module.out_features}"
    if isinstance(module, nn.Flatten):
        return "flatten", "flatten"
    if isinstance(module, nn.Dropout):
        return "dropout", f"dropout {module.p:g}"
    if isinstance(module, (nn.ReLU, nn.Sigmoid, nn.Tanh)):
        return "act", {nn.ReLU: "ReLU", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}[type(module)]
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) or type(module).__name__ == "BatchNorm":
        return "norm", "batch norm"
    return "other", type(module).__name__


# Names of blocks by class name: one line registers a new block (e.g. "Inception").
BLOCK_NAMES = {
    "Residual": lambda m: "residual block" + (", 1×1 conv shortcut" if m.conv3 is not None else ""),
    "DenseBlock": lambda m: f"dense block, {len(m.net)} units",
    "Inception": lambda m: "Inception block",
}


def _same_as(module: nn.Module, builder: Callable[..., nn.Module], *args: object) -> bool:
    try:
        return repr(module) == repr(builder(*args))
    except (ValueError, TypeError):
        return False


def block_name(module: nn.Module) -> str | None:
    """What ``module`` is in the book's words ("VGG block", "residual block", ...), or None.

    Sequentials are matched against the course's builders: a module is a VGG
    block when ``vgg_block`` with its numbers builds the same layers.
    """
    name = BLOCK_NAMES.get(type(module).__name__)
    if name is not None:
        return name(module) if callable(name) else name
    if not isinstance(module, nn.Sequential) or not len(module):
        return None
    convs = [m for m in module if isinstance(m, nn.Conv2d)]
    if all(type(m).__name__ == "Residual" for m in module):
        return "ResNet module"
    if not convs:
        return None
    first, last = convs[0], convs[-1]
    if _same_as(module, models.vgg_block, len(convs), first.in_channels, last.out_channels):
        return "VGG block"
    if len(convs) == 3 and _same_as(module, models.nin_block, first.in_channels, first.out_channels,
                                    first.kernel_size, first.stride, first.padding):
        return "NiN block"
    if _same_as(module, models.transition_block, first.in_channels, first.out_channels):
        return "transition layer"
    if _same_as(module, models.conv_block, first.in_channels, first.out_channels):
        return "conv block"
    return None


# What a figure writes, in Chinese (TERMINOLOGY.md's terms): each English phrase that
# ``layer_text``, ``block_name``, ``architecture_items.summary`` and the layout write, as a
# regular expression, and its Chinese; applied in this order, the longer phrases first. Numbers,
# shapes and code-like names (ReLU, sigmoid, Conv2d, 3×3) stay as they are.
CHINESE = [
    (r"residual block, 1×1 conv shortcut", "残差块，1×1 卷积捷径连接"),
    (r"residual block", "残差块"),
    (r"dense block, (\d+) units", r"稠密块，\1 个单元"),
    (r"transition layer", "过渡层"),
    (r"ResNet module", "ResNet 模块"),
    (r"\b(VGG|NiN|Inception) block", r"\1 块"),
    (r"\bconv (\d+×\d+)", r"\1 卷积"),
    (r"\bmax pool (\d+×\d+)", r"\1 最大池化"),
    (r"\bavg pool (\d+×\d+)", r"\1 平均池化"),
    (r"\bglobal avg pool\b", "全局平均池化"),
    (r"\bglobal max pool\b", "全局最大池化"),
    (r"\badaptive avg pool to\b", "自适应平均池化至"),
    (r"\badaptive max pool to\b", "自适应最大池化至"),
    (r"\bfully connected\b", "全连接层"),
    (r"\bbatch norm\b", "批量归一化"),
    (r"\bflatten\b", "展平"),
    (r"\bdropout\b", "丢弃法"),
    (r"\bstride\b", "步幅"),
    (r"\bpad\b", "填充"),
    (r"(\d+) ch\b", r"\1 通道"),
    (r"\binput\b", "输入"),
    (r"\bidentity\b", "恒等映射"),
    (r"\bconcatenate channels\b", "按通道连结"),
    (r"\bshortcut: ", "捷径连接："),
    (r"\bpath (\d+): ", r"线路 \1："),
    (r", (?![^()]*\))", "，"),  # a comma of the text; "(96, 128)", channels as the notes write them, stays
]


def figure_text(text: str, language: str = "en") -> str:
    """``text`` as an architecture figure writes it in ``language`` ("en": unchanged)."""
    if language == "en":
        return text
    if language != "zh":
        raise ValueError(f"figures are drawn in en or zh, not {language!r}")
    for english, chinese in CHINESE:
        text = re.sub(english, chinese, text)
    return text
