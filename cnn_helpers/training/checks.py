"""What the training chapters check after ``fit``: the loss went down, the accuracy is met.

Chapters 3-10 call ``check_training`` after their run; chapter 3 prints
``plateau_exit`` instead of stating when the sigmoid LeNet left its plateau.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .history import History, _no_epoch_reason

if TYPE_CHECKING:
    from ..data import ImageData


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


JUDGED_EPOCHS = 3  # check_training judges the mean test accuracy of the last three epochs


def judged_accuracy(history: History) -> float:
    """The test accuracy a training run is judged by: the mean of its last three epochs.

    One epoch's test accuracy jumps with the last few steps (NiN, DenseNet and
    LeNet-BN move by 0.1-0.3 between epochs on the class profile's small data),
    so a target on the last epoch alone fails on noise, and the best epoch
    would be chosen by looking at the test set. The late-epoch mean is what the
    targets in ``models.ACCURACY_TARGETS`` were measured with, over seeds.
    """
    late = history.test_acc[-JUDGED_EPOCHS:]
    return sum(late) / len(late)


def check_training(history: History, model: str, data: ImageData, profile: str) -> float | None:
    """The check every training chapter makes after ``fit``, printed as the notebooks' lines.

    The training loss must have gone down, and the mean test accuracy of the
    last three epochs (``judged_accuracy``) must reach
    ``models.accuracy_target(model, data.key, profile)`` where one is claimed.

    Args:
        history: what ``fit`` returned.
        model: the key in ``models.ACCURACY_TARGETS`` ("alexnet").
        data: the ``ImageData`` trained on.
        profile: the profile the run was made in ("class", "smoke", "full").

    Returns:
        The accuracy target; None when no accuracy is claimed, or when there is
        no finished epoch to judge (a Ctrl-C in the first epoch or ``epochs=0``,
        which it says in one line).

    Raises:
        AssertionError: naming what failed.
    """
    from ..models import BOOK_ACCURACY, accuracy_target

    if not history.epochs:  # nothing to judge: say why rather than fail on an empty list
        print(f"{_no_epoch_reason(history)}: nothing to check (run the training cell again "
              "and let at least one epoch finish)")
        return None
    first, last = history.train_loss[0], history.train_loss[-1]
    assert last < first, f"the training loss did not go down: {first:.3f} -> {last:.3f}"
    print(f"\u2713 the training loss went down: {first:.3f} -> {last:.3f}")
    target = accuracy_target(model, data.key, profile)
    if target is None:
        print(f"(no accuracy target for {model} on {data.name} in the {profile} profile)")
        return None
    accuracy = judged_accuracy(history)
    late = len(history.test_acc[-JUDGED_EPOCHS:])
    what = f"mean test accuracy of the last {late} epochs" if late > 1 else "test accuracy"
    assert accuracy >= target, (f"{model}: {what} {accuracy:.3f} < {target} "
                                f"({data.name}, {profile} profile)")
    print(f"\u2713 {model}: {what} {accuracy:.3f} \u2265 {target} ({data.name}, {profile} profile)")
    book = BOOK_ACCURACY.get(model)
    if book is not None and data.key == "fashion_mnist" and profile != "full":
        print(f"  the book's full-size run on a GPU (10 epochs): {book}; this {profile} run's last "
              f"epoch: {history.test_acc[-1]:.3f} ({history.test_acc[-1] - book:+.3f})")
    return target

