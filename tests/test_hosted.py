"""A chapter on a hosted Jupyter (Colab, Kaggle, JupyterHub): one notebook, alone, from its first cell.

The last test meets the course as a hosted Jupyter would. It builds the wheel from this checkout
(``pip wheel .``), creates a fresh venv, and gives it the third-party packages a hosted
runtime has preinstalled -- torch, Jupyter and the scientific stack, read from this suite's own
environment through a ``.pth`` line -- but not ``cnn_helpers`` (nor its editable hook).
``02_pooling.ipynb`` is copied alone into an empty folder and executed top to bottom in the
smoke profile with ``CNN_COURSE_SOURCE`` pointing at the wheel: its first cell must install the
package (pip offline, ``--no-index``: nothing but the wheel is fetched) and every later cell must
then run from the installed package, without the checkout. It takes about a minute on 2 cores.
"""

import importlib.util
import io
import json
import os
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("hosted_cell", ROOT / "scripts" / "hosted_cell.py")
hosted_cell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hosted_cell)
LONE_NOTEBOOK = "02_pooling.ipynb"  # no training data needed: the shortest honest chapter
HIDDEN = ("cnn_helpers", "__editable__", "_cnn_helpers")  # what the fresh venv must not see


def _first_code_source(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_chapter_starts_with_the_same_hosted_cell(path):
    assert _first_code_source(path) == hosted_cell.CELL, (
        f"{path.name}: run python scripts/hosted_cell.py notebooks/*.ipynb")


def test_the_hosted_cell_is_short_and_names_one_source():
    lines = hosted_cell.CELL.splitlines()
    assert len(lines) <= 9
    assert hosted_cell.CELL.count(hosted_cell.SOURCE_VARIABLE) == 1
    assert hosted_cell.CELL.count(hosted_cell.SOURCE) == 1
    assert "Colab, Kaggle, JupyterHub" in (ROOT / "README.md").read_text()


def test_where_cnn_helpers_imports_the_hosted_cell_prints_and_runs_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the cell ran {args} although cnn_helpers imports")

    monkeypatch.setattr(subprocess, "run", refuse)
    printed = io.StringIO()
    with redirect_stdout(printed):
        exec(hosted_cell.CELL, {})
    assert printed.getvalue() == ""


def test_figure_shows_a_course_figure_and_names_the_others_when_missing():
    from cnn_helpers.core.images import figure

    assert figure("conv_stride.png").data[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no figure 'conv_strides.png'.*conv_stride.png"):
        figure("conv_strides.png")


def _wheel(directory: Path) -> Path:
    """The course's wheel, built from this checkout without a network (setuptools is here)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "--quiet", "--wheel-dir", str(directory)],
                   check=True, cwd=directory)
    (wheel,) = directory.glob("cnn_helpers-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_every_package_and_the_results_the_chapters_read(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for path in (ROOT / "cnn_helpers").rglob("*.py"):
        assert path.relative_to(ROOT).as_posix() in names
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        assert f"cnn_helpers/results/{path.name}" in names
    for path in (ROOT / "images").glob("*.png"):
        assert f"cnn_helpers/images/{path.name}" in names


def _fresh_venv(directory: Path) -> Path:
    """A new venv (with pip) that sees this environment's third-party packages but not
    cnn_helpers; its python."""
    venv.create(directory / "venv", with_pip=True)
    python = directory / "venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    preinstalled = directory / "preinstalled"  # this environment's packages, minus the course's
    preinstalled.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(HIDDEN) and entry.suffix != ".pth":
            (preinstalled / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    Path(site_packages, "preinstalled.pth").write_text(f"{preinstalled}\n")
    # ensurepip's own setuptools would hide the newer one that torch requires
    subprocess.run([str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "setuptools"],
                   check=True, capture_output=True)
    return python


@pytest.mark.skipif(sys.platform == "win32", reason="the preinstalled packages are symlinked")
def test_a_lone_notebook_installs_the_course_from_its_first_cell_and_runs(tmp_path, wheel):
    start = time.perf_counter()
    python = _fresh_venv(tmp_path)
    # nothing of this session's Python or Jupyter set-up (a PYTHONPATH to the checkout) leaks in
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    probe = subprocess.run([str(python), "-c", "import torch, nbclient, ipykernel; "
                            "import importlib.util as u; print(u.find_spec('cnn_helpers'))"],
                           capture_output=True, text=True, cwd=tmp_path, env=environment)
    assert probe.stdout.strip() == "None", probe.stderr  # torch and Jupyter yes, the course no
    lone = tmp_path / "hosted"
    lone.mkdir()
    (lone / LONE_NOTEBOOK).write_bytes((ROOT / "notebooks" / LONE_NOTEBOOK).read_bytes())
    environment.update(
        CNN_PROFILE="smoke", CNN_COURSE_SOURCE=str(wheel), PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1", JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"), IPYTHONDIR=str(tmp_path / "ipython"),
        CNN_DATA_DIR=os.environ.get("CNN_DATA_DIR") or str(tmp_path / "data"))
    run = subprocess.run(
        [str(python), "-c", _EXECUTE, LONE_NOTEBOOK], cwd=lone, env=environment,
        capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    first = json.loads(run.stdout.strip().splitlines()[-1])
    assert first[0].startswith("cnn_helpers is not installed here: installing it from "
                               f"{wheel}, then Fashion-MNIST"), first
    where = subprocess.run([str(python), "-c", "import cnn_helpers; print(cnn_helpers.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=environment).stdout
    assert "site-packages" in where and str(ROOT) not in where
    print(f"lone notebook from a fresh venv: {seconds:.0f} s (venv, install, run)")


# Runs in the fresh venv: execute the notebook where it lies (nbclient, the venv's own kernel),
# then print the first cell's output lines as JSON.
_EXECUTE = """
import json, sys
import nbformat
from ipykernel.kernelspec import install
from nbclient import NotebookClient
install(user=True, kernel_name="python3")  # this venv's python, in the scratch JUPYTER_DATA_DIR
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
first = next(cell for cell in notebook.cells if cell.cell_type == "code")
print(json.dumps("".join(o.get("text", "") for o in first.outputs).splitlines()))
"""
