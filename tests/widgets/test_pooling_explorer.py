"""The pooling explorer shows what PyTorch computes, for every setting a student can reach."""

import io
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from cnn_helpers import ops
from cnn_helpers.core.images import shifted
from cnn_helpers.widgets.common import single_thread
from cnn_helpers.widgets.pooling_explorer import INPUTS, MAX_SHIFT, PoolingExplorer

SWEEP_PHOTO_SIZE = 24  # the photo is resized for the sweep; the 256x256 one is checked below


@pytest.fixture(scope="module")
def explorer():
    with single_thread():  # tiny tensors: a second torch thread only waits on a busy CPU
        yield PoolingExplorer(photo_size=SWEEP_PHOTO_SIZE)


def torch_pool(X, mode, window, stride, padding):
    """PyTorch's answer, or None where PyTorch refuses the setting."""
    function = F.max_pool2d if mode == "max" else F.avg_pool2d
    try:
        return function(X, window, stride=stride, padding=padding)
    except RuntimeError:
        return None


def controls(explorer):
    return {name: control for name, control in explorer._controls.items()}


def test_every_setting_shows_pytorchs_shape_and_values_or_a_message(explorer):
    sliders = controls(explorer)
    windows = range(sliders["window"].min, sliders["window"].max + 1)
    strides = range(sliders["stride"].min, sliders["stride"].max + 1)
    paddings = range(sliders["padding"].min, sliders["padding"].max + 1)
    shifts = range(sliders["shift"].min, sliders["shift"].max + 1)
    modes = [value for _, value in sliders["mode"].options]
    assert set(INPUTS) == {value for _, value in sliders["image"].options}
    checked = messages = 0
    for i, (image, mode, window, stride, padding) in enumerate(itertools.product(
            INPUTS, modes, windows, strides, paddings)):
        shift = shifts[i % len(shifts)]  # the widget shows one shift; the stack holds them all
        view = explorer.update(image=image, mode=mode, window=window, stride=stride,
                               padding=padding, shift=shift)
        original = explorer._inputs[image]  # (c, h, w)
        reference = torch_pool(original, mode, window, stride, padding)
        if reference is None:
            assert view is None and explorer.error, (image, mode, window, stride, padding)
            assert explorer.message.value.startswith("<span")  # a message, not a traceback
            messages += 1
            continue
        assert explorer.error is None, explorer.error
        assert view.shape == tuple(reference.shape[-2:])
        assert f"= {view.shape[0]}, width" in view.formula
        stack, curve = explorer.pooled(image, mode, window, stride, padding)
        for s in shifts:  # every shift's output and invariance bar, against PyTorch
            expected = torch_pool(shifted(original, 0, s), mode, window, stride, padding)
            assert torch.equal(stack[s], expected)
            assert curve.pooled[s] == (expected == reference).float().mean().item()
            checked += 1
        assert torch.equal(view.output, stack[shift])
        assert view.pooled_unchanged == curve.pooled[shift]
    assert checked > 5000 and messages > 100  # the sweep reached both kinds of setting


@pytest.mark.parametrize("image", ["edge", "features"])
def test_outputs_equal_pool2d_from_scratch(explorer, image):
    for mode, window, stride, padding in [("max", 2, 2, 0), ("avg", 3, 1, 1), ("max", 3, 2, 1),
                                          ("avg", 2, 3, 1)]:
        view = explorer.update(image=image, mode=mode, window=window, stride=stride,
                               padding=padding, shift=1)
        X = shifted(explorer._inputs[image], 0, 1)
        torch.testing.assert_close(view.output, ops.pool2d(X, window, mode, stride=stride,
                                                           padding=padding))


def test_output_channels_equal_input_channels(explorer):
    view = explorer.update(image="features", mode="max", window=2, stride=2, padding=0, shift=0)
    assert view.output.shape[0] == explorer._inputs["features"].shape[0] == 4
    assert view.formula.startswith("4 channel(s) in, 4 out")


def test_impossible_settings_explain_themselves(explorer):
    assert explorer.update(image="edge", window=2, padding=2, stride=1) is None
    assert "more than half the window" in explorer.error
    assert explorer.update(image="edge", window=7, padding=0) is None
    assert "larger than the padded input" in explorer.error
    assert explorer.update(window=2, padding=0) is not None and explorer.error is None


def test_default_explorer_pools_the_256_photo_and_shifting_moves_the_invariance_bars():
    explorer = PoolingExplorer()
    view = explorer.update()
    assert explorer.settings == dict(image="photo", mode="max", window=2, stride=2, padding=0,
                                     shift=0)
    assert view.output.shape == (1, 128, 128)
    assert view.pooled_unchanged == view.input_unchanged == 1.0
    one = explorer.update(shift=1)
    assert one.input_unchanged < 0.2 < one.pooled_unchanged  # pooling keeps more in place
    assert one.curve is view.curve  # a shift only moves the highlight: the curve is cached
    assert len(one.curve.shifts) == MAX_SHIFT + 1
    for picture in (explorer.input_picture, explorer.output_picture):
        assert picture.value[:4] == b"\x89PNG"
    assert explorer.chart.value.startswith("<svg")
    assert explorer.describe() == ("PoolingExplorer(input='photo', mode='max', window=2, "
                                   "stride=2, padding=0, shift=1)")


def _shown_width(picture) -> int:
    return int(picture.layout.width.removesuffix("px"))


def test_input_and_output_keep_their_true_relative_sizes():
    explorer = PoolingExplorer()
    explorer.update(window=2, stride=2)  # 256x256 -> 128x128
    assert _shown_width(explorer.input_picture) == 256 + 2  # actual size, framed
    assert _shown_width(explorer.output_picture) == 128 + 2
    assert "actual size" in explorer.input_title.value


def test_the_small_edge_image_is_enlarged_with_a_grid_and_says_its_scale():
    explorer = PoolingExplorer(image="edge")  # 6x8 -> 3x4
    zoom = explorer.zoom("edge")
    assert zoom >= 24 and f"{zoom}\u00d7 enlarged" in explorer.input_title.value
    assert _shown_width(explorer.input_picture) == 8 * zoom + 2
    assert _shown_width(explorer.output_picture) == 4 * zoom + 2
    picture = np.asarray(Image.open(io.BytesIO(explorer.input_picture.value)))
    white_column = picture[:, 1 + zoom // 2]  # the edge image's left column is white...
    assert (white_column[1 + zoom] < 255).all()  # ...with grid lines between its pixels


def test_the_invariance_chart_has_labelled_axes_and_a_fixed_size():
    explorer = PoolingExplorer()
    chart = explorer.chart.value
    assert 'width="260" height="190"' in chart  # beside two 256-px pictures at 1280x720
    assert "shift (pixels to the right)" in chart and "unchanged" in chart and "100%" in chart


def test_an_impossible_setting_hides_the_pictures_instead_of_a_broken_image():
    explorer = PoolingExplorer()
    explorer.update(window=2, padding=2)  # padding more than half the window
    assert "more than half the window" in explorer.error
    assert explorer.pictures.layout.display == "none"
    explorer.update(padding=1)
    assert explorer.error is None and explorer.pictures.layout.display is None
