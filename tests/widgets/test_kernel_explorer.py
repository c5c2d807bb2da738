"""The kernel explorer shows what PyTorch computes, for every setting a student can reach."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_helpers.core.images import edge_image
from cnn_helpers.widgets.kernel_explorer import KernelExplorer
from cnn_helpers.widgets.kernel_readout import (
    CHECKERBOARD,
    CUSTOM,
    EDGE_IMAGE,
    KERNELS,
    MAX_KERNEL,
    parse_kernel,
)

SMALL_PHOTO = "photo: camera"  # resized to 10x10 for the sweep
FIXED_KERNELS = ["edge [1, -1]", "edge [1, -1] transposed", "Sobel x", "Laplacian"]


@pytest.fixture(scope="module")
def explorer():
    # small pictures (display=48 pixels) keep the PNG encoding of ~2000 updates quick
    return KernelExplorer(photo_size=10, display=48)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one torch thread is faster, as inside the widget (single_thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def nn_conv2d_shape(X, K, stride, padding):
    layer = nn.Conv2d(1, 1, tuple(K.shape), stride=stride, padding=padding, bias=False)
    with torch.no_grad():
        return tuple(layer(X[None, None]).shape[-2:])


def fits(X, K, padding):
    return all(k <= n + 2 * padding for n, k in zip(X.shape, K.shape))


def settings_to_sweep():
    for image, stride, padding in itertools.product(
        [EDGE_IMAGE, CHECKERBOARD, SMALL_PHOTO], range(1, 5), range(4)
    ):
        for size in range(1, MAX_KERNEL + 1):
            yield dict(image=image, kernel="box blur", kernel_size=size, stride=stride,
                       padding=padding)
        for kernel in FIXED_KERNELS:
            yield dict(image=image, kernel=kernel, stride=stride, padding=padding)


def test_every_setting_shows_pytorchs_shape_and_values_or_a_message(explorer):
    checked = messages = 0
    for settings in settings_to_sweep():
        readout = explorer.update(**settings)
        X = explorer.input_tensor(settings["image"])
        K = explorer.kernel_tensor(settings["kernel"], settings.get("kernel_size", 3), "")
        stride, padding = settings["stride"], settings["padding"]
        if not fits(X, K, padding):
            assert readout is None and "larger than the padded input" in explorer.error, settings
            messages += 1
            continue
        assert explorer.error is None, (settings, explorer.error)
        shape = nn_conv2d_shape(X, K, stride, padding)
        assert readout.output_shape == shape, settings
        expected = F.conv2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]
        last = (shape[0] - 1, shape[1] - 1)
        for position in {(0, 0), last}:  # the corners, where the padding matters
            readout = explorer.update(row=position[0], col=position[1])
            assert readout.position == position
            assert readout.selected_value == pytest.approx(float(expected[position]), abs=1e-5)
            assert float(readout.products.sum()) == pytest.approx(readout.selected_value, abs=1e-5)
            checked += 1
        assert f"output shape: {shape[0]} x {shape[1]}" in readout.formula
    assert checked > 800 and messages > 10  # the sweep reached both kinds of setting


def test_position_sliders_follow_the_output_shape(explorer):
    readout = explorer.update(image=EDGE_IMAGE, kernel="Sobel x", stride=1, padding=1, row=5, col=7)
    assert readout.output_shape == (6, 8) and readout.position == (5, 7)
    readout = explorer.update(stride=4)  # 2x2 output: the selected element moves inside it
    assert readout.output_shape == (2, 2) and readout.position == (1, 1)
    assert explorer._controls["row"].max == 1 and explorer._controls["col"].max == 1


def test_the_notes_edge_example_marks_both_vertical_edges():
    readout = KernelExplorer().update(kernel="edge [1, -1]", stride=1, padding=0)
    expected = torch.zeros(6, 7)
    expected[:, 1], expected[:, 5] = 1, -1  # white -> black, black -> white
    assert torch.equal(readout.output, expected)


def test_formula_uses_total_padding_and_pytorchs_per_side_form():
    readout = KernelExplorer(image=edge_image(), kernel="Sobel x").update(padding=1, stride=2)
    assert "p = total padding = 2 x 1 = 2" in readout.formula
    assert "(6 - 3 + 2 + 2) / 2\u230b = 3" in readout.formula
    assert "(8 + 2 x 1 - 3) / 2\u230b + 1 = 4" in readout.formula
    assert readout.output_shape == (3, 4)


def test_a_malformed_custom_kernel_is_a_message_not_an_exception():
    explorer = KernelExplorer(kernel=CUSTOM)
    for text in ["1 2; 3", "1 x 2", "", "1/0", "; ".join(["1 " * 10] * 10)]:
        assert explorer.update(custom=text) is None
        assert explorer.error and ("custom kernel" in explorer.error
                                   or explorer.error.startswith("type the kernel's rows"))
    readout = explorer.update(custom="1 0 -1\n2 0 -2\n1 0 -1")
    assert explorer.error is None and torch.equal(readout.kernel, KERNELS["Sobel x"].flip(1))


def test_custom_kernels_accept_the_usual_spellings():
    expected = torch.tensor([[1.0, 0.5], [0.0, -1.0]])
    for text in ["1 0.5\n0 -1", "1, 1/2; 0, -1", "[[1, 0.5], [0, -1]]"]:
        assert torch.equal(parse_kernel(text), expected), text


def test_a_photo_and_its_own_image_work_too():
    explorer = KernelExplorer(image=torch.rand(20, 30), kernel="Laplacian", padding=1,
                              photo_size=32)
    assert explorer.update(stride=3).output_shape == (7, 10)
    assert explorer.describe().startswith("KernelExplorer(image='your image'")
    for name in explorer.inputs:
        assert explorer.update(image=name, stride=1, padding=0) is not None, name


def test_an_impossible_setting_hides_the_pictures_and_says_why_in_plain_words():
    explorer = KernelExplorer(kernel="box blur", kernel_size=3)
    assert explorer.input_picture.value.tobytes().startswith(b"\x89PNG")
    assert explorer.output_picture.value.tobytes().startswith(b"\x89PNG")
    assert explorer.update(kernel_size=9, padding=0) is None
    assert "larger than the padded input (6 + 0 = 6)" in explorer.error
    assert "Traceback" not in explorer.message.value and "&#9888;" in explorer.message.value
    assert explorer.body.layout.display == "none"
    assert explorer.update(padding=2) is not None  # 6 + 4 = 10 rows: the 9x9 window fits again
    assert explorer.body.layout.display is None and explorer.message.value == ""


def test_a_slider_on_the_256_photo_answers_within_a_second():
    """Moved from chapter 1's notebook: dragging the stride slider back and forth on the
    full-size photo (compute and drawing, no browser) takes well under a second per update."""
    import statistics

    explorer = KernelExplorer()
    explorer.update(image="photo: camera", kernel="Sobel x", padding=1)
    times = []
    for stride in [1, 2, 3, 4] * 3:
        explorer.update(stride=stride)
        times.append(explorer.last_update_ms)
    assert statistics.median(times) < 1000, times


def test_an_all_zero_output_is_called_all_zero_not_a_scale_from_0_to_0():
    from cnn_helpers.widgets.kernel_readout import feature_map_picture

    _, legend = feature_map_picture(torch.zeros(4, 5), 1)
    assert legend == "every value is 0 (black)"
    _, legend = feature_map_picture(torch.tensor([[0.0, 2.0]]), 1)
    assert legend == "black = 0, white = 2"
