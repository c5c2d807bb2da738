"""course.py, the one command on every system: what it runs, checked with the platform faked.

Nothing is installed or started here: a recording runner stands in for the subprocesses."""

import importlib.util
import os
import sys
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)


class Recorder:
    """A runner that records each command (with its extra environment) and succeeds, or fails
    at the command whose first words are ``fail_at``."""

    def __init__(self, fail_at: tuple[str, ...] = ()):
        self.commands: list[tuple[list[str], dict | None]] = []
        self.fail_at = fail_at

    def __call__(self, command, env=None, cwd=None):
        self.commands.append((list(command), env))
        joined = " ".join(command)
        return 1 if self.fail_at and all(word in joined for word in self.fail_at) else 0

    def lines(self) -> list[str]:
        return [" ".join(command) for command, _ in self.commands]


def _pretend(monkeypatch, windows: bool, uid: int | None = 1000):
    # (os.name stays: pathlib reads it to choose the class of every new Path)
    monkeypatch.setattr(sys, "platform", "win32" if windows else "linux")
    if uid is None:
        monkeypatch.delattr(os, "getuid", raising=False)
    else:
        monkeypatch.setattr(os, "getuid", lambda: uid, raising=False)


def _course(tmp_path, recorder, installed=False):
    """A scratch checkout with a pyproject.toml and two notebooks; its venv installed or not."""
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "notebooks").mkdir()
    for name in ("01_convolution.ipynb", "00_setup.ipynb"):
        (tmp_path / "notebooks" / name).write_text("{}")
    result = course.Course(root=tmp_path, runner=recorder, python="base-python")
    if installed:
        result.python.parent.mkdir(parents=True)
        result.python.write_text("")
        (result.venv / course.STAMP_NAME).touch()
    return result


def test_windows_venv_keeps_its_programs_in_scripts_with_exe_names(monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=True, uid=None)
    venv = tmp_path / ".venv"
    assert course.venv_program(venv, "python") == venv / "Scripts" / "python.exe"
    assert course.venv_program(venv, "pytest") == venv / "Scripts" / "pytest.exe"


def test_linux_and_macos_venv_keeps_its_programs_in_bin(monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=False)
    assert course.venv_program(tmp_path, "python") == tmp_path / "bin" / "python"


def test_windows_install_creates_the_venv_then_installs_the_course_and_d2l_without_its_pins(
        monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=True, uid=None)
    recorder = Recorder()
    _course(tmp_path, recorder).install()
    python = str(tmp_path / ".venv" / "Scripts" / "python.exe")
    assert recorder.lines() == [
        f"base-python -m venv {tmp_path / '.venv'}",
        f"{python} -m pip install --quiet --upgrade pip",
        f"{python} -m pip install --quiet -e .[dev]",
        f"{python} -m pip install --quiet --no-deps d2l==1.0.3",
    ]
    assert recorder.commands[2][1] == {"PYTHONWARNINGS": "ignore:Editable installation"}
    assert (tmp_path / ".venv" / course.STAMP_NAME).exists()


def test_a_second_install_does_nothing_until_pyproject_changes(monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=False)
    recorder = Recorder()
    checkout = _course(tmp_path, recorder, installed=True)
    checkout.install()
    assert recorder.commands == []
    stamp_time = (checkout.venv / course.STAMP_NAME).stat().st_mtime
    os.utime(tmp_path / "pyproject.toml", (stamp_time + 10, stamp_time + 10))
    checkout.install()
    assert [command[3:5] for command, _ in recorder.commands][0] == ["install", "--quiet"]
    assert not any("venv" in command for command, _ in recorder.commands), "the venv exists"


def test_a_failed_install_leaves_no_stamp_and_says_which_command_failed(monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=False)
    recorder = Recorder(fail_at=("-e", ".[dev]"))
    checkout = _course(tmp_path, recorder)
    with pytest.raises(course.CommandFailed, match=r"-e \.\[dev\] failed \(exit status 1\)"):
        checkout.install()
    assert not (checkout.venv / course.STAMP_NAME).exists()


def test_windows_lab_prepares_the_working_copy_then_serves_it_with_the_course_settings(
        monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=True, uid=None)
    recorder = Recorder()
    _course(tmp_path, recorder, installed=True).lab(port=8890)
    python = str(tmp_path / ".venv" / "Scripts" / "python.exe")
    (prepare, _), (lab, _) = recorder.commands
    assert prepare == [python, "-m", "cnn_helpers.core.classroom", "--working-copy",
                       "classroom", "--edition", "en", "prepare"]
    assert lab == [python, "-m", "jupyter", "lab",
                   f"--ServerApp.root_dir={tmp_path / 'classroom'}",
                   f"--LabApp.app_settings_dir={tmp_path / 'jupyter-settings'}",
                   f"--config={tmp_path / 'jupyter-settings' / 'jupyter_server_config.py'}",
                   "--ip=127.0.0.1", "--port=8890", "--no-browser", "--log-level=WARN"]


def test_jupyter_gets_allow_root_only_as_root_on_posix(monkeypatch, tmp_path):
    checkout = _course(tmp_path, Recorder(), installed=True)
    _pretend(monkeypatch, windows=False, uid=0)
    assert checkout.lab_command("classroom", 8888)[-1] == "--allow-root"
    _pretend(monkeypatch, windows=False, uid=1000)
    assert "--allow-root" not in checkout.lab_command("classroom", 8888)
    _pretend(monkeypatch, windows=True, uid=None)  # Windows has no os.getuid
    assert "--allow-root" not in checkout.lab_command("classroom", 8888)


def test_windows_paths_in_the_lab_command_are_windows_paths(monkeypatch):
    _pretend(monkeypatch, windows=True, uid=None)
    checkout = course.Course(root=PureWindowsPath(r"C:\Users\student\cnn-course"),
                             runner=Recorder())
    command = checkout.lab_command("classroom", 8888)
    assert command[0] == r"C:\Users\student\cnn-course\.venv\Scripts\python.exe"
    assert command[4] == r"--ServerApp.root_dir=C:\Users\student\cnn-course\classroom"


def test_test_runs_ruff_then_pytest_with_nbval_over_tests_and_notebooks_in_smoke(
        monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=True, uid=None)
    recorder = Recorder()
    _course(tmp_path, recorder, installed=True).test()
    scripts = tmp_path / ".venv" / "Scripts"
    assert recorder.commands == [
        ([str(scripts / "ruff.exe"), "check", "."], None),
        ([str(scripts / "pytest.exe"), "--nbval", "--nbval-current-env",
          "--nbval-sanitize-with", "tests/sanitize.cfg", "tests", "notebooks",
          "--ignore=notebooks/zh"],
         {"CNN_PROFILE": "smoke"}),
    ]


def test_test_stops_after_a_lint_failure(monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=False)
    recorder = Recorder(fail_at=("ruff",))
    with pytest.raises(course.CommandFailed):
        _course(tmp_path, recorder, installed=True).test()
    assert len(recorder.commands) == 1


def test_execute_lists_the_notebooks_itself_in_chapter_order_with_forward_slashes(
        monkeypatch, tmp_path):
    _pretend(monkeypatch, windows=True, uid=None)
    recorder = Recorder()
    _course(tmp_path, recorder, installed=True).execute(check=True)
    command, env = recorder.commands[0]
    assert command[1:] == ["scripts/execute_notebooks.py", "--check",
                           "notebooks/00_setup.ipynb", "notebooks/01_convolution.ipynb"]
    assert env == {"CNN_PROFILE": "class"}


def test_main_runs_reset_and_data_and_reports_a_failure_in_one_sentence(
        monkeypatch, tmp_path, capsys):
    _pretend(monkeypatch, windows=False)
    _course(tmp_path, Recorder(), installed=True)
    recorder = Recorder()
    assert course.main(["reset", "03"], runner=recorder, root=tmp_path) == 0
    assert recorder.commands[-1][0][-5:] == ["classroom", "--edition", "en", "reset", "03"]
    assert course.main(["reset", "03", "--edition", "zh"], runner=recorder, root=tmp_path) == 0
    assert recorder.commands[-1][0][-5:] == ["classroom", "--edition", "zh", "reset", "03"]
    assert course.main(["lab", "--edition", "both"], runner=recorder, root=tmp_path) == 0
    assert ["--edition", "both", "prepare"] in [c[0][-3:] for c in recorder.commands]
    assert course.main(["data"], runner=recorder, root=tmp_path) == 0
    assert recorder.commands[-1][0][-2:] == ["cnn_helpers.core.data", "download"]
    assert course.main(["site"], runner=recorder, root=tmp_path) == 0
    assert recorder.commands[-1][0][-1] == "scripts/build_site.py"
    failing = Recorder(fail_at=("download",))
    assert course.main(["data"], runner=failing, root=tmp_path) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "download failed (exit status 1)" in error


def test_the_makefile_sends_every_setup_target_through_course_py():
    makefile = (ROOT / "Makefile").read_text()
    for target, command in [("install", "install"), ("lab", "lab"), ("reset", "reset"),
                            ("test", "test"), ("data", "data"), ("execute", "execute"),
                            ("check-class", "check-class"), ("site", "site")]:
        recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert f"$(COURSE) {command}" in recipe, f"make {target} does not call course.py"
    assert "id -u" not in makefile
