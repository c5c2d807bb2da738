"""Chapter 2, pooling (池化层): the record. Its measurements: ``invariance`` (what survives a
shift, a rotation, a rescaling), ``texture`` (background, texture, blur), ``costs`` (what pooling
saves), ``errors`` (the variance of the window's estimate), ``in_use`` (which pooling the nets
use), ``overfitting`` (LeNet with and without pooling: the run ``lenet_pooling``), with ``fast.pool``, ``ops.pool2d``'s fast twin; its exercises in ``exercises``, its figures in
``figures``. The notebook shows ``pool2d`` in a ``#@save`` cell (``code``)."""

from cnn_helpers.chapters.record import Chapter, Run

LENET_POOLING = Run(
    # LeNet with and without its two pooling layers (overfitting.train_alike): few training images
    # and many epochs, so that a net can memorize them. Seeds 0-2 measured by
    # benchmarks/overfitting.py lenet_pooling (results/overfitting_lenet_pooling.json).
    "lenet_pooling", "LeNet with and without pooling",
    profiles={
        "smoke": dict(epochs=2, batch_size=32, lr=0.05, train_examples=256, test_examples=256),
        "class": dict(epochs=30, batch_size=32, lr=0.05, train_examples=1_000,
                      test_examples=2_000),
        "full": dict(epochs=60, batch_size=32, lr=0.05, train_examples=1_000,
                     test_examples=None),
    })

CHAPTER = Chapter(2, "pooling", "Pooling (池化层)", "02_pooling", runs=(LENET_POOLING,),
                  code={"cnn_helpers.ops.pooling": ("pool2d",)})
