"""Batch normalization from scratch (chapter 8, notes sections 8.1-8.3), with the book's names.

``batch_norm`` is d2l's function: in training it normalizes each feature
(fully connected input, ``m x d``) or each channel (convolutional input,
``m x c x p x q``: over all m p q values of the channel) with the
mini-batch mean and variance, then scales by ``gamma`` and shifts by
``beta``; when predicting it uses the moving averages instead.
``BatchNorm`` is d2l's layer around it, holding gamma and beta as
parameters and the moving statistics as buffers.

Two conventions differ from PyTorch's ``nn.BatchNorm1d`` / ``nn.BatchNorm2d``:

* momentum: the book keeps ``momentum`` (0.9) of the old moving average,
  ``moving = momentum * moving + (1 - momentum) * batch``; PyTorch's
  ``momentum`` (0.1) is the weight of the *new* batch. The book's 0.9 is
  PyTorch's 0.1.
* variance: both normalize with the biased batch variance (divide by n), but
  PyTorch's running variance averages the unbiased one (divide by n - 1, where
  n = m, or m p q per channel). The book averages the biased one.
  ``batch_norm(..., unbiased=True)`` matches PyTorch exactly.

The notes take epsilon about 1e-8; the book and PyTorch take 1e-5.
"""

from __future__ import annotations

import torch
from torch import nn

from cnn_helpers.core.inputs import require_tensor


def validate_batch_norm_input(X: torch.Tensor, gamma: torch.Tensor, training: bool) -> None:
    """Raise ``ValueError`` for an input that is neither m x d nor m x c x h x w, a ``gamma`` of
    another size than its features, or (in training) one value per feature."""
    require_tensor(X, "X", "batch_norm")
    if not X.is_floating_point():  # a mean and a variance of whole numbers are not whole
        raise ValueError(f"batch norm computes means and variances, and X is "
                         f"{str(X.dtype).removeprefix('torch.')}: pass X.float()")
    if X.dim() not in (2, 4):
        raise ValueError(f"batch norm takes a batch of feature vectors (m x d) or of feature "
                         f"maps (m x c x h x w), not a tensor of shape {tuple(X.shape)}")
    if gamma.numel() != X.shape[1]:
        raise ValueError(f"the input has {X.shape[1]} features (or channels) but gamma has "
                         f"{gamma.numel()}: give BatchNorm the layer's output size")
    if training and X.numel() // X.shape[1] < 2:
        raise ValueError("batch norm in training needs more than one value per feature: a "
                         "batch of one example has no spread to normalize by (use a larger "
                         "batch, or net.eval() to predict one example)")


def validate_batch_norm_layer(num_dims: int, momentum: float) -> None:
    """Raise ``ValueError`` for a ``num_dims`` other than 2 or 4, or a momentum outside 0 to 1."""
    if num_dims not in (2, 4):
        raise ValueError(f"num_dims={num_dims}: 2 after a fully connected layer (m x d), "
                         "4 after a convolution (m x c x h x w)")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum={momentum}: the share of the old moving average that "
                         "is kept, between 0 and 1 (the book's 0.9)")


def batch_norm(X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
               moving_mean: torch.Tensor, moving_var: torch.Tensor, eps: float, momentum: float,
               *, training: bool | None = None,
               unbiased: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Normalize ``X``; return ``(Y, new_moving_mean, new_moving_var)`` (d2l's function).

    When predicting, the moving averages replace the batch statistics and the
    moving statistics come back unchanged.

    Args:
        X: a batch, N x d after a fully connected layer or N x C x H x W after a
            convolution.
        gamma: the learned scale, one per feature or channel.
        beta: the learned shift, one per feature or channel.
        moving_mean: the moving average of the means.
        moving_var: the moving average of the variances.
        eps: added to the variance before its square root.
        momentum: the share of the old moving average that is kept.
        training: use the batch statistics and update the moving ones (None: as
            the book decides, training exactly when gradients are being recorded).
        unbiased: average the unbiased batch variance into ``moving_var``, as
            PyTorch does.

    Returns:
        ``(Y, new_moving_mean, new_moving_var)``; ``Y`` has the shape of ``X``.

    Raises:
        ValueError: ``gamma`` does not match ``X``'s features, or training on one
            value per feature.
    """
    if training is None:  # the book's rule: training exactly when gradients are recorded
        training = torch.is_grad_enabled()
    validate_batch_norm_input(X, gamma, training)
    shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)  # broadcasts over the batch (and h, w)
    gamma, beta = gamma.reshape(shape), beta.reshape(shape)
    if not training:  # prediction (8.3): the moving averages of the whole training set
        X_hat = (X - moving_mean.reshape(shape)) / torch.sqrt(moving_var.reshape(shape) + eps)
        return gamma * X_hat + beta, moving_mean, moving_var
    dims = (0,) if X.dim() == 2 else (0, 2, 3)  # 8.1 per feature; 8.2 per channel, m x p x q
    n = X.numel() // X.shape[1]  # values per feature / channel
    mean = X.mean(dim=dims, keepdim=True)                 # 1 x d, or 1 x c x 1 x 1
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)  # biased: divided by n
    X_hat = (X - mean) / torch.sqrt(var + eps)
    with torch.no_grad():  # the moving statistics are not learned
        averaged = var * n / (n - 1) if unbiased else var
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean.reshape(moving_mean.shape)
        moving_var = momentum * moving_var + (1.0 - momentum) * averaged.reshape(moving_var.shape)
    return gamma * X_hat + beta, moving_mean, moving_var  # Y has the shape of X


class BatchNorm(nn.Module):
    """d2l's batch-norm layer: ``num_dims`` 2 after a fully connected layer, 4 after a convolution.

    ``gamma`` (ones) and ``beta`` (zeros) are learned, one per feature or
    channel; ``moving_mean`` (zeros) and ``moving_var`` (ones) are buffers,
    so ``net.to(device)`` and ``state_dict`` carry them. ``net.train()`` /
    ``net.eval()`` choose batch or moving statistics (the book's version
    looks at ``torch.is_grad_enabled()`` instead).
    """

    def __init__(self, num_features: int, num_dims: int, eps: float = 1e-5,
                 momentum: float = 0.9, unbiased: bool = False) -> None:
        """One ``gamma``/``beta`` pair and moving statistics per feature or channel (notes 8).

        Args:
            num_features: features (after a fully connected layer) or channels.
            num_dims: 2 after a fully connected layer, 4 after a convolution.
            eps: added to the variance before its square root.
            momentum: the share of the old moving average that is kept (the book's 0.9).
            unbiased: average the unbiased batch variance into ``moving_var``.

        Raises:
            ValueError: ``num_dims`` is not 2 or 4, or ``momentum`` is outside 0 to 1.
        """
        super().__init__()
        validate_batch_norm_layer(num_dims, momentum)
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.num_features, self.num_dims = num_features, num_dims
        self.eps, self.momentum, self.unbiased = eps, momentum, unbiased
        self.gamma = nn.Parameter(torch.ones(shape))   # scale (拉伸参数)
        self.beta = nn.Parameter(torch.zeros(shape))   # shift (偏移参数)
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))

    def reset_parameters(self) -> None:
        """gamma 1, beta 0, and forget the moving statistics (what ``fit``'s init calls)."""
        with torch.no_grad():
            self.gamma.fill_(1.0)
            self.beta.zero_()
            self.moving_mean.zero_()
            self.moving_var.fill_(1.0)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != self.num_dims:
            raise ValueError(f"BatchNorm({self.num_features}, num_dims={self.num_dims}) got an "
                             f"input of shape {tuple(X.shape)} ({X.dim()} dimensions)")
        Y, moving_mean, moving_var = batch_norm(  # Y: the shape of X
            X, self.gamma, self.beta, self.moving_mean, self.moving_var, self.eps,
            self.momentum, training=self.training, unbiased=self.unbiased)
        if self.training:  # in place, so the buffers stay the same tensors (CUDA graphs, .to)
            self.moving_mean.copy_(moving_mean)
            self.moving_var.copy_(moving_var)
        return Y

    def extra_repr(self) -> str:
        return f"{self.num_features}, num_dims={self.num_dims}, eps={self.eps}, momentum={self.momentum}"
