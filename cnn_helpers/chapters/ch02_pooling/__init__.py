"""Chapter 2, pooling (池化层): the record. Its measurements: ``invariance`` (what survives a
shift, a rotation, a rescaling), ``texture`` (background, texture, blur), ``costs`` (what pooling
saves), ``errors`` (the variance of the window's estimate), ``in_use`` (which pooling the nets use),
with ``fast.pool``, ``ops.pool2d``'s fast twin; its exercises in ``exercises``, its figures in
``figures``. The notebook shows ``pool2d`` in a ``#@save`` cell (``code``)."""

from cnn_helpers.chapters.record import Chapter

CHAPTER = Chapter(2, "pooling", "Pooling (池化层)", "02_pooling",
                  code={"cnn_helpers.ops.pooling": ("pool2d",)})
