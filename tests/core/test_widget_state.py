"""A save keeps the saved state of widgets the notebook still shows but did not run again
(``cnn_helpers.core.widget_state``, the pre-save hook ``make lab`` installs)."""

import json
import logging
from pathlib import Path

from cnn_helpers.core.widget_state import (
    STATE,
    VIEW,
    keep_saved_widgets,
    merge_saved_widgets,
    shown_widgets,
)

ROOT = Path(__file__).resolve().parents[2]


def _model(name, **state):
    return {"model_module": "@jupyter-widgets/controls", "model_name": name,
            "model_module_version": "2.0.0", "state": state}


def _notebook(shown, state):
    outputs = [{"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "x", VIEW: {"version_major": 2, "version_minor": 0,
                                                   "model_id": model_id}}}
               for model_id in shown]
    return {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs,
                       "execution_count": 1}],
            "metadata": {"widgets": {STATE: {"version_major": 2, "version_minor": 0,
                                             "state": state}}},
            "nbformat": 4, "nbformat_minor": 5}


SAVED = {  # a box (shown) with a slider and its layout, and a layout nothing refers to any more
    "aa": _model("VBoxModel", children=["IPY_MODEL_bb"], layout="IPY_MODEL_cc"),
    "bb": _model("IntSliderModel", value=3, layout="IPY_MODEL_dd"),
    "cc": _model("LayoutModel"), "dd": _model("LayoutModel"), "ee": _model("LayoutModel"),
}


def test_a_save_without_the_shown_widgets_state_gets_it_from_the_file_with_its_children():
    new = _notebook(["aa"], {})  # what JupyterLab sends: no live widget, an empty state
    copied = merge_saved_widgets(new, _notebook(["aa"], SAVED))
    assert copied == ["aa", "bb", "cc", "dd"]  # not "ee": no output refers to it
    assert new["metadata"]["widgets"][STATE]["state"] == {key: SAVED[key] for key in copied}


def test_a_widget_run_again_is_saved_as_jupyterlab_sends_it_and_old_ones_are_not_kept():
    live = {"ff": _model("VBoxModel", children=[])}
    new = _notebook(["ff"], dict(live))  # the cell was run again: a new widget, saved live
    assert merge_saved_widgets(new, _notebook(["aa"], SAVED)) == []
    assert new["metadata"]["widgets"][STATE]["state"] == live


def test_a_notebook_saved_without_widget_metadata_gets_the_version_numbers_back():
    new = _notebook(["aa"], {})
    del new["metadata"]["widgets"]
    merge_saved_widgets(new, _notebook(["aa"], SAVED))
    saved = new["metadata"]["widgets"][STATE]
    assert (saved["version_major"], saved["version_minor"]) == (2, 0) and "aa" in saved["state"]


class _ContentsManager:
    def __init__(self, root):
        self.root, self.log = root, logging.getLogger("test")

    def _get_os_path(self, path):
        return str(self.root / path)


def test_the_hook_changes_the_model_to_be_saved_and_never_stops_a_save(tmp_path):
    (tmp_path / "ch.ipynb").write_text(json.dumps(_notebook(["aa"], SAVED)))
    model = {"type": "notebook", "content": _notebook(["aa"], {})}
    keep_saved_widgets(model=model, path="ch.ipynb", contents_manager=_ContentsManager(tmp_path))
    assert set(model["content"]["metadata"]["widgets"][STATE]["state"]) == {"aa", "bb", "cc", "dd"}
    (tmp_path / "broken.ipynb").write_text("{not json")
    broken = {"type": "notebook", "content": _notebook(["aa"], {})}
    keep_saved_widgets(model=broken, path="broken.ipynb",
                       contents_manager=_ContentsManager(tmp_path))
    assert broken["content"]["metadata"]["widgets"][STATE]["state"] == {}


def test_every_committed_widget_output_has_its_state_in_the_notebook():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        state = notebook.get("metadata", {}).get("widgets", {}).get(STATE, {}).get("state", {})
        missing = [model_id for model_id in shown_widgets(notebook) if model_id not in state]
        assert not missing, f"{path.name}: outputs show widgets without saved state: {missing}"


def test_the_course_server_config_installs_the_hook_as_make_lab_passes_it():
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_server_config.py",
                                path=str(ROOT / "jupyter-settings")).load_config()
    assert AsyncLargeFileManager(config=config).pre_save_hook.__name__ == "keep_saved_widgets"
    assert "--config={settings / 'jupyter_server_config.py'}" in (  # how course.py starts it
        ROOT / "course.py").read_text()
