"""Chapter 6's learning-rate sweep: best rates, the table, the verdicts, a diverging rate."""

import json

import pytest
import torch

from cnn_helpers import settings
from cnn_helpers.chapters.ch06_nin import learning_rate as lr_sweep
from cnn_helpers.chapters.ch06_nin.learning_rate import SweepPoint
from cnn_helpers.core import data


def _points(nin, alexnet):
    rates = (0.01, 0.1, 1.0)
    return ([SweepPoint("nin", r, a, False) for r, a in zip(rates, nin)]
            + [SweepPoint("alexnet", r, a, a == 0.1) for r, a in zip(rates, alexnet)])


def test_the_best_rate_is_the_highest_accuracy_and_the_smaller_rate_on_a_tie():
    assert lr_sweep.best_rates(_points((0.5, 0.7, 0.7), (0.6, 0.4, 0.1))) == {"nin": 0.1, "alexnet": 0.01}
    assert lr_sweep.best_rates(_points((0.5, 0.7, 0.7), (0.12, 0.1, 0.1)))["alexnet"] is None


def test_the_table_marks_each_best_rate_and_says_diverged():
    text = lr_sweep.table({0: _points((0.5, 0.7, 0.6), (0.6, 0.4, 0.1))})
    assert "0.700*" in text and "0.600*" in text and "diverged" in text


def test_the_verdict_holds_only_when_nins_best_rate_is_larger_on_every_seed(capsys):
    seeds = {0: _points((0.5, 0.7, 0.6), (0.6, 0.4, 0.1)), 1: _points((0.5, 0.6, 0.7), (0.6, 0.4, 0.1))}
    assert lr_sweep.check_rates(seeds) == {"nin": [0.1, 1.0], "alexnet": [0.01, 0.01]}
    assert "✓ NiN's best learning rate is larger than alexnet's on every seed where both learned" \
        in capsys.readouterr().out
    seeds[1] = _points((0.7, 0.6, 0.5), (0.6, 0.4, 0.1))
    lr_sweep.check_rates(seeds)
    assert "✗ not so here: NiN's best learning rate is larger than alexnet's on only 1 of 2 seeds" in capsys.readouterr().out
    seeds[1] = _points((0.7, 0.6, 0.5), (0.11, 0.12, 0.1))  # alexnet never leaves chance on seed 1
    assert lr_sweep.check_rates(seeds)["alexnet"] == [0.01, None]
    out = capsys.readouterr().out
    assert "alexnet left chance at no rate on seed(s) [1]" in out and "(0.1 vs 0.01)" in out
    with pytest.raises(ValueError, match="no recorded sweep"):
        lr_sweep.check_rates({})


def test_recorded_reads_back_what_rows_wrote(tmp_path):
    points = _points((0.5, 0.7, 0.6), (0.6, 0.4, 0.1))
    path = tmp_path / "lr.json"
    path.write_text(json.dumps({"runs": lr_sweep.rows(points, 2)}))
    assert lr_sweep.recorded(path) == {2: points}
    assert lr_sweep.recorded(tmp_path / "none.json") == {}


def test_a_sweep_trains_each_net_at_each_rate_and_records_a_divergence_as_chance():
    torch.manual_seed(0)
    images, labels = torch.rand(64, 1, 28, 28), torch.arange(64) % 10
    tiny = data.ImageData("random", "fashion_mnist", images, labels, images[:32], labels[:32],
                          list("abcdefghij"), False)
    budget = settings("lr_sweep", "smoke", train_examples=64, test_examples=32, batch_size=8)
    points = lr_sweep.sweep(tiny, budget, rates=(0.01, 1e6), nets=("lenet_modern",), profile="smoke")
    assert [(p.net, p.lr, p.diverged) for p in points] == [("lenet_modern", 0.01, False), ("lenet_modern", 1e6, True)]
    assert points[1].test_acc == 0.1 and 0 <= points[0].test_acc <= 1
