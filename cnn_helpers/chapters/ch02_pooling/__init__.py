"""Chapter 2, pooling (池化层): the record. Its measurements are in ``checks``, its exercises
in ``exercises``, its figures in ``figures``."""

from cnn_helpers.chapters.record import Chapter

CHAPTER = Chapter(2, "pooling", "Pooling (池化层)", "02_pooling")
