"""Chapter 7 (GoogLeNet): the notes' channels, the 1x1 reductions' saving, path costs, profiles,
a smoke run, the figure, exercises (cnn_helpers.chapters.ch07_googlenet). The net: tests/models/."""

import pytest
import torch

from cnn_helpers import models
from cnn_helpers.chapters.ch07_googlenet import checks as googlenet
from cnn_helpers.chapters.ch07_googlenet import exercises

# The notes' list (7.2): block -> (c1, (reduction, c2), (reduction, c3), c4, total)
NOTES = {
    "3a": (64, (96, 128), (16, 32), 32, 256),
    "3b": (128, (128, 192), (32, 96), 64, 480),
    "4a": (192, (96, 208), (16, 48), 64, 512),
    "4b": (160, (112, 224), (24, 64), 64, 512),
    "4c": (128, (128, 256), (24, 64), 64, 512),
    "4d": (112, (144, 288), (32, 64), 64, 528),
    "4e": (256, (160, 320), (32, 128), 128, 832),
    "5a": (256, (160, 320), (32, 128), 128, 832),
    "5b": (384, (192, 384), (48, 128), 128, 1024),
}


def test_every_channel_total_and_path_split_of_the_notes():
    net = models.googlenet()
    inputs = googlenet.block_inputs(net, torch.zeros(1, 1, 96, 96))
    totals = []
    for name, block in googlenet.inception_blocks(net).items():
        c1, c2, c3, c4, total = NOTES[name]
        with torch.no_grad():
            outputs = block.path_outputs(inputs[name])
        assert [o.shape[1] for o in outputs] == [c1, c2[1], c3[1], c4]
        assert (block.p2_1.out_channels, block.p3_1.out_channels) == (c2[0], c3[0])
        assert block(inputs[name]).shape[1] == total
        totals.append(total)
    assert totals == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_in_the_notes_pairs_only_the_second_number_adds_to_the_total():
    assert googlenet.notes_split("4a") == "192 + (96, 208) + (16, 48) + 64 = 512"
    _, c1, c2, c3, c4 = models.INCEPTION_BLOCKS["4a"]
    assert c1 + sum(c2) + sum(c3) + c4 == 624  # read literally
    assert c1 + c2[1] + c3[1] + c4 == 512


def test_the_1x1_reductions_save_most_on_the_5x5_path():
    rows = googlenet.reduction_savings(models.Inception(192, 64, (96, 128), (16, 32), 32), 12)
    assert [(r.parameters_with, r.parameters_without) for r in rows] == [
        (12_352, 12_352), (129_248, 221_312), (15_920, 153_632), (6_176, 6_176)]
    assert [(r.multiply_adds_with, r.multiply_adds_without) for r in rows] == [
        (1_769_472, 1_769_472), (18_579_456, 31_850_496), (2_285_568, 22_118_400),
        (884_736, 884_736)]
    assert sum(r.parameters_with for r in rows) == 163_696
    assert sum(r.parameters_without for r in rows) == 393_472
    assert max(rows, key=lambda r: r.parameter_factor).path == "1x1 -> 5x5"


def test_path_costs_agree_with_pytorch_and_the_block():
    block = models.Inception(192, 64, (96, 128), (16, 32), 32)
    costs = googlenet.path_costs(block, 12)
    assert sum(c.parameters for c in costs) == models.count_parameters(block)
    assert sum(c.multiply_adds for c in costs) == sum(
        row[2] for row in models.multiply_adds(block, (1, 192, 12, 12)))
    assert [c.out_channels for c in costs] == [64, 128, 32, 32]
    assert costs[3].layers[0].kind == "max pool 3x3" and costs[3].layers[0].parameters == 0


def test_the_paths_see_1_3_5_and_3_pixels_of_the_block_input_and_more_of_the_image():
    net = models.googlenet()
    block = googlenet.inception_blocks(net)["3a"]
    assert googlenet.path_receptive_fields(block, 12) == [1, 3, 5, 3]
    assert googlenet.path_receptive_fields(block, 96, stem=net[:2]) == [27, 43, 59, 43]


def test_width_scales_every_channel_and_keeps_the_blocks_chained():
    net = models.googlenet(width=0.25, image_size=32, num_classes=7)
    blocks = googlenet.inception_blocks(net)
    assert blocks["3a"].path_channels == (16, 32, 8, 8)
    assert net(torch.zeros(2, 1, 32, 32)).shape == (2, 7)


def test_the_inception_figure_is_drawn_small(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from cnn_helpers.chapters.ch07_googlenet import figures

    paths = figures.draw_all(tmp_path)
    assert [p.name for p in paths] == ["googlenet_inception.png"]
    for path in paths:
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size < 150_000


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 512, 624),
    (exercises.exercise_2, 15_920, 153_632),
    (exercises.exercise_3, (3, 9.65), (2, 1.71)),
    (exercises.exercise_4, "b", "a"),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None


def test_the_measured_split_is_read_off_the_net_and_written_as_the_notes_write_it():
    net = models.googlenet()
    inputs = googlenet.block_inputs(net, torch.zeros(1, 1, 96, 96))
    measured = {name: googlenet.measured_split(block, inputs[name])
                for name, block in googlenet.inception_blocks(net).items()}
    assert measured == NOTES
    assert googlenet.written_as_the_notes(NOTES["4a"]) == "192 + (96, 208) + (16, 48) + 64 = 512"
    wrong = models.Inception(480, 192, (96, 200), (16, 48), 64)  # a typo in the builder shows
    assert googlenet.measured_split(wrong, inputs["4a"]) != NOTES["4a"]


def test_receptive_fields_by_the_recurrence_and_by_autograd_agree():
    rows = googlenet.receptive_fields_both_ways(models.googlenet(), "3a", 96)
    assert rows == [(1, (1, 1), 27, (27, 27)), (3, (3, 3), 43, (43, 43)),
                    (5, (5, 5), 59, (59, 59)), (3, (3, 3), 43, (43, 43))]


def test_a_net_built_from_the_notebooks_own_inception_class_is_still_googlenet():
    """The notebook redefines ``Inception`` (its #@save cell): a new class of the same name."""
    import importlib
    import inspect

    module = importlib.import_module("cnn_helpers.models.googlenet")
    namespace = dict(vars(module))
    cells = ["class Inception(Inception):\n    pass\n",  # a student's edited block
             inspect.getsource(module.inception_chain), inspect.getsource(module.googlenet)]
    for cell in cells:
        exec(compile(cell, "<cell>", "exec"), namespace)
    net = namespace["googlenet"](0.125, 32)  # builds the cell's Inception, as in the notebook
    blocks = googlenet.inception_blocks(net)
    assert all(type(b) is namespace["Inception"] is not models.Inception for b in blocks.values())
    assert not googlenet.is_inception(torch.nn.Conv2d(1, 1, 1))


def test_the_feature_map_viewer_shows_every_inception_blocks_real_output():
    """What the notebook's viewer of the unrolled net shows (once a check in the notebook)."""
    from torch import nn

    from cnn_helpers.widgets.feature_maps import FeatureMapViewer

    torch.manual_seed(0)
    net = models.googlenet(width=0.125, image_size=32).eval()
    layers = googlenet.unrolled(net)
    images = torch.rand(4, 1, 28, 28)
    viewer = FeatureMapViewer(layers, images, torch.tensor([3, 1, 4, 1]), tuple("0123456789"),
                              resize=32)
    X = nn.functional.interpolate(images[3:4], size=(32, 32), mode="bilinear")
    indices = [i for i, layer in enumerate(layers) if googlenet.is_inception(layer)]
    assert len(indices) == 9
    for index in indices:
        shown = viewer.update(image=3, layer=index)["maps"]
        with torch.no_grad():
            expected = layers[:index + 1](X)[0]
        assert shown.shape[0] == layers[index].out_channels
        assert torch.allclose(shown, expected, atol=1e-4)
