"""claim(): a claim of the notes in one line, a tick when it holds, the cell fails when not."""

import pytest
import torch

from cnn_helpers import claim
from cnn_helpers.core.claims import ClaimFailed


def test_a_claim_that_holds_prints_its_sentence_after_a_tick(capsys):
    claim(3 > 2, "three is more than two")
    assert capsys.readouterr().out == "\u2713 three is more than two\n"


def test_a_claim_that_fails_stops_the_cell_with_the_same_sentence(capsys):
    with pytest.raises(ClaimFailed, match="\u2717 two is more than three") as failure:
        claim(2 > 3, "two is more than three")
    assert capsys.readouterr().out == ""
    assert isinstance(failure.value, AssertionError)
    assert failure.value._render_traceback_()[0] == "\u2717 two is more than three"


def test_a_one_element_tensor_is_a_truth_value_and_a_larger_one_is_refused_plainly():
    claim(torch.tensor(True), "a tensor of one element is fine")
    with pytest.raises(TypeError, match="one truth value.*all\\(\\)"):
        claim(torch.tensor([True, False]), "ambiguous")


def test_a_verdict_prints_either_sentence_and_never_raises(capsys):
    from cnn_helpers.core.claims import verdict

    assert verdict(1 < 2, "it holds (1 < 2)", "it does not") is True
    assert verdict(torch.tensor(False), "it holds", "3 > 2") is False
    assert capsys.readouterr().out == "✓ it holds (1 < 2)\n✗ not so here: 3 > 2\n"
    with pytest.raises(TypeError, match="one truth value"):
        verdict(torch.ones(2), "a", "b")
