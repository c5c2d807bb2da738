"""How ``fit`` trains, apart from the net and the data: the book's recipe or the class recipe.

The book (d2l 6.6, ``train_ch6``) trains every net with plain minibatch SGD at a
constant learning rate. That is the ``full`` profile's recipe, so a GPU run compares
with the book's printed accuracy. On 2 CPU cores a chapter has a few minutes, not ten
GPU epochs, and the class profile adds the levers that let a net converge in 2-5
epochs -- each one standard, and chapter 11 adds them one at a time
(``benchmarks/recipe.py``):

* **momentum** (Nesterov, 0.9): each step also moves along the last steps' direction,
  so steps across a narrow valley cancel and steps along it add up
  (Sutskever et al. 2013);
* **weight decay** (5e-4): pulls every weight a little towards zero at each step
  (L2 regularization; d2l 3.7);
* **one-cycle learning rate**: warm up from ``lr / 25`` to ``lr`` in the first quarter of
  the steps, then anneal along a cosine to almost zero, so the last epoch ends settled
  (Smith and Topin 2017, ``torch.optim.lr_scheduler.OneCycleLR``);
* **label smoothing** (0.1): the target gives 0.9 to the true class and spreads 0.1 over
  all ten, so the net is not pushed to ever larger scores (Szegedy et al. 2016,
  ``F.cross_entropy(label_smoothing=)``);
* **random horizontal flips** of the training images: a mirrored shirt is still a shirt,
  so the net sees twice as many different garments (d2l 14.1). Never for the offline
  digits: a mirrored 2 is no 2 (``chapters.settings`` turns it off for them).

``CNN_RECIPE=book`` (an environment variable, read by ``chapters.settings``) trains every
class run with the book's recipe instead, at the same learning rate and epochs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

import torch
from torch import nn

RECIPE_VARIABLE = "CNN_RECIPE"


@dataclass(frozen=True)
class Recipe:
    """What ``fit`` does besides forward, loss, backward and step; ``BOOK`` does nothing more.

    Attributes:
        name: "book", "class", or a name for an experiment ("+ momentum").
        momentum: SGD's momentum (0: the book's plain SGD).
        nesterov: Nesterov's form of momentum (needs ``momentum > 0``).
        weight_decay: L2 penalty per step, added to every gradient.
        one_cycle: the learning rate rises from ``lr / 25`` to ``lr`` over the first ``warmup``
            of all steps, then falls along a cosine to ``lr / 250,000`` (OneCycleLR's defaults;
            False: constant ``lr``).
        warmup: the share of the steps spent rising (0 to 1).
        label_smoothing: the share of the target spread evenly over all classes (0 to 1).
        flip: mirror each training image left to right with probability 1/2.
    """

    name: str = "book"
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    one_cycle: bool = False
    warmup: float = 0.25
    label_smoothing: float = 0.0
    flip: bool = False

    def __post_init__(self):
        for field, value, low, high in (("momentum", self.momentum, 0, 1),
                                        ("warmup", self.warmup, 0, 1),
                                        ("label_smoothing", self.label_smoothing, 0, 1)):
            if not low <= value < high:
                raise ValueError(f"{field}={value}: choose a value from {low} up to (not "
                                 f"including) {high}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay={self.weight_decay}: a decay is 0 or more")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0 (0.9 is usual)")

    def __repr__(self) -> str:  # the fields that differ from the book's, so a printed run stays short
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)[1:]
                   if getattr(self, f.name) != f.default]
        return f"Recipe({', '.join([repr(self.name), *changed])})"

    def optimizer(self, net: nn.Module, lr: float, fused: bool = False) -> torch.optim.SGD:
        """SGD over ``net``'s parameters with this recipe's momentum and weight decay."""
        options = dict(lr=lr, momentum=self.momentum, nesterov=self.nesterov,
                       weight_decay=self.weight_decay)
        return torch.optim.SGD(net.parameters(), **options, **({"fused": True} if fused else {}))

    def schedule(self, optimizer: torch.optim.Optimizer, lr: float, steps: int | None):
        """The learning-rate schedule, stepped once per batch (None: a constant ``lr``).

        Raises:
            ValueError: for one-cycle without a known number of steps (a loader with no length).
        """
        if not self.one_cycle or steps == 0:  # epochs=0: no step to schedule
            return None
        if steps is None:
            raise ValueError("a one-cycle schedule needs the number of steps: give fit a "
                             "tensor pair or a loader with a length, or a recipe without one_cycle")
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=steps, pct_start=self.warmup,
            anneal_strategy="cos", cycle_momentum=False)

    def describe(self) -> str:
        """One line: what this recipe adds to the book's ("the book's: plain SGD" for ``BOOK``)."""
        parts = [f"{'Nesterov ' if self.nesterov else ''}momentum {self.momentum:g}" if self.momentum else "",
                 f"weight decay {self.weight_decay:g}" if self.weight_decay else "",
                 "one-cycle learning rate" if self.one_cycle else "",
                 f"label smoothing {self.label_smoothing:g}" if self.label_smoothing else "",
                 "random horizontal flips" if self.flip else ""]
        added = ", ".join(part for part in parts if part)
        return f"{self.name}: plain SGD, constant learning rate" if not added else f"{self.name}: SGD + {added}"


def random_flip(X: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Mirror each image of a batch left to right with probability ``p``: (N, C, H, W) -> same.

    Right for clothing (a mirrored shoe is a shoe), wrong for digits and
    letters (a mirrored 2 is no 2): choose augmentations that keep the label.
    Raises ``ValueError`` for a tensor that is not a batch, or ``p`` outside 0-1.
    """
    if X.dim() != 4:
        raise ValueError(f"augmentations take a batch of shape (N, C, H, W), got {tuple(X.shape)}")
    if not 0 <= p <= 1:
        raise ValueError(f"p={p}: a probability is between 0 and 1")
    flip = torch.rand(len(X), device=X.device) < p  # (N,)
    return torch.where(flip[:, None, None, None], X.flip(-1), X)


BOOK = Recipe("book")
CLASS = Recipe("class", momentum=0.9, nesterov=True, weight_decay=5e-4, one_cycle=True,
               label_smoothing=0.1, flip=True)
RECIPES = {"book": BOOK, "class": CLASS}


def recipe_from_environment(default: Recipe) -> Recipe:
    """``default``, or the recipe ``CNN_RECIPE`` names ("book" or "class"). Raises ``ValueError``."""
    name = os.environ.get(RECIPE_VARIABLE, "").strip().lower()
    if not name:
        return default
    if name not in RECIPES:
        raise ValueError(f"{RECIPE_VARIABLE}={name!r} is not a recipe; choose one of "
                         f"{', '.join(RECIPES)}")
    return RECIPES[name]
