"""cnn_helpers: the small library behind the CNN course's notebooks (see ARCHITECTURE.md).

Laid out like the course, each module short enough to read in one sitting:

* ``core``     -- devices (``try_gpu``), run profiles, Fashion-MNIST with an offline fallback,
  input images, fast drawing for widgets, the students' working copy
* ``ops``      -- convolution, pooling, receptive fields and batch norm from scratch (ch. 1, 2, 8)
* ``models``   -- the architectures, one module per family (LeNet ... DenseNet, ch. 3-10)
* ``training`` -- ``fit``, the book's training loop made fast, and its history
* ``chapters`` -- one folder per chapter: its record (runs, settings, targets, paper), its
  measurements and checks, its exercises and figures; ``settings``, ``load_for``, ``train``
* ``widgets``  -- the interactive explorers; ``figures`` -- the figures in ``images/``

The names every notebook uses are importable from here (``from cnn_helpers import try_gpu``).
"""

from cnn_helpers.chapters import check_training, load_for, settings
from cnn_helpers.core.claims import claim
from cnn_helpers.core.devices import describe_device, try_gpu
from cnn_helpers.core.profiles import current_profile
from cnn_helpers.ops import (
    conv2d,
    conv_output_shape,
    convolve2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    pool2d,
    same_padding,
)
from cnn_helpers.ops.receptive import (
    autograd_receptive_field,
    receptive_field,
    receptive_field_table,
)

__version__ = "0.1.0"

__all__ = [
    "autograd_receptive_field", "check_training", "claim", "conv2d", "conv_output_shape", "convolve2d", "corr2d",
    "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "current_profile",
    "describe_device", "load_for", "pool2d", "receptive_field", "receptive_field_table", "same_padding",
    "settings", "try_gpu",
]
