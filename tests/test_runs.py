"""runs.train trains a chapter's net exactly as its notebook spells it out."""

import torch

from cnn_helpers import data, models, runs, settings, training


def test_a_chapters_run_is_its_notebooks_fit_call():
    digits = data.load_fallback_digits()
    net, history, run = runs.train("lenet_modern", digits, "smoke", seed=3, epochs=1)
    by_hand_run = settings("lenet_modern", "smoke", data=digits.key)
    part = digits.subset(by_hand_run.train_examples, by_hand_run.test_examples)
    by_hand = training.fit(models.build("lenet_modern"), part.train, part.test, 1, by_hand_run.lr,
                           batch_size=by_hand_run.batch_size, device="cpu", seed=3, live=False)
    assert history.train_loss == by_hand.train_loss and history.test_acc == by_hand.test_acc
    assert run.epochs == 1 and isinstance(net, torch.nn.Module)


def test_every_chapter_run_names_a_profile_row_and_an_accuracy_table_key():
    for chapter, spec in runs.CHAPTER_RUNS.items():
        for profile in ("smoke", "class", "full"):
            settings(chapter, profile)  # raises for a missing row
        assert any(key[0] == spec.model for key in models.ACCURACY_TARGETS), chapter
