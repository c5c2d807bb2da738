"""Saved widget pictures survive a save that did not run them: a pre-save hook for ``make lab``.

JupyterLab's widget manager (``@jupyter-widgets/jupyterlab-manager`` 5.0, ipywidgets 8.1),
with ``saveState`` on, writes into a notebook only the widgets whose kernel is alive. A
chapter opened from its saved state therefore loses every saved widget at its first save --
and opening it already marks it modified (restoring the saved widgets does), so autosave
does that save unasked (jupyter-widgets/ipywidgets issue #3888). Reopened, each widget says
"Error displaying widget: model not found".

``keep_saved_widgets`` runs on the server before each save (``make lab`` passes
``jupyter-settings/jupyter_server_config.py``): for every widget an output of the notebook
still shows whose state the save lacks, it copies that widget's state -- with its children,
layouts and styles -- from the file on disk. A widget the student ran again is saved by
JupyterLab as usual; one no output shows any more is not kept, so nothing piles up.

Only the standard library: the server loads this file by its path, without the package
(whose ``__init__`` imports torch).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"
_REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]+)")
log = logging.getLogger("cnn_helpers.widget_state")


def shown_widgets(notebook: dict) -> list[str]:
    """The model ids of the widgets the notebook's outputs display, in order."""
    shown = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            view = (output.get("data") or {}).get(VIEW)
            if isinstance(view, dict) and view.get("model_id"):
                shown.append(view["model_id"])
    return shown


def widget_state(notebook: dict) -> dict:
    """The notebook's saved widget models by id (empty when it has none)."""
    saved = (notebook.get("metadata") or {}).get("widgets") or {}
    return dict((saved.get(STATE) or {}).get("state") or {})


def _with_children(model_id: str, state: dict) -> set[str]:
    """``model_id`` and every model it refers to (children, layout, style), transitively."""
    found, todo = set(), [model_id]
    while todo:
        current = todo.pop()
        if current in found or current not in state:
            continue
        found.add(current)
        todo.extend(_REFERENCE.findall(json.dumps(state[current].get("state", {}))))
    return found


def merge_saved_widgets(new: dict, old: dict) -> list[str]:
    """Copy into notebook ``new`` the saved state of each widget its outputs show that its
    state lacks and ``old`` has (with what that widget refers to); the ids copied.

    ``new`` is changed in place: its ``metadata.widgets`` is created when missing.
    """
    new_state, old_state = widget_state(new), widget_state(old)
    wanted = set()
    for model_id in shown_widgets(new):
        if model_id not in new_state:
            wanted |= _with_children(model_id, old_state)
    copied = sorted(wanted - set(new_state))
    if not copied:
        return []
    metadata = new.setdefault("metadata", {})
    saved = metadata.setdefault("widgets", {}).setdefault(STATE, {})
    if not saved.get("state"):  # JupyterLab writes an empty state with its version numbers
        old_saved = old["metadata"]["widgets"][STATE]
        saved.setdefault("version_major", old_saved.get("version_major", 2))
        saved.setdefault("version_minor", old_saved.get("version_minor", 0))
    saved["state"] = {**saved.get("state", {}), **{key: old_state[key] for key in copied}}
    return copied


def keep_saved_widgets(model: dict, path: str, contents_manager, **_) -> None:
    """Jupyter server pre-save hook: keep the saved state of widgets the notebook still shows.

    Never stops a save: a problem is logged, and the notebook is saved as JupyterLab sent it.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    try:
        on_disk = Path(contents_manager._get_os_path(path))
        if not on_disk.is_file():
            return
        copied = merge_saved_widgets(model["content"], json.loads(on_disk.read_text("utf-8")))
    except Exception as error:  # a save must never fail because of this hook
        log.warning("could not keep the saved widgets of %s: %s", path, error)
        return
    if copied:
        contents_manager.log.info("kept the saved state of %d widget models in %s "
                                  "(not run since the notebook was opened)", len(copied), path)
