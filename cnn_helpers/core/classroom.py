"""The students' working copy: what ``make lab`` serves, so that class never edits the course.

The course's notebooks (``notebooks/``) are what ``git pull`` updates; a
student's edits, outputs and widget states belong elsewhere. ``make lab``
therefore serves a git-ignored folder, ``classroom/``, laid out like the
course so that every relative link still works::

    classroom/
        notebooks/   copies of the course's notebooks (the students' own)
        images/      a copy of the course's images/, refreshed by every prepare (markdown says
                     ../images/...; a link out of the served folder is refused, 403)
        backups/     a student's notebook as it was before ``make reset``

``prepare`` (run by every ``make lab``) copies only the notebooks that are
missing -- a new chapter after a ``git pull`` -- and never overwrites one a
student has. ``reset`` puts one chapter back to the course's version,
keeping the student's file in ``backups/``.

    python -m cnn_helpers.core.classroom prepare           # what make lab runs
    python -m cnn_helpers.core.classroom reset 03          # make reset CHAPTER=03
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cnn_helpers.core import CHECKOUT

COURSE = CHECKOUT  # the checkout: notebooks/, images/, ...
WORKING_COPY = "classroom"


@dataclass
class Prepared:
    """What ``prepare`` did: the notebooks it copied, and those it left as they were."""

    working_copy: Path
    copied: list[str]
    kept: list[str]

    def __str__(self) -> str:
        copied = ", ".join(self.copied) or "none"
        return (f"working copy {self.working_copy}: copied {len(self.copied)} notebook(s) from "
                f"the course ({copied}); kept {len(self.kept)} that were already there")


def course_notebooks(course: Path = COURSE) -> list[Path]:
    """The course's notebooks, in chapter order. Raises ``ValueError`` when ``course`` is no
    checkout of the course (the package installed from its wheel, on a hosted Jupyter, has none)."""
    if not (course / "notebooks").is_dir():
        raise ValueError(f"{course} is not a checkout of the course (it has no notebooks/): the "
                         "working copy is made from one; on a hosted Jupyter open a chapter itself")
    return sorted((course / "notebooks").glob("*.ipynb"))


def prepare(working_copy: str | Path | None = None, course: Path = COURSE) -> Prepared:
    """Create or complete the working copy: copy the course's notebooks that it lacks.

    A notebook already in the working copy is never touched, whatever its
    content; a copied one is marked trusted (it is the course's own), so
    that JupyterLab shows its saved widget pictures before it is run.
    ``images/`` is a copy of the course's figures, refreshed on every call,
    so that the notebooks' ``../images/...`` links show them: Jupyter's
    server refuses to serve a link that leads out of its root folder (403).
    Returns what was copied. Raises ``ValueError`` when ``course`` is no checkout.
    """
    notebooks_in_course = course_notebooks(course)
    working_copy = Path(working_copy or course / WORKING_COPY)
    notebooks = working_copy / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    images = working_copy / "images"
    if images.is_symlink():  # made by earlier versions; the server would not follow it
        images.unlink()
    shutil.copytree(course / "images", images, dirs_exist_ok=True)
    copied, kept = [], []
    for source in notebooks_in_course:
        target = notebooks / source.name
        if target.exists():
            kept.append(source.name)
        else:
            shutil.copyfile(source, target)  # a new time: JupyterLab sees the change
            _trust(target)
            copied.append(source.name)
    return Prepared(working_copy, copied, kept)


def _trust(path: Path) -> None:
    """Sign ``path`` in this user's Jupyter trust database, as ``jupyter trust`` does: an
    untrusted notebook shows its saved widgets as a line of text until it is run."""
    import nbformat
    from nbformat.sign import NotebookNotary

    try:
        NotebookNotary().sign(nbformat.read(path, as_version=4))
    except Exception as error:  # a notebook that cannot be signed still opens, untrusted
        print(f"note: could not mark {path.name} trusted ({error}); its widgets show after a run")


def find_chapter(chapter: str | int, course: Path = COURSE) -> Path:
    """The course notebook of ``chapter`` ("03", "3", 3 or "03_lenet"); a ValueError naming
    the chapters there are when it matches none."""
    text = str(chapter).strip().removesuffix(".ipynb")
    prefix = text.zfill(2) if text.isdigit() else text
    matches = [path for path in course_notebooks(course)
               if path.stem == prefix or path.stem.startswith(prefix + "_")]
    if len(matches) != 1:
        chapters = ", ".join(path.stem for path in course_notebooks(course))
        raise ValueError(f"no chapter {chapter!r} in the course; the chapters are: {chapters} "
                         "(give the number, e.g. CHAPTER=03)")
    return matches[0]


@dataclass
class Reset:
    """What ``reset`` did: the notebook restored, and where the student's version went."""

    notebook: Path
    backup: Path | None

    def __str__(self) -> str:
        kept = (f"your version is kept as {self.backup}" if self.backup
                else "there was no version of yours to keep")
        return f"{self.notebook} is the course's version again; {kept}"


def reset(chapter: str | int, working_copy: str | Path | None = None,
          course: Path = COURSE) -> Reset:
    """Put ``chapter`` back to the course's version; the student's file goes to ``backups/``
    (named with the time, so that a second reset keeps both)."""
    source = find_chapter(chapter, course)
    working_copy = Path(working_copy or course / WORKING_COPY)
    target = working_copy / "notebooks" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if target.exists():
        backups = working_copy / "backups"
        backups.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%d_%H%M%S")
        backup = backups / f"{source.stem}.{stamp}.ipynb"
        number = 1
        while backup.exists():  # two resets in one second
            number += 1
            backup = backups / f"{source.stem}.{stamp}-{number}.ipynb"
        shutil.move(target, backup)
    shutil.copyfile(source, target)  # a new time: JupyterLab sees the change
    _trust(target)
    return Reset(target, backup)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn_helpers.core.classroom",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--working-copy", default=None,
                        help=f"the folder to serve (default: {WORKING_COPY}/ in the course)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="copy the course's notebooks the working copy lacks")
    reset_parser = commands.add_parser("reset", help="put one chapter back to the course's version")
    reset_parser.add_argument("chapter", nargs="?", default="",
                              help="the chapter's number, e.g. 03")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "prepare":
            print(prepare(arguments.working_copy))
        else:
            if not arguments.chapter:
                raise ValueError("say which chapter to reset, e.g. make reset CHAPTER=03")
            print(reset(arguments.chapter, arguments.working_copy))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
