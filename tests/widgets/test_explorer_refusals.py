"""A value a control cannot take is refused with a message, never clamped or cut in silence.

ipywidgets would quietly put ``stride=9`` on a 1-4 slider at 4 and turn
``2.5`` into 2; a student (or a notebook calling ``update``) would then see
a picture of a setting nobody asked for.
"""

import pytest
import torch

from cnn_helpers import models
from cnn_helpers.widgets.feature_maps import FeatureMapViewer
from cnn_helpers.widgets.kernel_explorer import KernelExplorer
from cnn_helpers.widgets.pooling_explorer import PoolingExplorer
from cnn_helpers.widgets.receptive_explorer import ReceptiveFieldExplorer


def _viewer(**options):
    return FeatureMapViewer(models.lenet(), torch.rand(3, 1, 28, 28), **options)


EXPLORERS = {
    "kernel": KernelExplorer,
    "receptive": ReceptiveFieldExplorer,
    "pooling": lambda **options: PoolingExplorer(photo_size=64, **options),
    "feature maps": _viewer,
}

# (explorer, refused changes, words the message must hold)
REFUSED = [
    ("kernel", {"stride": 9}, "stride: 9 is outside the range 1 to 4"),
    ("kernel", {"padding": -1}, "padding: -1 is outside the range 0 to 3"),
    ("kernel", {"stride": 2.5}, "stride: 2.5 is not a whole number"),
    ("kernel", {"kernel": "Gabor"}, "kernel: 'Gabor' is not one of the choices"),
    ("kernel", {"custom": 3}, "your kernel: 3 is not text"),
    ("kernel", {"padding": 1, "row": 40}, "output row: 40 is outside the range 0 to 7"),
    ("receptive", {"layer": 7}, "layer: 7 is outside the range 0 to 1"),
    ("receptive", {"stack": "LeNet (28x28)", "row": 99}, "output row: 99 is outside"),
    ("receptive", {"background": "video"}, "input shows: 'video' is not one of the choices"),
    ("pooling", {"window": 0}, "window: 0 is outside the range 1 to 8"),
    ("pooling", {"mode": "median"}, "mode: 'median' is not one of the choices ('max', 'avg')"),
    ("feature maps", {"image": 3}, "test image: 3 is outside the range 0 to 2"),
    ("feature maps", {"layer": 6}, "layer: 6 is not one of the choices"),
]


@pytest.mark.parametrize("name, changes, words", REFUSED,
                         ids=[f"{name}-{'-'.join(map(str, c.values()))}" for name, c, _ in REFUSED])
def test_an_impossible_value_is_refused_and_nothing_changes(name, changes, words):
    explorer = EXPLORERS[name]()
    before = explorer.settings
    assert explorer.update(**changes) is None
    assert words in explorer.error
    assert "&#9888;" in explorer.message.value  # shown to the student, not only stored
    assert explorer.settings == before  # every control back where it was, pictures too
    assert explorer.update() is not None and explorer.error is None  # and it goes on working


def test_a_refused_value_leaves_the_pictures_of_the_last_good_setting():
    explorer = KernelExplorer(kernel="Sobel x", padding=1)
    shown = explorer.update(stride=2)
    picture = explorer.output_picture.value
    assert explorer.update(stride=2, padding=7) is None  # padding refused: stride stays 2 too
    assert explorer.settings["stride"] == 2 and explorer.output_picture.value == picture
    assert explorer.update().output_shape == shown.output_shape


def test_ranges_that_follow_other_controls_still_move_along():
    """Not a refusal: a smaller output moves the selected element inside it (as before)."""
    explorer = KernelExplorer(kernel="Sobel x", padding=1)
    readout = explorer.update(row=5, col=7)
    assert readout.position == (5, 7)
    readout = explorer.update(stride=4)
    assert readout.output_shape == (2, 2) and readout.position == (1, 1) and explorer.error is None


@pytest.mark.parametrize("name, options, words", [
    ("kernel", {"stride": 9}, "KernelExplorer: stride: 9 is outside the range 1 to 4"),
    ("kernel", {"image": "moon"}, "KernelExplorer: input: 'moon' is not one of the choices"),
    ("receptive", {"input_size": 1}, "ReceptiveFieldExplorer: input size: 1 is outside the range 3 to 256"),
    ("pooling", {"shift": 99}, "PoolingExplorer: shift"),
    ("feature maps", {"layer": 9}, "FeatureMapViewer: layer: 9 is not one of the choices"),
])
def test_an_impossible_starting_value_is_a_clear_error_in_the_notebooks_code(name, options, words):
    with pytest.raises(ValueError, match="^" + words.replace("(", r"\(")):
        EXPLORERS[name](**options)


def test_negative_layer_and_position_still_mean_the_last_one():
    explorer = ReceptiveFieldExplorer(stack="LeNet (28x28)")
    readout = explorer.update(layer=-1, row=-1, col=-1)
    table = readout.table
    last = table[len(table) - 1].output_size
    assert explorer.settings["layer"] == len(table) - 1
    assert (explorer.settings["row"], explorer.settings["col"]) == (last[0] - 1, last[1] - 1)
