"""fit on a real CUDA GPU: the fast paths agree with plain steps and fail honestly.

Skipped on machines without CUDA (CI has none); run on a GPU with
``pytest tests/training/test_training_cuda.py``.
"""

import pytest
import torch

from cnn_helpers import models, training
from cnn_helpers.core import data

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def digits():
    return data.load_fallback_digits().subset(2048, 1000)


def _fit(net, digits, **options):
    options = {"epochs": 3, "lr": 0.1, "batch_size": 256, "device": "cuda", "seed": 0,
               "live": False} | options
    return training.fit(net, digits.train, digits.test, **options)


def test_a_recorded_cuda_graph_trains_like_plain_steps(digits):
    # cuDNN convolutions run in TF32 (about 3 decimal digits) and autotuning may pick other
    # algorithms under capture, so the two runs agree to TF32's precision, not bit for bit
    # (seen on an H100: 0.2% apart after 24 steps at lr 0.02; 0.6% after 8 at lr 0.9)
    graphed = _fit(models.build("lenet_modern"), digits, lr=0.02,
                   speed=training.Speed(cuda_graph=True))
    eager = _fit(models.build("lenet_modern"), digits, lr=0.02,
                 speed=training.Speed(cuda_graph=False))
    assert graphed.device.startswith("cuda")
    torch.testing.assert_close(graphed.train_loss, eager.train_loss, rtol=1e-2, atol=1e-4)
    assert graphed.train_loss[-1] < graphed.train_loss[0]


def test_mixed_precision_and_channels_last_learn_on_cuda(digits):
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    history = _fit(models.build("lenet_modern"), digits, epochs=5,
                   speed=training.Speed(amp=True, amp_dtype=dtype, channels_last=True))
    assert history.train_loss[-1] < 0.8 * history.train_loss[0]  # 40 steps: learning, not done
    assert history.test_acc[-1] > 0.3  # chance is 0.1


def test_out_of_gpu_memory_names_a_smaller_batch(digits):
    # 256 images resized to 4096x4096 need far more memory than any GPU has
    with pytest.raises(training.TrainingOutOfMemory, match="batch_size=128"):
        _fit(models.build("lenet_modern"), digits, resize=4096, epochs=1)
    assert torch.cuda.memory_allocated() < 2**30  # the failed attempt's memory was freed
