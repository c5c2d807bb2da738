"""Writing a file so that an interruption leaves the old file or the new one, never half of one.

Every file the course writes -- checkpoints, results JSON, the students' working copy and its
backups, imported data, figures in ``images/``, executed notebooks -- goes through
``atomic_file``: the new content is written to a temporary file in the same folder, flushed
to the disk (``fsync``), and only then renamed over the target with ``os.replace``, which
replaces a file in one step on Linux, macOS and Windows. A Ctrl-C (KeyboardInterrupt), a full
disk or a crash before the rename leaves the old file untouched and removes the temporary one.

    with atomic_file("results.json", "w") as file:
        json.dump(document, file)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


def _new_file_mode(target: Path) -> int:
    """The permissions the target has, or (a new file) those ``open`` would give it."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_file(path: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """A file object to write ``path``'s new content to; it replaces ``path`` only when complete.

    Args:
        path: the file to write; its folder must exist.
        mode: "wb" (bytes) or "w" (text).
        encoding: for text, "utf-8" unless given.

    Yields:
        The open temporary file (in ``path``'s folder, named ``.<name>.<random>.tmp``).

    Raises:
        ValueError: ``mode`` is not "w" or "wb".
        Whatever the ``with`` block raises (KeyboardInterrupt included): ``path`` is then
        left as it was and the temporary file removed.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file writes a whole file: mode 'w' or 'wb', not {mode!r}")
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp")
    try:
        with os.fdopen(descriptor, mode, encoding=None if "b" in mode else encoding or "utf-8",
                       newline=None if "b" in mode else "") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # on the disk before the rename makes it the file
        os.chmod(temporary, _new_file_mode(target))  # mkstemp makes it private (0600)
        os.replace(temporary, target)  # one step: the old file or the new one
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no folder handles to sync)."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """``Path.write_bytes``, atomically (``atomic_file``); returns ``path`` as a ``Path``."""
    with atomic_file(path, "wb") as file:
        file.write(data)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """``Path.write_text``, atomically (``atomic_file``); returns ``path`` as a ``Path``."""
    with atomic_file(path, "w", encoding=encoding) as file:
        file.write(text)
    return Path(path)


def copy_file(source: str | Path, target: str | Path) -> Path:
    """``shutil.copyfile``, atomically: ``target`` is the old file or a whole copy of ``source``."""
    with open(source, "rb") as original, atomic_file(target, "wb") as copy:
        shutil.copyfileobj(original, copy, 1 << 20)
    return Path(target)


def copy_tree(source: str | Path, target: str | Path) -> Path:
    """``shutil.copytree(..., dirs_exist_ok=True)``, each file copied atomically (``copy_file``)."""
    source, target = Path(source), Path(target)
    for folder, _, names in os.walk(source):
        here = target / Path(folder).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in names:
            copy_file(Path(folder) / name, here / name)
    return target


def save_figure(figure, path: str | Path, **options) -> Path:
    """``figure.savefig(path, **options)``, atomically; the format is ``path``'s suffix."""
    path = Path(path)
    with atomic_file(path, "wb") as file:
        figure.savefig(file, format=path.suffix.lstrip(".") or None, **options)
    return path
