"""cnn_helpers: the small library behind the CNN course's notebooks.

One concept per module, each short enough to read in one sitting:

* ``devices``   -- CUDA, Apple MPS or CPU (``try_gpu``, ``describe_device``)
* ``profiles``  -- smoke / class / full run settings (``settings``)
* ``ops``       -- convolution and pooling from scratch (chapters 1-2)
* ``receptive`` -- receptive fields, analytic and by autograd (1.2)
* ``convolution`` -- chapter 1's demonstrations (a Conv2D layer, learning a kernel, counts)
* ``pooling``   -- chapter 2's measurements (invariance, GAP head, compression)
* ``googlenet`` -- chapter 7's measurements (Inception paths, 1x1 reductions, the notes' channels)
* ``data``      -- Fashion-MNIST with an offline fallback; ``training`` -- ``fit``
* ``augment``   -- image augmentation per batch on the device (chapter 4)
* ``normalization`` -- batch normalization from scratch, ``batch_norm`` and ``BatchNorm`` (chapter 8)
* ``models``    -- the architectures (LeNet, AlexNet, ...) as ``nn.Sequential`` builders
* ``images``    -- the notes' edge image, patterns and offline photos
* ``render``    -- fast array-to-PNG drawing for widgets
* ``widgets``   -- the interactive explorers
* ``exercises`` -- checked exercises with instant feedback
* ``figures``   -- the figures in ``images/``, drawn by code
"""

from cnn_helpers.chapters import load_for, settings
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
    "autograd_receptive_field", "conv2d", "conv_output_shape", "convolve2d", "corr2d",
    "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "current_profile",
    "describe_device", "load_for", "pool2d", "receptive_field", "receptive_field_table", "same_padding",
    "settings", "try_gpu",
]
