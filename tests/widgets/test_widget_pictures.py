"""Widget pictures: an impossible setting shows its message, never a broken-image icon."""

import numpy as np

from cnn_helpers.widgets.common import picture, shown_at_own_size
from cnn_helpers.widgets.setup_check import WidgetCheck


def test_an_empty_picture_is_hidden_and_a_drawn_one_shown():
    image = picture()
    assert image.layout.display == "none"
    image.value = picture(np.zeros((2, 3, 3), np.uint8)).value
    assert image.layout.display is None
    image.value = b""
    assert image.layout.display == "none"


def test_the_setup_widget_hides_its_picture_for_an_impossible_kernel():
    check = WidgetCheck()
    assert check.output_picture.layout.display is None
    assert check.update(kernel_size=7) is None and "larger than the padded input" in check.error
    assert check.output_picture.value == b"" and check.output_picture.layout.display == "none"


def test_a_picture_shown_at_its_own_size_is_neither_stretched_nor_squeezed():
    image = picture()
    shown_at_own_size(image, np.zeros((30, 50, 3), np.uint8))
    assert (image.layout.width, image.layout.height) == ("50px", "30px")
