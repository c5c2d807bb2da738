"""check_training: what every training chapter checks after fit, against its record's target."""

import pytest

from cnn_helpers import check_training, models
from cnn_helpers.core import data
from cnn_helpers.training import History, fit, judged_accuracy


@pytest.fixture(scope="module")
def digits():
    return data.load_fallback_digits()


def test_the_notebooks_training_check_names_what_failed(digits, capsys):
    good = History(train_loss=[2.3, 1.0, 0.5, 0.4], train_acc=[0.1, 0.6, 0.8, 0.9],
                            test_acc=[0.2, 0.9, 0.85, 0.95])
    assert check_training(good, "resnet", digits, "class") == 0.90
    said = capsys.readouterr().out
    assert "✓ the training loss went down: 2.300 -> 0.400" in said
    assert "✓ resnet: test accuracy after the last epoch 0.950 ≥ 0.9" in said
    assert check_training(good, "resnet", digits, "smoke") is None  # no claim there
    flat = History(train_loss=[2.3, 2.31], train_acc=[0.1, 0.1], test_acc=[0.1, 0.1])
    with pytest.raises(AssertionError, match="did not go down: 2.300 -> 2.310"):
        check_training(flat, "resnet", digits, "class")
    short = History(train_loss=[2.3, 1.0], train_acc=[0.1, 0.5], test_acc=[0.1, 0.5])
    with pytest.raises(AssertionError, match="test accuracy after the last epoch 0.500 < 0.9"):
        check_training(short, "resnet", digits, "class")

def test_the_check_judges_the_runs_result_its_last_epoch_not_its_best(digits):
    """What a run leaves is the net after its last epoch: a better epoch before it does not count."""
    dip_at_the_end = History(train_loss=[2.0, 1.0, 0.9, 0.8], train_acc=[0.0] * 4,
                                      test_acc=[0.5, 0.97, 0.96, 0.80])
    assert judged_accuracy(dip_at_the_end) == pytest.approx(0.80)
    with pytest.raises(AssertionError, match="0.800 < 0.9"):
        check_training(dip_at_the_end, "resnet", digits, "class")
    late_rise = History(train_loss=[2.0, 1.5, 1.4, 1.3], train_acc=[0.0] * 4,
                                 test_acc=[0.5, 0.6, 0.7, 0.95])
    check_training(late_rise, "resnet", digits, "class")  # passes: 0.95 >= 0.90
    with pytest.raises(ValueError, match="no finished epoch"):
        judged_accuracy(History())

# -- no finished epoch (issue 14, kind 2) --------------------------------------------------
def test_checking_a_run_stopped_by_ctrl_c_in_its_first_epoch_says_so(digits, capsys):
    def batches():
        yield digits.train_images[:64], digits.train_labels[:64]
        raise KeyboardInterrupt

    history = fit(models.lenet(), batches(), None, 3, 0.9, device="cpu", live=False)
    assert check_training(history, "lenet", digits, "class") is None
    said = capsys.readouterr().out
    assert "training was interrupted before the first epoch finished: nothing to check" in said
    assert history.summary() == ("no finished epoch: training was interrupted before the "
                                 "first epoch finished")

def test_checking_a_run_of_zero_epochs_says_no_epoch_was_run(digits, capsys):
    history = fit(models.lenet(), digits.train, digits.test, 0, 0.9, device="cpu", live=False)
    assert history.epochs == 0 and not history.interrupted
    assert check_training(history, "lenet", digits, "class") is None
    assert "no epoch was run (epochs=0): nothing to check" in capsys.readouterr().out
    assert history.summary() == "no finished epoch: no epoch was run (epochs=0)"


def test_a_single_finished_epoch_is_judged_by_its_accuracy_not_a_loss_comparison(digits, capsys):
    one = History(train_loss=[0.9], train_acc=[0.7], test_acc=[0.95])
    assert check_training(one, "resnet", digits, "class") == 0.90
    assert "nothing to compare it with" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="0.500 < 0.9"):
        check_training(History(train_loss=[0.9], train_acc=[0.5], test_acc=[0.5]), "resnet",
                       digits, "class")
