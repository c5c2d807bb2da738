"""What a finished run is judged by: ``judged_accuracy``, and ``plateau_exit`` (chapter 3 prints
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


JUDGED_EPOCHS = 3  # chapters.check_training judges the mean test accuracy of the last three epochs


def judged_accuracy(history: History) -> float:
    """The test accuracy a training run is judged by: the mean of its last three epochs.

    One epoch's test accuracy jumps with the last few steps (NiN, DenseNet and
    LeNet-BN move by 0.1-0.3 between epochs on the class profile's small data),
    so a target on the last epoch alone fails on noise, and the best epoch
    would be chosen by looking at the test set. The late-epoch mean is what the
    targets in the chapters' records were measured with, over seeds.
    """
    late = history.test_acc[-JUDGED_EPOCHS:]
    return sum(late) / len(late)
