"""The analytic receptive field (Araujo et al. recurrences) equals what autograd finds."""

import random

import pytest
import torch
from torch import nn

from cnn_helpers.ops.pooling import pool2d
from cnn_helpers.ops.receptive import (
    AutogradFieldProbe,
    LayerGeometry,
    autograd_receptive_field,
    receptive_field,
    receptive_field_table,
)


def test_the_notes_example_19_sees_the_four_shaded_inputs():
    rows = receptive_field(nn.Conv2d(1, 1, 2), 3)
    assert rows[-1].size == (2, 2)
    assert rows.box((0, 0)) == (slice(0, 2), slice(0, 2))


def test_deeper_stacks_see_wider_fields():
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3) for _ in range(4)])
    sizes = [row.size[0] for row in receptive_field(stack, 32)]
    assert sizes == [3, 5, 7, 9]


def test_lenet_stack_numbers():
    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(), nn.Linear(400, 10),
    )
    rows = receptive_field(lenet, 28)
    assert [r.output_size[0] for r in rows] == [28, 14, 10, 5]
    assert [r.size[0] for r in rows] == [5, 6, 14, 16]
    assert [r.jump[0] for r in rows] == [1, 2, 2, 4]
    assert [r.start[0] for r in rows] == [-2, -2, -2, -2]
    assert "field r" in receptive_field_table(rows)


def random_stack(rng: random.Random, allow_gaps: bool) -> nn.Sequential:
    layers, channels = [], 1
    for _ in range(rng.randint(1, 4)):
        kh, kw = rng.randint(1, 4), rng.randint(1, 4)
        sh = rng.randint(1, 3 if allow_gaps else max(1, min(kh, 2)))
        sw = rng.randint(1, 3 if allow_gaps else max(1, min(kw, 2)))
        if rng.random() < 0.3 and kh > 1 and kw > 1:
            layers.append(rng.choice([nn.MaxPool2d, nn.AvgPool2d])(
                (kh, kw), (sh, sw), (rng.randint(0, kh // 2), rng.randint(0, kw // 2))))
        else:
            out = rng.randint(1, 3)
            layers.append(nn.Conv2d(channels, out, (kh, kw), (sh, sw),
                                    (rng.randint(0, 2), rng.randint(0, 2))))
            layers.append(rng.choice([nn.ReLU(), nn.Sigmoid(), nn.Identity()]))
            channels = out
    return nn.Sequential(*layers)


@pytest.mark.parametrize("seed", range(60))
def test_analytic_receptive_field_equals_autograd_on_random_stacks(seed):
    rng = random.Random(seed)
    stack = random_stack(rng, allow_gaps=seed % 3 == 0)
    size = (rng.randint(12, 20), rng.randint(12, 20))
    try:
        rows = receptive_field(stack, size)
    except ValueError:
        pytest.skip("this random stack shrinks the image to nothing")
    last = rows[-1]
    i, j = rng.randrange(last.output_size[0]), rng.randrange(last.output_size[1])
    assert torch.equal(autograd_receptive_field(stack, size, (i, j)), rows.mask((i, j))), \
        receptive_field_table(rows)
    top, left = rows.box((i, j))
    unclipped = last.unclipped_box((i, j))
    if not last.has_gaps:
        box = torch.zeros(size, dtype=torch.bool)
        box[top, left] = True
        assert torch.equal(rows.mask((i, j)), box)  # no gaps: the field is a full box
    if unclipped[0].start >= 0 and unclipped[0].stop <= size[0] and rows.mask((i, j)).any():
        assert top.stop - top.start <= last.size[0]  # the recurrences bound the field


def test_a_stride_larger_than_the_next_window_leaves_gaps():
    rows = receptive_field([LayerGeometry.make("a", 1, 2), LayerGeometry.make("b", 3)], 9)
    assert rows[-1].has_gaps and rows[-1].size == (5, 5)
    stack = nn.Sequential(nn.Conv2d(1, 1, 1, 2), nn.Conv2d(1, 1, 3))
    mask = autograd_receptive_field(stack, 9, (0, 0))
    assert mask[0].tolist()[:5] == [True, False, True, False, True]


def test_intermediate_layers_can_be_probed():
    stack = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
    assert autograd_receptive_field(stack, 8, (0, 0), layer=0).sum() == 9
    assert autograd_receptive_field(stack, 8, (0, 0)).sum() == 25


def test_fully_connected_layers_have_no_box():
    with pytest.raises(ValueError, match="no receptive field box"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.LSTM(3, 3)), 8)


def test_a_stack_that_shrinks_the_image_away_says_where():
    with pytest.raises(ValueError, match="1: the kernel"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 5), nn.Conv2d(1, 1, 5)), 8)


def test_a_dilated_kernel_too_large_is_named_with_the_span_it_covers():
    # k=3, d=4 covers 9 pixels: the message says where the 9 comes from (issue 25, finding 5)
    with pytest.raises(ValueError, match=r"^1: the dilated kernel \(9 = 4·\(3−1\)\+1\) is larger "
                                         r"than the padded input \(6 \+ 0 = 6\)"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3, dilation=4)), 8)


def test_border_pixels_dropped_by_the_floor_are_outside_the_field():
    # 5 inputs, 2-wide stride-2 windows see inputs 0-3; input 4 is never used
    stack = nn.Sequential(nn.Conv2d(1, 1, (1, 2), (1, 2)), nn.Conv2d(1, 1, (1, 3), padding=(0, 1)))
    rows = receptive_field(stack, (1, 5))
    assert list(rows[-1].unclipped_box((0, 1))[1]) == [0, 1, 2, 3, 4, 5]
    assert rows.box((0, 1)) == (slice(0, 1), slice(0, 4))
    assert autograd_receptive_field(stack, (1, 5), (0, 1))[0].tolist() == [True] * 4 + [False]


def test_activations_that_work_in_place_or_clip_do_not_change_the_autograd_field():
    """ReLU6 saturates on the probe's large values (its gradient there is 0): it must be
    treated as pointwise, and no layer may overwrite the probe's input in place (issue 14)."""
    plain = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.Conv2d(2, 2, 3))
    clipped = nn.Sequential(nn.Hardtanh(inplace=True), nn.Conv2d(1, 2, 3), nn.ReLU6(inplace=True),
                            nn.MaxPool2d(2), nn.Conv2d(2, 2, 3), nn.ELU(inplace=True))
    for position in ((0, 0), (2, 3)):
        expected = receptive_field(plain, 16).mask(position)
        assert torch.equal(autograd_receptive_field(clipped, 16, position), expected)
        assert torch.equal(receptive_field(clipped, 16).mask(position), expected)


class _OnAppleGPU(nn.Conv2d):
    """A layer that, like one on Apple's MPS, refuses float64 until it is moved to the CPU."""

    on_mps = True

    def _apply(self, fn, recurse=True):
        converted = fn(torch.zeros(1))
        if converted.dtype == torch.float64 and self.on_mps:
            raise TypeError("Cannot convert a MPS Tensor to float64 dtype as the MPS framework "
                            "doesn't support float64. Please use float32 instead.")
        if converted.dtype == torch.float32:  # .cpu()
            self.on_mps = False
        return super()._apply(fn, recurse)


def test_a_model_on_a_device_without_float64_is_probed_on_the_cpu():
    model = nn.Sequential(_OnAppleGPU(1, 1, 3), nn.ReLU(), nn.MaxPool2d(2))
    mask = autograd_receptive_field(model, 8, (1, 1))
    assert torch.equal(mask, receptive_field(model, 8).mask((1, 1)))
    assert model[0].on_mps and model[0].weight.dtype == torch.float32  # the original is untouched
    assert AutogradFieldProbe(model, 8)((1, 1)).sum() == mask.sum()


# -- issue 25, kind 6: a pooling layer PyTorch refuses is refused here too ---------------------
@pytest.mark.parametrize("pool", [nn.MaxPool2d(2, padding=2), nn.AvgPool2d(3, 1, padding=2),
                                  nn.MaxPool2d(3, 1, padding=(0, 2))])
def test_a_pooling_layer_that_pytorch_refuses_has_no_receptive_field_table(pool):
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), pool)
    with pytest.raises(RuntimeError, match="pad should be"):  # PyTorch's own refusal
        net(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"^1: padding \(.*\) is more than half the window") as ours:
        receptive_field(net, 8)
    with pytest.raises(ValueError) as pooled:
        pool2d(torch.zeros(8, 8), pool.kernel_size, stride=pool.stride, padding=pool.padding)
    assert str(ours.value).removeprefix("1: ") == str(pooled.value)  # the same sentence


def test_a_pooling_geometry_made_by_hand_is_checked_like_one_made_from_a_layer():
    with pytest.raises(ValueError, match="pool: padding .* more than half the window"):
        LayerGeometry.make("pool", 2, 2, 2, pooling=True)
    direct = LayerGeometry("pool", (2, 2), (2, 2), (2, 2), pooling=True)
    with pytest.raises(ValueError, match="more than half the window"):
        receptive_field([direct], 8)
    assert receptive_field([LayerGeometry.make("conv", 2, 1, 2)], 8)[-1].output_size == (11, 11)
    assert receptive_field(nn.Sequential(nn.MaxPool2d(3, 2, padding=1)), 8)[-1].size == (3, 3)
