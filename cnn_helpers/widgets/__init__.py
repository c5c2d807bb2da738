"""Interactive explorers for the notebooks (ipywidgets).

Every explorer keeps its logic in plain methods that tests call headless
(no browser, no kernel), draws with ``cnn_helpers.core.render`` (PNG bytes
into ``ipywidgets.Image``, a few ms per update), and shows a sentence --
never a traceback -- for impossible settings.
"""

from cnn_helpers.widgets.common import Explorer

__all__ = ["Explorer"]
