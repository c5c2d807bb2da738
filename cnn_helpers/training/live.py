"""``fit``'s live view in a notebook: one progress bar and one plot, both updated in place.

Cheap on purpose: one tqdm bar, reset each epoch, and one plot updated in
place once per epoch (d2l's Animator redraws the whole figure five times
per epoch, which dominates a small net's training time).
"""

from __future__ import annotations

import torch

from cnn_helpers.training.history import PLOT_DPI, PLOT_SIZE, History


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
    """One small figure, redrawn once per epoch and replaced in place in the notebook."""

    def __init__(self, epochs: int):
        import matplotlib.pyplot as plt

        self.figure, self.ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI,
                                            layout="constrained")
        plt.close(self.figure)  # shown only through the display handle, not again at cell end
        self.epochs, self.handle = epochs, None

    def update(self, history: History):
        self.ax.clear()
        history.plot(self.ax)
        self.ax.set_xlim(1, max(2, self.epochs))
        self.ax.set_ylim(0, max(1.0, max(history.train_loss[:1] + [1.0]) * 1.05))
        self.handle = _publish(self.figure, self.handle)


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

    def __init__(self, live: bool | None, epochs: int, n_batches: int | None):
        live = _in_notebook() if live is None else live
        self.plot = _LivePlot(epochs) if live else None
        self.bar = _progress_bar(live, n_batches)
        self.epochs, self.n_batches = epochs, n_batches

    def __enter__(self) -> LiveView:
        return self

    def __exit__(self, *error) -> None:
        if self.bar is not None:
            self.bar.close()

    def start_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.reset(total=self.n_batches)
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)

    def show_batch(self, batch: int, mean_loss: float, correct: torch.Tensor, seen: int) -> None:
        """The running loss and accuracy after ``batch`` (read from the device only when shown)."""
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{mean_loss:.3f}", acc=f"{float(correct) / seen:.3f}",
                                 refresh=False)
            self.bar.update(batch - self.bar.n)

    def show_epoch(self, history: History) -> None:
        if self.plot is not None:
            self.plot.update(history)
