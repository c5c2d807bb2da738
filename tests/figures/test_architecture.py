"""Architecture figures drawn from the builders: every layer with its numbers, readable labels."""

import itertools
from functools import lru_cache

import matplotlib
import pytest
import torch
from torch import nn

from cnn_helpers import models
from cnn_helpers.chapters.ch07_googlenet import checks as googlenet
from cnn_helpers.figures import architecture, architecture_layout, architectures
from cnn_helpers.figures.architecture_items import (
    Block,
    Layer,
    Parallel,
    Repeat,
    collapse,
    shape_text,
)
from cnn_helpers.figures.architecture_names import block_name

matplotlib.use("Agg")
FIGURES = sorted(architectures.ARCHITECTURES)


@lru_cache(maxsize=None)
def built(name):
    """(net, placed figure) of one of the course's figures, built once per test session."""
    spec = architectures.ARCHITECTURES[name]
    torch.manual_seed(0)
    net = spec["build"]()
    return net, architectures.figure_of(net, spec["input_shape"], spec["title"], spec["collapse"],
                                        spec["inline"], spec["lines"])


def expected_words(module) -> list[str]:
    """What a box must say about ``module``, written out here independently of the figure code."""
    if isinstance(module, nn.Conv2d):
        (k, _), (s, _), (p, _) = module.kernel_size, module.stride, module.padding
        return [f"conv {k}×{k}", f"{module.out_channels} ch"] + \
               ([f"stride {s}"] if s != 1 else []) + ([f"pad {p}"] if p else [])
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        kind = "max" if isinstance(module, nn.MaxPool2d) else "avg"
        words = [f"{kind} pool {module.kernel_size}×{module.kernel_size}", f"stride {module.stride}"]
        return words + ([f"pad {module.padding}"] if module.padding else [])
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return ["global avg pool"]
    return [f"fully connected, {module.out_features}"]


def missing_words(module, line) -> list[str]:
    words = expected_words(module)
    absent = [word for word in words if word not in line]
    if isinstance(module, nn.Conv2d) and not any(w.startswith("stride") for w in words) \
            and "stride" in line:
        absent.append("(no stride: it is 1)")
    if isinstance(module, nn.Conv2d) and not any(w.startswith("pad") for w in words) \
            and "pad" in line:
        absent.append("(no padding: it is 0)")
    return absent


def inception_line(name: str) -> str:
    """How the notes write a GoogLeNet block's channels, from the table (not the figure code)."""
    _, c1, (a2, b2), (a3, b3), c4 = models.INCEPTION_BLOCKS[name]
    return f"{c1} + ({a2}, {b2}) + ({a3}, {b3}) + {c4}"


@pytest.mark.parametrize("name", FIGURES)
def test_every_convolution_pooling_and_fully_connected_layer_is_drawn_with_its_numbers(name):
    """(In GoogLeNet's whole-net figure an Inception block is one box in the notes' notation,
    its name and c1 + (c2) + (c3) + c4: its layers' kernels are those of the block figure.)"""
    net, figure = built(name)
    inside = {}  # id of a module inside an Inception block -> the block's name
    if name == "arch_googlenet.png":
        for block, inception in googlenet.inception_blocks(net).items():
            inside.update((id(part), block) for part in inception.modules())
    for module in net.modules():
        if not isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
                                   nn.Linear)):
            continue
        boxes = [box for box in figure.boxes if any(m is module for m in box.modules)]
        assert len(boxes) == 1, f"{name}: {module} is drawn in {len(boxes)} boxes"
        if id(module) in inside:
            block = inside[id(module)]
            assert boxes[0].lines == [f"Inception {block}", inception_line(block)], boxes[0].lines
            continue
        assert any(not missing_words(module, line) for line in boxes[0].lines), \
            f"{name}: no line of {boxes[0].lines} says {expected_words(module)}"


def test_googlenets_figure_draws_all_nine_inception_blocks_each_as_one_box_in_order():
    _, figure = built("arch_googlenet.png")
    blocks = [box.lines[0].removeprefix("Inception ") for box in figure.boxes
              if box.lines[0].startswith("Inception")]
    assert blocks == list(models.INCEPTION_BLOCKS)


@pytest.mark.parametrize("name", FIGURES)
def test_the_figure_ends_with_the_nets_output_shape(name):
    net, figure = built(name)
    with torch.no_grad():
        output = net.eval()(torch.zeros(architectures.ARCHITECTURES[name]["input_shape"]))
    (x, top), (_, bottom) = figure.arrows[-1]  # the arrow out of the last layer
    beside = [label.text for label in figure.labels
              if abs(label.x - x - architecture_layout.LABEL_OFFSET) < 1 and top < label.y < bottom]
    assert beside == [shape_text(tuple(output.shape[1:]))]


def _segments(figure):
    for points in figure.lines + figure.arrows:
        yield from zip(points, points[1:])


def _crosses(segment, box, margin=1.0):
    """Whether an axis-parallel segment passes through the rectangle (x0, y0, x1, y1)."""
    (ax, ay), (bx, by) = segment
    x0, y0, x1, y1 = box
    return (min(ax, bx) < x1 - margin and max(ax, bx) > x0 + margin
            and min(ay, by) < y1 - margin and max(ay, by) > y0 + margin)


def _overlap(a, b, margin=0.5):
    return a[0] < b[2] - margin and b[0] < a[2] - margin and a[1] < b[3] - margin \
        and b[1] < a[3] - margin


@pytest.mark.parametrize("name", FIGURES)
def test_no_label_overlaps_another_label_a_box_or_a_line(name):
    assert_readable(name, built(name)[1])


def assert_readable(name, figure):
    """No text touches another text, a box not its own or a line; no box touches another;
    measured on the rendered figure (each text's extent as matplotlib draws it)."""
    import matplotlib.pyplot as plt

    assert figure.width <= 1180, f"{name}: {figure.width:.0f} px is wider than the notebook"
    fig = architectures.render(figure)
    renderer = fig.canvas.get_renderer()
    height = figure.height
    texts = []
    for text in fig.axes[0].texts:
        extent = text.get_window_extent(renderer)  # pixels, y up
        texts.append((text.get_text(), (extent.x0, height - extent.y1, extent.x1, height - extent.y0)))
    plt.close(fig)
    assert len(texts) == sum(len(box.lines) for box in figure.boxes) + len(figure.labels)
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        assert not _overlap(box_a, box_b), f"{name}: {a!r} overlaps {b!r}"
    for text, extent in texts:
        assert 0 <= extent[0] and extent[2] <= figure.width and 0 <= extent[1] \
            and extent[3] <= figure.height, f"{name}: {text!r} is cut off"
        for segment in _segments(figure):
            assert not _crosses(segment, extent), f"{name}: a line crosses {text!r}"
        owners = [box for box in figure.boxes if text in box.lines]
        for box in figure.boxes:
            rect = (box.x, box.y, box.x + box.width, box.y + box.height)
            if box in owners:
                continue
            assert not _overlap(rect, extent), f"{name}: {text!r} overlaps the box {box.lines}"
    for box in figure.boxes:
        for other in figure.boxes:
            if other is not box:
                assert not _overlap((box.x, box.y, box.x + box.width, box.y + box.height),
                                    (other.x, other.y, other.x + other.width,
                                     other.y + other.height)), f"{name}: boxes overlap"


@pytest.mark.parametrize("name", FIGURES)
def test_text_is_as_large_as_the_notebooks_body_text_on_a_1280_pixel_projector(name):
    """JupyterLab's body text is 14 px; a figure narrower than the notebook's column at
    1280x720 (about 1,180 px) is shown at its own size, so 14 px in the PNG stay 14 px."""
    _, figure = built(name)
    assert figure.width <= 1180
    smallest = min([label.size for label in figure.labels] + [architecture_layout.FONT])
    assert smallest * 100 / 72 >= 14


def test_files_are_written_by_the_figures_command(tmp_path):
    from PIL import Image

    spec = architectures.ARCHITECTURES["arch_transition.png"]
    path = architectures.draw(spec["build"](), spec["input_shape"], tmp_path / "t.png",
                              spec["title"])
    _, figure = built("arch_transition.png")
    assert Image.open(path).size == (round(figure.width), round(figure.height))


# ------------------------------------------------------------ the structure read from forward


def test_residual_block_adds_its_shortcut_identity_or_1x1_convolution():
    plain = architecture.describe(models.Residual(8, 8), (1, 8, 6, 6))
    (input_box, block), = [plain]
    assert input_box.kind == "input" and isinstance(block, Block)
    fork, relu = block.items
    assert isinstance(fork, Parallel) and fork.merge == "add" and relu.text == "ReLU"
    main, shortcut = fork.branches
    assert [layer.text for layer in main] == ["conv 3×3, pad 1, 8 ch", "batch norm",
                                              "conv 3×3, pad 1, 8 ch", "batch norm"]
    assert main[1].extras == ["ReLU"] and shortcut == []
    changed = architecture.describe(models.Residual(8, 16, use_1x1conv=True, strides=2),
                                    (1, 8, 6, 6))[1]
    assert changed.name == "residual block, 1×1 conv shortcut"
    assert [layer.text for layer in changed.items[0].branches[1]] == ["conv 1×1, stride 2, 16 ch"]
    assert changed.shape == (16, 3, 3)


def test_dense_block_concatenates_each_unit_with_its_input_and_is_drawn_once_times_four():
    block = architecture.describe(models.DenseBlock(4, 8, 4), (1, 8, 6, 6))[1]
    (repeat,) = block.items
    assert isinstance(repeat, Repeat) and repeat.times == 4
    assert [unit.shape for unit in repeat.instances] == [(12, 6, 6), (16, 6, 6), (20, 6, 6),
                                                         (24, 6, 6)]
    unit = repeat.item
    assert unit.merge == "concat" and unit.branches[1] == []
    assert [layer.text for layer in unit.branches[0]] == ["batch norm", "conv 3×3, pad 1, 4 ch"]


def test_an_inception_block_is_read_as_four_concatenated_paths_without_registering_it():
    # the chapter's block: the book's class (d2l 7.4), its paths forking in forward
    block = architecture.describe(models.Inception(192, 64, (96, 128), (16, 32), 32),
                                  (1, 192, 28, 28))[1]
    assert block.name == "Inception block" and block.shape == (256, 28, 28)
    (paths,) = block.items
    assert paths.merge == "concat"
    assert [[layer.label_lines[0] for layer in path] for path in paths.branches] == [
        ["conv 1×1, 64 ch · ReLU"],
        ["conv 1×1, 96 ch · ReLU", "conv 3×3, pad 1, 128 ch · ReLU"],
        ["conv 1×1, 16 ch · ReLU", "conv 5×5, pad 2, 32 ch · ReLU"],
        ["max pool 3×3, stride 1, pad 1", "conv 1×1, 32 ch · ReLU"]]
    assert [path[-1].shape for path in paths.branches] == [(64, 28, 28), (128, 28, 28),
                                                          (32, 28, 28), (32, 28, 28)]
    collapsed = collapse([block])[0]
    assert collapsed.lines == ["Inception block", "path 1: conv 1×1, 64 ch",
                               "path 2: conv 1×1, 96 ch", "path 2: conv 3×3, pad 1, 128 ch",
                               "path 3: conv 1×1, 16 ch", "path 3: conv 5×5, pad 2, 32 ch",
                               "path 4: max pool 3×3, stride 1, pad 1", "path 4: conv 1×1, 32 ch"]
    figure = architectures.figure_of(models.Inception(192, 64, (96, 128), (16, 32), 32),
                                     (1, 192, 28, 28), "Inception(192, 64, (96, 128), (16, 32), 32)")
    assert len(figure.boxes) == 1 + 7 and [m[2] for m in figure.merges] == ["concat"]
    assert_readable("Inception", figure)


@pytest.mark.parametrize("builder, name", [
    (lambda: models.vgg_block(2, 8, 16), "VGG block"),
    (lambda: models.nin_block(1, 8, 11, 4, 0), "NiN block"),
    (lambda: models.transition_block(16, 8), "transition layer"),
    (lambda: models.resnet_block(8, 16, 2), "ResNet module"),
    (lambda: models.DenseBlock(2, 8, 4), "dense block, 2 units"),
    (lambda: nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU()), None),
])
def test_blocks_are_named_by_what_the_course_builds_them_with(builder, name):
    assert block_name(builder()) == name


def test_consecutive_equal_blocks_are_drawn_once_and_counted():
    items = collapse(architecture.describe(models.vgg(image_size=64), (1, 1, 64, 64)),
                                  lambda name: name == "VGG block")
    repeats = [item for item in items if isinstance(item, Repeat)]
    assert [(r.times, r.item.lines[1], r.shape) for r in repeats] == [
        (2, "2 × conv 3×3, pad 1, 512 ch", (512, 2, 2))]
    assert [item.kind for item in items if isinstance(item, Layer)][:4] == ["input", "block",
                                                                             "block", "block"]


def test_an_input_the_net_cannot_take_is_a_sentence():
    with pytest.raises(ValueError, match=r"an input of shape \(1, 1, 32, 32\) does not fit"):
        architecture.describe(models.lenet(), (1, 1, 32, 32))


def test_every_architecture_figure_is_shown_in_a_chapter_and_every_shown_image_exists():
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shown = set()
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                shown.update(re.findall(r"\]\(\.\./images/([\w.]+)\)", "".join(cell["source"])))
    assert set(architectures.ARCHITECTURES) <= shown
    assert all((root / "images" / name).is_file() for name in shown), shown
