"""The figures of the Chinese edition (images/zh/): the same figures, their texts in Chinese in
TERMINOLOGY.md's terms, drawn in a CJK font; without one, a sentence says what to install."""

import re
import runpy
import sys
import warnings

import matplotlib
import pytest
import torch
from matplotlib import font_manager
from matplotlib.text import Text
from test_architecture import assert_readable  # tests/figures/test_architecture.py
from torch import nn

from cnn_helpers.chapters.ch01_convolution import figures as convolution
from cnn_helpers.chapters.ch02_pooling import figures as pooling
from cnn_helpers.chapters.ch07_googlenet import figures as googlenet
from cnn_helpers.core import figure_language
from cnn_helpers.core.figure_language import CJK_FONTS, MissingFontError, cjk_font, drawing_in
from cnn_helpers.figures import architectures, draw_everything
from cnn_helpers.figures.architecture_names import figure_text

matplotlib.use("Agg")

HAN = re.compile(r"[\u4e00-\u9fff]")
# English words a Chinese figure keeps: names of nets and blocks, code-like layer names
KEPT = {"ReLU", "sigmoid", "tanh", "Inception", "VGG", "NiN", "ResNet", "LeNet", "AlexNet",
        "GoogLeNet", "DenseNet"}
# what each chapter figure must say in Chinese (whole texts of the figure)
SAYS = {
    "conv_cross_correlation.png": ["输入", "卷积核", "输出"],
    "conv_receptive_field.png": ["输入 3×3", "第 1 层：2×2", "第 2 层：1×1"],
    "conv_padding.png": ["输入（已填充）", "卷积核", "输出"],
    "conv_stride.png": ["输入（已填充）", "卷积核", "输出"],
    "conv_multi_in.png": ["输入通道 0", "输入通道 1", "卷积核 0", "卷积核 1", "输出"],
    "conv_multi_out.png": ["输入通道 0", "输入通道 1", "输出通道 0", "输出通道 2"],
    "conv_1x1.png": ["输入通道 2", "1×1 卷积核（c_o × c_i）", "输出通道 1"],
    "conv_sparse_dense.png": ["全连接：稠密连接\ns3 连接 5 个输入中的 5 个",
                              "卷积，卷积核大小 3：稀疏连接\ns3 连接 5 个输入中的 3 个"],
    "pooling_max_average.png": ["最大池化", "平均池化", "每个窗口的最大值", "每个窗口的平均值"],
    "pooling_global_average.png": ["全局平均池化分类头", "展平 + 全连接层分类头",
                                   "512×7×7 特征图", "10 个类别"],
    "googlenet_inception.png": ["线路 1", "线路 4", "1×1 卷积\n64 个通道",
                                "3×3 最大池化，填充 1\n192 个通道", "输入：192 个 12×12 通道"],
}
CHAPTER_MODULES = [convolution, pooling, googlenet]


def _cjk_or_skip() -> str:
    try:
        return cjk_font()
    except MissingFontError as error:
        pytest.skip(str(error))


def _english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - KEPT


def _face(family: str) -> str:
    """The name of the font file matplotlib finds for ``family`` (no fallback to another)."""
    path = font_manager.findfont(font_manager.FontProperties(family=family),
                                 fallback_to_default=False)
    return font_manager.get_font(path).family_name


def _assert_drawn_in_a_cjk_font(texts: list[Text], name: str) -> None:
    """Every Chinese text lists the CJK font, which matplotlib finds. (That its characters
    come from it, not from DejaVu Sans, which has none, the callers check: they draw with a
    missing glyph made an error.)"""
    font = cjk_font()
    assert _face(font) == font
    chinese = [text for text in texts if HAN.search(text.get_text())]
    assert chinese, f"{name}: no Chinese text"
    for text in chinese:
        assert font in text.get_fontfamily(), f"{name}: {text.get_text()!r} in {text.get_fontfamily()}"


@pytest.fixture(scope="module")
def chapter_figures(tmp_path_factory):
    """Every chapter figure drawn in Chinese: file name -> (file size, its texts); a missing
    glyph (an empty box in the PNG) is an error."""
    _cjk_or_skip()
    folder = tmp_path_factory.mktemp("zh")
    drawn = {}
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        for module in CHAPTER_MODULES:
            def save(fig, path, save_figure=module.save_figure, **options):
                written = save_figure(fig, path, **options)
                drawn[path.name] = (written.stat().st_size,
                                    [text for text in fig.findobj(Text) if text.get_text()])
                return written
            patch.setattr(module, "save_figure", save)
            paths = module.draw_all(folder, "zh")
            assert all(path.parent == folder and path.is_file() for path in paths)
    return drawn


# ------------------------------------------------------------------ the font


def test_a_cjk_font_is_found_even_when_matplotlibs_font_cache_predates_it(monkeypatch):
    font = _cjk_or_skip()
    known = font_manager.fontManager.ttflist
    files = {entry.fname for entry in known if entry.name in CJK_FONTS}  # every face of them
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [entry for entry in known if entry.fname not in files])
    assert font not in figure_language.installed_fonts()
    assert cjk_font() == font  # read from the system's font folders again


def test_without_a_cjk_font_the_chinese_figures_stop_with_a_sentence_saying_what_to_install(
        monkeypatch, tmp_path):
    monkeypatch.setattr(figure_language, "installed_fonts", lambda rescan=False: {"DejaVu Sans"})
    with pytest.raises(MissingFontError, match=r"fonts-noto-cjk") as error:
        googlenet.draw_inception_block(tmp_path / "inception.png", language="zh")
    assert "Noto Sans CJK SC" in str(error.value) and "Microsoft YaHei" in str(error.value)
    assert not list(tmp_path.iterdir())
    with pytest.raises(MissingFontError):  # before any figure is drawn, English included
        draw_everything(tmp_path)
    assert not list(tmp_path.rglob("*.png"))
    # English needs no CJK font
    assert googlenet.draw_inception_block(tmp_path / "inception.png").is_file()


def test_english_is_drawn_as_before_and_unknown_languages_are_refused(tmp_path):
    with drawing_in("en"):
        assert matplotlib.rcParams["font.family"] == matplotlib.rcParamsDefault["font.family"]
    assert figure_text("conv 3×3, pad 1, 64 ch", "en") == "conv 3×3, pad 1, 64 ch"
    with pytest.raises(ValueError, match="en or zh"):
        googlenet.draw_inception_block(tmp_path / "x.png", language="fr")


# ------------------------------------------------------------------ chapters 1, 2 and 7


@pytest.mark.parametrize("name", sorted(SAYS))
def test_each_chapter_figure_says_its_labels_in_chinese_in_a_cjk_font(chapter_figures, name):
    size, texts = chapter_figures[name]
    said = [text.get_text() for text in texts]
    missing = [label for label in SAYS[name] if label not in said]
    assert not missing, f"{name}: {missing} not among {said}"
    leftover = set().union(*map(_english_words, said))
    assert not leftover, f"{name}: English words {leftover} in {said}"
    _assert_drawn_in_a_cjk_font(texts, name)
    assert size < 150_000


def test_every_chapter_figure_has_a_chinese_twin_under_the_same_name(chapter_figures):
    english = [name for module in CHAPTER_MODULES
               for name in getattr(module, "FIGURES", ())]
    assert set(english) <= set(chapter_figures)
    assert set(chapter_figures) == set(SAYS)


# ------------------------------------------------------------------ architecture figures


def _expected(module) -> list[str]:
    """What a Chinese box must say about ``module``, written out here from TERMINOLOGY.md."""
    if isinstance(module, nn.Conv2d):
        (k, _), (s, _), (p, _) = module.kernel_size, module.stride, module.padding
        return [f"{k}×{k} 卷积", f"{module.out_channels} 通道"] + \
               ([f"步幅 {s}"] if s != 1 else []) + ([f"填充 {p}"] if p else [])
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        kind = "最大池化" if isinstance(module, nn.MaxPool2d) else "平均池化"
        words = [f"{module.kernel_size}×{module.kernel_size} {kind}", f"步幅 {module.stride}"]
        return words + ([f"填充 {module.padding}"] if module.padding else [])
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return ["全局平均池化"]
    return [f"全连接层，{module.out_features}"]


@pytest.mark.parametrize("name", sorted(architectures.ARCHITECTURES))
def test_each_architecture_figure_is_in_chinese_readable_and_drawn_in_a_cjk_font(name):
    _cjk_or_skip()
    spec = architectures.ARCHITECTURES[name]
    torch.manual_seed(0)
    net = spec["build"]()
    figure = architectures.figure_of(net, spec["input_shape"], spec["title_zh"], spec["collapse"],
                                     spec["inline"], spec["lines"], language="zh")
    titles = spec["title_zh"].split("\n")
    assert [label.text for label in figure.labels[-len(titles):]] == titles
    written = [line for box in figure.boxes for line in box.lines] + \
              [label.text for label in figure.labels[:-len(titles)]]
    leftover = set().union(*map(_english_words, written))
    assert not leftover, f"{name}: English words {leftover}"
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
                               nn.Linear)):
            boxes = [box for box in figure.boxes if any(m is module for m in box.modules)]
            if boxes[0].lines[0].startswith("Inception "):  # GoogLeNet: c1 + (c2) + (c3) + c4
                continue
            assert any(all(word in line for word in _expected(module)) for line in boxes[0].lines), \
                f"{name}: no line of {boxes[0].lines} says {_expected(module)}"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        assert_readable(name, figure)  # measured in the font it is drawn in
        fig = architectures.render(figure)
    _assert_drawn_in_a_cjk_font(fig.axes[0].texts, name)
    matplotlib.pyplot.close(fig)


def test_terms_of_the_boxes_are_those_of_the_terminology():
    assert [figure_text(text, "zh") for text in [
        "batch norm · ReLU", "dense block, 4 units", "transition layer", "VGG block",
        "residual block, 1×1 conv shortcut", "max pool 3×3, stride 2, pad 1", "global avg pool",
        "shortcut: conv 1×1, stride 2, 128 ch", "path 2: conv 3×3, pad 1, 128 ch", "dropout 0.5",
        "64 + (96, 128) + (16, 32) + 32", "concatenate channels", "identity"]] == [
        "批量归一化 · ReLU", "稠密块，4 个单元", "过渡层", "VGG 块",
        "残差块，1×1 卷积捷径连接", "3×3 最大池化，步幅 2，填充 1", "全局平均池化",
        "捷径连接：1×1 卷积，步幅 2，128 通道", "线路 2：3×3 卷积，填充 1，128 通道", "丢弃法 0.5",
        "64 + (96, 128) + (16, 32) + 32", "按通道连结", "恒等映射"]


# ------------------------------------------------------------------ python -m cnn_helpers.figures


def test_the_command_writes_english_into_the_folder_and_chinese_into_its_zh_folder(monkeypatch,
                                                                                  tmp_path):
    _cjk_or_skip()
    import cnn_helpers.figures as package

    monkeypatch.setattr(package, "figure_modules", lambda: [googlenet])
    written = draw_everything(tmp_path)
    assert written == [tmp_path / "googlenet_inception.png", tmp_path / "zh" / "googlenet_inception.png"]
    assert all(path.is_file() for path in written)

    asked = []
    monkeypatch.setattr(package, "draw_everything", lambda folder, languages: asked.append(
        (folder, tuple(languages))) or [])
    for arguments, expected in [([], ("images", ("en", "zh"))),
                                ([str(tmp_path), "--language", "zh"], (str(tmp_path), ("zh",)))]:
        monkeypatch.setattr(sys, "argv", ["cnn_helpers.figures", *arguments])
        runpy.run_module("cnn_helpers.figures", run_name="__main__")
        assert asked[-1] == expected
