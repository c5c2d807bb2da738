"""Chapter 2 (pooling): the claims of the notes, the helpers that measure them, exercises, figures."""

import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnn_helpers import ops
from cnn_helpers.chapters.ch02_pooling import (
    costs,
    errors,
    exercises,
    fast,
    in_use,
    invariance,
    texture,
)
from cnn_helpers.core.images import checkerboard, edge_image, photo, shifted, transformed

# ---------------------------------------------------------------- fast pooling = from-scratch pooling


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
       channels=st.integers(1, 3), mode=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**16))
def test_fast_pool_equals_pool2d_from_scratch_or_refuses_alike(h, w, kh, kw, sh, sw, ph, pw,
                                                              channels, mode, seed):
    torch.manual_seed(seed)
    X = torch.randn(channels, h, w, dtype=torch.float64)
    arguments = dict(stride=(sh, sw), padding=(ph, pw))
    try:
        expected = ops.pool2d(X, (kh, kw), mode, **arguments)
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            fast.pool(X, (kh, kw), mode, **arguments)
        with pytest.raises(ValueError):
            ops.pooling.pooling_output_shape((h, w), (kh, kw), **arguments)
        return
    torch.testing.assert_close(fast.pool(X, (kh, kw), mode, **arguments), expected)
    assert ops.pooling.pooling_output_shape((h, w), (kh, kw), **arguments) == expected.shape[-2:]


def test_pool_keeps_two_dimensional_input_two_dimensional():
    assert fast.pool(torch.ones(4, 4), 2).shape == (2, 2)
    with pytest.raises(ValueError, match="mode must be"):
        fast.pool(torch.ones(4, 4), 2, "median")


# ---------------------------------------------------------------- invariance (2.4)


def test_a_one_pixel_shift_changes_every_edge_output_but_max_pooling_keeps_some():
    curve = invariance.invariance_curve(photo("camera", 128), [0, 1], 2, "max",
                                     before_pooling=invariance.edge_response)
    assert curve.unpooled[0] == curve.pooled[0] == 1.0
    assert curve.unpooled[1] < 0.01
    assert curve.pooled[1] > 0.25


def test_bigger_max_pooling_windows_keep_more_outputs_unchanged():
    image = photo("camera", 128)
    kept = [invariance.invariance_curve(image, [1], k, "max", before_pooling=invariance.edge_response)
            .pooled[0] for k in (2, 3, 4)]
    assert kept[0] < kept[1] < kept[2]


def test_invariance_fades_as_the_shift_grows_to_the_window():
    curve = invariance.invariance_curve(photo("camera", 128), range(5), 3, "max",
                                     before_pooling=invariance.edge_response)
    assert curve.pooled[0] > curve.pooled[1] > curve.pooled[2] > curve.pooled[3]
    assert curve.pooled[3] < 0.02


@pytest.mark.parametrize("window", [2, 3, 4])
def test_max_pooling_of_noise_keeps_k_minus_s_over_k_plus_s(window):
    torch.manual_seed(0)
    noise = torch.rand(256, 256, dtype=torch.float64)
    curve = invariance.invariance_curve(noise, range(window + 1), window, "max")
    for shift, kept in zip(curve.shifts, curve.pooled):
        assert kept == pytest.approx(invariance.expected_unchanged_max(window, shift), abs=0.03)


def test_unchanged_fraction_counts_equal_elements_within_the_tolerance():
    a = torch.tensor([0.0, 1.0, 2.0, 3.0])
    assert invariance.unchanged_fraction(a, a + torch.tensor([0, 0, 0.05, 1])) == 0.5
    assert invariance.unchanged_fraction(a, a + torch.tensor([0, 0, 0.05, 1]), 0.1) == 0.75
    with pytest.raises(ValueError, match="shapes differ"):
        invariance.unchanged_fraction(a, a[:2])


def test_edge_response_marks_the_notes_two_vertical_edges():
    Y = invariance.edge_response(edge_image())
    assert Y.shape == (6, 7)
    assert Y.sum(0).tolist() == [0, 6, 0, 0, 0, 6, 0]


# ---------------------------------------------------------------- shifts, rotations, rescalings


def test_transformed_moves_rotates_and_rescales_about_the_centre():
    X = photo("camera", 64)
    assert torch.equal(transformed(X), X) and torch.equal(transformed(X, shift=2), shifted(X, 0, 2))
    dot = torch.zeros(9, 9)
    dot[4, 6] = 1  # two pixels right of the centre
    assert transformed(dot, angle=90).nonzero().tolist() == [[2, 4]]  # counter-clockwise: above it
    assert transformed(dot, scale=2).argmax() == 4 * 9 + 8  # twice as far out: four pixels right
    with pytest.raises(ValueError, match="scale"):
        transformed(X, scale=0)


def test_relative_change_is_zero_when_unchanged_and_root_two_when_edges_move_off_themselves():
    Y = invariance.edge_response(edge_image())
    assert invariance.relative_change(Y, Y) == 0
    assert invariance.relative_change(Y, invariance.edge_response(shifted(edge_image(), 0, 1))) == \
        pytest.approx(2 ** 0.5)
    with pytest.raises(ValueError, match="all zeros"):
        invariance.relative_change(torch.zeros(3), torch.ones(3))


@pytest.mark.parametrize("image", [photo("camera", 256), checkerboard(256, 7)], ids=["photo", "pattern"])
def test_pooling_absorbs_part_of_a_one_pixel_shift_but_little_of_a_rotation_or_rescaling(image):
    rows = {row.transformation: row for row in invariance.transformation_sensitivity(image)}
    assert list(rows) == list(invariance.TRANSFORMATIONS)
    for mode in ("max", "avg"):
        assert rows["shift 1 px"].kept(mode) <= invariance.SHIFT_KEPT_AT_MOST
        for name in ("rotate 5°", "rotate 10°", "rotate 15°", "scale 0.9", "scale 1.1"):
            assert rows[name].kept(mode) >= invariance.OTHER_KEPT_AT_LEAST
            assert rows[name].pooled[mode] > rows["shift 1 px"].pooled[mode]


def test_the_invariance_check_fails_when_a_rotation_is_absorbed_like_a_shift():
    rows = invariance.transformation_sensitivity(photo("camera", 256), {
        "shift 1 px": dict(shift=1), "rotate 5°": dict(angle=5)})
    invariance.check_transformation_claims({"photo": rows})
    absorbed = invariance.Sensitivity("rotate 5°", rows[1].unpooled, {"max": 0.1, "avg": 0.1})
    with pytest.raises(AssertionError):
        invariance.check_transformation_claims({"photo": [rows[0], absorbed]})


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_a_rotation_is_absorbed_only_near_its_centre(mode):
    invariance.check_rotation_absorbed_near_centre_only(photo("camera", 256), angle=5, mode=mode)


def test_averaging_shrinks_the_estimates_spread_as_one_over_root_n():
    rows = errors.check_window_errors(noise=0.2)
    assert [row.window for row in rows] == [4, 9, 16]
    assert all(row.mean_of_max > row.mean_of_average for row in rows)  # the maximum overestimates


@pytest.mark.parametrize("name", ["camera", "coins", "astronaut"])
def test_average_pooling_blurs_below_plain_subsampling_and_max_pooling_keeps_more_detail(name):
    image = photo(name, 256)
    for window in (2, 4, 8):
        row = texture.detail_after_pooling(image, window)
        assert row.average_pooled < row.subsampled < row.original, row
        assert row.average_pooled < row.max_pooled, row


def test_detail_is_zero_on_a_flat_image_and_grows_with_the_edges_step():
    flat = torch.full((8, 8), 0.5)
    step = torch.zeros(8, 8)
    step[:, 4:] = 1.0
    assert texture.detail(flat) == 0
    assert texture.detail(step) > texture.detail(step * 0.5) > 0


def test_max_pooling_survives_in_every_net_after_lenet_and_global_average_pooling_ends_the_modern_ones():
    counts = {c.net: c for c in in_use.check_pooling_census()}
    assert counts["LeNet (the book's)"].max_pooling == 0 and counts["LeNet (the book's)"].average_pooling == 2
    assert counts["VGG-11"].max_pooling == 5 and counts["ResNet-18"].max_pooling == 1
    assert counts["DenseNet"].average_pooling == 3  # its transition layers


# ---------------------------------------------------------------- parameters (2, 2.3)


def test_pooling_layers_have_no_parameters():
    for layer in (nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)):
        assert costs.parameter_count(layer) == 0


def test_global_average_pooling_gives_one_number_per_channel():
    X = torch.randn(2, 5, 7, 7)
    gap = nn.AdaptiveAvgPool2d(1)(X)
    assert gap.shape == (2, 5, 1, 1)
    torch.testing.assert_close(gap[..., 0, 0], X.mean(dim=(2, 3)))


def test_gap_head_has_49_times_fewer_parameters_than_flatten_head_on_7x7_maps():
    gap = costs.gap_head(512, 10)
    flat = costs.flatten_head(512, 7, 7, 10)
    assert costs.parameter_count(gap) == 512 * 10 + 10 == 5130
    assert costs.parameter_count(flat) == 512 * 49 * 10 + 10 == 250890
    X = torch.randn(3, 512, 7, 7)
    assert gap(X).shape == flat(X).shape == (3, 10)


# ---------------------------------------------------------------- compression and channels (2.4, 2.5)


def test_two_by_two_pooling_quarters_features_and_the_next_convolutions_cost():
    before = costs.conv_multiply_adds(64, 64, 3, (56, 56))
    after = costs.conv_multiply_adds(64, 64, 3, (28, 28))
    assert before == 4 * after
    assert costs.feature_count((64, 56, 56)) == 4 * costs.feature_count((64, 28, 28))
    layer = nn.Conv2d(64, 64, 3, padding=1, bias=False)
    assert costs.conv_multiply_adds(64, 64, 3, (28, 28)) == layer.weight.numel() * 28 * 28


def test_pooling_pools_each_channel_separately_unlike_convolution():
    torch.manual_seed(0)
    X = torch.randn(3, 6, 6)
    pooled = fast.pool(X, 2)
    assert pooled.shape[0] == 3
    for c in range(3):
        torch.testing.assert_close(pooled[c], fast.pool(X[c], 2))
    assert F.conv2d(X[None], torch.randn(1, 3, 2, 2)).shape[1] == 1  # convolution sums channels


# ---------------------------------------------------------------- exercises

RIGHT_ANSWERS = {
    exercises.exercise_1: (28, 28),
    exercises.exercise_2: ([[4, 5], [6, 7]], [[2.5, 2.0], [2.5, 3.5]]),
    exercises.exercise_3: 250890 - 5130,
    exercises.exercise_4: 0.25,
    exercises.exercise_5: "a",
}
WRONG_ANSWERS = {
    exercises.exercise_1: (27, 27),
    exercises.exercise_2: ([[4, 5], [6, 7]], [[2.5, 2.0], [2.5, 3.0]]),
    exercises.exercise_3: 250890,
    exercises.exercise_4: 1.0,
    exercises.exercise_5: "b",
}


@pytest.mark.parametrize("checker", list(RIGHT_ANSWERS), ids=lambda f: f.__name__)
def test_exercise_checkers_accept_the_right_answer(checker):
    assert checker(RIGHT_ANSWERS[checker]).correct is True


@pytest.mark.parametrize("checker", list(WRONG_ANSWERS), ids=lambda f: f.__name__)
def test_exercise_checkers_reject_a_wrong_answer(checker):
    feedback = checker(WRONG_ANSWERS[checker])
    assert feedback.correct is False and "Hint" in feedback.message


@pytest.mark.parametrize("checker", list(RIGHT_ANSWERS), ids=lambda f: f.__name__)
def test_an_untouched_exercise_is_not_attempted_and_malformed_answers_do_not_raise(checker):
    assert checker(...).correct is None
    assert checker("nonsense").correct is False


# ---------------------------------------------------------------- figures


def test_figures_are_drawn_small_into_the_directory(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from cnn_helpers.chapters.ch02_pooling import figures

    paths = figures.draw_all(tmp_path)
    assert [p.name for p in paths] == ["pooling_max_average.png", "pooling_global_average.png"]
    for path in paths:
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size < 150_000


def test_a_negative_share_absorbed_is_printed_as_such_not_clamped_to_zero(capsys):
    shift = invariance.Sensitivity("shift 1 px", 1.0, {"max": 0.5, "avg": 0.6})
    scaled = invariance.Sensitivity("scale 1.1", 1.0, {"max": 0.91, "avg": 1.01})  # avg kept 101%
    invariance.check_transformation_claims({"photo": [shift, scaled]})
    said = capsys.readouterr().out
    assert "only -1% to 9% of a 5-15° rotation's" in said and "pooling made the change larger" in said
    assert invariance._percent_range([0.41, 0.44]) == "41-44%" and invariance._percent_range([0.2]) == "20%"
