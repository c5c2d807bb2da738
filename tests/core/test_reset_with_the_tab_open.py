"""``make reset`` with the chapter's tab open in JupyterLab is refused, naming the tab: the
tab would save its old content over the reset one (issue 25, finding 3)."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from cnn_helpers.core import classroom

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "images").mkdir()
    for name in ("01_convolution", "03_lenet"):
        (root / "notebooks" / f"{name}.ipynb").write_text(json.dumps({"course": name}))
    return root


@pytest.fixture
def jupyter(tmp_path, monkeypatch):
    """A stand-in Jupyter server, found as a real one is (its jpserver file in the runtime
    folder): it answers /api/sessions with ``jupyter.sessions`` to the right token only."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            allowed = self.headers.get("Authorization") == "token secret"
            body = json.dumps([{"path": path, "kernel": {"id": "k"}}
                               for path in server.sessions]).encode()
            self.send_response(200 if allowed and self.path == "/api/sessions" else 403)
            self.end_headers()
            self.wfile.write(body if allowed else b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.sessions = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    server.info_file = runtime / f"jpserver-{os.getpid()}.json"
    server.root = tmp_path / "classroom"
    server.info_file.write_text(json.dumps({
        "pid": os.getpid(), "url": f"http://127.0.0.1:{server.server_port}/",
        "token": "secret", "root_dir": str(server.root)}))
    yield server
    server.shutdown()


def test_reset_is_refused_while_the_chapter_is_open_and_names_its_tab(course, jupyter):
    classroom.prepare(jupyter.root, course)
    jupyter.sessions = ["notebooks/03_lenet.ipynb"]
    (jupyter.root / "notebooks" / "03_lenet.ipynb").write_text('{"student": 1}')
    with pytest.raises(ValueError, match=r"notebooks/03_lenet.ipynb is open in JupyterLab "
                                         r"\(http://127\.0\.0\.1:\d+/\): close its tab first"):
        classroom.reset("03", jupyter.root, course)
    assert json.loads((jupyter.root / "notebooks" / "03_lenet.ipynb").read_text()) == {"student": 1}
    assert not (jupyter.root / "backups").exists()


def test_reset_goes_ahead_when_only_other_chapters_are_open(course, jupyter):
    classroom.prepare(jupyter.root, course)
    jupyter.sessions = ["notebooks/01_convolution.ipynb"]
    (jupyter.root / "notebooks" / "03_lenet.ipynb").write_text('{"student": 1}')
    done = classroom.reset("03", jupyter.root, course)
    assert json.loads(done.notebook.read_text()) == {"course": "03_lenet"}


def test_a_server_that_serves_another_folder_or_does_not_answer_is_no_reason_to_refuse(
        course, jupyter, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    classroom.prepare(elsewhere, course)
    jupyter.sessions = ["notebooks/03_lenet.ipynb"]  # the same path, under another root
    assert classroom.reset("03", elsewhere, course).backup is not None
    info = json.loads(jupyter.info_file.read_text())
    jupyter.info_file.write_text(json.dumps({**info, "token": "wrong",
                                             "root_dir": str(elsewhere)}))
    assert classroom.open_in_jupyter(elsewhere / "notebooks" / "03_lenet.ipynb") is None


def test_make_lab_shuts_a_notebooks_kernel_down_when_its_tab_closes():
    """(So an open kernel session means an open tab: reset refuses only then.)"""
    overrides = json.loads((ROOT / "jupyter-settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["kernelShutdown"] is True
