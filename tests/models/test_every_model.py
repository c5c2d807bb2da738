"""What every net of the course must satisfy, one table for all of them (chapters 3-10).

Each row: a builder and its options (the book's net, and the narrower one the class profile
trains), its parameter count, and the smallest square image it accepts. Every net must build
with exactly that many parameters, give one score per class, and run forward and backward on
its smallest image; one pixel less must be refused. The counts are the ones the notebooks and
the notes print (LeNet 61,706, AlexNet 46,764,746, VGG-11 128,806,154, ...).
"""

import pytest
import torch

from cnn_helpers import models

# id: (builder, options, parameters, smallest image side)
MODELS = {
    "lenet": (models.lenet, {}, 61_706, 28),
    "lenet-modern": (models.lenet, dict(pooling="max", activation="relu"), 61_706, 28),
    "alexnet": (models.alexnet, {}, 46_764_746, 193),
    "alexnet-class": (models.alexnet, dict(width=0.25, image_size=68), 1_361_594, 65),
    "vgg11": (models.vgg, {}, 128_806_154, 224),
    "vgg11-class": (models.vgg, dict(width=0.125, image_size=32, hidden=512), 445_482, 32),
    "nin": (models.nin, {}, 1_992_166, 67),
    "nin-class": (models.nin, dict(width=0.25, image_size=68), 133_798, 67),
    "googlenet": (models.googlenet, {}, 5_977_530, 1),
    "googlenet-class": (models.googlenet, dict(width=0.25, image_size=32), 377_478, 1),
    "lenet_bn": (models.lenet_bn, {}, 44_878, 28),
    "lenet_bn-pytorch": (models.lenet_bn, dict(implementation="pytorch"), 44_878, 28),
    "resnet18": (models.resnet18, {}, 11_178_378, 1),
    "resnet18-class": (models.resnet18, dict(width=0.25), 702_570, 1),
    "resnet34": (models.resnet34, {}, 21_290_250, 1),
    "cifar-plain-20": (models.cifar_style_net, dict(blocks_per_stage=3, residual=False, width=0.25), 17_426, 1),
    "cifar-residual-20": (models.cifar_style_net, dict(blocks_per_stage=3, residual=True, width=0.25), 17_610, 1),
    "cifar-plain-56": (models.cifar_style_net, dict(blocks_per_stage=9, residual=False, width=0.25), 54_722, 1),
    "cifar-residual-56": (models.cifar_style_net, dict(blocks_per_stage=9, residual=True, width=0.25), 54_906, 1),
    "densenet": (models.densenet, {}, 758_226, 29),
    "densenet-class": (models.densenet, dict(width=0.5), 192_846, 29),
}
# forward and backward on the full VGG-11 costs seconds of CPU; its narrow row runs the same code
TOO_SLOW_TO_RUN = {"vgg11"}


@pytest.mark.parametrize("name", MODELS)
def test_every_model_builds_with_its_known_parameter_count(name):
    builder, options, parameters, _ = MODELS[name]
    assert models.count_parameters(builder(**options)) == parameters


@pytest.mark.parametrize("name", [n for n in MODELS if n not in TOO_SLOW_TO_RUN])
def test_every_model_gives_ten_scores_and_every_parameter_a_gradient_on_its_smallest_image(name):
    builder, options, _, side = MODELS[name]
    torch.manual_seed(0)
    net = builder(**options).train()
    scores = net(torch.rand(2, 1, side, side))
    assert scores.shape == (2, 10)
    torch.nn.functional.cross_entropy(scores, torch.tensor([0, 1])).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
    if side > 1:
        with pytest.raises(RuntimeError):
            net.eval()(torch.zeros(2, 1, side - 1, side - 1))
