"""Chapter 1, convolutional layers (卷积层): the record. Its measurements are in ``checks``,
its exercises in ``exercises``, its figures in ``figures``. The notebook shows ``corr2d`` and its
channel versions, ``convolve2d`` and the layer ``Conv2D`` in ``#@save`` cells (``code``)."""

from cnn_helpers.chapters.record import Chapter

CHAPTER = Chapter(1, "convolution", "Convolutional layers (卷积层)", "01_convolution", code={
    "cnn_helpers.ops.convolution": ("corr2d", "convolve2d", "corr2d_multi_in", "corr2d_multi_in_out",
                                    "corr2d_multi_in_out_1x1"),
    "cnn_helpers.chapters.ch01_convolution.checks": ("Conv2D",),
})
