"""Batch normalization as the notes describe it (section 8): from scratch vs PyTorch, both modes."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnn_helpers import models, training
from cnn_helpers import settings as run_settings
from cnn_helpers.chapters.ch08_batch_norm import exercises
from cnn_helpers.core import data
from cnn_helpers.ops.batch_norm import BatchNorm, batch_norm


def books_batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    """The book's function (d2l-zh 7.5), written out: prediction mode when grad is off."""
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


# shapes: (m, d) after a fully connected layer or (m, c, h, w) after a convolution, with more
# than one value per feature so that training mode is defined
shapes = st.one_of(
    st.tuples(st.integers(2, 9), st.integers(1, 6)),
    st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(2, 5)),
)


def pair(shape, **options):
    """Our BatchNorm and PyTorch's for inputs of this shape, with random gamma and beta."""
    ours = BatchNorm(shape[1], num_dims=len(shape), **options)
    theirs = (nn.BatchNorm1d if len(shape) == 2 else nn.BatchNorm2d)(shape[1])
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 2.0)
        theirs.bias.uniform_(-1.0, 1.0)
        ours.gamma.copy_(theirs.weight.reshape(ours.gamma.shape))
        ours.beta.copy_(theirs.bias.reshape(ours.beta.shape))
    return ours, theirs


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_scratch_batch_norm_equals_pytorchs_in_training_mode_outputs_and_gradients(shape, seed):
    torch.manual_seed(seed)
    ours, theirs = pair(shape)
    X = (torch.randn(shape) * 3 + 2).requires_grad_()
    Y_ours, Y_theirs = ours(X), theirs(X)
    assert torch.allclose(Y_ours, Y_theirs, atol=1e-5)
    weights = torch.randn(shape)
    (grad_ours,) = torch.autograd.grad((Y_ours * weights).sum(), X)
    (grad_theirs,) = torch.autograd.grad((Y_theirs * weights).sum(), X)
    # with as few as 2 values per feature, 1/sqrt(var + eps) magnifies float32 rounding: relative
    assert torch.allclose(grad_ours, grad_theirs, rtol=1e-3, atol=1e-4)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), batches=st.integers(1, 5))
def test_moving_statistics_equal_pytorchs_with_book_momentum_0_9_and_unbiased_variance(
        shape, seed, batches):
    torch.manual_seed(seed)
    ours, theirs = pair(shape, momentum=0.9, unbiased=True)
    assert theirs.momentum == pytest.approx(1 - ours.momentum)  # PyTorch's 0.1 is the book's 0.9
    for _ in range(batches):
        X = torch.randn(shape) * 2 + 1
        ours(X), theirs(X)
    assert torch.allclose(ours.moving_mean.flatten(), theirs.running_mean, rtol=1e-4, atol=1e-5)
    assert torch.allclose(ours.moving_var.flatten(), theirs.running_var, rtol=1e-4, atol=1e-5)
    # and in eval mode both use those moving averages
    ours.eval(), theirs.eval()
    X = torch.randn(shape)
    assert torch.allclose(ours(X), theirs(X), atol=1e-5)


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 6, 6)])
def test_the_books_moving_variance_averages_the_biased_variance_pytorchs_the_unbiased(shape):
    torch.manual_seed(0)
    ours, theirs = pair(shape)  # the book's convention: biased
    n = torch.Size(shape).numel() // shape[1]  # values per feature or channel
    batches = 4
    for _ in range(batches):
        X = torch.randn(shape) * 2
        ours(X), theirs(X)
    start = 0.9 ** batches  # what is left of the initial moving variance 1
    assert torch.allclose(theirs.running_var - start,
                          (ours.moving_var.flatten() - start) * n / (n - 1), atol=1e-5)
    assert not torch.allclose(theirs.running_var, ours.moving_var.flatten(), atol=1e-3)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), grad=st.booleans())
def test_batch_norm_is_the_books_function_in_both_modes(shape, seed, grad):
    torch.manual_seed(seed)
    layout = (1, shape[1]) if len(shape) == 2 else (1, shape[1], 1, 1)
    X = torch.randn(shape)
    gamma, beta = torch.rand(layout) + 0.5, torch.randn(layout)
    moving_mean, moving_var = torch.randn(layout), torch.rand(layout) + 0.5
    with torch.set_grad_enabled(grad):  # the book's switch between training and prediction
        ours = batch_norm(X, gamma, beta, moving_mean, moving_var, 1e-5, 0.9)
        books = books_batch_norm(X, gamma, beta, moving_mean, moving_var, 1e-5, 0.9)
    for a, b in zip(ours, books):
        assert torch.allclose(a, b.reshape(a.shape), atol=1e-6)


@pytest.mark.parametrize("shape, dims", [((64, 7), (0,)), ((16, 4, 9, 9), (0, 2, 3))])
def test_training_mode_gives_each_feature_or_channel_mean_0_and_variance_1(shape, dims):
    torch.manual_seed(0)
    X = torch.randn(shape) * 5 + 3
    norm = BatchNorm(shape[1], num_dims=len(shape))
    Y = norm(X)
    assert torch.allclose(Y.mean(dim=dims), torch.zeros(shape[1]), atol=1e-5)
    assert torch.allclose(Y.var(dim=dims, unbiased=False), torch.ones(shape[1]), atol=1e-3)
    with torch.no_grad():  # then gamma scales and beta shifts
        norm.gamma.fill_(2.0), norm.beta.fill_(-1.0)
    Y = norm(X)
    assert torch.allclose(Y.mean(dim=dims), torch.full((shape[1],), -1.0), atol=1e-5)
    assert torch.allclose(Y.std(dim=dims, unbiased=False), torch.full((shape[1],), 2.0), atol=1e-3)


def test_convolutional_batch_norm_pools_batch_height_and_width_not_each_pixel():
    torch.manual_seed(0)
    X = torch.randn(8, 3, 5, 5) + torch.arange(25.0).reshape(1, 1, 5, 5)  # pixels differ
    Y = BatchNorm(3, num_dims=4)(X)
    assert torch.allclose(Y.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert Y.mean(dim=0).std() > 0.5  # pixel by pixel the means differ: m p q values share one


def test_in_eval_mode_an_image_gives_the_same_output_whatever_its_batch():
    torch.manual_seed(0)
    net = models.lenet_bn()
    for _ in range(3):
        net(torch.randn(32, 1, 28, 28))  # train mode: moves the moving averages
    image = torch.randn(1, 1, 28, 28)
    batches = [torch.cat([image, torch.randn(n, 1, 28, 28) * s]) for n, s in ((7, 1.0), (15, 3.0))]
    net.train()
    train_outputs = [net(b)[0] for b in batches]
    assert not torch.allclose(*train_outputs, atol=1e-3)
    net.eval()
    eval_outputs = [net(b)[0] for b in batches]
    assert torch.allclose(*eval_outputs, atol=1e-5)
    assert torch.allclose(eval_outputs[0], net(image)[0], atol=1e-5)  # a batch of one works too


def test_eval_mode_leaves_the_moving_statistics_alone():
    norm = BatchNorm(4, num_dims=2)
    norm(torch.randn(10, 4) + 5)
    before = norm.moving_mean.clone(), norm.moving_var.clone()
    norm.eval()
    norm(torch.randn(10, 4) - 5)
    assert torch.equal(norm.moving_mean, before[0]) and torch.equal(norm.moving_var, before[1])


def test_epsilon_1e8_or_1e5_barely_matters_unless_a_feature_is_nearly_constant():
    torch.manual_seed(0)
    gamma, beta = torch.ones(1, 2), torch.zeros(1, 2)
    X = torch.randn(256, 2) * torch.tensor([1.0, 1e-3])  # variances about 1 and 1e-6
    outputs = [batch_norm(X, gamma, beta, torch.zeros(1, 2), torch.ones(1, 2), eps, 0.9,
                          training=True)[0] for eps in (1e-8, 1e-5)]
    assert (outputs[0][:, 0] - outputs[1][:, 0]).abs().max() < 1e-4   # ordinary feature
    stds = [Y[:, 1].std(unbiased=False) for Y in outputs]
    assert stds[0] > 0.99 and stds[1] < 0.35  # 1e-5 damps a nearly constant feature
    assert torch.tensor(1.0) + 1e-8 == 1.0  # and in float32, 1 + 1e-8 is 1


def test_moving_statistics_are_buffers_saved_and_moved_with_the_net():
    norm = BatchNorm(3, num_dims=4)
    norm(torch.randn(4, 3, 2, 2) + 2)
    state = norm.state_dict()
    assert set(state) == {"gamma", "beta", "moving_mean", "moving_var"}
    assert {name for name, _ in norm.named_parameters()} == {"gamma", "beta"}
    copy = BatchNorm(3, num_dims=4)
    copy.load_state_dict(state)
    assert torch.equal(copy.moving_mean, norm.moving_mean)
    norm.reset_parameters()
    assert torch.equal(norm.moving_mean, torch.zeros(1, 3, 1, 1))
    assert torch.equal(norm.moving_var, torch.ones(1, 3, 1, 1))


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="more than one value per feature"):
        BatchNorm(4, num_dims=2)(torch.randn(1, 4))
    with pytest.raises(ValueError, match="num_dims=4.*shape \\(2, 4\\)"):
        BatchNorm(4, num_dims=4)(torch.randn(2, 4))
    with pytest.raises(ValueError, match="4 features.*gamma has 3"):
        BatchNorm(3, num_dims=2)(torch.randn(5, 4))
    with pytest.raises(ValueError, match="num_dims=3"):
        BatchNorm(3, num_dims=3)
    with pytest.raises(ValueError, match="momentum=1.5"):
        BatchNorm(3, num_dims=2, momentum=1.5)
    with pytest.raises(ValueError, match="not a tensor of shape \\(2, 3, 4\\)"):
        batch_norm(torch.randn(2, 3, 4), torch.ones(3), torch.zeros(3), torch.zeros(3),
                   torch.ones(3), 1e-5, 0.9)
    with pytest.raises(ValueError, match="implementation='keras'"):
        models.lenet_bn("keras")


def test_scratch_and_pytorch_lenet_bn_train_alike():
    part = data.load_fallback_digits().subset(512, 256)
    runs = [training.fit(models.lenet_bn(kind), part.train, part.test, 1, 1.0, batch_size=64,
                         device="cpu", seed=0, live=False) for kind in ("scratch", "pytorch")]
    assert runs[0].train_loss[0] == pytest.approx(runs[1].train_loss[0], abs=1e-4)


def test_in_the_smoke_profile_batch_norm_leaves_the_plateau_where_plain_sigmoid_lenet_does_not():
    run = run_settings("lenet_bn", "smoke")
    part = data.load_fallback_digits().subset(run.train_examples, run.test_examples)
    losses = {}
    for name, net in (("plain", models.lenet()), ("bn", models.lenet_bn("pytorch"))):
        history = training.fit(net, part.train, part.test, run.epochs, run.lr,
                               batch_size=run.batch_size, device="cpu", seed=0, live=False)
        losses[name] = history.train_loss[-1]
    assert losses["plain"] > 2.2 and losses["bn"] < 1.5


@pytest.mark.parametrize("exercise, right, wrong", [
    (exercises.exercise_1, 32, 64),
    (exercises.exercise_2, 147_456, 256),
    (exercises.exercise_3, 0.5, 4.5),
    (exercises.exercise_4, (1.0, 2.0), (0.0, 1.0)),
    (exercises.exercise_5, 2.0, 0.0),
    (exercises.exercise_6, 0.0, 7.0),
])
def test_exercises_accept_the_right_answer_only(exercise, right, wrong):
    assert exercise(right).correct is True
    assert exercise(wrong).correct is False
    assert exercise(...).correct is None
