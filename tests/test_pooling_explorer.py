"""The pooling explorer shows what PyTorch computes, for every setting a student can reach."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from cnn_helpers import ops
from cnn_helpers.images import shifted
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
    for picture in (explorer.input_picture, explorer.output_picture, explorer.chart_picture):
        assert picture.value[:4] == b"\x89PNG"
    assert explorer.describe() == ("PoolingExplorer(input='photo', mode='max', window=2, "
                                   "stride=2, padding=0, shift=1)")
