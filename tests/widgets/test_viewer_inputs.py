"""Kind 3 of issue 25, in the viewers: images and labels straight from numpy, of any type."""

import numpy as np
import pytest
import torch

from cnn_helpers import models
from cnn_helpers.widgets.feature_maps import FeatureMapViewer
from cnn_helpers.widgets.kernel_explorer import KernelExplorer
from cnn_helpers.widgets.network_explorer import NetworkExplorer

RNG = np.random.default_rng(0)
PIXELS = (RNG.random((3, 1, 28, 28)) * 255).astype(np.uint8)  # as PIL and numpy give them


@pytest.mark.parametrize("viewer", [FeatureMapViewer, NetworkExplorer])
def test_the_net_viewers_take_uint8_numpy_images_and_int32_labels(viewer):
    torch.manual_seed(0)
    net = models.lenet()
    shown = viewer(net, PIXELS, np.array([3, 1, 4], dtype=np.int32), tuple("0123456789"))
    as_floats = viewer(net, torch.from_numpy(PIXELS).float() / 255,
                       torch.tensor([3, 1, 4]), tuple("0123456789"))
    assert shown.images.dtype == torch.float32 and torch.equal(shown.images, as_floats.images)
    assert shown.labels.dtype == torch.int64 and "true label: 3" in shown.prediction_text(
        torch.zeros(10), 0)


def test_the_net_viewers_say_what_float64_images_become(capsys):
    FeatureMapViewer(models.lenet(), PIXELS / 255.0)
    assert "images are float64: computed in float32" in capsys.readouterr().out


def test_the_kernel_explorer_takes_a_numpy_image_of_any_type():
    for image in (PIXELS[0, 0], PIXELS[0, 0] / 255.0, PIXELS[0, 0].astype(np.int64)):
        explorer = KernelExplorer(image=image)
        assert "your image" in explorer.inputs
        own = explorer.inputs["your image"]()
        assert own.dtype == torch.float32 and 0 <= own.min() and own.max() <= 1
    with pytest.raises(ValueError, match="hold NaN"):
        KernelExplorer(image=np.full((8, 8), np.nan))
