"""Kind 2 of issue 25: a file the course did not write is loaded when it is safe, else named.

``load_checkpoint`` reads with ``weights_only=True`` only: it never unpickles code, and never
suggests ``weights_only=False``.
"""

import random

import pytest
import torch
from torch import nn

from cnn_helpers import training


def _net():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 3))


def _load(path):
    with pytest.raises(training.CheckpointError) as raised:
        training.load_checkpoint(path, _net())
    message = str(raised.value)
    assert str(path) in message and "weights_only=False" not in message
    return message


def test_the_books_plain_state_dict_loads(tmp_path):
    saved = _net()
    torch.save(saved.state_dict(), tmp_path / "book.pt")  # d2l's way
    restored = _net()
    assert training.load_checkpoint(tmp_path / "book.pt", restored) is None  # no history in it
    for a, b in zip(saved.state_dict().values(), restored.state_dict().values()):
        assert torch.equal(a, b)


def test_a_pickled_whole_net_is_named_and_never_unpickled(tmp_path, monkeypatch):
    torch.save(_net(), tmp_path / "whole.pt")
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(k) or real_load(*a, **k))
    message = _load(tmp_path / "whole.pt")
    assert "whole net saved with torch.save(net)" in message and "net.state_dict()" in message
    assert "torch.nn.modules.container.Sequential" in message
    assert loads and all(k.get("weights_only") is True for k in loads)


def test_an_html_page_saved_as_pt_is_named_a_web_page(tmp_path):
    (tmp_path / "lenet.pt").write_text("<!DOCTYPE html>\n<html><head><title>GitHub</title>")
    assert "a web page" in _load(tmp_path / "lenet.pt")


def test_a_truncated_checkpoint_is_named_cut_off(tmp_path):
    training.save_checkpoint(tmp_path / "full.pt", _net())
    (tmp_path / "cut.pt").write_bytes((tmp_path / "full.pt").read_bytes()[:668])
    assert "cut off after 668 bytes" in _load(tmp_path / "cut.pt")


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("prefix", [b"", b"\x80\x02"], ids=["noise", "pickle-like noise"])
def test_random_bytes_are_named_not_a_pytorch_file(tmp_path, seed, prefix):
    """Seeded, so every run tries the same files; noise that starts like a legacy pickle once
    ended in a bare IndexError inside torch's unpickler (a CI run with os.urandom found it)."""
    (tmp_path / "noise.pt").write_bytes(prefix + random.Random(seed).randbytes(2000))
    message = _load(tmp_path / "noise.pt")  # a CheckpointError, never a bare traceback
    assert ("PyTorch's old format" if prefix else "not a PyTorch file") in message


def test_an_empty_file_and_a_file_of_other_tensors_are_named(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    assert "empty file" in _load(tmp_path / "empty.pt")
    torch.save({"weights": [torch.ones(2)]}, tmp_path / "other.pt")
    assert "not a net's weights" in _load(tmp_path / "other.pt")


def test_a_missing_file_is_a_plain_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*no such file"):
        training.load_checkpoint(tmp_path / "nothing.pt", _net())


def test_every_torch_load_in_the_course_is_weights_only():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for folder in ("cnn_helpers", "scripts", "benchmarks"):
        for path in (root / folder).rglob("*.py"):
            for line in path.read_text().splitlines():
                if "torch.load(" in line and not line.lstrip().startswith(('"', "#")):
                    assert "weights_only=True" in line, f"{path}: {line.strip()}"
