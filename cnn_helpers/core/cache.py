"""Where Fashion-MNIST lies on disk, and whether its files are sound (notes, chapter 3 on).

The four official ``.gz`` files live in one cache directory (``data_dir``):
``CNN_DATA_DIR`` if set, else ``data/`` in the course checkout, else
``~/.cache/cnn-course``; torchvision's layout puts them in
``FashionMNIST/raw/``, and a teacher's copy may hold them directly in the
folder (or ``CNN_DATA_DIR`` may name ``FashionMNIST/raw`` itself): both are
read (``folders_searched``). A file is sound when it is the official archive with
torchvision's MD5 or, where no archive exists, an unpacked IDX file whose
size matches its header. The IDX format (a magic number, the sizes, then
the bytes) is read and written here too: ``read_idx``, ``write_idx``.
Everything here only reads, except ``write_idx``.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
from pathlib import Path

import torch

from cnn_helpers.core import CHECKOUT
from cnn_helpers.core.files import write_bytes
from cnn_helpers.core.language import tr

DATA_VARIABLE = "CNN_DATA_DIR"


class DataError(RuntimeError):
    """A data problem the student or teacher must fix (read-only cache, corrupted files)."""


# -- where the cache lives ------------------------------------------------------------
def data_dir(root: str | Path | None = None) -> Path:
    """The cache directory: ``root``, else ``CNN_DATA_DIR``, else the checkout's ``data/``."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(DATA_VARIABLE, "").strip():
        return Path(os.environ[DATA_VARIABLE].strip()).expanduser()
    checkout = CHECKOUT
    if (checkout / "pyproject.toml").exists():
        return checkout / "data"
    return Path.home() / ".cache" / "cnn-course"


def raw_folder(root: Path) -> Path:
    """The folder of the four files inside a cache directory (torchvision's layout)."""
    return root / "FashionMNIST" / "raw"


def _is_raw_folder(root: Path) -> bool:
    return root.name == "raw" and root.parent.name == "FashionMNIST"


def download_root(root: Path) -> Path:
    """The folder to give torchvision so that the files land in ``folders_searched(root)[0]``
    (for ``.../FashionMNIST/raw`` itself, the folder two levels up)."""
    return root.parents[1] if _is_raw_folder(root) else root


def folders_searched(root: Path) -> list[Path]:
    """Where the four files may lie, in the order looked: torchvision's ``FashionMNIST/raw``
    inside ``root``, then ``root`` itself (the four files directly in it)."""
    return [root] if _is_raw_folder(root) else [raw_folder(root), root]


def file_names() -> list[str]:
    """The four files' names, unpacked (``train-images-idx3-ubyte`` ...)."""
    return [archive.removesuffix(".gz") for archive, _ in official_files()]


def files_folder(root: Path) -> Path:
    """The folder of ``folders_searched`` that holds any of the four files (packed or not);
    torchvision's layout when none does. Only looks: creates nothing."""
    folders = folders_searched(root)
    for folder in folders:
        if any((folder / name).is_file() or (folder / f"{name}.gz").is_file()
               for name in file_names()):
            return folder
    return folders[0]


def looked_for(root: Path) -> str:
    """Every path searched, exactly, in one phrase (for 'not found' messages)."""
    folders = " and ".join(f"{folder}{os.sep}" for folder in folders_searched(root))
    return tr(f"looked in {folders} for {', '.join(file_names())} (each .gz or unpacked)")


def official_files() -> list[tuple[str, str]]:
    """The four official files as torchvision lists them: (file.gz, MD5) pairs."""
    from torchvision import datasets

    return list(datasets.FashionMNIST.resources)


def file_md5(path: Path) -> str:
    """The MD5 of a file, read a megabyte at a time."""
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the IDX format ---------------------------------------------------------------------
def _dims(header: bytes) -> list[int]:
    """The sizes an IDX header lists after its 4-byte magic number (one 4-byte integer each)."""
    return [int.from_bytes(header[4 + 4 * i: 8 + 4 * i], "big") for i in range(header[3])]


def _header_problem(header: bytes, size: int) -> str | None:
    """Why a file that starts with ``header`` and holds ``size`` bytes is no sound IDX file of bytes."""
    if len(header) < 4 or header[:2] != b"\0\0" or header[2] != 0x08:
        return "not an IDX file of bytes"
    dims = _dims(header)
    expected = 4 + 4 * len(dims) + math.prod(dims)
    if size != expected:
        return f"{size} bytes where its header promises {expected} (a partial download?)"
    return None


def idx_problem(path: Path) -> str | None:
    """Why an unpacked IDX file is unreadable (None if its size matches its header).

    Reads only the header, not the images.
    """
    with open(path, "rb") as file:
        header = file.read(4)
        if len(header) == 4:
            header += file.read(4 * header[3])
    return _header_problem(header, path.stat().st_size)


def read_idx(path: Path) -> torch.Tensor:
    """An IDX file of bytes (plain or gzip'd) as a uint8 tensor of its header's shape.

    Read-only: it opens ``path`` for reading and writes nothing anywhere.
    Raises ``DataError`` naming the file when it is not a sound IDX file.
    """
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as file:
            payload = file.read()
    else:
        payload = path.read_bytes()
    if why := _header_problem(payload, len(payload)):
        raise DataError(f"{path}: {why}")
    dims = _dims(payload)
    flat = torch.frombuffer(bytearray(payload[4 + 4 * len(dims):]), dtype=torch.uint8)
    return flat.reshape(dims)


def write_idx(path: str | Path, array: torch.Tensor, compress: bool | None = None) -> Path:
    """Write a uint8 tensor as an IDX file (gzip'd if ``path`` ends in .gz), for tests and for
    teachers preparing a cache by hand."""
    path = Path(path)
    array = torch.as_tensor(array, dtype=torch.uint8).contiguous()
    header = bytes([0, 0, 0x08, array.dim()]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape)
    payload = header + array.numpy().tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    return write_bytes(path, gzip.compress(payload) if compress else payload)  # whole or not at all


# -- is the cache sound? ------------------------------------------------------------------
def file_states(root: Path) -> list[tuple[Path | None, list[tuple[Path, str]]]]:
    """For each of the four files: the copy to read (None if there is none) and its problems.

    The official archive is read when its MD5 is torchvision's; an unpacked
    copy (what torchvision and d2l read) only where no archive exists. A bad
    archive, or an unpacked file whose size is not its header's, is a problem. The files
    are read from ``files_folder(root)``: torchvision's layout, or directly in ``root``.
    """
    raw = files_folder(root)
    states = []
    for archive, md5 in official_files():
        packed, unpacked = raw / archive, raw / archive.removesuffix(".gz")
        readable, problems = None, []
        if packed.exists():
            if file_md5(packed) == md5:
                readable = packed
            else:
                problems.append((packed, "MD5 does not match (a partial or corrupted download)"))
                if unpacked.exists():
                    problems.append((unpacked, "unpacked from a bad archive"))
        if unpacked.exists() and not problems:
            if why := idx_problem(unpacked):
                problems.append((unpacked, why))
            elif readable is None:
                readable = unpacked
        states.append((readable, problems))
    return states


def broken_files(root: Path) -> list[tuple[Path, str]]:
    """Every damaged file in the cache ``root`` and what is wrong with it."""
    return [problem for _, problems in file_states(root) for problem in problems]


def cache_problems(root: str | Path | None = None) -> list[str]:
    """Corrupted or partial Fashion-MNIST files in the cache, one sentence each."""
    return [f"{path}: {why}" for path, why in broken_files(data_dir(root))]


def is_cached(root: str | Path | None = None) -> bool:
    """Whether all four Fashion-MNIST files are in the cache and sound.

    A sound file is the official ``.gz`` archive with torchvision's MD5 or,
    where no archive exists, the unpacked IDX file whose size matches its header.
    """
    return all(path is not None and not problems for path, problems in file_states(data_dir(root)))
