"""Chapter 9 (notes 9.3): degradation and the identity's gradient (cnn_helpers.chapters.ch09_resnet.degradation).

He et al.'s CIFAR nets themselves are tested with the other ResNets in tests/models/."""

import pytest
import torch

from cnn_helpers import settings
from cnn_helpers.chapters.ch09_resnet import degradation
from cnn_helpers.core.data import ImageData
from cnn_helpers.training import History


def test_only_the_pre_activation_block_passes_the_whole_gradient_through_its_identity():
    assert degradation.identity_gradient_share(pre_activation=True) == 1.0
    assert 0.4 < degradation.identity_gradient_share(pre_activation=False) < 0.6


def _runs(plain_losses, residual_losses):
    return [degradation.DepthRun(layers, shortcut, History(train_loss=list(losses)))
            for shortcut, pair in ((False, plain_losses), (True, residual_losses))
            for layers, losses in zip((8, 20), pair)]


def test_loss_gaps_are_the_deeper_nets_last_loss_minus_the_shallower_ones():
    gaps = degradation.loss_gaps(_runs([(1.0, 0.5), (1.2, 0.7)], [(1.0, 0.5), (0.9, 0.4)]))
    assert gaps.plain == pytest.approx(0.2) and gaps.residual == pytest.approx(-0.1)


def test_check_degradation_judges_against_the_target_and_says_so_where_there_is_none(capsys):
    runs = _runs([(1.0, 0.5), (1.2, 0.7)], [(1.0, 0.5), (0.9, 0.4)])
    degradation.check_degradation(runs, "no such data", "smoke")
    assert "not on this smoke run" in capsys.readouterr().out
    targets = degradation.DEGRADATION_TARGETS
    for key, target in targets.items():
        if target is not None:
            too_small = _runs([(1.0, 0.5), (1.2, 0.5 + target.plain / 2)], [(1.0, 0.5), (0.9, 0.4)])
            with pytest.raises(AssertionError):
                degradation.check_degradation(too_small, *key)


def test_train_depths_trains_a_plain_and_a_residual_net_of_each_depth():
    torch.manual_seed(0)
    images = torch.rand(64, 1, 28, 28)
    labels = torch.arange(64) % 10
    data = ImageData("random", "random", images, labels, images[:8], labels[:8], list("abcdefghij"), False)
    run = settings("degradation", "smoke", epochs=1)
    runs = degradation.train_depths(data, (1, 2), run, seed=0, device="cpu")
    assert [r.name for r in runs] == ["plain-8", "plain-14", "residual-8", "residual-14"]
    assert all(r.history.epochs == 1 for r in runs)


def test_measured_gaps_read_the_benchmark_results():
    gaps = degradation.measured_gaps()
    if not gaps:
        pytest.skip("benchmarks/results/degradation.json not written yet")
    target = degradation.DEGRADATION_TARGETS.get(("fashion_mnist", "class"))
    assert target is not None
    for seed_gaps in gaps.values():  # the class target holds on every measured seed
        assert seed_gaps.plain >= target.plain and seed_gaps.residual <= target.residual


def _record(tmp_path, seeds):
    """A degradation.json with, per seed, (plain-8, plain-20, residual-8, residual-20) last losses."""
    import json

    rows = [{"seed": seed, "layers": layers, "residual": residual,
             "history": {"train_loss": [2.3, loss]}}
            for seed, losses in enumerate(seeds)
            for (layers, residual), loss in zip(((8, False), (20, False), (8, True), (20, True)), losses)]
    path = tmp_path / "degradation.json"
    path.write_text(json.dumps({"runs": rows}))
    return path


def test_judge_recorded_needs_every_seed(tmp_path, capsys):
    path = _record(tmp_path, [(1.0, 1.5, 0.8, 0.7), (1.0, 1.4, 0.8, 0.8)])
    assert degradation.judge_recorded(path) == {"degradation": True, "shortcuts remove it": True}
    assert "\u2713 degradation: on every seed the 20-layer plain net" in capsys.readouterr().out
    path = _record(tmp_path, [(1.0, 1.5, 0.8, 0.7), (1.0, 0.9, 0.8, 1.2)])
    assert degradation.judge_recorded(path) == {"degradation": False, "shortcuts remove it": False}
    out = capsys.readouterr().out
    assert "on 1 of 2 seeds only" in out and "still ends +0.400 above" in out
    with pytest.raises(ValueError, match="nothing recorded"):
        degradation.judge_recorded(tmp_path / "missing.json")


def test_the_chapters_recorded_verdicts_hold():
    if not degradation.recorded_runs():
        pytest.skip("benchmarks/results/degradation.json not written yet")
    assert all(degradation.judge_recorded().values())
