"""The course's one command, the same on Linux, macOS and Windows (Python 3.11 or newer only).

    python course.py lab               # first time: creates .venv and installs, then JupyterLab
    python course.py test              # ruff, the unit tests and every notebook (nbval)
    python course.py reset 03          # chapter 3 of the working copy back to the course's version
    python course.py data              # Fashion-MNIST into the cache, before a class offline
    python course.py check-class       # every notebook in the class profile, saving nothing
    python course.py execute [NB ...]  # re-execute and save notebooks (class profile)
    python course.py site              # the course as a static HTML book in build/site/

On Windows write ``py course.py lab``. The Makefile's targets call this file, so every system
runs the same code. Only the standard library is used here: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path, PurePath

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP_NAME = ".installed"  # in the venv: the install is newer than pyproject.toml
WORKING_COPY = "classroom"
PORT = 8888
# d2l 1.0.3 pins 2023 numpy/matplotlib/pandas/scipy; it is installed without them (README).
D2L = "d2l==1.0.3"
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg"]

# A runner takes a command, extra environment variables and a folder, and returns its exit status.
Runner = Callable[[Sequence[str], dict[str, str] | None, Path | None], int]


def run_command(command: Sequence[str], env: dict[str, str] | None = None,
                cwd: Path | None = None) -> int:
    """Run ``command`` (no shell) with ``env`` added to this environment; its exit status."""
    print("+", " ".join(str(part) for part in command), flush=True)
    environment = dict(os.environ, **env) if env else None
    try:
        return subprocess.run([str(part) for part in command], env=environment,
                              cwd=cwd).returncode
    except KeyboardInterrupt:  # Ctrl+C stops JupyterLab: a normal end, not an error
        return 0


def on_windows() -> bool:
    """Whether this is Windows (read at each call, so that tests can pretend)."""
    return sys.platform == "win32"


def venv_scripts(venv: Path) -> Path:
    """The venv's folder of programs: ``Scripts`` on Windows, ``bin`` elsewhere."""
    return venv / ("Scripts" if on_windows() else "bin")


def venv_program(venv: Path, name: str) -> Path:
    """A program in the venv (``python``, ``pytest``, ``ruff``): ``name.exe`` on Windows."""
    return venv_scripts(venv) / (f"{name}.exe" if on_windows() else name)


def running_as_root() -> bool:
    """Whether this process is root on a POSIX system (Windows has no uid: never)."""
    getuid = getattr(os, "getuid", None)
    return getuid is not None and getuid() == 0


class Course:
    """The course's checkout, its venv, and a runner that carries out commands."""

    def __init__(self, root: PurePath = ROOT, venv: PurePath | None = None,
                 runner: Runner = run_command, python: str = sys.executable):
        self.root = root if isinstance(root, PurePath) else Path(root)  # a PureWindowsPath stays one
        self.venv = Path(venv).absolute() if venv is not None else self.root / ".venv"
        self.runner, self.base_python = runner, python

    @property
    def python(self) -> Path:
        return venv_program(self.venv, "python")

    def run(self, command: Sequence[str | Path], env: dict[str, str] | None = None) -> None:
        """Run ``command`` in the checkout. Raises ``CommandFailed`` when it fails."""
        status = self.runner([str(part) for part in command], env, self.root)
        if status != 0:
            raise CommandFailed(f"{' '.join(str(part) for part in command)} failed "
                                f"(exit status {status}); its output above says why")

    # -- the environment ---------------------------------------------------------------
    def installed(self) -> bool:
        """Whether the venv exists and was installed after pyproject.toml last changed."""
        stamp = self.venv / STAMP_NAME
        return (self.python.exists() and stamp.exists()
                and stamp.stat().st_mtime >= (self.root / "pyproject.toml").stat().st_mtime)

    def install(self) -> None:
        """Create the venv if needed and install the course into it, as ``make install`` did;
        nothing when it is up to date. Raises ``CommandFailed`` when a step fails."""
        if self.installed():
            return
        print(f"== setting up {self.venv.name} for the course (once; a few minutes) ==")
        if not self.python.exists():
            self.run([self.base_python, "-m", "venv", self.venv])
        print("-- pip itself", flush=True)
        self.run([self.python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        print("-- the course's package and what it needs: PyTorch, JupyterLab, ipywidgets, ... "
              "(the longest step)", flush=True)
        # setuptools' boxed note about editable installs is information only
        self.run([self.python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"],
                 env={"PYTHONWARNINGS": "ignore:Editable installation"})
        print("-- d2l 1.0.3, the book's package, without its 2023 pins of "
              "numpy/matplotlib/pandas/scipy", flush=True)
        self.run([self.python, "-m", "pip", "install", "--quiet", "--no-deps", D2L])
        self.venv.mkdir(parents=True, exist_ok=True)  # made by `venv` above; sure before the stamp
        (self.venv / STAMP_NAME).touch()
        print(f"== {self.venv.name} is ready ==")

    # -- what students and teachers run -------------------------------------------------
    def lab_command(self, working_copy: str, port: int) -> list[str]:
        """How JupyterLab is started: the working copy, the course's settings (widgets saved
        with the notebook, and kept on a save), local only, warnings only (the one URL to open
        is the server's banner)."""
        settings = self.root / "jupyter-settings"
        command = [str(self.python), "-m", "jupyter", "lab",
                   f"--ServerApp.root_dir={self.root / working_copy}",
                   f"--LabApp.app_settings_dir={settings}",
                   f"--config={settings / 'jupyter_server_config.py'}",
                   "--ip=127.0.0.1", f"--port={port}", "--no-browser", "--log-level=WARN"]
        if running_as_root():  # Jupyter refuses root without it
            command.append("--allow-root")
        return command

    def lab(self, working_copy: str = WORKING_COPY, port: int = PORT,
            edition: str = "en") -> None:
        """Install if needed, copy the chapters of ``edition`` (en, zh or both) the working copy
        lacks, serve it."""
        self.install()
        self.run([self.python, "-m", "cnn_helpers.core.classroom", "--working-copy",
                  working_copy, "--edition", edition, "prepare"])
        self.run(self.lab_command(working_copy, port))

    def reset(self, chapter: str, working_copy: str = WORKING_COPY, edition: str = "en") -> None:
        """Put one chapter of the working copy (its ``edition``: en or zh) back to the course's
        version."""
        self.install()
        self.run([self.python, "-m", "cnn_helpers.core.classroom", "--working-copy",
                  working_copy, "--edition", edition, "reset", chapter])

    def test(self, profile: str = "smoke") -> None:
        """Lint, then the unit tests and every notebook under nbval, in ``profile``."""
        self.install()
        self.run([venv_program(self.venv, "ruff"), "check", "."])
        # notebooks/zh/ holds the same code cells and outputs as notebooks/ (tests/
        # test_translations.py checks it): nbval runs them once, in the English edition
        self.run([venv_program(self.venv, "pytest"), *NBVAL, "tests", "notebooks",
                  "--ignore=notebooks/zh"],
                 env={"CNN_PROFILE": profile})

    def data(self) -> None:
        """Download Fashion-MNIST (MD5-checked) into the cache."""
        self.install()
        self.run([self.python, "-m", "cnn_helpers.core.data", "download"])

    def notebooks(self, given: Sequence[str]) -> list[str]:
        """The notebooks named, else every chapter in order (no shell glob on Windows)."""
        return list(given) or [path.relative_to(self.root).as_posix()
                               for path in sorted((self.root / "notebooks").glob("*.ipynb"))]

    def execute(self, notebooks: Sequence[str] = (), check: bool = False) -> None:
        """Run notebooks in the class profile: saved and stamped, or (``check``) only timed."""
        self.install()
        self.run([self.python, "scripts/execute_notebooks.py", *(["--check"] if check else []),
                  *self.notebooks(notebooks)], env={"CNN_PROFILE": "class"})

    def site(self) -> None:
        """Build the static HTML book of the committed notebooks into build/site/."""
        self.install()
        self.run([self.python, "scripts/build_site.py"])


class CommandFailed(RuntimeError):
    """A step of the course's command failed; its own output says why."""


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(prog="python course.py",
                                       description=__doc__.split("\n")[0])
    commands.add_argument("--venv", type=Path, default=None,
                          help="the virtual environment to use (default: .venv in the course)")
    sub = commands.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="create .venv and install the course (once)")
    lab = sub.add_parser("lab", help="serve the students' working copy in JupyterLab")
    lab.add_argument("--port", type=int, default=PORT)
    lab.add_argument("--working-copy", default=WORKING_COPY)
    lab.add_argument("--edition", default="en", choices=("en", "zh", "both"),
                     help="the notebooks to prepare: en (English), zh (中文) or both")
    reset = sub.add_parser("reset", help="put one chapter back to the course's version")
    reset.add_argument("chapter", nargs="?", default="", help="the chapter's number, e.g. 03")
    reset.add_argument("--working-copy", default=WORKING_COPY)
    reset.add_argument("--edition", default="en", choices=("en", "zh"))
    test = sub.add_parser("test", help="ruff, the unit tests and every notebook")
    test.add_argument("--profile", default="smoke", choices=("smoke", "class", "full"))
    sub.add_parser("data", help="download Fashion-MNIST into the cache")
    for name, text in [("execute", "re-execute and save notebooks in the class profile"),
                       ("check-class", "run notebooks in the class profile, saving nothing")]:
        sub.add_parser(name, help=text).add_argument("notebooks", nargs="*")
    sub.add_parser("site", help="build the static HTML book into build/site/")
    return commands


def main(argv: Sequence[str] | None = None, runner: Runner = run_command,
         root: Path = ROOT) -> int:
    """Carry out one command; 0 when it worked, else a sentence on stderr and 1 (2: bad use)."""
    arguments = parser().parse_args(argv)
    if sys.version_info < (3, 11):
        print("error: the course needs Python 3.11 or newer", file=sys.stderr)
        return 2
    course = Course(root, venv=arguments.venv, runner=runner)
    name = arguments.command
    try:
        if name == "install":
            course.install()
        elif name == "lab":
            course.lab(arguments.working_copy, arguments.port, arguments.edition)
        elif name == "reset":
            course.reset(arguments.chapter, arguments.working_copy, arguments.edition)
        elif name == "test":
            course.test(arguments.profile)
        elif name == "data":
            course.data()
        elif name in ("execute", "check-class"):
            course.execute(arguments.notebooks, check=name == "check-class")
        else:
            course.site()
    except CommandFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
