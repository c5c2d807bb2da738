"""Chapter 1 (convolutional layers): helpers, figures and exercise checkers."""

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from cnn_helpers import conv_output_shape, corr2d
from cnn_helpers.chapters.ch01_convolution import checks as convolution
from cnn_helpers.chapters.ch01_convolution import exercises, figures
from cnn_helpers.core.images import edge_image

EDGE = torch.tensor([[1.0, -1.0]])


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: a second torch thread only waits for the first on a busy 2-core CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ---------------------------------------------------------------- the layer from scratch (1.1)


def test_conv2d_layer_is_cross_correlation_plus_a_scalar_bias():
    layer = convolution.Conv2D((2, 3), seed=3)
    with torch.no_grad():
        layer.bias.fill_(0.5)
    X = torch.randn(5, 6)
    expected = F.conv2d(X[None, None], layer.weight[None, None], layer.bias)[0, 0]
    torch.testing.assert_close(layer(X), expected)


def test_flipped_conv2d_layer_is_a_true_convolution():
    layer = convolution.Conv2D((2, 3), bias=False, flip=True, seed=3)
    X = torch.randn(5, 6)
    expected = F.conv2d(X[None, None], torch.flip(layer.weight, (0, 1))[None, None])[0, 0]
    torch.testing.assert_close(layer(X), expected)


def test_gradient_descent_recovers_the_edge_kernel():
    X = edge_image()
    layer = convolution.Conv2D((1, 2), bias=False, seed=0)
    losses = convolution.train_layer(layer, X, corr2d(X, EDGE), steps=40, lr=3e-2)
    assert losses[-1] < 1e-3 * losses[0]
    torch.testing.assert_close(layer.weight.detach(), EDGE, atol=1e-3, rtol=0)


def test_cross_correlation_and_convolution_layers_learn_flipped_kernels_and_predict_alike():
    torch.manual_seed(0)
    X, K = torch.randn(8, 8), torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    Y = corr2d(X, K)
    correlation = convolution.Conv2D(2, seed=1)
    true_convolution = convolution.Conv2D(2, flip=True, seed=1)
    for layer in (correlation, true_convolution):
        convolution.train_layer(layer, X, Y, steps=40, lr=0.01)
    torch.testing.assert_close(correlation(X), true_convolution(X), atol=1e-4, rtol=0)
    torch.testing.assert_close(torch.flip(correlation.weight, (0, 1)), true_convolution.weight,
                               atol=1e-4, rtol=0)


# ---------------------------------------------------------------- output size (1.3)


def test_notes_formula_with_total_padding_equals_conv2d_on_a_grid():
    checks = convolution.check_output_sizes(range(1, 10), range(1, 6), range(0, 3), range(1, 4))
    assert len(checks) > 300
    assert all(c.agrees for c in checks)


def test_output_size_table_marks_every_cell():
    checks = convolution.check_output_sizes([7], [1, 3], [0, 1], [1, 2])
    table = convolution.output_size_table(checks, 7)
    assert table.count("✓") == 8 and "✗" not in table
    assert "    7/7  ✓" in table  # k=1, no padding, stride 1


# ---------------------------------------------------------------- conv vs fully connected (1.6)


def test_parameter_counts_match_real_layers():
    counts = convolution.parameter_counts((2, 10, 12), 4, 3, padding=1, stride=2)
    conv = nn.Conv2d(2, 4, 3, padding=1, stride=2)
    out = conv(torch.zeros(1, 2, 10, 12))
    dense = nn.Linear(2 * 10 * 12, out.numel())
    assert counts.output_shape == tuple(out.shape[1:])
    assert counts.convolution == sum(p.numel() for p in conv.parameters())
    assert counts.fully_connected == sum(p.numel() for p in dense.parameters())
    assert counts.ratio == counts.fully_connected / counts.convolution


def test_parameter_counts_of_a_huge_dense_layer_cost_no_memory():
    counts = convolution.parameter_counts((3, 224, 224), 64, 3, padding=1)
    assert counts.convolution == 64 * 3 * 9 + 64
    assert counts.fully_connected == (3 * 224 * 224) * (64 * 224 * 224) + 64 * 224 * 224


def test_shifting_the_pattern_shifts_the_feature_map():
    torch.manual_seed(0)
    pattern, kernel = torch.rand(3, 3), torch.randn(3, 3)
    before = corr2d(convolution.place_pattern(pattern, 16, (2, 3)), kernel)
    after = corr2d(convolution.place_pattern(pattern, 16, (7, 9)), kernel)
    torch.testing.assert_close(after, torch.roll(before, (5, 6), (0, 1)))


def test_a_pattern_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        convolution.place_pattern(torch.ones(3, 3), 8, (6, 0))


@pytest.mark.parametrize("n, kernel_size, padding", [(5, 3, 1), (7, 3, 0), (6, 2, 1), (5, 1, 0)])
def test_sparse_connections_are_the_nonzeros_of_the_convolution_jacobian(n, kernel_size, padding):
    layer = nn.Conv1d(1, 1, kernel_size, padding=padding)
    expected = convolution.connections(n, kernel_size, padding)
    assert torch.equal(convolution.jacobian_connections(layer, n), expected)
    assert int(expected.sum(1).max()) == kernel_size


def test_a_fully_connected_layer_touches_every_input():
    touches = convolution.jacobian_connections(nn.Linear(5, 5), 5)
    assert torch.equal(touches, convolution.connections(5))
    assert bool(touches.all())


# ---------------------------------------------------------------- figures


def test_figure_module_draws_every_file_small(tmp_path):
    written = figures.draw_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(figures.FIGURES)
    for path in written:
        assert path.stat().st_size < 150_000, path.name
        with Image.open(path) as image:
            assert image.format == "PNG" and min(image.size) > 100


# ---------------------------------------------------------------- exercise checkers


def _strided_corr2d(X, K, stride, padding):
    X = F.pad(X, (padding, padding, padding, padding))
    k_h, k_w = K.shape
    out_h = (X.shape[0] - k_h) // stride + 1
    out_w = (X.shape[1] - k_w) // stride + 1
    Y = torch.zeros(out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i * stride : i * stride + k_h, j * stride : j * stride + k_w] * K).sum()
    return Y


def _ignores_stride(X, K, stride, padding):
    return _strided_corr2d(X, K, 1, padding)


def _crashes(X, K, stride, padding):
    raise RuntimeError("oops")


def _calls_conv2d(X, K, stride, padding):
    return F.conv2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]


def _calls_nn_conv2d(X, K, stride, padding):
    layer = nn.Conv2d(1, 1, tuple(K.shape), stride=stride, padding=padding, bias=False)
    layer.weight.data = K[None, None]
    return layer(X[None, None])[0, 0].detach()


RIGHT_AND_WRONG = [
    (exercises.exercise_1, (9, 19), [(10, 19), (9, 18), (9,), "9x19"]),
    (exercises.exercise_2, (448, 50_348_032), [(432, 50_348_032), (448, 50_331_648), 448]),
    (exercises.exercise_3, 9, [7, 5, 11, "9"]),
    (exercises.exercise_4, _strided_corr2d,
     [_ignores_stride, _crashes, corr2d, _calls_conv2d, _calls_nn_conv2d, 4]),
    (exercises.exercise_5, "a", ["b", "c", 9]),
]


@pytest.mark.parametrize("checker, right, wrongs", RIGHT_AND_WRONG)
def test_exercise_checker_accepts_the_right_answer(checker, right, wrongs):
    feedback = checker(right)
    assert feedback.correct is True and repr(feedback).startswith("✓")


@pytest.mark.parametrize("checker, right, wrongs", RIGHT_AND_WRONG)
def test_exercise_checker_rejects_wrong_answers_without_raising(checker, right, wrongs):
    for wrong in wrongs:
        feedback = checker(wrong)
        assert feedback.correct is False, wrong
        assert "Hint" in feedback.message


@pytest.mark.parametrize("checker, right, wrongs", RIGHT_AND_WRONG)
def test_untouched_exercise_says_not_attempted_yet(checker, right, wrongs):
    feedback = checker(...)
    assert feedback.correct is None and "not attempted yet" in repr(feedback)


def test_exercise_1_tells_a_text_answer_from_a_wrong_pair():
    text, wrong_pair = exercises.exercise_1("9x19"), exercises.exercise_1((10, 19))
    assert not text and not wrong_pair
    assert "pair of numbers" in text.message and "'9x19'" in text.message
    assert text.message != wrong_pair.message


@pytest.mark.parametrize("built_in", [_calls_conv2d, _calls_nn_conv2d])
def test_exercise_4_refuses_pytorchs_own_convolution(built_in):
    feedback = exercises.exercise_4(built_in)
    assert feedback.correct is False and "from scratch" in feedback.message


def test_exercise_answers_follow_the_library():
    assert (9, 19) == conv_output_shape(**exercises.EXERCISE_1)
    counts = convolution.parameter_counts(**exercises.EXERCISE_2)
    assert (counts.convolution, counts.fully_connected) == (448, 50_348_032)


def test_median_seconds_times_several_steps_in_turn_round_by_round():
    calls = []
    one = convolution.median_seconds(lambda: calls.append("a"), repeats=3)
    assert isinstance(one, float) and calls == ["a"] * 4  # a warm-up, then 3 timed calls
    calls.clear()
    both = convolution.median_seconds(lambda: calls.append("a"), lambda: calls.append("b"), repeats=2)
    assert len(both) == 2 and calls == ["a", "b"] * 3  # interleaved: a burst of load hits both
    with pytest.raises(ValueError, match="at least one step"):
        convolution.median_seconds()
