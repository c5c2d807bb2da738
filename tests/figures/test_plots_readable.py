"""Training curves readable from the back of a room (issue #11: the projector)."""

import matplotlib

matplotlib.use("Agg")

from cnn_helpers.training import PLOT_FONT_SIZE, History, _LivePlot  # noqa: E402

BODY_TEXT_PX = 14  # JupyterLab's --jp-content-font-size1


def _history(epochs: int) -> History:
    return History(train_loss=[2.3 / (e + 1) for e in range(epochs)],
                   train_acc=[0.1 + 0.15 * e for e in range(epochs)],
                   test_acc=[0.1 + 0.14 * e for e in range(epochs)])


def _text_sizes_px(ax) -> list[float]:
    texts = [ax.xaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels(),
             *ax.get_legend().get_texts()]
    return [text.get_fontsize() * ax.figure.dpi / 72 for text in texts]


def test_a_five_epoch_plot_ticks_on_whole_epochs_only():
    ax = _history(5).plot()
    ax.figure.canvas.draw()
    ticks = [tick for tick in ax.get_xticks() if 1 <= tick <= 5]
    assert ticks == [1, 2, 3, 4, 5]


def test_every_text_is_at_least_as_large_as_the_notebooks_body_text():
    ax = _history(3).plot()
    assert min(_text_sizes_px(ax)) >= BODY_TEXT_PX
    assert PLOT_FONT_SIZE * 80 / 72 >= BODY_TEXT_PX


def test_the_figure_is_large_but_fits_beside_the_file_browser():
    width, height = _history(3).plot().figure.get_size_inches() * 80
    assert 600 <= width <= 800 and height >= 320


def test_the_live_plot_looks_the_same():
    live = _LivePlot(epochs=4)
    live.ax.clear()
    _history(2).plot(live.ax)
    live.figure.canvas.draw()
    assert min(_text_sizes_px(live.ax)) >= BODY_TEXT_PX
    assert [t for t in live.ax.get_xticks() if 1 <= t <= 2] == [1, 2]
    assert tuple(live.figure.get_size_inches() * live.figure.dpi) == (640, 360)


def test_chapter_9s_degradation_plot_ticks_on_whole_epochs_and_reads_from_the_back():
    from cnn_helpers.chapters.ch09_resnet import degradation

    runs = [degradation.DepthRun(layers, shortcut, _history(4)) for shortcut in (False, True)
            for layers in (20, 56)]
    ax = degradation.plot_losses(runs)
    ax.figure.canvas.draw()
    assert [tick for tick in ax.get_xticks() if 1 <= tick <= 4] == [1, 2, 3, 4]
    assert min(_text_sizes_px(ax)) >= BODY_TEXT_PX
