"""Jupyter server settings for ``make lab`` (``--config=jupyter-settings/jupyter_server_config.py``).

A save keeps the saved state of widgets that were not run since the notebook was opened
(``cnn_helpers/core/widget_state.py`` says why JupyterLab alone would drop it). The module is
loaded by its path: importing the package would import torch into the server.
"""

import importlib.util
import warnings
from pathlib import Path

_MODULE = Path(__file__).resolve().parents[1] / "cnn_helpers" / "core" / "widget_state.py"
_spec = importlib.util.spec_from_file_location("cnn_course_widget_state", _MODULE)
_widget_state = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_widget_state)

# jupyter_server validates the hook a second time when it applies the config, and warns that
# the hook "overrides" itself: the same function, nothing overridden.
warnings.filterwarnings("ignore", message="Overriding existing pre_save_hook")
c = get_config()  # noqa: F821 -- provided by Jupyter when it reads this file
c.ContentsManager.pre_save_hook = _widget_state.keep_saved_widgets
