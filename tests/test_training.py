"""fit: learning, reproducibility, the CUDA paths run on the CPU, honest failures, checkpoints."""

import pytest
import torch
from torch import nn

from cnn_helpers import data, models, training


@pytest.fixture(scope="module")
def digits():
    return data.load_fallback_digits().subset(512, 256)


def _fit(net, digits, **options):
    options = {"epochs": 2, "lr": 0.1, "batch_size": 64, "device": "cpu", "seed": 0,
               "live": False} | options
    return training.fit(net, digits.train, digits.test, **options)


def test_fit_learns_the_digits_and_records_every_epoch(digits):
    history = _fit(models.build("lenet_modern"), digits, epochs=4)
    assert history.epochs == 4 and len(history.test_acc) == 4 and history.device == "cpu"
    assert history.train_loss[-1] < 0.8 * history.train_loss[0]
    assert history.test_acc[-1] > 0.3  # 10 classes: chance is 0.1
    assert all(speed > 0 for speed in history.examples_per_s)
    assert "examples/s on cpu" in history.summary()


@pytest.mark.parametrize("init", ["xavier", "default"])
def test_same_seed_gives_the_same_numbers_twice_on_the_cpu(digits, init):
    """Whatever the random state was when each net was built (it draws the biases)."""
    runs = []
    for state in (1, 2):
        torch.manual_seed(state)
        runs.append(_fit(models.build("lenet"), digits, lr=0.9, init=init))
    first, second = runs
    assert first.train_loss == second.train_loss and first.test_acc == second.test_acc


def test_fit_accepts_an_iterable_of_batches_like_d2ls_loaders(digits):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*digits.train),
                                         batch_size=64, shuffle=True)
    history = training.fit(models.build("lenet_modern"), loader, digits.test, 2, 0.1,
                           device="cpu", live=False)
    assert history.epochs == 2 and 0 <= history.test_acc[-1] <= 1


def test_xavier_init_is_the_books_and_named(digits):
    torch.manual_seed(0)
    net = training.init_xavier(models.lenet())
    bound = (6 / (400 + 120)) ** 0.5  # xavier-uniform for the 400 -> 120 layer
    assert net[7].weight.abs().max() <= bound and net[7].weight.abs().max() > 0.9 * bound
    with pytest.raises(ValueError, match="xavier"):
        _fit(models.lenet(), digits, init="kaiming-magic")


def test_bf16_autocast_and_channels_last_run_on_the_cpu(digits, monkeypatch):
    seen = {}
    original = nn.Conv2d.forward

    def spy(self, X):
        seen["channels_last"] = X.is_contiguous(memory_format=torch.channels_last)
        out = original(self, X)
        seen["dtype"] = out.dtype
        return out

    monkeypatch.setattr(nn.Conv2d, "forward", spy)
    history = _fit(models.build("lenet_modern"), digits, amp=True, channels_last=True)
    assert seen == {"channels_last": True, "dtype": torch.bfloat16}
    assert history.train_loss[-1] < history.train_loss[0]


def test_fp16_autocast_uses_a_gradient_scaler(digits, monkeypatch):
    scaled = []
    original = torch.amp.GradScaler.scale
    monkeypatch.setattr(torch.amp.GradScaler, "scale",
                        lambda self, loss: scaled.append(self.is_enabled()) or original(self, loss))
    history = _fit(models.build("lenet_modern"), digits, amp=True, amp_dtype=torch.float16,
                   epochs=1)
    assert scaled and all(scaled) and history.epochs == 1


def test_resize_happens_per_batch_on_the_device(digits):
    shapes = []

    class Probe(nn.Module):
        def forward(self, X):
            shapes.append(tuple(X.shape[1:]))
            return X

    net = nn.Sequential(Probe(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1, 10))
    _fit(net, digits.subset(64, 32), epochs=1, resize=96)
    assert set(shapes) == {(1, 96, 96)}


def test_a_nan_loss_stops_training_and_names_the_learning_rate(digits):
    with pytest.raises(training.TrainingDiverged, match="lr=1e\\+06 is probably too high") as info:
        _fit(models.build("lenet_modern"), digits, lr=1e6, init="default")
    assert info.value.history.epochs <= 1


def test_ctrl_c_keeps_the_model_and_the_history_so_far(digits, capsys):
    def interrupt_in_epoch_2(epoch, history, net):
        if epoch == 2:
            raise KeyboardInterrupt

    net = models.build("lenet_modern")
    history = _fit(net, digits, epochs=5, callbacks=[interrupt_in_epoch_2])
    assert history.interrupted and history.epochs == 2
    assert "Interrupted at epoch 2" in capsys.readouterr().out
    assert training.evaluate_accuracy(net, digits.test) == pytest.approx(history.test_acc[-1])


def test_ctrl_c_in_the_middle_of_an_epoch(digits):
    def batches():
        yield digits.train_images[:64], digits.train_labels[:64]
        raise KeyboardInterrupt

    history = training.fit(models.lenet(), batches(), None, 3, 0.9, device="cpu", live=False)
    assert history.interrupted and history.epochs == 0


def test_out_of_memory_says_which_batch_size_to_try(digits):
    class Greedy(nn.Module):
        def forward(self, X):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20 GiB")

    net = nn.Sequential(Greedy(), nn.Linear(1, 1))
    with pytest.raises(training.TrainingOutOfMemory, match="batch_size=128"):
        _fit(net, digits, batch_size=256)


def test_checkpoint_round_trip_with_weights_only(digits, tmp_path):
    net = models.build("lenet")
    history = _fit(net, digits, checkpoint=tmp_path / "lenet.pt", epochs=1)
    restored = models.build("lenet")
    loaded_history = training.load_checkpoint(tmp_path / "lenet.pt", restored)
    for a, b in zip(net.state_dict().values(), restored.state_dict().values()):
        assert torch.equal(a, b)
    assert loaded_history == history
    state = torch.load(tmp_path / "lenet.pt", weights_only=True)
    assert set(state) == {"model", "optimizer", "history"}


def test_live_view_draws_one_plot_updated_in_place(digits, monkeypatch):
    calls = []
    monkeypatch.setattr(training, "_publish",
                        lambda figure, handle: calls.append(handle) or "handle")
    _fit(models.build("lenet_modern"), digits.subset(128, 64), epochs=3, live=True)
    assert calls == [None, "handle", "handle"]  # created once, then updated once per epoch


def test_predict_returns_labels_on_the_cpu(digits):
    labels = training.predict(models.lenet(), digits.test_images[:5])
    assert labels.shape == (5,) and labels.dtype == torch.long


def test_on_cuda_mixed_precision_and_channels_last_are_for_nets_big_enough(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    cuda = torch.device("cuda")
    assert training._speedups(cuda, None, None, None, models.lenet()) == (
        False, torch.bfloat16, False)  # LeNet's 61,706 parameters: float32 is faster
    big = nn.Linear(1000, 1000)  # a million weights
    assert training._speedups(cuda, None, None, None, big) == (True, torch.bfloat16, True)
    cpu = torch.device("cpu")
    assert training._speedups(cpu, None, None, None, big) == (False, torch.bfloat16, False)
    assert training._speedups(cpu, True, None, True, models.lenet())[::2] == (True, True)


def test_on_the_cpu_convolutional_nets_train_channels_last_in_float32():
    cpu = torch.device("cpu")
    assert training._speedups(cpu, None, None, None, models.lenet()) == (
        False, torch.bfloat16, True)
    assert training._speedups(cpu, None, None, False, models.lenet())[2] is False
    assert training._speedups(cpu, None, None, None, nn.Linear(4, 2))[2] is False


def test_channels_last_is_a_layout_not_a_different_model(digits):
    """Same weights, same batch: the same loss and gradients in either memory layout."""
    torch.manual_seed(0)
    net = training.init_xavier(models.lenet())
    twin = models.lenet()
    twin.load_state_dict(net.state_dict())
    twin.to(memory_format=torch.channels_last)
    X = digits.train_images[:64].float() / 255
    y = digits.train_labels[:64]
    losses = []
    for model, batch in ((net, X), (twin, X.contiguous(memory_format=torch.channels_last))):
        loss = nn.functional.cross_entropy(model(batch), y)
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    for a, b in zip(net.parameters(), twin.parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6)


def test_fit_leaves_cudnn_autotuning_as_it_found_it(digits):
    before = torch.backends.cudnn.benchmark
    _fit(models.build("lenet_modern"), digits.subset(64, 32), epochs=1)
    assert torch.backends.cudnn.benchmark == before


def test_cuda_graphs_are_refused_plainly_without_cuda(digits):
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device"):
        _fit(models.lenet(), digits, cuda_graph=True)


def test_the_notebooks_training_check_names_what_failed(capsys):
    digits = data.load_fallback_digits()
    good = training.History(train_loss=[2.3, 1.0, 0.5, 0.4], train_acc=[0.1, 0.6, 0.8, 0.9],
                            test_acc=[0.2, 0.9, 0.95, 0.85])
    assert training.check_training(good, "resnet18", digits, "class") == 0.90
    said = capsys.readouterr().out
    assert "✓ the training loss went down: 2.300 -> 0.400" in said
    assert "✓ resnet18: mean test accuracy of the last 3 epochs 0.900 ≥ 0.9" in said
    assert training.check_training(good, "resnet18", digits, "smoke") is None  # no claim there
    flat = training.History(train_loss=[2.3, 2.31], train_acc=[0.1, 0.1], test_acc=[0.1, 0.1])
    with pytest.raises(AssertionError, match="did not go down: 2.300 -> 2.310"):
        training.check_training(flat, "resnet18", digits, "class")
    short = training.History(train_loss=[2.3, 1.0], train_acc=[0.1, 0.5], test_acc=[0.1, 0.5])
    with pytest.raises(AssertionError, match="mean test accuracy of the last 2 epochs 0.300 < 0.9"):
        training.check_training(short, "resnet18", digits, "class")


def test_the_check_judges_late_epochs_not_one_lucky_or_unlucky_epoch():
    digits = data.load_fallback_digits()
    dip_at_the_end = training.History(train_loss=[2.0, 1.0, 0.9, 0.8], train_acc=[0.0] * 4,
                                      test_acc=[0.5, 0.97, 0.96, 0.80])
    assert training.judged_accuracy(dip_at_the_end) == pytest.approx(0.91)
    training.check_training(dip_at_the_end, "resnet18", digits, "class")  # passes: 0.91 >= 0.90
    one_lucky_epoch = training.History(train_loss=[2.0, 1.5, 1.4, 1.3], train_acc=[0.0] * 4,
                                       test_acc=[0.5, 0.6, 0.7, 0.95])
    with pytest.raises(AssertionError, match="0.750 < 0.9"):
        training.check_training(one_lucky_epoch, "resnet18", digits, "class")


def test_show_predictions_labels_each_image_with_truth_and_guess(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    digits = data.load_fallback_digits()
    net = models.lenet()
    predicted = training.show_predictions(net, digits, count=5)
    assert predicted.shape == (5,) and torch.equal(predicted, training.predict(net, digits.test_images[:5]))
    axes = shown[0].axes
    assert [ax.get_title() for ax in axes] == [digits.classes[y] for y in digits.test_labels[:5]]
    wrong = [ax.xaxis.label.get_color() == "red" for ax in axes]
    assert wrong == [bool(p != y) for p, y in zip(predicted, digits.test_labels[:5])]
    plt.close("all")


def test_a_seeded_cpu_run_gives_the_same_numbers_whatever_the_thread_count():
    digits = data.load_fallback_digits().subset(512, 128)
    results = []
    before = torch.get_num_threads()
    for threads in (1, 3):
        torch.set_num_threads(threads)
        history = training.fit(models.resnet18(0.125), digits.train, digits.test, 1, 0.05,
                               batch_size=64, device="cpu", seed=0, resize=32, live=False)
        assert torch.get_num_threads() == threads  # the caller's setting is restored
        results.append((history.train_loss, history.test_acc))
    torch.set_num_threads(before)
    assert results[0] == results[1]


def test_plateau_exit_names_the_first_epoch_below_the_plateau_and_its_steps():
    history = training.History(train_loss=[2.31, 2.30, 2.29, 1.90, 0.80])
    assert training.plateau_exit(history, steps_per_epoch=235) == (4, 940)
    assert training.plateau_exit(training.History(train_loss=[2.31, 2.30]), 235) is None
