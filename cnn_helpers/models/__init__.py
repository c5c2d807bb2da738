"""The architectures of the course, one module per family (chapters 3-10).

=============  ===========  ==================================================
module         chapter      builds
=============  ===========  ==================================================
``lenet``      3            ``lenet``
``alexnet``    4            ``alexnet``
``vgg``        5            ``vgg_block``, ``vgg`` (``VGG11``)
``nin``        6            ``nin_block``, ``nin``
``googlenet``  7            ``Inception``, ``googlenet`` (``INCEPTION_BLOCKS``)
``lenet_bn``   8            ``lenet_bn``
``resnet``     9            ``Residual``, ``resnet18``, ``cifar_style_net``, ...
``densenet``   10           ``conv_block``, ``DenseBlock``, ``transition_block``, ``densenet``
``counting``   3-10         ``count_parameters``, ``multiply_adds``, ``layer_shapes``
``common``     4-10         ``scaled`` (narrower nets), ``init_kaiming``
=============  ===========  ==================================================

Each builder returns an ``nn.Sequential`` so a student can index it, walk an
input through it layer by layer, and hand it to ``FeatureMapViewer``. Shapes
in the comments are ``N x C x H x W`` for Fashion-MNIST images (1x28x28, or
resized as the book does: 224x224 for AlexNet, VGG and NiN, 96x96 for
GoogLeNet, ResNet and DenseNet). Every name is importable from here
(``from cnn_helpers import models; models.resnet18()``).
"""

from cnn_helpers.models.alexnet import ALEXNET_MIN_SIZE, alexnet
from cnn_helpers.models.common import init_kaiming, scaled
from cnn_helpers.models.counting import (
    count_parameters,
    layer_shapes,
    multiply_adds,
    smallest_input,
)
from cnn_helpers.models.densenet import DenseBlock, conv_block, densenet, transition_block
from cnn_helpers.models.googlenet import INCEPTION_BLOCKS, Inception, googlenet
from cnn_helpers.models.lenet import lenet
from cnn_helpers.models.lenet_bn import lenet_bn
from cnn_helpers.models.nin import NIN_MIN_SIZE, nin, nin_block
from cnn_helpers.models.resnet import (
    RESNET18,
    RESNET34,
    PreActivationResidual,
    Residual,
    cifar_style_net,
    first_layer_gradient,
    resnet,
    resnet18,
    resnet34,
    resnet_block,
    weighted_layers,
)
from cnn_helpers.models.vgg import VGG11, vgg, vgg_block

__all__ = [
    "ALEXNET_MIN_SIZE", "INCEPTION_BLOCKS",
    "NIN_MIN_SIZE", "RESNET18", "RESNET34", "VGG11", "DenseBlock",
    "Inception", "PreActivationResidual", "Residual", "alexnet", "build",
    "cifar_style_net", "conv_block", "count_parameters", "densenet", "first_layer_gradient",
    "googlenet", "init_kaiming", "layer_shapes", "lenet", "lenet_bn", "multiply_adds", "nin",
    "nin_block", "resnet", "resnet18", "resnet34", "resnet_block", "scaled", "smallest_input",
    "transition_block", "vgg", "vgg_block", "weighted_layers",
]
