"""``fit``'s live view in a notebook: one progress bar and one plot, both updated in place.

Cheap on purpose: one tqdm bar, reset each epoch, and one plot updated in
place at the end of each epoch and, within a long epoch, at most once every
``REDRAW_S`` seconds with the running training loss so far (a run of two
epochs draws as it goes). d2l's Animator redraws the whole figure five times
per epoch, which dominates a small net's training time; a redraw here costs
about 50 ms, so at most 2-3 % of a long epoch and nothing in a short one.
"""

from __future__ import annotations

import time

import torch

from cnn_helpers.training.history import PLOT_DPI, PLOT_FONT_SIZE, PLOT_SIZE, History

REDRAW_S = 3.0  # within an epoch, the plot is redrawn at most this often


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _publish(figure, handle):
    """Show ``figure`` (first call) or replace it in place (later calls); returns the handle."""
    from IPython.display import display

    if handle is None:
        return display(figure, display_id=True)
    handle.update(figure)
    return handle


class _LivePlot:
    """One small figure, replaced in place in the notebook: each finished epoch's numbers
    and, within an epoch, the running training loss at fractions of an epoch."""

    def __init__(self, epochs: int, title: str | None = None):
        import matplotlib.pyplot as plt

        self.figure, self.ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI,
                                            layout="constrained")
        plt.close(self.figure)  # shown only through the display handle, not again at cell end
        self.epochs, self.handle, self.title = epochs, None, title
        self.history = History()
        self.running: tuple[list[float], list[float]] = ([], [])  # (epoch fraction, loss)
        self.drawn_at = time.monotonic()

    def add_running_loss(self, epochs_done: float, loss: float) -> None:
        """A running loss ``epochs_done`` epochs in; redrawn when ``REDRAW_S`` have passed."""
        self.running[0].append(epochs_done)
        self.running[1].append(loss)
        if time.monotonic() - self.drawn_at >= REDRAW_S:
            self._draw()

    def new_epoch(self) -> None:
        """The running loss starts again: a gap in its line, not a jump."""
        if self.running[0]:
            self.running[0].append(float("nan"))
            self.running[1].append(float("nan"))

    def update(self, history: History):
        self.history = history
        self._draw()

    def _draw(self):
        self.ax.clear()
        x, losses = self.running
        if x:
            self.ax.plot(x, losses, color="0.55", lw=1.5,
                         label="train loss so far in the epoch")
        if self.history.epochs:
            self.history.plot(self.ax)
        else:
            self.ax.set_xlabel("epoch", fontsize=PLOT_FONT_SIZE)
            self.ax.tick_params(labelsize=PLOT_FONT_SIZE)
            self.ax.legend(loc="best", fontsize=PLOT_FONT_SIZE, framealpha=0.85)
        self.ax.set_xlim(0 if x else 1, max(2, self.epochs))
        if self.title:
            self.ax.set_title(self.title, fontsize=PLOT_FONT_SIZE + 1)
        first = [loss for loss in losses[:3] if loss == loss]  # the NaNs are the gaps
        self.ax.set_ylim(0, max([1.0, *self.history.train_loss[:1], *first]) * 1.05)
        self.handle = _publish(self.figure, self.handle)
        self.drawn_at = time.monotonic()


def _progress_bar(live: bool, total: int | None):
    if not live:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, leave=False, unit="batch", mininterval=0.5)


class LiveView:
    """The bar and the plot of one ``fit`` run; does nothing when not ``live``.

    ``live``: None means in a notebook only. Used as ``with LiveView(...) as view``:
    the bar is closed however training ends (one bar, not one per epoch).
    """

    def __init__(self, live: bool | None, epochs: int, n_batches: int | None,
                 title: str | None = None):
        live = _in_notebook() if live is None else live
        self.plot = _LivePlot(epochs, title) if live else None
        self.bar = _progress_bar(live, n_batches)
        self.epochs, self.n_batches, self.epoch = epochs, n_batches, 0

    def __enter__(self) -> LiveView:
        return self

    def __exit__(self, *error) -> None:
        if self.bar is not None:
            self.bar.close()

    def start_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if self.plot is not None:
            self.plot.new_epoch()
        if self.bar is not None:
            self.bar.reset(total=self.n_batches)
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)

    def show_batch(self, batch: int, mean_loss: float, correct: torch.Tensor, seen: int) -> None:
        """The running loss and accuracy after ``batch`` (read from the device only when shown)."""
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{mean_loss:.3f}", acc=f"{float(correct) / seen:.3f}",
                                 refresh=False)
            self.bar.update(batch - self.bar.n)
        if self.plot is not None and self.n_batches:  # where in the run: known from the length
            self.plot.add_running_loss(self.epoch - 1 + batch / self.n_batches, mean_loss)

    def show_epoch(self, history: History) -> None:
        if self.plot is not None:
            self.plot.update(history)
