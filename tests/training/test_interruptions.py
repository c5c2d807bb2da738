"""Kind 1 of issue 25: a Ctrl-C while fit measures or saves loses nothing it had.

The KeyboardInterrupt is raised where a student's Ctrl-C lands: in the middle of writing a
checkpoint (torch.save has written part of the file) and while the test accuracy is measured.
"""

import matplotlib
import pytest
import torch
from torch import nn

from cnn_helpers import training
from cnn_helpers.training import checkpoints, loop

matplotlib.use("Agg")


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 10))


def _data(n=64):
    generator = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 4, 4, generator=generator), torch.randint(0, 10, (n,), generator=generator)


def _fit(net, **options):
    options = {"epochs": 3, "lr": 0.1, "batch_size": 16, "device": "cpu", "seed": 0,
               "live": False} | options
    return training.fit(net, _data(), _data(32), **options)


def _save_that_is_cut_off(after_calls: int):
    """A torch.save that works ``after_calls`` times, then writes 668 bytes and is interrupted."""
    real_save = torch.save
    calls = []

    def save(state, file, *args, **kwargs):
        calls.append(1)
        if len(calls) <= after_calls:
            return real_save(state, file, *args, **kwargs)
        file.write(b"PK\x03\x04" + b"\0" * 664)  # the start of a zip archive, as torch writes
        raise KeyboardInterrupt

    return save


def test_ctrl_c_while_fit_writes_a_checkpoint_keeps_the_last_good_one_and_says_so(
        tmp_path, monkeypatch, capsys):
    path = tmp_path / "run.pt"
    monkeypatch.setattr(torch, "save", _save_that_is_cut_off(after_calls=1))
    history = _fit(_net(), checkpoint=path)
    assert history.interrupted and history.epochs == 2
    message = capsys.readouterr().out
    assert f"The checkpoint {path} holds epoch 1, whole: epoch 2's was not saved" in message
    monkeypatch.undo()
    saved = training.load_checkpoint(path, _net())  # the old good file survives and loads
    assert saved.epochs == 1 and saved.train_loss == history.train_loss[:1]
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temporary file left behind


def test_ctrl_c_while_saving_over_a_good_checkpoint_leaves_it_loadable(tmp_path, monkeypatch):
    path = tmp_path / "net.pt"
    good = _net()
    training.save_checkpoint(path, good)
    before = path.read_bytes()
    monkeypatch.setattr(torch, "save", _save_that_is_cut_off(after_calls=0))
    changed = _net()
    with torch.no_grad():
        changed[1].weight.add_(1)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save_checkpoint(path, changed)
    monkeypatch.undo()
    assert path.read_bytes() == before
    restored = _net()
    with torch.no_grad():
        restored[1].weight.zero_()
    training.load_checkpoint(path, restored)
    assert torch.equal(restored[1].weight, good[1].weight)


def test_fit_says_when_no_checkpoint_was_saved_before_the_interruption(tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.setattr(torch, "save", _save_that_is_cut_off(after_calls=0))
    history = _fit(_net(), checkpoint=tmp_path / "run.pt")
    assert history.interrupted and not (tmp_path / "run.pt").exists()
    assert "No checkpoint was saved in this run" in capsys.readouterr().out


def test_ctrl_c_while_the_test_accuracy_is_measured_records_no_part_of_that_epoch(monkeypatch,
                                                                                   capsys):
    real_evaluate, calls = loop.evaluate_accuracy, []

    def evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(loop, "evaluate_accuracy", evaluate)
    history = _fit(_net())
    assert history.interrupted and history.epochs == 1
    lengths = {len(values) for values in (history.train_loss, history.train_acc, history.test_acc,
                                          history.examples_per_s, history.epoch_seconds)}
    assert lengths == {1}
    assert "1 epochs (interrupted)" in history.summary()
    assert f"test acc {history.test_acc[0]:.3f}" in history.summary()
    ax = history.plot()  # pairs every number with its own epoch
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [1, 1, 1]
    assert "history of the 1 finished epoch(s)" in capsys.readouterr().out


def test_an_epoch_is_recorded_whole_even_when_interrupted_between_two_lists():
    history = training.History()
    history.record(2.0, 0.1, 100.0, 1.0, 0.2)

    class Interrupting(list):
        def append(self, value):
            raise KeyboardInterrupt

    history.epoch_seconds = Interrupting(history.epoch_seconds)
    with pytest.raises(KeyboardInterrupt):
        history.record(1.0, 0.5, 100.0, 1.0, 0.6)
    assert history.train_loss == [2.0] and history.train_acc == [0.1]
    assert history.examples_per_s == [100.0] and history.test_acc == [0.2]


def test_a_history_whose_lists_differ_is_named_not_plotted_wrongly():
    broken = training.History(train_loss=[2.0, 1.0], train_acc=[0.1, 0.5], test_acc=[0.2])
    for show in (broken.summary, broken.plot):
        with pytest.raises(ValueError, match="differ in length.*train_loss 2.*test_acc 1"):
            show()
