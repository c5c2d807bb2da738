"""The students' working copy: what ``make lab`` serves, so that class never edits the course.

The course's notebooks (``notebooks/``) are what ``git pull`` updates; a
student's edits, outputs and widget states belong elsewhere. ``make lab``
therefore serves a git-ignored folder, ``classroom/``, laid out like the
course so that every relative link still works::

    classroom/
        notebooks/   copies of the course's notebooks (the students' own)
            zh/      the Chinese edition's (``--edition zh`` or ``both``; a kernel there speaks
                     Chinese: ``core.language``)
        images/      a copy of the course's images/, refreshed by every prepare (markdown says
                     ../images/...; a link out of the served folder is refused, 403)
        backups/     a student's notebook as it was before ``make reset``

``prepare`` (run by every ``make lab``) copies only the notebooks that are
missing -- a new chapter after a ``git pull`` -- and never overwrites one a
student has. ``reset`` puts one chapter back to the course's version,
keeping the student's file in ``backups/``. Every file is written whole
(``core.files``): a Ctrl-C leaves the old file or the new one.

Copies are marked trusted in the student's Jupyter trust database
(``nbsignatures.db``) without ever risking it: when another Jupyter holds it
locked, or it cannot be read, nbformat would rename it to ``.bak`` (the
student's own notebooks would no longer be trusted); the course then leaves
it alone and says so in one line.

    python -m cnn_helpers.core.classroom prepare           # what make lab runs
    python -m cnn_helpers.core.classroom --edition zh prepare   # make lab EDITION=zh
    python -m cnn_helpers.core.classroom reset 03          # make reset CHAPTER=03
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cnn_helpers.core import CHECKOUT
from cnn_helpers.core.files import copy_file, copy_tree

COURSE = CHECKOUT  # the checkout: notebooks/, images/, ...
WORKING_COPY = "classroom"


@dataclass
class Prepared:
    """What ``prepare`` did: the notebooks it copied, those it left as they were, and
    whether the copies were marked trusted (``trust``: one line, '' when none was copied)."""

    working_copy: Path
    copied: list[str]
    kept: list[str]
    trust: str = ""

    def __str__(self) -> str:
        copied = ", ".join(self.copied) or "none"
        return (f"working copy {self.working_copy}: copied {len(self.copied)} notebook(s) from "
                f"the course ({copied}); kept {len(self.kept)} that were already there"
                + (f"\n{self.trust}" if self.trust else ""))


EDITIONS = {"en": ("",), "zh": ("zh",), "both": ("", "zh")}  # edition -> folders in notebooks/


def edition_folders(edition: str) -> tuple[str, ...]:
    """The folders of ``notebooks/`` an edition ("en", "zh" or "both") is made of ("" is
    notebooks/ itself). Raises ``ValueError`` for another edition, naming the three."""
    if edition not in EDITIONS:
        raise ValueError(f"no edition {edition!r}: choose en (English), zh (中文) or both")
    return EDITIONS[edition]


def course_notebooks(course: Path = COURSE, folder: str = "") -> list[Path]:
    """The course's notebooks in ``notebooks/folder`` ("": the English edition; "zh": the
    Chinese one), in chapter order. Raises ``ValueError`` when ``course`` is no checkout of
    the course (the package installed from its wheel, on a hosted Jupyter, has none)."""
    if not (course / "notebooks").is_dir():
        raise ValueError(f"{course} is not a checkout of the course (it has no notebooks/): the "
                         "working copy is made from one; on a hosted Jupyter open a chapter itself")
    return sorted((course / "notebooks" / folder).glob("*.ipynb"))


def prepare(working_copy: str | Path | None = None, course: Path = COURSE,
            edition: str = "en") -> Prepared:
    """Create or complete the working copy: copy the course's notebooks that it lacks, of
    ``edition`` ("en", "zh" -- into ``notebooks/zh/`` -- or "both").

    A notebook already in the working copy is never touched, whatever its
    content; a copied one is marked trusted (it is the course's own), so
    that JupyterLab shows its saved widget pictures before it is run.
    ``images/`` is a copy of the course's figures, refreshed on every call,
    so that the notebooks' ``../images/...`` links show them: Jupyter's
    server refuses to serve a link that leads out of its root folder (403).
    Returns what was copied. Raises ``ValueError`` when ``course`` is no checkout, or for an
    unknown edition.
    """
    folders = edition_folders(edition)
    notebooks_in_course = [(folder, path) for folder in folders
                           for path in course_notebooks(course, folder)]
    working_copy = Path(working_copy or course / WORKING_COPY)
    images = working_copy / "images"
    if images.is_symlink():  # made by earlier versions; the server would not follow it
        images.unlink()
    copy_tree(course / "images", images)
    copied, kept = [], []
    for folder, source in notebooks_in_course:
        target = working_copy / "notebooks" / folder / source.name
        name = f"{folder}/{source.name}" if folder else source.name
        if target.exists():
            kept.append(name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            copy_file(source, target)  # a new time: JupyterLab sees the change
            copied.append(name)
    trust = (trust_notebooks([working_copy / "notebooks" / name for name in copied])
             if copied else "")
    return Prepared(working_copy, copied, kept, trust)


TRUST_TIMEOUT_S = 1.0  # how long to wait for a trust database another Jupyter holds


def trust_notebooks(paths: list[Path]) -> str:
    """Sign ``paths`` in this user's Jupyter trust database, as ``jupyter trust`` does (an
    untrusted notebook shows its saved widgets as a line of text until it is run).

    The database is opened by the course, never by nbformat's own code, which renames a
    database it cannot open -- locked by another Jupyter, or unreadable -- to ``.bak`` and
    starts an empty one, so that the student's own notebooks are no longer trusted. Here
    such a database is left exactly as it is, and nothing is signed.

    Returns:
        One line saying what happened: how many were marked trusted and where, or why
        none was and what to do.
    """
    import nbformat
    from nbformat.sign import NotebookNotary, SQLiteSignatureStore

    class LeaveItAlone(SQLiteSignatureStore):
        """nbformat's store, except that a database it cannot open raises, untouched."""

        def _connect_db(self, db_file):
            db = sqlite3.connect(db_file, timeout=TRUST_TIMEOUT_S,
                                 detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
            try:
                self.init_db(db)
            except BaseException:
                db.close()
                raise
            return db

    notary, database, unreadable = None, "Jupyter's trust database", []
    try:
        notary = NotebookNotary(store_factory=lambda: None)
        database = notary.db_file
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        notary.store = LeaveItAlone(database)
        for path in paths:
            try:
                book = nbformat.read(path, as_version=4)
            except Exception:  # not a notebook nbformat reads: it opens untrusted
                unreadable.append(path.name)
                continue
            notary.sign(book)
    except sqlite3.Error as error:
        locked = "locked" in str(error)
        return (f"note: the {len(paths)} copied notebook(s) are not marked trusted: "
                + (f"{database} is locked by another program (another Jupyter running?)"
                   if locked else f"{database} cannot be read ({error})")
                + "; it was left untouched. Their widgets show after a run; to trust them, "
                  "close the other Jupyter and run `jupyter trust classroom/notebooks/*.ipynb`.")
    except Exception as error:  # a notebook that cannot be signed still opens, untrusted
        return (f"note: the copied notebooks are not all marked trusted ({error}); their "
                "widgets show after a run")
    finally:
        if notary is not None and notary.store is not None:
            notary.store.close()
    signed = len(paths) - len(unreadable)
    return (f"marked {signed} copied notebook(s) trusted in {database}"
            + (f"; not {', '.join(unreadable)}, which nbformat cannot read" if unreadable else ""))


def find_chapter(chapter: str | int, course: Path = COURSE, folder: str = "") -> Path:
    """The course notebook of ``chapter`` ("03", "3", 3 or "03_lenet") in ``notebooks/folder``;
    a ValueError naming the chapters there are when it matches none."""
    text = str(chapter).strip().removesuffix(".ipynb")
    prefix = text.zfill(2) if text.isdigit() else text
    matches = [path for path in course_notebooks(course, folder)
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


def open_in_jupyter(notebook: Path) -> str | None:
    """The URL of a running Jupyter server where ``notebook`` is open (has a kernel session),
    or None. (``make lab`` shuts a notebook's kernel down when its tab closes.)"""
    import json
    import urllib.request

    from jupyter_server.serverapp import list_running_servers

    notebook = notebook.resolve()
    for server in list_running_servers():
        try:
            path = notebook.relative_to(Path(server["root_dir"]).resolve()).as_posix()
            request = urllib.request.Request(server["url"].rstrip("/") + "/api/sessions",
                                             headers={"Authorization": f"token {server['token']}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                sessions = json.loads(response.read())
        except (KeyError, ValueError, OSError):  # elsewhere, or a server that does not answer
            continue
        if any(session.get("path") == path for session in sessions):
            return server["url"]
    return None


def reset(chapter: str | int, working_copy: str | Path | None = None,
          course: Path = COURSE, edition: str = "en") -> Reset:
    """Put ``chapter`` of ``edition`` ("en" or "zh") back to the course's version; the
    student's file goes to ``backups/`` (named with the time, so that a second reset keeps
    both).

    Refused (a ValueError naming the tab) while the notebook is open in JupyterLab: the open
    tab would save its old content over the reset one at its next save.
    """
    if edition not in ("en", "zh"):
        raise ValueError(f"reset one edition at a time: en or zh, not {edition!r}")
    folder = edition_folders(edition)[0]
    source = find_chapter(chapter, course, folder)
    working_copy = Path(working_copy or course / WORKING_COPY)
    target = working_copy / "notebooks" / folder / source.name
    url = open_in_jupyter(target) if target.exists() else None
    if url:
        raise ValueError(
            f"{target.relative_to(working_copy).as_posix()} is open in JupyterLab ({url}): close "
            "its tab first "
            "(File > Close and Shut Down Notebook), or the tab would save its old content over "
            f"the reset one; then reset again (make reset CHAPTER={source.stem[:2]})")
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = None  # the student's file is copied whole first; the target is always a whole file
    if target.exists():
        backups = working_copy / "backups"
        backups.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%d_%H%M%S")
        kept_as = f"{source.stem}{'.' + folder if folder else ''}"
        backup = backups / f"{kept_as}.{stamp}.ipynb"
        number = 1
        while backup.exists():  # two resets in one second
            number += 1
            backup = backups / f"{kept_as}.{stamp}-{number}.ipynb"
        copy_file(target, backup)
    copy_file(source, target)  # a new time: JupyterLab sees the change
    trust = trust_notebooks([target])
    if not trust.startswith("marked"):
        print(trust)
    return Reset(target, backup)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnn_helpers.core.classroom",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--working-copy", default=None,
                        help=f"the folder to serve (default: {WORKING_COPY}/ in the course)")
    parser.add_argument("--edition", default="en", choices=sorted(EDITIONS),
                        help="en (English, the default), zh (中文, in notebooks/zh/) or both")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="copy the course's notebooks the working copy lacks")
    reset_parser = commands.add_parser("reset", help="put one chapter back to the course's version")
    reset_parser.add_argument("chapter", nargs="?", default="",
                              help="the chapter's number, e.g. 03")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "prepare":
            print(prepare(arguments.working_copy, edition=arguments.edition))
        else:
            if not arguments.chapter:
                raise ValueError("say which chapter to reset, e.g. make reset CHAPTER=03")
            edition = "en" if arguments.edition == "both" else arguments.edition
            print(reset(arguments.chapter, arguments.working_copy, edition=edition))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
