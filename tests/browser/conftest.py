"""Fixtures for the browser tests: a private JupyterLab server and a headless Chromium.

The server runs on 127.0.0.1, a free port and a random token, with its own
config, runtime, data and settings directories, in the ``smoke`` profile.
It serves what ``make lab`` serves: a students' working copy
(``cnn_helpers.core.classroom``, here in a scratch folder, outputs cleared) with
the course's ``jupyter-settings`` -- so autosave can never touch the
repository's notebooks.
At the end it is shut down through its API and then, by its PID only,
terminated.

Chromium is Debian's ``/usr/bin/chromium`` driven by Python ``playwright``
(no ``playwright install``). Without it the tests skip, unless
``CNN_REQUIRE_BROWSER=1`` (set by ``.ci/run``) demands them.

``pytest --update-screenshots`` (or ``CNN_UPDATE_SCREENSHOTS=1``) saves a
screenshot of every widget into ``images/`` for the README.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cnn_helpers.core import classroom

ROOT = Path(__file__).resolve().parents[2]
# Debian's chromium package; CNN_CHROMIUM names another build (or a missing one, to try the skip).
CHROMIUM = Path(os.environ.get("CNN_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_VARIABLE = "CNN_REQUIRE_BROWSER"
SCREENSHOT_VARIABLE = "CNN_UPDATE_SCREENSHOTS"
# Flags measured to work for Debian's chromium in a container (as root: no sandbox).
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SERVER_START_TIMEOUT_S = 120  # a loaded 2-core machine took over 60 s
KERNEL_START_TIMEOUT_S = 60
# Every notebook of the session together, smoke profile: about 60 s on an idle 2-core machine;
# a fresh clone's run beside other jobs (load 6-13) needed more than 90 s for chapter 7's cells.
# A deadline, not a speed target: speed lives in benchmarks/.
RUN_ALL_TIMEOUT_S = 300
# JupyterLab user settings: no news or update pop-ups over the notebook. (The default
# windowing mode, "contentVisibility", keeps every cell in the page but renders only
# those in view: a third less browser CPU than "none" for a long notebook.)
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


@pytest.fixture(scope="session")
def update_screenshots(request) -> bool:
    """True when the run should (re)write the widget screenshots in ``images/``."""
    return bool(request.config.getoption("--update-screenshots")
                or os.environ.get(SCREENSHOT_VARIABLE) == "1")


def _skip_or_fail(reason: str):
    """Skip with ``reason``; fail instead when CI demands the browser tests."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1 demands the browser tests)", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run them")


# -- the course served from a scratch working copy ------------------------------------
def _scratch_course(directory: Path) -> Path:
    """A working copy as ``make lab EDITION=both`` makes it, its notebooks' outputs cleared;
    its root."""
    root = classroom.prepare(directory / "classroom", ROOT, edition="both").working_copy
    for notebook in (root / "notebooks").rglob("*.ipynb"):
        _write_without_outputs(notebook, notebook)
    return root


def _write_without_outputs(source: Path, target: Path):
    """Copy a notebook with its outputs cleared: the browser must show only what it ran.

    (The committed outputs would show stale widgets -- "model not found" -- and execution
    counts that make every cell look finished.) Plain json: importing nbformat is slow.
    """
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook.get("metadata", {}).pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"null")


class LabServer:
    """A running ``jupyter lab``: its base URL, token and the scratch course it serves."""

    def __init__(self, process: subprocess.Popen, url: str, token: str, root: Path, log: Path):
        self.process, self.url, self.token, self.root, self.log = process, url, token, root, log
        self.pages_opened = 0  # each page gets a workspace of its own (notebook_url)

    def notebook_url(self, notebook: str) -> str:
        """The notebook in JupyterLab, in a workspace of its own for each page: a page opened
        in a workspace another page used would restore its tabs (the default workspace), or
        the slideshow another test left open in it, whose bundled JupyterLab logs errors."""
        self.pages_opened += 1
        workspace = f"{Path(notebook).stem}-{self.pages_opened}"
        return f"{self.url}lab/workspaces/{workspace}/tree/notebooks/{notebook}?token={self.token}"

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def wait_until_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.process.returncode}):\n"
                                   + self.log_tail())
            try:
                _get(self.url + "api/status", self.token)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer in {SERVER_START_TIMEOUT_S} s:\n"
                           + self.log_tail())

    def stop(self):
        """Shut down this server (and so its kernels) through its API, then by its PID."""
        if self.process.poll() is None:
            request = urllib.request.Request(
                self.url + "api/shutdown", method="POST",
                headers={"Authorization": f"token {self.token}"})
            try:
                urllib.request.urlopen(request, timeout=5).close()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        for stop_signal, wait_s in [(None, 15), (signal.SIGTERM, 10), (getattr(signal, "SIGKILL", signal.SIGTERM), 5)]:
            if stop_signal is not None and self.process.poll() is None:
                os.kill(self.process.pid, stop_signal)
            try:
                self.process.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="session")
def sync_playwright():
    """Playwright's entry point, once Chromium is known to be there (else skip or fail)."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"browser tests need Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("browser tests need the Python package playwright")
    return sync_playwright


@pytest.fixture(scope="session")
def lab_server(sync_playwright, tmp_path_factory):
    """A private JupyterLab on 127.0.0.1, in the smoke profile, stopped at the end.

    It is yielded while still starting (``wait_until_ready`` before use), so that the
    browser can start meanwhile.
    """
    directory = tmp_path_factory.mktemp("lab")
    root = _scratch_course(directory)
    for name, values in LAB_SETTINGS.items():
        settings_file = directory / "settings" / name
        settings_file.parent.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(24)
    environment = dict(
        os.environ,
        CNN_PROFILE="smoke",
        JUPYTER_CONFIG_DIR=str(directory / "config"),
        JUPYTER_RUNTIME_DIR=str(directory / "runtime"),
        JUPYTER_DATA_DIR=str(directory / "data"),
        JUPYTERLAB_SETTINGS_DIR=str(directory / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(directory / "workspaces"),
        IPYTHONDIR=str(directory / "ipython"),
    )
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.app_settings_dir={ROOT / 'jupyter-settings'}",  # as make lab
        f"--config={ROOT / 'jupyter-settings' / 'jupyter_server_config.py'}",
    ]
    if getattr(os, "geteuid", lambda: None)() == 0:  # root on POSIX (Windows has no uid)
        command.append("--allow-root")
    log = directory / "jupyter.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=root, env=environment,
                                   stdout=log_file, stderr=subprocess.STDOUT)
    server = LabServer(process, f"http://127.0.0.1:{port}/", token, root, log)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(sync_playwright):
    """Headless Debian Chromium driven by playwright."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


# -- notebooks opened and run in the browser ------------------------------------------
class RanNotebook:
    """A browser page showing one notebook, run with "Run All Cells", and its console errors."""

    def __init__(self, page, notebook: str):
        self.page, self.notebook = page, notebook
        self.tab = page.locator('li.lm-TabBar-tab[data-type="document-title"]'
                                f'[title*="Path: notebooks/{notebook}"]').first
        self.panel = None  # the notebook's panel (cells, outputs), once its tab is there
        self.console_errors: list[str] = []
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))

    def run_all_cells(self):
        """Wait for the kernel, then choose Run > Run All Cells in the menu bar."""
        page = self.page
        # The kernel indicator says idle before a kernel exists; this text needs the kernel.
        page.locator("#jp-main-statusbar").get_by_text("Python 3 (ipykernel) | Idle").wait_for(
            timeout=KERNEL_START_TIMEOUT_S * 1000)
        self.panel = page.locator(f"#{self.tab.get_attribute('data-id')}")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        deadline = time.monotonic() + KERNEL_START_TIMEOUT_S
        while not any(re.search(r"\[(\*|\d+)\]", prompt) for prompt in self._prompts()):
            if time.monotonic() > deadline:
                pytest.fail(f"{self.notebook}: Run > Run All Cells started no cell", pytrace=False)
            time.sleep(0.1)

    def _prompts(self) -> list[str]:
        return self.panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_text_contents()

    def wait_until_every_cell_ran(self, deadline: float):
        """Every code cell numbered; a run stopped by an error fails with its traceback."""
        stopped_since = None
        while time.monotonic() < deadline:
            prompts = self._prompts()
            ran = [bool(re.search(r"\[\d+\]", prompt)) for prompt in prompts]
            if prompts and all(ran):
                return
            busy = any("*" in prompt for prompt in prompts)
            if any(ran) and not busy:  # idle with cells left: an error stopped "Run All"
                stopped_since = stopped_since or time.monotonic()
                if time.monotonic() - stopped_since > 3:
                    break
            else:
                stopped_since = None
            time.sleep(0.2)
        errors = self.panel.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        ).all_text_contents()
        pytest.fail(f"{self.notebook}: not every cell ran (prompts {self._prompts()}); "
                    "stderr outputs:\n" + "\n".join(errors)[-3000:], pytrace=False)


class Lab:
    """JupyterLab in the browser: ``run(notebooks)`` opens and runs them, all at once."""

    def __init__(self, server: LabServer, browser):
        self.server, self.browser = server, browser
        self.ran: dict[str, RanNotebook] = {}
        self.contexts = []

    def new_page(self):
        """A page in a browser context of its own: JupyterLabs opened together in one
        context collide on their window name ("Window name candidate ... already exists")."""
        self.contexts.append(self.browser.new_context(viewport={"width": 1280, "height": 900}))
        return self.contexts[-1].new_page()

    def close(self):
        for context in self.contexts:
            context.close()

    def run(self, notebooks) -> dict[str, RanNotebook]:
        """Open each notebook in its own page and run all its cells; kernels run side by side."""
        new = [RanNotebook(self.new_page(), name) for name in notebooks if name not in self.ran]
        for notebook in new:
            notebook.page.goto(self.server.notebook_url(notebook.notebook))
        for notebook in new:
            notebook.run_all_cells()
        deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
        for notebook in new:
            notebook.wait_until_every_cell_ran(deadline)
            self.ran[notebook.notebook] = notebook
        return self.ran


@pytest.fixture(scope="session")
def lab(lab_server, browser):
    """The course's JupyterLab open in Chromium (the server boots while Chromium starts)."""
    lab_server.wait_until_ready()
    lab = Lab(lab_server, browser)
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def ran_notebooks(lab, request):
    """The notebooks of the session's widget cases (tests with a ``case`` parameter that names
    a notebook), opened and run together (their kernels overlap); run once per session."""
    selected = {item.callspec.params["case"].notebook for item in request.session.items
                if hasattr(item, "callspec") and hasattr(item.callspec.params.get("case"),
                                                         "notebook")}
    return lab.run(sorted(selected))
