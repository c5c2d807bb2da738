"""The shared skeleton of every explorer: controls, pictures, a message line, timing."""

from __future__ import annotations

import html
import time
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
import torch

from .. import render


class Explorer:
    """Base class: subclasses build ``self.root`` and implement ``_update``.

    ``update(**changes)`` sets controls and redraws; it is what slider
    callbacks and tests call. A ``ValueError`` raised while redrawing (an
    impossible combination) becomes the message shown in the widget, and
    ``self.error`` holds it for tests. ``last_update_ms`` records how long
    the redraw took, for the responsiveness benchmarks.
    """

    def __init__(self):
        self.message = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.error: str | None = None
        self.last_update_ms = 0.0
        self.root: widgets.Widget = widgets.VBox()
        self._controls: dict[str, widgets.ValueWidget] = {}
        self._updating = False

    # -- controls -------------------------------------------------------------------
    def _register(self, name: str, control: widgets.ValueWidget) -> widgets.ValueWidget:
        """Keep ``control`` under ``name`` and redraw when the student moves it."""
        self._controls[name] = control
        control.observe(self._on_change, names="value")
        return control

    def _on_change(self, _change=None):
        if not self._updating:
            self.redraw()

    @property
    def settings(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self._controls.items()}

    def update(self, **changes):
        """Set controls by name (``update(stride=2, padding=1)``), then redraw once."""
        unknown = set(changes) - set(self._controls)
        if unknown:
            raise KeyError(f"no control named {', '.join(sorted(unknown))}; "
                           f"controls: {', '.join(self._controls)}")
        self._updating = True
        try:
            for name, value in changes.items():
                self._controls[name].value = value
        finally:
            self._updating = False
        return self.redraw()

    # -- drawing --------------------------------------------------------------------
    def redraw(self):
        """Redraw from the current controls; an impossible setting becomes the message."""
        start = time.perf_counter()
        try:
            result = self._update(**self.settings)
        except ValueError as error:
            self.error = str(error)
            self.message.value = (
                '<span style="color:#b00020">&#9888; ' + html.escape(self.error) + "</span>"
            )
            result = None
        else:
            self.error = None
            self.message.value = ""
        self.last_update_ms = (time.perf_counter() - start) * 1000
        return result

    def _update(self, **settings):  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    # -- display --------------------------------------------------------------------
    def describe(self) -> str:
        """A one-line text form (what nbval compares and a text front end shows)."""
        shown = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{type(self).__name__}({shown})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.root._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.describe()
        return bundle


def picture(rgb: np.ndarray | None = None, width: int | None = None) -> widgets.Image:
    """An ``ipywidgets.Image`` holding ``rgb`` as PNG (crisp pixels when enlarged)."""
    image = widgets.Image(format="png", layout=widgets.Layout(object_fit="contain"))
    image.add_class("cnn-picture")
    if width:
        image.layout.width = f"{width}px"
    if rgb is not None:
        image.value = render.png_bytes(rgb)
    return image


def titled(title: str, child: widgets.Widget) -> widgets.VBox:
    """A small heading above a picture or table."""
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(title)}</b>"), child])


@contextmanager
def single_thread():
    """Run the block's torch operations on one thread, then restore the thread count.

    A widget's tensors are small (a 256x256 image): a second thread saves
    nothing, and on a busy 2-core machine the threads wait for each other
    (measured: ``F.conv2d`` of a 256x256 image 0.6 ms on one thread, 37 ms
    on two while another process used the CPU). Switching costs microseconds.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
