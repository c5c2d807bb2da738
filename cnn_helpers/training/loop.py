"""The training loop of chapter 3 onwards: ``fit``, one ``train_step`` per minibatch.

``fit`` does what the book's ``d2l.train_ch6`` does -- minibatch SGD on the
cross-entropy loss, Xavier-initialized weights, test accuracy after every
epoch -- and reads top to bottom the same way. What makes it fast
(``speed``), what it decides before the first epoch (``run``), its live view
(``live``) and its failures in plain sentences (``errors``, ``sizes``) are
small pieces it calls.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import nn
from torch.nn import functional as F

from cnn_helpers.core.language import tr
from cnn_helpers.core.recipe import Recipe
from cnn_helpers.training.checkpoints import save_checkpoint
from cnn_helpers.training.errors import _ONE_EXAMPLE_BATCHES, _check_finite, stopped_plainly
from cnn_helpers.training.evaluate import evaluate_accuracy
from cnn_helpers.training.history import History
from cnn_helpers.training.live import LiveView
from cnn_helpers.training.run import Run, prepare
from cnn_helpers.training.speed import Speed, machine_settings


def train_step(run: Run, X: torch.Tensor, y: torch.Tensor) -> None:
    """One minibatch, as in the book: forward, loss, backward, SGD update (sums on the device).

    The recipe (``run.recipe``) may smooth the labels and move the learning rate
    after each step; the book's recipe does neither.
    Chapter 3 shows it in a ``#@save`` cell (tests/test_notebook_code.py).
    """
    with run.autocast():  # mixed precision on a GPU where it pays; nothing on a CPU
        y_hat = run.net(X)  # N x 10 scores
        loss = F.cross_entropy(y_hat, y, label_smoothing=run.recipe.label_smoothing)  # batch mean
    run.optimizer.zero_grad(set_to_none=True)
    if run.scaler is None:
        loss.backward()  # the gradient of the loss for every parameter
        run.optimizer.step()  # the book's SGD: each parameter moves by -lr x its gradient
    else:  # fp16: the loss scaled up against underflow, the gradients unscaled for the step
        run.scaler.scale(loss).backward()
        run.scaler.step(run.optimizer)
        run.scaler.update()
    if run.scheduler is not None:  # one-cycle: the learning rate for the next step
        run.scheduler.step()
    run.loss_sum.add_(loss.detach(), alpha=len(y))
    run.correct.add_((y_hat.detach().argmax(dim=1) == y).sum())


def fit(net: nn.Module, train_data, test_data=None, epochs: int = 10, lr: float = 0.9, *,
        batch_size: int = 256, device: str | torch.device | None = None,
        init: str | None = "xavier", seed: int | None = None,
        optimizer: torch.optim.Optimizer | None = None,
        resize: int | tuple[int, int] | None = None, speed: Speed | None = None,
        live: bool | None = None, checkpoint: str | Path | None = None,
        augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
        callbacks: Iterable[Callable[[int, History, nn.Module], None]] = (),
        title: str | None = None, recipe: Recipe | None = None) -> History:
    """Train ``net`` with minibatch SGD on the cross-entropy loss; return the ``History``.

    Args:
        net: the classifier to train (its weights are drawn anew unless ``init=None``).
        train_data: a pair of tensors ``(X, y)`` (batches are indexed on the
            device, reshuffled each epoch) or any iterable of ``(X, y)`` batches.
        test_data: the same kinds; its accuracy is measured after each epoch.
        epochs: passes over ``train_data``.
        lr: the learning rate of plain SGD (the book's recipe), or the peak of the
            one-cycle schedule (the class recipe).
        batch_size: examples per step (for a tensor pair).
        device: where to train (None: ``try_gpu()``).
        init: "xavier" (the book's), "default" or None (leave the weights
            alone, e.g. to continue training).
        seed: makes a CPU run repeat exactly, on any machine (it trains with
            ``SEEDED_CPU_THREADS`` threads).
        optimizer: None for the book's SGD with ``lr``.
        resize: image side the net expects (224 for AlexNet), applied per
            batch on the device.
        speed: mixed precision, channels-last, CUDA-graph replay (``Speed``;
            None: each chosen for the device and the net's size).
        live: progress bar and plot (None: in a notebook only).
        checkpoint: a path to save state_dicts to after each epoch (each save replaces
            the last one whole: interrupted, the file holds the last epoch saved).
        augment: a function applied to every training batch on the device,
            e.g. ``cnn_helpers.augment.random_shift`` (never to the test data;
            no CUDA graph then, as each batch's randomness differs).
        callbacks: called as ``callback(epoch, history, net)`` after each epoch.
        title: the live plot's title (None: none), e.g. which of two runs it is.
        recipe: how to train beyond plain SGD (``core.recipe``: momentum, weight decay,
            one-cycle schedule, label smoothing, flips); None: the book's, ``recipe.BOOK``.

    Returns:
        The ``History``; after Ctrl-C (KeyboardInterrupt), the epochs finished
        so far (each whole), marked ``interrupted``, with the model kept as it is;
        ``fit`` then prints which epoch the checkpoint holds.

    Raises:
        TrainingDiverged: when the loss becomes NaN/inf (naming the learning rate).
        TrainingOutOfMemory: when CUDA runs out of memory (naming a batch size).
        ValueError: naming the ``resize=`` the net expects when the first
            batch's images do not fit it (``check_image_size``); and for
            batches of one example in a net with batch norm, which cannot
            normalize them (a last batch of one is left out, saying so once).
    """
    run = prepare(net, train_data, test_data, lr, batch_size=batch_size, device=device, init=init,
                  seed=seed, optimizer=optimizer, resize=resize, speed=speed, augment=augment,
                  recipe=recipe, epochs=epochs)
    history = History(device=str(run.device))
    run.checkpoint = checkpoint
    with (LiveView(live, epochs, run.n_batches, title) as view,
          machine_settings(run.device, seeded=seed is not None),
          stopped_plainly(run, history)):  # Ctrl-C: the history so far; out of memory: advice
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            run.start_epoch(epoch)  # training mode, the epoch's sums at zero
            view.start_epoch(epoch)
            seen = 0
            for X, y in run.batches():  # on the device: float, resized, augmented
                if run.cuda_graph and len(y) == batch_size:
                    run.replay(X, y, train_step)  # the same step, recorded once as a CUDA graph
                else:
                    train_step(run, X, y)
                seen += len(y)
                if run.batch % run.refresh == 0 or run.batch == run.n_batches:
                    mean_loss = float(run.loss_sum) / seen  # one sync with the device
                    _check_finite(mean_loss, epoch, run.batch, lr, history)
                    view.show_batch(run.batch, mean_loss, run.correct, seen)
            train_seconds = time.perf_counter() - start
            if seen == 0:
                raise ValueError(tr(_ONE_EXAMPLE_BATCHES) if run.said_dropped
                                 else tr("the training data gave no batches"))
            _check_finite(float(run.loss_sum) / seen, epoch, run.batch, lr, history)
            test_acc = None if test_data is None else evaluate_accuracy(
                net, run.test_data, batch_size, run.device, resize, run.speed, _say=run.say)
            # the epoch's numbers go in together: a Ctrl-C above leaves none of them
            history.record(float(run.loss_sum) / seen, float(run.correct) / seen,
                           seen / train_seconds, time.perf_counter() - start, test_acc)
            view.show_epoch(history)
            if checkpoint is not None:  # written whole or not at all: the last one stays
                save_checkpoint(checkpoint, net, run.optimizer, history)
                run.saved_epoch = epoch
            for callback in callbacks:
                callback(epoch, history, net)
    return history
