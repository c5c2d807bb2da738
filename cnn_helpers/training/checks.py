"""What a finished run is judged by: ``judged_accuracy`` (its last epoch), and ``plateau_exit`` (chapter 3 prints
when the sigmoid LeNet left its plateau instead of stating it). The check against a chapter's
target is ``cnn_helpers.chapters.check_training``, which reads the chapter's record.
"""

from __future__ import annotations

from cnn_helpers.training.history import History


def plateau_exit(history: History, steps_per_epoch: int,
                 below: float = 2.2) -> tuple[int, int] | None:
    """When a run left the loss plateau at ln 10 = 2.30 (chance for 10 classes): ``(epoch, steps)``.

    ``epoch`` (counted from 1) is the first whose mean training loss is below
    ``below``; ``steps`` = ``epoch * steps_per_epoch`` is the number of SGD
    steps taken by its end, an upper bound on when the net left the plateau
    (the history keeps one loss per epoch). None when every epoch stayed on it.
    Used by chapters 3 and 8 to print the number instead of stating one.
    """
    for epoch, loss in enumerate(history.train_loss, start=1):
        if loss < below:
            return epoch, epoch * steps_per_epoch
    return None


def judged_accuracy(history: History) -> float:
    """The test accuracy a training run is judged by: its last epoch's, the run's result.

    What a run leaves is the net after its last epoch, so that is what is judged, never
    the best epoch (chosen by looking at the test set) nor a mean of the last few (with
    2-3 epochs it includes the first and understates the run by up to 0.06). The class
    recipe's one-cycle schedule ends at a learning rate near zero, so the last epoch is
    settled: its spread over seeds is in ``benchmarks/results/class_profile.json``, and
    each target sits a stated margin below the worst seed (tests/chapters/test_targets.py).

    Raises:
        ValueError: for a history without a finished epoch.
    """
    if not history.test_acc:
        raise ValueError("no finished epoch with a test accuracy to judge")
    return history.test_acc[-1]
