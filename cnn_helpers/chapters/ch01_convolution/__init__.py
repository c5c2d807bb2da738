"""Chapter 1, convolutional layers (卷积层): the record. Its measurements are in ``checks``,
its exercises in ``exercises``, its figures in ``figures``."""

from cnn_helpers.chapters.record import Chapter

CHAPTER = Chapter(1, "convolution", "Convolutional layers (卷积层)", "01_convolution")
