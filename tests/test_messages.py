"""What the package says comes in the reader's language: check messages, exercise feedback,
widget labels and messages. English (CNN_LANG unset) is what it always was; Chinese
(CNN_LANG=zh) comes from the one message table, with the same numbers, and a Chinese kernel
prints what the built Chinese notebooks show (scripts/translations.py's translated_output)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from cnn_helpers import check_training
from cnn_helpers.chapters import overfitting
from cnn_helpers.chapters.ch01_convolution import exercises as convolution
from cnn_helpers.chapters.ch03_lenet import exercises as lenet
from cnn_helpers.training import History
from cnn_helpers.widgets.setup_check import WidgetCheck

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
translations = sys.modules.setdefault("translations", importlib.util.module_from_spec(spec))
spec.loader.exec_module(translations)

FASHION = SimpleNamespace(key="fashion_mnist", name="Fashion-MNIST")  # what check_training reads
GOOD = History(train_loss=[2.3, 1.0, 0.5, 0.4], train_acc=[0.1, 0.6, 0.8, 0.9],
               test_acc=[0.2, 0.9, 0.85, 0.95])


@pytest.fixture
def english(monkeypatch):
    monkeypatch.delenv("CNN_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("CNN_LANG", "zh")


def test_check_training_speaks_english_by_default(english, capsys):
    assert check_training(GOOD, "resnet", FASHION, "class") == 0.87
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "\u2713 the training loss went down: 2.300 -> 0.400",
        "\u2713 resnet: test accuracy after the last epoch 0.950 \u2265 0.87 (Fashion-MNIST, "
        "class profile)",
        "  the book's full-size run on a GPU (10 epochs): 0.89; this class run's last epoch: "
        "0.950 (+0.060)"]
    assert lines[3].startswith("  recorded seeds (") and "reach" in lines[3]


def test_check_training_speaks_chinese_with_the_same_numbers(chinese, capsys):
    assert check_training(GOOD, "resnet", FASHION, "class") == 0.87
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "\u2713 训练损失下降了：2.300 -> 0.400",
        "\u2713 resnet：最后一个迭代周期后的测试精度 0.950 \u2265 0.87（Fashion-MNIST，class 运行配置）",
        "  教材在 GPU 上的完整规模运行（10 个迭代周期）：0.89；本次 class 运行的最后一个迭代周期："
        "0.950（+0.060）"]
    assert lines[3].startswith("  已记录的随机种子（") and "达到了教材的数字" in lines[3]
    flat = History(train_loss=[2.3, 2.31], train_acc=[0.1, 0.1], test_acc=[0.1, 0.1])
    with pytest.raises(AssertionError, match="训练损失没有下降：2.300 -> 2.310"):
        check_training(flat, "resnet", FASHION, "class")
    check_training(History(), "resnet", FASHION, "class")  # no epoch: its reason translated too
    assert capsys.readouterr().out.startswith("没有运行任何迭代周期（epochs=0）：没有可检查的结果")


def test_a_chinese_kernel_prints_what_the_built_chinese_notebooks_show(monkeypatch, capsys):
    """The built notebooks translate the English outputs line by line; a kernel in Chinese
    must print the same lines (check_training, and the verdicts with a value translated)."""
    def both(run):
        monkeypatch.delenv("CNN_LANG", raising=False)
        run()
        said = capsys.readouterr().out
        monkeypatch.setenv("CNN_LANG", "zh")
        run()
        return said, capsys.readouterr().out

    from cnn_helpers.chapters import frontier
    from cnn_helpers.chapters.ch04_alexnet import augmentation
    from cnn_helpers.chapters.ch06_nin import learning_rate
    from cnn_helpers.chapters.ch09_resnet import degradation
    from cnn_helpers.chapters.ch11_comparison import recipe

    said = {}
    for name, run in {
        "check_training": lambda: check_training(GOOD, "resnet", FASHION, "class"),
        "overfitting": lambda: overfitting.judge_recorded(
            overfitting.results_path("nin_head"), "global average pooling", "fully connected",
            "global average pooling", early_epoch=5),
        "augmentation": augmentation.judge_recorded,
        "degradation": degradation.judge_recorded,
        "learning rate": lambda: learning_rate.check_rates(learning_rate.recorded()),
        "recipe": lambda: recipe.check_ladder(json.loads(recipe.RESULTS.read_text())),
        "frontier": lambda: frontier.show("alexnet"),
    }.items():
        english, chinese = both(run)
        assert chinese != english, name
        assert translations.translated_output(english, "zh") == chinese, name
        said[name] = chinese
    # a value that is an entry of its own ("global average pooling") is translated too
    assert "\u2713 使用全局平均池化后，网络的死记硬背更少" in said["overfitting"]


def test_the_widgets_labels_and_refusals_come_in_the_readers_language(english):
    check = WidgetCheck()
    assert check._controls["kernel_size"].description == "kernel size"
    assert check.update(kernel_size=7) is None
    assert check.error.startswith("the kernel (7) is larger than the padded input (6 + 0 = 6) in "
                                  "height: there is no position to put it")
    assert check.update(kernel_size=12) is None
    assert check.error == "kernel size: 12 is outside the range 1 to 9"
    assert check.update(kernel_size=3) == (4, 6)
    assert check.readout.value == "6x8 input, 3x3 kernel -&gt; output 4x6"


def test_a_widget_speaks_chinese_with_short_labels(chinese):
    check = WidgetCheck()
    assert check._controls["kernel_size"].description == "卷积核大小"
    assert check.update(kernel_size=7) is None
    assert check.error == ("卷积核（7）在高度方向上大于填充后的输入（6 + 0 = 6）："
                           "没有位置可以放下它；请增加填充或减小卷积核")
    assert check.update(kernel_size=12) is None
    assert check.error == "卷积核大小: 12 超出了 1 到 9 的范围"
    assert check.update(kernel_size=3) == (4, 6)
    assert check.readout.value == "6x8 的输入，3x3 的卷积核 -&gt; 输出 4x6"
    assert "请重新运行这个单元格" in check._stale_note.value


def test_exercise_feedback_in_english_and_in_chinese(monkeypatch):
    monkeypatch.delenv("CNN_LANG", raising=False)
    assert repr(lenet.exercise_1(155)) == ("\u2717 LeNet 1: not yet. Hint: 6 output channels, "
                                           "each a 1x5x5 kernel plus one bias")
    assert repr(convolution.exercise_1("9x19")).startswith(
        "\u2717 exercise 1: not yet. Hint: give the shape as a pair of numbers")
    monkeypatch.setenv("CNN_LANG", "zh")
    assert repr(lenet.exercise_1(...)) == "\u2026 LeNet 1: 尚未作答"
    assert repr(lenet.exercise_1(155)) == ("\u2717 LeNet 1: 还不对。提示：6 个输出通道，"
                                           "每个通道有一个 1x5x5 的卷积核和一个偏差")
    assert repr(lenet.exercise_1(156)) == "\u2713 LeNet 1: 正确！"
    assert repr(convolution.exercise_1("9x19")) == (
        "\u2717 练习 1: 还不对。提示：请把形状写成一对数字 (高度, 宽度)，例如 (12, 20)，"
        "而不是文本 '9x19'")
    assert repr(convolution.exercise_1((9, 19))) == "\u2713 练习 1: 正确！9 x 19"
