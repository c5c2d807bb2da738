"""The working copy that ``make lab`` serves: the course's files are never a student's."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_helpers.core import classroom

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path):
    """A small course: two chapters and an images folder."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "images" / "figure.png").write_bytes(b"png")
    for name in ("01_convolution", "03_lenet"):
        (root / "notebooks" / f"{name}.ipynb").write_text(json.dumps({"course": name}))
    return root


def _notebook(working_copy: Path, name: str) -> dict:
    return json.loads((working_copy / "notebooks" / f"{name}.ipynb").read_text())


def test_first_run_copies_every_notebook_and_the_images(course, tmp_path):
    working_copy = tmp_path / "classroom"
    prepared = classroom.prepare(working_copy, course)
    assert prepared.copied == ["01_convolution.ipynb", "03_lenet.ipynb"]
    assert _notebook(working_copy, "03_lenet") == {"course": "03_lenet"}
    # the notebooks' markdown says ../images/figure.png; Jupyter's server answers 403 for a
    # link that leads out of the folder it serves, so the images are a real copy
    images = working_copy / "images"
    assert images.is_dir() and not images.is_symlink()
    assert (working_copy / "notebooks" / ".." / "images" / "figure.png").read_bytes() == b"png"


def test_every_run_refreshes_the_images_and_replaces_an_old_link(course, tmp_path):
    working_copy = tmp_path / "classroom"
    working_copy.mkdir()
    (working_copy / "images").symlink_to(course / "images", target_is_directory=True)
    classroom.prepare(working_copy, course)
    assert not (working_copy / "images").is_symlink()
    (course / "images" / "figure.png").write_bytes(b"new figure")  # a git pull redrew it
    (course / "images" / "arch_vgg.png").write_bytes(b"vgg")
    classroom.prepare(working_copy, course)
    assert (working_copy / "images" / "figure.png").read_bytes() == b"new figure"
    assert (working_copy / "images" / "arch_vgg.png").read_bytes() == b"vgg"


def test_copied_and_reset_notebooks_are_trusted_so_their_saved_widgets_show(course, tmp_path,
                                                                             monkeypatch):
    import nbformat
    from nbformat.sign import NotebookNotary

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    book.cells[0].outputs = [nbformat.v4.new_output("display_data", {"text/html": "<b>w</b>"})]
    nbformat.write(book, course / "notebooks" / "05_vgg.ipynb")
    working_copy = tmp_path / "classroom"
    classroom.prepare(working_copy, course)
    copied = working_copy / "notebooks" / "05_vgg.ipynb"
    assert NotebookNotary().check_signature(nbformat.read(copied, as_version=4))
    copied.write_text(copied.read_text().replace("1 + 1", "2 + 2"))  # the student's edit
    assert not NotebookNotary().check_signature(nbformat.read(copied, as_version=4))
    classroom.reset("05", working_copy, course)
    assert NotebookNotary().check_signature(nbformat.read(copied, as_version=4))


def test_a_later_run_copies_only_new_chapters_and_keeps_the_students_work(course, tmp_path):
    working_copy = tmp_path / "classroom"
    classroom.prepare(working_copy, course)
    (working_copy / "notebooks" / "03_lenet.ipynb").write_text(json.dumps({"student": "mine"}))
    (course / "notebooks" / "04_alexnet.ipynb").write_text(json.dumps({"course": "04"}))
    (course / "notebooks" / "03_lenet.ipynb").write_text(json.dumps({"course": "fixed"}))
    prepared = classroom.prepare(working_copy, course)
    assert prepared.copied == ["04_alexnet.ipynb"]
    assert _notebook(working_copy, "03_lenet") == {"student": "mine"}


def test_reset_restores_the_course_version_and_keeps_a_backup(course, tmp_path):
    working_copy = tmp_path / "classroom"
    classroom.prepare(working_copy, course)
    (working_copy / "notebooks" / "03_lenet.ipynb").write_text(json.dumps({"student": "v1"}))
    first = classroom.reset("03", working_copy, course)
    (working_copy / "notebooks" / "03_lenet.ipynb").write_text(json.dumps({"student": "v2"}))
    second = classroom.reset(3, working_copy, course)
    assert _notebook(working_copy, "03_lenet") == {"course": "03_lenet"}
    assert json.loads(first.backup.read_text()) == {"student": "v1"}
    assert json.loads(second.backup.read_text()) == {"student": "v2"}
    assert first.backup.parent == working_copy / "backups"
    assert _notebook(working_copy, "01_convolution") == {"course": "01_convolution"}


def test_reset_of_an_unknown_chapter_names_the_chapters(course, tmp_path):
    with pytest.raises(ValueError, match="01_convolution, 03_lenet"):
        classroom.reset("07", tmp_path / "classroom", course)


def test_command_line_reset_without_a_chapter_says_how(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cnn_helpers.core.classroom", "--working-copy", str(tmp_path), "reset"],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "CHAPTER=03" in result.stderr


def test_the_working_copy_is_ignored_by_git_and_served_by_make_lab():
    assert f"/{classroom.WORKING_COPY}/" in (ROOT / ".gitignore").read_text().splitlines()
    makefile = (ROOT / "Makefile").read_text()
    lab = makefile[makefile.index("\nlab:"):].split("\n\n")[0]
    assert "$(COURSE) lab --working-copy $(WORK)" in lab
    assert f"WORK   ?= {classroom.WORKING_COPY}" in makefile
    reset = makefile[makefile.index("\nreset:"):].split("\n\n")[0]
    assert "reset --working-copy $(WORK) --edition $(EDITION) $(CHAPTER)" in reset
    assert "--edition $(EDITION)" in lab and "EDITION ?= en" in makefile
    course = (ROOT / "course.py").read_text()  # what lab and reset run (tests/test_course_command.py)
    assert '"cnn_helpers.core.classroom", "--working-copy"' in course
    assert f'WORKING_COPY = "{classroom.WORKING_COPY}"' in course


def test_a_folder_that_is_no_checkout_of_the_course_is_refused_in_a_sentence(tmp_path):
    with pytest.raises(ValueError, match="is not a checkout of the course"):
        classroom.prepare(tmp_path / "classroom", tmp_path)


def test_lab_settings_save_widget_state_with_the_notebook():
    overrides = json.loads((ROOT / "jupyter-settings" / "overrides.json").read_text())
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True


# -- issue 25, kind 5: the student's trust database is never renamed or emptied ----------------
def _signed_student_notebook(tmp_path):
    """A notebook of the student's own, trusted in a fresh Jupyter data folder."""
    import nbformat
    from nbformat.sign import NotebookNotary

    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('mine')")])
    with NotebookNotary() as notary:
        notary.sign(book)
        database = Path(notary.db_file)
    return book, database


def _trusted(book) -> bool:
    from nbformat.sign import NotebookNotary

    with NotebookNotary() as notary:
        return notary.check_signature(book)


def test_a_locked_trust_database_is_left_alone_and_the_lock_is_reported(course, tmp_path,
                                                                          monkeypatch, capsys):
    import sqlite3
    import time

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    book, database = _signed_student_notebook(tmp_path)
    before = database.read_bytes()
    other_jupyter = sqlite3.connect(database, isolation_level=None)
    other_jupyter.execute("BEGIN EXCLUSIVE")  # another Jupyter holds the database
    try:
        start = time.perf_counter()
        assert classroom.main(["--working-copy", str(tmp_path / "classroom"), "prepare"]) == 0
        assert time.perf_counter() - start < 4.5  # not nbformat's 5 s wait per notebook
    finally:
        other_jupyter.execute("ROLLBACK")
        other_jupyter.close()
    printed = capsys.readouterr().out
    assert f"{database} is locked by another program" in printed and "left untouched" in printed
    assert "jupyter trust" in printed
    assert sorted(p.name for p in database.parent.iterdir() if p.name.startswith("nbsig")) == [
        "nbsignatures.db"]  # no nbsignatures.db.bak
    assert database.read_bytes() == before and _trusted(book)  # the student's trust kept


def test_an_unreadable_trust_database_is_not_renamed(course, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    database = tmp_path / "jupyter-data" / "nbsignatures.db"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"not a database, perhaps another program's encrypted file" * 20)
    prepared = classroom.prepare(tmp_path / "classroom", course)
    assert "cannot be read" in prepared.trust and "left untouched" in prepared.trust
    assert not database.with_name("nbsignatures.db.bak").exists()
    assert database.read_bytes().startswith(b"not a database")


def test_prepare_says_where_the_copies_were_trusted(course, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    import nbformat

    book, database = _signed_student_notebook(tmp_path)
    nbformat.write(nbformat.v4.new_notebook(), course / "notebooks" / "05_vgg.ipynb")
    prepared = classroom.prepare(tmp_path / "classroom", course)
    assert prepared.trust == (f"marked 1 copied notebook(s) trusted in {database}; not "
                              "01_convolution.ipynb, 03_lenet.ipynb, which nbformat cannot read")
    assert str(prepared).endswith(prepared.trust) and _trusted(book)
    assert classroom.prepare(tmp_path / "classroom", course).trust == ""  # nothing copied


# -- issue 25, kind 1: a Ctrl-C while the working copy is written loses nothing -----------------
def test_ctrl_c_during_a_reset_leaves_the_students_notebook_whole(course, tmp_path, monkeypatch):
    import shutil

    working_copy = tmp_path / "classroom"
    classroom.prepare(working_copy, course)
    mine = working_copy / "notebooks" / "03_lenet.ipynb"
    mine.write_text(json.dumps({"student": "my work"}))
    real_copy, calls = shutil.copyfileobj, []

    def interrupted_copy(source, target, *args):
        calls.append(1)
        if len(calls) == 2:  # the backup is made; Ctrl-C while the course's version is written
            target.write(b'{"cou')
            raise KeyboardInterrupt
        return real_copy(source, target, *args)

    monkeypatch.setattr(shutil, "copyfileobj", interrupted_copy)
    with pytest.raises(KeyboardInterrupt):
        classroom.reset("03", working_copy, course)
    assert json.loads(mine.read_text()) == {"student": "my work"}
    assert sorted(p.name for p in mine.parent.iterdir()) == ["01_convolution.ipynb",
                                                              "03_lenet.ipynb"]


def test_the_chinese_edition_goes_to_its_own_folder_and_resets_there(tmp_path):
    both = classroom.prepare(tmp_path, edition="both")
    assert "04_alexnet.ipynb" in both.copied and "zh/04_alexnet.ipynb" in both.copied
    chinese = tmp_path / "notebooks" / "zh" / "04_alexnet.ipynb"
    chinese.write_text("a student's version")
    again = classroom.prepare(tmp_path, edition="zh")
    assert again.copied == [] and "zh/04_alexnet.ipynb" in again.kept
    assert chinese.read_text() == "a student's version"  # never overwritten
    done = classroom.reset("04", tmp_path, edition="zh")
    assert done.notebook == chinese and done.backup.name.startswith("04_alexnet.zh.")
    assert done.backup.read_text() == "a student's version"
    assert (tmp_path / "notebooks" / "04_alexnet.ipynb").exists()  # the English one untouched
    with pytest.raises(ValueError, match="choose en"):
        classroom.prepare(tmp_path, edition="fr")
