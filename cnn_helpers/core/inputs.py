"""What a student hands the course -- numpy arrays or tensors of any number type -- made into
the images and labels a net takes: the one place every conversion happens (issue 25).

``fit``, ``evaluate_accuracy``, ``predict`` and the viewers call ``image_tensor`` and
``label_tensor``; the from-scratch operations call ``require_tensor``. A conversion that
loses nothing happens silently (float16 -> float32, int32 labels -> int64); one that
interprets or rounds returns a one-line note (float64 images, whole-number float labels,
integer pixels read as 8-bit); one that would change the data is a ``ValueError`` with a
sentence (NaN, labels with fractions, integer pixels outside 0-255).
"""

from __future__ import annotations

import numpy as np
import torch

from cnn_helpers.core.language import tr

_NARROW_INTEGERS = (torch.bool, torch.uint8, torch.int8, torch.int16)


def as_tensor(value, what: str) -> torch.Tensor:
    """``value`` as a tensor: a tensor as it is; a numpy array, a PIL image or anything with
    ``__array__`` shares or copies its numbers (same dtype). Raises ``ValueError`` otherwise."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{what} must hold numbers; this array holds {array.dtype}")
        if array.dtype.kind == "u" and array.dtype.itemsize > 1:  # uint16/32/64: few torch ops
            array = array.astype(np.int64)
        return torch.from_numpy(np.ascontiguousarray(array))
    raise ValueError(f"{what} must be a tensor or a numpy array, not a {type(value).__name__}")


def _nan_error(values: torch.Tensor, what: str) -> ValueError:
    count = int(torch.isnan(values).sum())
    return ValueError(f"{what} hold NaN (not a number) in {count:,} place(s): a net cannot learn "
                      "from them; replace them first (e.g. numpy.nan_to_num)")


def image_tensor(images, what: str = "images") -> tuple[torch.Tensor, str | None]:
    """Images as a net takes them: float32, or uint8 for the caller to divide by 255.

    Args:
        images: a tensor or numpy array, N x C x H x W (or N x H x W: one channel is added),
            of any real dtype.
        what: how messages name them.

    Returns:
        The tensor (uint8 or float32, N x C x H x W where 3-D came), and a one-line note
        when the conversion interprets or rounds (None when it loses nothing).

    Raises:
        ValueError: NaN pixels, or whole-number pixels outside 0-255.
    """
    X = as_tensor(images, what)
    notes = []
    if X.dim() == 3:
        X = X.unsqueeze(1)  # N x H x W -> N x 1 x H x W
        notes.append(tr(f"{what} are N x H x W: read as one channel, N x 1 x H x W"))
    if X.dtype == torch.uint8:
        pass
    elif X.is_floating_point():
        if X.numel() and bool(torch.isnan(X).any()):
            raise _nan_error(X, what)
        if X.dtype == torch.float64:
            notes.append(tr(f"{what} are float64: computed in float32, the precision of the "
                            "net's weights"))
        X = X.float()
    elif X.dtype == torch.bool:
        X = X.float()
    else:
        low, high = (int(X.min()), int(X.max())) if X.numel() else (0, 0)
        if not 0 <= low <= high <= 255:
            raise ValueError(
                f"{what} are {str(X.dtype).removeprefix('torch.')} from {low} to {high}: whole-"
                "number pixels are read as 8-bit (0 to 255); scale them to floats from 0 to 1 "
                "first (e.g. X / X.max())")
        notes.append(tr(f"{what} are {str(X.dtype).removeprefix('torch.')} from {low} to "
                        f"{high}: read as 8-bit pixels (0-255, divided by 255)"))
        X = X.to(torch.uint8)
    return X, "; ".join(notes) or None


def label_tensor(labels, what: str = "labels") -> tuple[torch.Tensor, str | None]:
    """Class labels as ``cross_entropy`` takes them: int64 class numbers 0, 1, 2, ...

    Args:
        labels: a tensor or numpy array of any integer, boolean or float dtype.
        what: how messages name them.

    Returns:
        The int64 tensor, and a one-line note when whole-number floats were converted
        (None for integer labels: nothing is lost).

    Raises:
        ValueError: NaN labels, or labels with fractions (no class number).
    """
    y = as_tensor(labels, what)
    if not y.is_floating_point():
        return y.long(), None
    if y.numel() and bool(torch.isnan(y).any()):
        raise _nan_error(y, what)
    fractions = (y != y.round()).nonzero()
    if len(fractions):
        first = tuple(int(i) for i in fractions[0])
        value = float(y[first])
        raise ValueError(
            f"{what} must be class numbers (0, 1, 2, ...), but these "
            f"{str(y.dtype).removeprefix('torch.')} labels hold {value:g} (at {first[0] if len(first) == 1 else first}"
            f"): a fraction is no class. Pass the class numbers (for one-hot rows, "
            "labels.argmax(axis=1))")
    return y.long(), tr(f"{what} are {str(y.dtype).removeprefix('torch.')} whole numbers: "
                        "converted to int64 class numbers")


def require_tensor(value, name: str, caller: str) -> None:
    """For the from-scratch operations, which compute on tensors: a ``ValueError`` that says
    how to convert ``value`` when it is a numpy array (or anything not a tensor)."""
    if not isinstance(value, torch.Tensor):
        kind = "a numpy array" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
        raise ValueError(f"{caller} computes on torch tensors, and {name} is {kind}: pass "
                         f"torch.as_tensor({name}, dtype=torch.float32)")


def require_exact_sums(dtype: torch.dtype, names: str, caller: str) -> None:
    """A ``ValueError`` when ``dtype`` is an integer type too narrow for sums of products
    (uint8: 200 + 100 gives 44): the from-scratch operations would return wrong numbers."""
    if dtype in _NARROW_INTEGERS:
        short = str(dtype).removeprefix("torch.")
        raise ValueError(f"{caller}: {names} are {short}, whose sums of products overflow "
                         f"(in uint8, 200 + 100 is 44): pass them as floats, e.g. X.float()")


class SayOnce:
    """Print each distinct note once (a conversion note per ``fit`` run, not per batch)."""

    def __init__(self) -> None:
        self.said: set[str] = set()

    def __call__(self, note: str | None) -> None:
        if note and note not in self.said:
            self.said.add(note)
            print(f"({note})")
