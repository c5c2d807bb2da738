"""fit: learning, reproducibility, the CUDA paths run on the CPU, honest failures, checkpoints."""

import pytest
import torch
from torch import nn

from cnn_helpers import models, training
from cnn_helpers.core import data


@pytest.fixture(scope="module")
def digits():
    return data.load_fallback_digits().subset(512, 256)


def _fit(net, digits, **options):
    options = {"epochs": 2, "lr": 0.1, "batch_size": 64, "device": "cpu", "seed": 0,
               "live": False} | options
    return training.fit(net, digits.train, digits.test, **options)


def test_fit_learns_the_digits_and_records_every_epoch(digits):
    history = _fit(models.lenet("max", "relu"), digits, epochs=4)
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
        runs.append(_fit(models.lenet(), digits, lr=0.9, init=init))
    first, second = runs
    assert first.train_loss == second.train_loss and first.test_acc == second.test_acc


def test_fit_accepts_an_iterable_of_batches_like_d2ls_loaders(digits):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*digits.train),
                                         batch_size=64, shuffle=True)
    history = training.fit(models.lenet("max", "relu"), loader, digits.test, 2, 0.1,
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
    history = _fit(models.lenet("max", "relu"), digits,
                   speed=training.Speed(amp=True, channels_last=True))
    assert seen == {"channels_last": True, "dtype": torch.bfloat16}
    assert history.train_loss[-1] < history.train_loss[0]


def test_fp16_autocast_uses_a_gradient_scaler(digits, monkeypatch):
    scaled = []
    original = torch.amp.GradScaler.scale
    monkeypatch.setattr(torch.amp.GradScaler, "scale",
                        lambda self, loss: scaled.append(self.is_enabled()) or original(self, loss))
    history = _fit(models.lenet("max", "relu"), digits, epochs=1,
                   speed=training.Speed(amp=True, amp_dtype=torch.float16))
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
        _fit(models.lenet("max", "relu"), digits, lr=1e6, init="default")
    assert info.value.history.epochs <= 1


def test_ctrl_c_keeps_the_model_and_the_history_so_far(digits, capsys):
    def interrupt_in_epoch_2(epoch, history, net):
        if epoch == 2:
            raise KeyboardInterrupt

    net = models.lenet("max", "relu")
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
    net = models.lenet()
    history = _fit(net, digits, checkpoint=tmp_path / "lenet.pt", epochs=1)
    restored = models.lenet()
    loaded_history = training.load_checkpoint(tmp_path / "lenet.pt", restored)
    for a, b in zip(net.state_dict().values(), restored.state_dict().values()):
        assert torch.equal(a, b)
    assert loaded_history == history
    state = torch.load(tmp_path / "lenet.pt", weights_only=True)
    assert set(state) == {"model", "optimizer", "history"}


def test_live_view_draws_one_plot_updated_in_place(digits, monkeypatch):
    calls = []
    monkeypatch.setattr(training.live, "_publish",
                        lambda figure, handle: calls.append(handle) or "handle")
    monkeypatch.setattr(training.live, "REDRAW_S", 1e9)  # epochs shorter than a redraw's wait
    _fit(models.lenet("max", "relu"), digits.subset(128, 64), epochs=3, live=True)
    assert calls == [None, "handle", "handle"]  # created once, then updated once per epoch


def test_a_long_epoch_draws_its_running_loss_before_it_ends(digits, monkeypatch):
    # chapter 9's two epochs drew nothing until the first ended (issue 25, finding 7)
    drawn = []
    def publish(figure, handle):
        lines = figure.axes[0].get_lines()
        drawn.append({line.get_label(): list(line.get_xdata()) for line in lines})
        titles.add(figure.axes[0].get_title())
        return "handle"
    titles = set()
    monkeypatch.setattr(training.live, "_publish", publish)
    monkeypatch.setattr(training.live, "REDRAW_S", 0.0)  # every running loss is drawn
    _fit(models.lenet("max", "relu"), digits.subset(256, 64), epochs=2, live=True, batch_size=16,
         title="LeNet, run A")
    assert titles == {"LeNet, run A"}  # which of two runs a plot is (chapter 4's augmentation)
    running = "train loss so far in the epoch"
    before_the_first_epoch_ends = [d for d in drawn if "train loss" not in d]
    assert before_the_first_epoch_ends and all(
        0 < x <= 1 for x in before_the_first_epoch_ends[-1][running])
    last = drawn[-1][running]
    assert len(last) > 10 and max(x for x in last if x == x) == 2  # both epochs, to the end
    assert any(x != x for x in last)  # a gap between the epochs' running means


def test_predict_returns_labels_on_the_cpu(digits):
    labels = training.predict(models.lenet(), digits.test_images[:5])
    assert labels.shape == (5,) and labels.dtype == torch.long


def _decided(device: str, net: nn.Module, **choices) -> training.Speed:
    return training.Speed(**choices).resolve(torch.device(device), net)


def test_on_cuda_mixed_precision_and_channels_last_are_for_nets_big_enough(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    Speed = training.Speed
    # LeNet's 61,706 parameters: float32 is faster
    assert _decided("cuda", models.lenet()) == Speed(False, torch.bfloat16, False)
    big = nn.Linear(1000, 1000)  # a million weights
    assert _decided("cuda", big) == Speed(True, torch.bfloat16, True)
    assert _decided("cpu", big) == Speed(False, torch.bfloat16, False)
    forced = _decided("cpu", models.lenet(), amp=True, channels_last=True)
    assert forced.amp and forced.channels_last


def test_on_the_cpu_convolutional_nets_train_channels_last_in_float32():
    assert _decided("cpu", models.lenet()) == training.Speed(False, torch.bfloat16, True)
    assert _decided("cpu", models.lenet(), channels_last=False).channels_last is False
    assert _decided("cpu", nn.Linear(4, 2)).channels_last is False


def test_the_speed_choices_stay_open_until_fit_decides_them():
    assert training.Speed() == training.Speed(None, None, None, None)
    assert _decided("cpu", models.lenet(), cuda_graph=False).cuda_graph is False  # kept as given
    with pytest.raises(TypeError):
        training.fit(models.lenet(), (torch.rand(8, 1, 28, 28), torch.zeros(8, dtype=torch.long)),
                     epochs=1, device="cpu", amp=True)  # the four options are one argument now


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
    _fit(models.lenet("max", "relu"), digits.subset(64, 32), epochs=1)
    assert torch.backends.cudnn.benchmark == before


def test_cuda_graphs_are_refused_plainly_without_cuda(digits):
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device"):
        _fit(models.lenet(), digits, speed=training.Speed(cuda_graph=True))


@pytest.mark.parametrize("recording_works", [True, False])
def test_a_recorded_step_replays_full_batches_and_the_last_one_runs_plainly(
        digits, monkeypatch, recording_works):
    """How fit uses a CUDA graph, checked on the CPU with a stand-in that replays the step."""
    recorded, replayed = [], []

    class StandInGraph:
        @classmethod
        def record(cls, step, net, X, y, loss_sum, correct):
            recorded.append(len(y))
            graph = cls()
            graph.step = step
            return graph if recording_works else None

        def __call__(self, X, y):
            replayed.append(len(y))
            self.step(X, y)

    monkeypatch.setattr(training.run, "_GraphedStep", StandInGraph)
    monkeypatch.setattr(training.run, "_use_cuda_graph", lambda *args, **kwargs: True)
    few = digits.subset(160, 32)  # batches of 64, 64 and 32
    graphed = _fit(models.lenet(), few)
    assert recorded == [64]  # once, on the first full batch
    assert replayed == ([64] * 4 if recording_works else [])  # 2 epochs x 2 full batches
    monkeypatch.undo()
    plain = _fit(models.lenet(), few, speed=training.Speed(cuda_graph=False))
    assert graphed.train_loss == plain.train_loss


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


# -- a last batch of one example in a batch-norm net (issue 14, kind 3) -------------------
@pytest.mark.parametrize("name, options", [
    ("lenet_bn", {"implementation": "scratch"}),
    ("lenet_bn", {"implementation": "pytorch"}),
    ("resnet18", {"width": 0.125}),
    ("densenet", {"width": 0.125}),
], ids=["lenet_bn-scratch", "lenet_bn-pytorch", "resnet18", "densenet"])
def test_batch_norm_nets_leave_out_a_last_batch_of_one_and_say_so_once(digits, capsys,
                                                                       name, options):
    sixty_five = digits.subset(65, 32)  # batches of 64 and 1
    resize = 32 if name == "densenet" else None  # DenseNet needs 29x29 or more
    runs = [_fit(getattr(models, name)(**options), sixty_five, resize=resize) for _ in range(2)]
    assert runs[0].epochs == 2 and runs[0].train_loss == runs[1].train_loss  # seeded: repeats
    said = capsys.readouterr().out
    assert said.count("fit leaves out each epoch's last batch, which holds a single example") == 2


def test_a_last_batch_of_one_from_a_loader_is_left_out_too(digits, capsys):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*digits.subset(65).train),
                                         batch_size=64)
    history = training.fit(models.lenet_bn("pytorch"), loader, None, 2, 0.1, device="cpu",
                           live=False)
    assert history.epochs == 2
    assert capsys.readouterr().out.count("leaves out each epoch's last batch") == 1


def test_batches_of_one_example_for_batch_norm_are_refused_with_what_to_do(digits):
    with pytest.raises(ValueError, match="batch norm needs more than one .* batch_size=2 or more"):
        _fit(models.lenet_bn(), digits, batch_size=1)
    singles = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*digits.subset(3).train),
                                          batch_size=1)
    with pytest.raises(ValueError, match="every training batch would hold a single example"):
        training.fit(models.lenet_bn(), singles, None, 1, 0.1, device="cpu", live=False)


def test_a_net_without_batch_norm_still_trains_on_a_last_batch_of_one(digits, capsys):
    sizes = []

    class Count(nn.Module):
        def forward(self, X):
            if self.training:
                sizes.append(len(X))
            return X

    net = nn.Sequential(Count(), nn.Flatten(), nn.Linear(784, 10))
    _fit(net, digits.subset(65, 32), epochs=1)
    assert sizes == [64, 1] and "leaves out" not in capsys.readouterr().out
    assert training.has_batch_norm(models.lenet_bn()) and not training.has_batch_norm(net)


# -- images of the wrong size for the net (issue 14, kind 5) -------------------------------
def test_fit_names_the_resize_an_alexnet_for_96_pixels_expects(digits):
    net = models.alexnet(width=0.125, image_size=96)
    for resize in (None, 64, 128):  # too small for its poolings; too large for its first layer
        with pytest.raises(ValueError, match=r"cannot take images of .*Pass fit\(\.\.\., "
                                             r"resize=96\)"):
            _fit(net, digits.subset(64, 32), epochs=1, resize=resize)


def test_a_net_with_global_pooling_names_the_smallest_side_it_takes(digits):
    with pytest.raises(ValueError, match=r"at least 67x67 pixels\. Pass fit\(\.\.\., resize=67\)"):
        _fit(models.nin(width=0.125, image_size=68), digits.subset(64, 32), epochs=1)


def test_evaluate_predict_and_show_predictions_name_the_resize_too(digits, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    net = models.lenet()  # built for 28x28: any side from 28 to 31 works
    big = (torch.rand(4, 1, 40, 40), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError,
                       match=r"from 28x28 to 31x31.*evaluate_accuracy\(\.\.\., resize=28\)"):
        training.evaluate_accuracy(net, big)
    with pytest.raises(ValueError, match=r"predict\(\.\.\., resize=28\)"):
        training.predict(net, big[0])
    with pytest.raises(ValueError, match=r"show_predictions\(\.\.\., resize=28\)"):
        training.show_predictions(net, data.load_fallback_digits(), resize=40)
    assert training.predict(net, big[0], resize=28).shape == (4,)


def test_images_with_the_wrong_number_of_channels_are_named_as_such():
    colour = torch.rand(2, 3, 28, 28)
    with pytest.raises(ValueError, match=r"takes images with 1 channel\(s\), but these have 3"):
        training.check_image_size(models.lenet(), colour)


def test_other_errors_of_the_first_batch_pass_through_unchanged(digits):
    class Broken(nn.Module):
        def forward(self, X):
            raise RuntimeError("a bug in the student's layer")

    with pytest.raises(RuntimeError, match="a bug in the student's layer"):
        _fit(nn.Sequential(Broken(), nn.Flatten(), nn.Linear(784, 10)), digits, epochs=1)


# -- dtypes per device (issue 14, kind 4) --------------------------------------------------
def test_mixed_precision_picks_fp16_where_the_device_has_no_bf16(monkeypatch):
    monkeypatch.setattr(training.speed, "_has_bf16", lambda device: device.type != "mps")
    on_mps = _decided("mps", models.lenet(), amp=True, channels_last=False)
    assert (on_mps.amp, on_mps.amp_dtype) == (True, torch.float16)
    with pytest.raises(ValueError, match="mps has no bfloat16; pass amp_dtype=torch.float16"):
        _decided("mps", models.lenet(), amp=True, amp_dtype=torch.bfloat16, channels_last=False)
    assert _decided("cpu", models.lenet(), amp=True).amp_dtype == torch.bfloat16


# -- the loop stays readable (issue 21) ------------------------------------------------------
def test_fits_body_fits_on_one_screen():
    """Set-up call, epoch loop and training step: 60 lines at most below the docstring."""
    import ast
    import inspect

    source = inspect.getsource(training.fit)
    code = ast.parse(source).body[0].body[1:]  # the statements after the docstring
    lines = source.splitlines()[code[0].lineno - 1:code[-1].end_lineno]
    assert len(lines) <= 60, f"fit's body has grown to {len(lines)} lines: move a piece out"
