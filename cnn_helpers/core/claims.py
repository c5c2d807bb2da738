"""A claim of the notes, checked in one honest line: ``claim(holds, sentence)``.

A chapter measures something, compares it with something independent
(PyTorch, autograd, a run) and states the result as a sentence with the
numbers in it::

    claim(gap > 0.35, f"the 56-layer plain net trains worse than the 20-layer one: "
                      f"{gap:+.2f} in training loss")

When the comparison holds, the sentence is printed after a ✓. When it does
not, the cell fails with the same sentence after a ✗ -- shown as that one
sentence in a notebook, not as a traceback -- so "Run All" stops where the
course would otherwise say something false.
"""

from __future__ import annotations

from cnn_helpers.core.language import after_label, tr

CHECK, CROSS = "\u2713", "\u2717"


class ClaimFailed(AssertionError):
    """A claim the course makes did not hold on this run; its message is the claim's sentence."""

    def __init__(self, sentence: str):
        super().__init__(f"{CROSS} {sentence}")
        self.sentence = sentence

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the sentence and what it means."""
        return [f"{CROSS} {self.sentence}",
                tr("(this claim of the course did not hold on this run: the cell stops here; "
                   "tell the course's authors, with the numbers above)")]


def claim(holds: bool, sentence: str) -> None:
    """Print ``✓ sentence`` when ``holds`` is true; otherwise raise ``ClaimFailed``.

    Args:
        holds: the result of comparing a measurement with what the claim says (a ``bool``,
            or anything with a truth value, such as a one-element tensor).
        sentence: the claim in words, with the measured numbers in it (English: printed in the
            reader's language through ``language.tr``).

    Raises:
        ClaimFailed: (an ``AssertionError``) with ``✗ sentence`` when ``holds`` is false.
        TypeError: when ``holds`` has no single truth value (a tensor of many elements).
    """
    try:
        holds = bool(holds)
    except (RuntimeError, ValueError) as error:  # torch/numpy: "ambiguous" truth values
        raise TypeError(f"claim() needs one truth value, not {type(holds).__name__} "
                        f"({error}); compare with .all() or .item()") from None
    sentence = tr(sentence)
    if not holds:
        raise ClaimFailed(sentence)
    print(f"{CHECK} {sentence}")


def verdict(holds: bool, sentence: str, otherwise: str) -> bool:
    """The notes' claim judged by a measurement that may go either way: print it, never raise.

    ``claim`` is for what the course asserts and stops the cell when false;
    ``verdict`` is for a statement of the notes that a recorded measurement
    may confirm or refute: ``✓ sentence`` when ``holds``, else ``✗ not so
    here: otherwise`` (what was measured instead). The cell goes on: the
    course reports the notes wrong here, it does not stop.

    Returns:
        ``holds`` as a ``bool``.

    Raises:
        TypeError: when ``holds`` has no single truth value.
    """
    try:
        holds = bool(holds)
    except (RuntimeError, ValueError) as error:
        raise TypeError(f"verdict() needs one truth value, not {type(holds).__name__} "
                        f"({error})") from None
    print(f"{CHECK} {tr(sentence)}" if holds
          else f"{CROSS} {after_label(tr('not so here:'), tr(otherwise))}")
    return holds
