"""The receptive-field explorer shows the analytic field, and autograd finds the same one."""

import pytest
import torch

from cnn_helpers.ops.receptive import autograd_receptive_field, receptive_field
from cnn_helpers.widgets.receptive_explorer import ReceptiveFieldExplorer
from cnn_helpers.widgets.receptive_readout import (
    CHOSEN,
    CUSTOM,
    MARK_MIN_PX,
    STACKS,
    parse_stack,
)

CUSTOM_STACKS = [
    "k=3,s=1,p=1; k=2,s=2",
    "k=5,p=2; pool k=2; k=3,s=2,p=1; k=3,d=2,p=2",
    "k=3,s=3; k=3",  # stride as large as the window: no overlap
    "k=2,s=3; k=2,s=3",  # stride larger than the window: a field with gaps
    "k=1,p=2; k=3",  # elements computed from padding alone
]


@pytest.fixture(scope="module")
def explorer():
    return ReceptiveFieldExplorer(display=60, map_display=40)


def positions(readout_table, layer):
    out_h, out_w = readout_table[layer].output_size
    return {(0, 0), (out_h - 1, out_w - 1), (out_h // 2, out_w // 3)}


@pytest.mark.parametrize("stack", list(STACKS))
def test_analytic_field_equals_autograd_on_every_offered_stack(explorer, stack):
    table = explorer.update(stack=stack).table
    for layer in range(len(table)):
        for row, col in positions(table, layer):
            readout = explorer.update(layer=layer, row=row, col=col)
            assert explorer.error is None, explorer.error
            assert readout.agree and "\u2713 autograd agrees" in readout.statement
            assert torch.equal(readout.field, readout.autograd)
            side = STACKS[stack][1]
            model = explorer.model(stack, "")
            assert torch.equal(readout.autograd,
                               autograd_receptive_field(model, side, (row, col), layer))


@pytest.mark.parametrize("text", CUSTOM_STACKS)
def test_analytic_field_equals_autograd_on_typed_stacks(explorer, text):
    table = explorer.update(stack=CUSTOM, custom=text, input_size=13).table
    assert explorer.error is None, explorer.error
    for layer in range(len(table)):
        for row, col in positions(table, layer):
            readout = explorer.update(layer=layer, row=row, col=col)
            assert readout.agree, (text, layer, row, col)
            model = explorer.model(CUSTOM, text)
            assert torch.equal(readout.autograd,
                               autograd_receptive_field(model, 13, (row, col), layer))


def test_the_notes_two_layers_widen_the_field_from_four_to_nine_inputs(explorer):
    first = explorer.update(stack="notes: two 2x2 layers (3x3)", layer=0, row=0, col=0)
    assert int(first.field.sum()) == 4  # 19's receptive field: the four shaded inputs
    second = explorer.update(layer=1)
    assert int(second.field.sum()) == 9  # one more 2x2 layer: all nine inputs
    assert int(second.feature_map_fields[0].sum()) == 4  # ...through all four of the first map


def test_lenet_table_is_the_one_receptive_field_computes(explorer):
    readout = explorer.update(stack="LeNet (28x28)", layer=-1, row=2, col=2)
    expected = receptive_field(explorer.model("LeNet (28x28)", ""), 28)
    assert [row.size for row in readout.table] == [row.size for row in expected]
    assert [row.size[0] for row in readout.table] == [5, 6, 14, 16]
    assert "field r" in explorer.table_view.value


def test_feature_map_fields_narrow_towards_the_chosen_layer(explorer):
    readout = explorer.update(stack="VGG-style, 2 blocks (32x32)", layer=-1, row=4, col=4)
    sizes = [int(mask.sum()) for mask in readout.feature_map_fields]
    assert len(sizes) == len(readout.table) - 1
    # walking back from pool2: 2x2 on conv2_2, 4x4 on conv2_1, 6x6 on pool1, 12x12, 14x14
    assert sizes == [14 * 14, 12 * 12, 6 * 6, 4 * 4, 2 * 2]


@pytest.mark.parametrize("text, words", [
    ("k=3; q=2", "unknown setting"),
    ("k=3,s=x", "not a whole number"),
    ("s=2", "kernel size"),
    ("", "at least one layer"),
    ("k=0", "at least 1"),
    ("pool k=2,p=2", "half the window"),
    ("k=9; k=9; k=9", "larger than the padded input"),
])
def test_a_malformed_custom_stack_is_a_message_not_an_exception(explorer, text, words):
    assert explorer.update(stack=CUSTOM, custom=text, input_size=16) is None
    assert words in explorer.error
    assert explorer.update(custom="k=3,s=1,p=1; k=2,s=2") is not None  # and it recovers
    assert explorer.error is None


def test_parse_stack_builds_the_layers_it_reads():
    model = parse_stack("k=3,s=1,p=1; pool k=2,s=2")
    conv, pool = list(model)
    assert (conv.kernel_size, conv.stride, conv.padding) == ((3, 3), (1, 1), (1, 1))
    assert (pool.kernel_size, pool.stride) == (2, 2)


def test_the_photo_background_and_a_large_input_draw(explorer):
    readout = ReceptiveFieldExplorer(stack=CUSTOM, custom="k=3,p=1; pool k=2; k=3,p=1",
                                     input_size=64, background="photo").update(row=5, col=9)
    assert readout.agree and readout.field.shape == (64, 64)


def test_every_layer_up_to_the_chosen_one_has_a_picture(explorer):
    readout = explorer.update(stack="LeNet (28x28)", layer=2, row=1, col=1)
    shown = [box.layout.display != "none" for _, _, box in explorer._map_pictures[:4]]
    assert shown == [True, True, True, False] and len(readout.feature_map_fields) == 2
    assert explorer.input_picture.value.tobytes().startswith(b"\x89PNG")
    assert "conv2" in explorer.layer_name.value


def test_a_class_typing_many_stacks_keeps_memory_bounded(monkeypatch):
    explorer = ReceptiveFieldExplorer(stack=CUSTOM, custom="k=3", input_size=16)
    monkeypatch.setattr(explorer, "KEEP", 10)
    for k in range(1, 12):
        readout = explorer.update(custom=f"k={k}; k=2,s=2")
        assert readout.table[0].size == (k, k)  # each stack right, however much was forgotten
    assert len(explorer._models) <= 10


def _colour_extent(png: bytes, colour) -> tuple[int, int]:
    """Height and width (screen pixels) of the region drawn in ``colour``."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    rows, cols = np.nonzero((rgb == np.array(colour, dtype=np.uint8)).all(axis=-1))
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def test_the_chosen_element_on_a_large_map_is_ringed_not_a_dot():
    explorer = ReceptiveFieldExplorer(stack="LeNet (28x28)", layer=0, row=5, col=9)
    _, conv1_map, _ = explorer._map_pictures[0]  # 28x28 at 3 screen pixels per element
    height, width = _colour_extent(conv1_map.value, CHOSEN)
    assert height >= MARK_MIN_PX and width >= MARK_MIN_PX


def test_the_input_caption_reads_as_a_sentence_on_a_large_input():
    explorer = ReceptiveFieldExplorer(stack=CUSTOM, custom="k=3; k=3", input_size=200)
    caption = explorer.input_title.value
    # one short line above a 200-px picture: autograd's pixels are compared beside it
    assert "field in green" in caption and "dotted" not in caption and "as (" not in caption
    explorer.update(input_size=16)
    assert "dotted orange" in explorer.input_title.value


def test_a_typed_pooling_layer_is_refused_in_the_words_of_pool2d():
    """Issue 25, kind 6: the typed stack goes through the same check as ops.pool2d."""
    from cnn_helpers.ops.pooling import pool2d

    with pytest.raises(ValueError) as typed:
        parse_stack("k=3,p=1; pool k=3,s=1,p=2")
    with pytest.raises(ValueError) as pooled:
        pool2d(torch.zeros(6, 6), 3, stride=1, padding=2)
    assert str(typed.value) == f"layer 2 ('pool k=3,s=1,p=2'): {pooled.value}"
