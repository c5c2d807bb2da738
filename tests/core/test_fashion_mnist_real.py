"""The real Fashion-MNIST, where a copy is at hand (CI points CNN_DATA_DIR at one; a fresh
offline clone has none, and these tests skip there).

The facts checked are those of the official release (Xiao et al. 2017): 60,000 training and
10,000 test images, 6,000 and 1,000 per class, the first labels, and the pixel statistics
measured on the official files.
"""

import pytest
import torch

from cnn_helpers.core import cache, data

pytestmark = pytest.mark.skipif(not cache.is_cached(),
                                reason=f"no copy of Fashion-MNIST in {cache.data_dir()}")


@pytest.fixture(scope="module")
def fashion():
    return data.load_data()


def test_it_is_fashion_mnist_and_not_the_fallback(fashion):
    assert fashion.key == "fashion_mnist" and not fashion.is_fallback
    assert fashion.classes[9] == "ankle boot"


def test_sixty_thousand_training_and_ten_thousand_test_images(fashion):
    assert fashion.train_images.shape == (60_000, 1, 28, 28)
    assert fashion.test_images.shape == (10_000, 1, 28, 28)


def test_every_class_has_six_thousand_training_and_one_thousand_test_images(fashion):
    assert torch.bincount(fashion.train_labels).tolist() == [6000] * 10
    assert torch.bincount(fashion.test_labels).tolist() == [1000] * 10


def test_the_first_labels_are_the_official_order(fashion):
    assert fashion.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert fashion.test_labels[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]


def test_pixel_statistics_match_the_official_files(fashion):
    for images, mean, std in ((fashion.train_images, 0.2860, 0.3530),
                              (fashion.test_images, 0.2868, 0.3524)):
        assert images.mean().item() == pytest.approx(mean, abs=5e-5)
        assert images.std().item() == pytest.approx(std, abs=5e-5)
