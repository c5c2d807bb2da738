"""Chapter 11, the networks side by side (卷积神经网络对比): the record. It trains nothing
itself: it reads every other chapter's record (``columns``: the costs computed from the builders)
and the benchmarks' results (``measurements``), joins them row by row (``table``) and plots them
(``plots``)."""

from cnn_helpers.chapters.record import Chapter

CHAPTER = Chapter(11, "comparison", "The networks side by side (卷积神经网络对比)",
                  "11_comparison")
