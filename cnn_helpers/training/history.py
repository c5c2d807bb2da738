"""What one ``fit`` run measured, epoch by epoch: ``History`` (chapter 3 onwards)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Training curves for the back of a room: 8 x 4.5 in at 80 dpi is 640 x 360 px (it fits
# beside JupyterLab's file browser at 1280 x 720); 13 pt at 80 dpi is 14.4 px, the size of
# JupyterLab's body text (--jp-content-font-size1, 14 px).
PLOT_SIZE, PLOT_DPI, PLOT_FONT_SIZE = (8, 4.5), 80, 13


@dataclass
class History:
    """Per-epoch numbers of one ``fit`` run (lists, one entry per finished epoch).

    ``record`` adds an epoch whole or not at all, so the lists always have one length
    (``test_acc`` may be empty: a run without test data).
    """

    device: str = "cpu"
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    examples_per_s: list[float] = field(default_factory=list)  # training examples only
    epoch_seconds: list[float] = field(default_factory=list)  # wall time incl. evaluation
    interrupted: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def record(self, train_loss: float, train_acc: float, examples_per_s: float,
               epoch_seconds: float, test_acc: float | None = None) -> None:
        """Add one finished epoch's numbers, all of them or -- interrupted -- none."""
        lists = self._lists()
        lengths = [len(values) for values in lists.values()]
        try:
            self.train_loss.append(train_loss)
            self.train_acc.append(train_acc)
            self.examples_per_s.append(examples_per_s)
            self.epoch_seconds.append(epoch_seconds)
            if test_acc is not None:
                self.test_acc.append(test_acc)
        except BaseException:  # e.g. Ctrl-C between two appends: back to the last whole epoch
            for values, length in zip(lists.values(), lengths):
                del values[length:]
            raise

    def _lists(self) -> dict[str, list[float]]:
        return {"train_loss": self.train_loss, "train_acc": self.train_acc,
                "test_acc": self.test_acc, "examples_per_s": self.examples_per_s,
                "epoch_seconds": self.epoch_seconds}

    def check(self) -> None:
        """Raise a ``ValueError`` naming the lists when they do not hold one entry per epoch
        (a list may be empty: a number that was not measured)."""
        lengths = {name: len(values) for name, values in self._lists().items() if values}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{name} {length}" for name, length in lengths.items())
            raise ValueError(f"this History's lists differ in length ({listed}): an epoch was "
                             "recorded in part, so its numbers cannot be paired by epoch")

    def summary(self) -> str:
        """One line, like the last line d2l prints (a ``ValueError`` from ``check`` first)."""
        self.check()
        if not self.epochs:
            return "no finished epoch: " + no_epoch_reason(self)
        test = f", test acc {self.test_acc[-1]:.3f}" if self.test_acc else ""
        train = f", train acc {self.train_acc[-1]:.3f}" if self.train_acc else ""
        speed = (f"; {sum(self.examples_per_s) / self.epochs:,.0f} examples/s"
                 if self.examples_per_s else "; trained")
        return (f"loss {self.train_loss[-1]:.3f}{train}{test}{speed} on {self.device}, "
                f"{self.epochs} epochs"
                + (" (interrupted)" if self.interrupted else ""))

    def as_dict(self) -> dict:
        return asdict(self)

    def plot(self, ax=None):
        """Loss and accuracies against the epoch, on ``ax`` (a new figure if None).

        Sized for a projector: 640 x 360 px, text as large as the notebook's body
        text (``PLOT_FONT_SIZE``), thick lines, a tick on whole epochs only. Raises the
        ``ValueError`` of ``check`` when the lists differ in length.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        self.check()
        if ax is None:
            _, ax = plt.subplots(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
        epochs = range(1, self.epochs + 1)
        # markers: one epoch is a point, not an invisible line
        ax.plot(epochs, self.train_loss, "o-", lw=2.5, label="train loss")
        if self.train_acc:
            ax.plot(epochs, self.train_acc, "s--", lw=2.5, label="train acc")
        if self.test_acc:
            ax.plot(epochs, self.test_acc, "^:", lw=3, label="test acc")
        ax.set_xlabel("epoch", fontsize=PLOT_FONT_SIZE)
        ax.set_xlim(1, max(2, self.epochs))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=PLOT_FONT_SIZE)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=PLOT_FONT_SIZE, framealpha=0.85)
        return ax


def no_epoch_reason(history: History) -> str:
    """Why a history has no epoch, as a student reads it."""
    if history.interrupted:
        return "training was interrupted before the first epoch finished"
    return "no epoch was run (epochs=0)"
