"""Kind 3 of issue 25: data from numpy just works, in every place the course takes tensors.

Images of float64, float16, uint8 and int, labels of int32, int64, uint8 (numpy arrays and
tensors) are converted where nothing is lost; where the conversion interprets, one line says
so; where it would change the data (NaN, labels with fractions), a ValueError says what to do.
"""

import numpy as np
import pytest
import torch
from torch import nn

from cnn_helpers import training
from cnn_helpers.core.inputs import image_tensor, label_tensor
from cnn_helpers.ops import conv2d, corr2d, corr2d_multi_in_out_1x1, pool2d
from cnn_helpers.ops.batch_norm import batch_norm


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 10))


RNG = np.random.default_rng(0)
PIXELS = RNG.random((32, 1, 4, 4))  # float64, as numpy makes them
LABELS = RNG.integers(0, 10, 32)
IMAGES = {"float64": PIXELS, "float16": PIXELS.astype(np.float16), "float32": PIXELS.astype(np.float32),
          "uint8": (PIXELS * 255).astype(np.uint8), "int64": (PIXELS * 255).astype(np.int64),
          "int32 N x H x W": (PIXELS[:, 0] * 255).astype(np.int32)}
LABEL_TYPES = {"int32": LABELS.astype(np.int32), "int64": LABELS, "uint8": LABELS.astype(np.uint8),
               "float64 whole": LABELS.astype(np.float64)}


@pytest.mark.parametrize("tensor", [False, True], ids=["numpy", "tensor"])
@pytest.mark.parametrize("labels", LABEL_TYPES)
@pytest.mark.parametrize("images", IMAGES)
def test_fit_evaluate_and_predict_take_numpys_types(images, labels, tensor, capsys):
    X, y = IMAGES[images], LABEL_TYPES[labels]
    if tensor:
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    history = training.fit(_net(), (X, y), (X, y), 1, 0.1, batch_size=8, device="cpu",
                           live=False, seed=0)
    assert history.epochs == 1 and 0 <= history.test_acc[0] <= 1
    printed = capsys.readouterr().out.splitlines()
    expected = {"float64": ["float64: computed in float32"], "uint8": [], "float16": [],
                "float32": [], "int64": ["read as 8-bit pixels"],
                "int32 N x H x W": ["N x H x W: read as one channel", "read as 8-bit"]}[images]
    expected += ["whole numbers: converted to int64"] if labels == "float64 whole" else []
    assert len(printed) == len({line for line in printed}) <= 2  # each note once, not per batch
    for words in expected:
        assert any(words in line for line in printed), (words, printed)
    assert not expected or printed
    assert 0 <= training.evaluate_accuracy(_net(), (X, y)) <= 1
    assert training.predict(_net(), X[:3]).shape == (3,)


def test_a_loader_of_numpy_typed_batches_is_converted_batch_by_batch_and_said_once(capsys):
    loader = [(torch.from_numpy(PIXELS[i:i + 8]), torch.from_numpy(LABELS[i:i + 8].astype(np.int32)))
              for i in range(0, 32, 8)]
    history = training.fit(_net(), loader, loader, 2, 0.1, device="cpu", live=False)
    assert history.epochs == 2
    assert capsys.readouterr().out.count("float64") == 1


@pytest.mark.parametrize("labels, words", [
    (LABELS + 0.5, r"class numbers .* hold 8.5 \(at 0\): a fraction is no class"),
    (np.where(LABELS > 4, np.nan, LABELS), "labels hold NaN"),
])
def test_labels_that_are_no_class_numbers_are_refused_with_a_sentence(labels, words):
    with pytest.raises(ValueError, match=words):
        training.fit(_net(), (PIXELS, labels), None, 1, device="cpu", live=False)


def test_images_with_nan_or_pixels_beyond_8_bits_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match=r"images hold NaN .* in 1 place"):
        training.evaluate_accuracy(_net(), (np.where(PIXELS == PIXELS.max(), np.nan, PIXELS), LABELS))
    with pytest.raises(ValueError, match="int32 from 0 to 997: .*scale them"):
        training.predict(_net(), (PIXELS * 1000).astype(np.int32))


def test_the_conversions_lose_nothing_where_they_are_silent():
    X, note = image_tensor(PIXELS.astype(np.float16))
    assert note is None and X.dtype == torch.float32
    assert torch.equal(X, torch.from_numpy(PIXELS.astype(np.float16)).float())
    y, note = label_tensor(LABELS.astype(np.uint8))
    assert note is None and y.dtype == torch.int64 and y.tolist() == LABELS.tolist()
    X, note = image_tensor((PIXELS * 255).astype(np.int64))
    assert X.dtype == torch.uint8 and torch.equal(X.long(), torch.from_numpy((PIXELS * 255).astype(np.int64)))


# -- the from-scratch operations --------------------------------------------------------------
def test_conv2d_takes_numpy_and_integer_inputs_and_computes_in_floats():
    X = (PIXELS[0] * 255).astype(np.uint8)  # 1 x 4 x 4
    weight = np.ones((1, 1, 2, 2))
    expected = torch.nn.functional.conv2d(torch.from_numpy(X[None].astype(np.float64)),
                                          torch.from_numpy(weight))[0]
    assert torch.equal(conv2d(X, weight), expected)  # uint8 sums would have wrapped past 255
    assert conv2d(torch.from_numpy(X), torch.ones(1, 1, 2, 2)).dtype == torch.float32


def test_the_books_operations_name_a_numpy_array_or_an_overflowing_type():
    with pytest.raises(ValueError, match=r"corr2d computes on torch tensors, and X is a numpy "
                                         r"array: pass torch.as_tensor\(X"):
        corr2d(PIXELS[0, 0], torch.ones(2, 2))
    with pytest.raises(ValueError, match=r"uint8, whose sums of products overflow"):
        corr2d(torch.full((3, 3), 200, dtype=torch.uint8), torch.ones(2, 2, dtype=torch.uint8))
    with pytest.raises(ValueError, match="pool2d computes on torch tensors"):
        pool2d(PIXELS[0, 0], 2)
    with pytest.raises(ValueError, match="int64 and K float32: a matrix product needs one type"):
        corr2d_multi_in_out_1x1(torch.ones(2, 3, 3, dtype=torch.int64), torch.ones(1, 2, 1, 1))
    with pytest.raises(ValueError, match="batch_norm computes on torch tensors"):
        batch_norm(PIXELS, torch.ones(1), torch.zeros(1), torch.zeros(1), torch.ones(1), 1e-5, 0.9)
    assert torch.equal(pool2d(torch.tensor([[1, 2], [3, 4]], dtype=torch.uint8), 2, "avg"),
                       torch.tensor([[2.5]]))  # pool2d itself averages whole numbers as floats
