"""The shared skeleton of every explorer: controls, pictures, a message line, timing."""

from __future__ import annotations

import html
import numbers
import time
from collections.abc import Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
import torch

from cnn_helpers.core import render
from cnn_helpers.core.inputs import SayOnce, image_tensor, label_tensor
from cnn_helpers.core.language import tr

# Shown only on a widget whose kernel is gone (JupyterLab marks its views
# "jupyter-widgets-disconnected"): a notebook reopened from its saved state, or after a kernel
# restart. Its controls still move but nothing redraws; this says why, on the widget itself,
# instead of ipywidgets' red broken-link icon beside every part of it.
STALE_STYLE = """<style>
.cnn-explorer .cnn-stale-note { display: none; }
.cnn-explorer.jupyter-widgets-disconnected .cnn-stale-note { display: block; }
.cnn-explorer.jupyter-widgets-disconnected::before,
.cnn-explorer .jupyter-widgets-disconnected::before { content: none; display: none; }
</style>"""


def stale_note() -> str:
    """The note's HTML, its words in the reader's language."""
    return (STALE_STYLE + '<div class="cnn-stale-note" style="color:#8a5300; line-height:1.35">'
            + tr("&#10227; This is the\npicture saved with the notebook: its kernel is gone, so "
                 "the controls redraw nothing.\n<b>Run the cell again</b> (Shift+Enter) to use "
                 "them.") + "</div>")



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
        self._stale_note = widgets.HTML(stale_note())
        self.root = widgets.VBox()
        self._controls: dict[str, widgets.ValueWidget] = {}
        self._updating = False

    @property
    def root(self) -> widgets.Box:
        """The widget shown in the notebook; the explorer's note for a stale copy comes first."""
        return self._root

    @root.setter
    def root(self, box: widgets.Box) -> None:
        box.add_class("cnn-explorer")
        if self._stale_note not in box.children:
            box.children = (self._stale_note, *box.children)
        self._root = box

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

    def update(self, **changes: object) -> object | None:
        """Set controls by name (``update(stride=2, padding=1)``), then redraw once.

        A value that a control cannot take (outside a slider's range, not one
        of a menu's choices) changes nothing: the controls go back to where
        they were, the message says what the control takes, and ``update``
        returns None -- no silent clamping to the nearest allowed value.

        Args:
            **changes: new values, by control name.

        Returns:
            The explorer's readout for the new setting (e.g. a ``KernelReadout``),
            or None when a value was refused or the setting is impossible.

        Raises:
            KeyError: no control has one of the names.
        """
        unknown = set(changes) - set(self._controls)
        if unknown:
            raise KeyError(f"no control named {', '.join(sorted(unknown))}; "
                           f"controls: {', '.join(self._controls)}")
        before, refused = self.settings, None
        was, self._updating = self._updating, True
        try:
            try:
                self._apply(changes)
            except ValueError as error:
                refused = str(error)
                self._apply(before)
        finally:
            self._updating = was
        result = self.redraw()
        if refused is not None:
            self._report(refused)
            return None
        return result

    def _start(self, **values):
        """The constructor's last step: set the starting values and draw.

        A starting value that a control cannot take is a ``ValueError`` here
        (a mistake in the notebook's code, not a slider the student moved).
        """
        was, self._updating = self._updating, True
        try:
            self._apply(values)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None
        finally:
            self._updating = was
        return self.redraw()

    def _apply(self, changes: dict) -> None:
        """Set the controls in ``changes``; explorers whose ranges depend on other
        controls override this to set those first."""
        for name, value in changes.items():
            self._set(name, value)

    def _set(self, name: str, value) -> None:
        """Set one control, or raise a ``ValueError`` that says what it takes."""
        control = self._controls[name]
        problem = refusal(control, value)
        if problem:
            raise ValueError(f"{control.description or name}: {problem}")
        control.value = value

    # -- drawing --------------------------------------------------------------------
    def redraw(self) -> object | None:
        """Redraw from the current controls; an impossible setting becomes the message."""
        start = time.perf_counter()
        try:
            result = self._update(**self.settings)
        except ValueError as error:
            self._report(str(error))
            result = None
        else:
            self._report(None)
        self.last_update_ms = (time.perf_counter() - start) * 1000
        return result

    def _report(self, error: str | None) -> None:
        """Show ``error`` as the message line (None clears it); ``self.error`` keeps it."""
        self.error = error
        self.message.value = ("" if error is None else
                              '<span style="color:#b00020">&#9888; ' + html.escape(error)
                              + "</span>")

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


def viewer_inputs(images, labels=None) -> tuple:
    """A viewer's ``images`` (N x C x H x W, or one H x W image) and ``labels`` from numpy
    or of any number type, as float images in [0, 1] and int64 labels (``core.inputs``;
    a note where it interprets). Anything else is left for the viewer's own check.

    Raises:
        ValueError: NaN pixels, whole-number pixels beyond 0-255, labels with fractions.
    """
    say = SayOnce()
    if isinstance(images, (torch.Tensor, np.ndarray)) and images.ndim in (2, 4):
        X, note = image_tensor(images[None] if images.ndim == 2 else images)
        say(note)
        X = X.float().div_(255) if X.dtype == torch.uint8 else X
        images = X[0, 0] if images.ndim == 2 else X
    if labels is not None and isinstance(labels, (torch.Tensor, np.ndarray)):
        labels, note = label_tensor(labels)
        say(note)
    return images, labels


class NetExplorer(Explorer):
    """Base class of the explorers that run a trained ``net`` on test ``images`` (chapters 3-10):
    the feature-map viewer, the network explorer and the Inception explorer."""

    def __init__(self, net: torch.nn.Module, images: torch.Tensor,
                 labels: torch.Tensor | None = None, classes: list[str] | None = None,
                 resize: int | None = None) -> None:
        """Keep the net and the images (checked), and make the controls' skeleton.

        Args:
            net: the trained model.
            images: a batch of test images, N x C x H x W.
            labels: their true labels (N), shown beside the prediction; None, not shown.
            (Both may be numpy arrays of any number type: ``viewer_inputs``.)
            classes: the class names, by label; None, the labels as numbers.
            resize: the side the images are resized to before the net sees them; None, none.

        Raises:
            ValueError: ``images`` is not a non-empty N x C x H x W tensor.
        """
        super().__init__()
        images, labels = viewer_inputs(images, labels)
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise ValueError(f"images must be a non-empty (N, C, H, W) tensor, got {shape}; "
                             "for one grey image use images[None, None]")
        self.net, self.images, self.labels, self.classes = net, images, labels, classes
        self.resize = resize

    def prediction_text(self, logits: torch.Tensor, image: int) -> str:
        """"predicted: <class>" for ``logits``, and ", true label: <class>" when labels are known."""
        predicted = self._name(int(logits.argmax()))
        if self.labels is None:
            return tr(f"predicted: {predicted}")
        return tr(f"predicted: {predicted}, true label: {self._name(int(self.labels[image]))}")

    def _name(self, label: int) -> str:
        return self.classes[label] if self.classes else str(label)


def refusal(control: widgets.ValueWidget, value: object) -> str | None:
    """Why ``control`` cannot take ``value`` (None when it can).

    ipywidgets itself would clamp a slider's value into its range and cut a
    float to an int without a word; here both are refused.
    """
    if hasattr(control, "options"):  # Dropdown, ToggleButtons: (label, value) pairs or values
        pairs = [item if isinstance(item, tuple) else (str(item), item) for item in control.options]
        if not any(value == choice for _, choice in pairs):
            labels = ", ".join(repr(choice) for _, choice in pairs)
            return tr(f"{value!r} is not one of the choices ({labels})")
        return None
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        whole = isinstance(control, widgets.IntSlider)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
                whole and not float(value).is_integer()):
            return (tr(f"{value!r} is not a whole number") if whole else
                    tr(f"{value!r} is not a number"))
        if not control.min <= value <= control.max:
            return tr(f"{value} is outside the range {control.min} to {control.max}")
        return None
    if isinstance(control, (widgets.Text, widgets.Textarea)) and not isinstance(value, str):
        return tr(f"{value!r} is not text")
    return None


def show(widget: widgets.Widget, visible: bool) -> None:
    """Show or hide ``widget`` (and touch its layout only when that changes)."""
    display = None if visible else "none"
    if widget.layout.display != display:
        widget.layout.display = display


def picture(rgb: np.ndarray | None = None, width: int | None = None) -> widgets.Image:
    """An ``ipywidgets.Image`` holding ``rgb`` as PNG (crisp pixels when enlarged).

    An empty picture (``value = b""``, what an impossible setting leaves) is hidden:
    a browser would draw its broken-image icon beside the message.
    """
    image = widgets.Image(format="png", layout=widgets.Layout(object_fit="contain"))
    image.add_class("cnn-picture")
    if width:
        image.layout.width = f"{width}px"
    image.observe(lambda change: show(image, bool(change["new"])), names="value")
    show(image, False)
    if rgb is not None:
        image.value = render.png_bytes(rgb)
    return image


def shown_at_own_size(image: widgets.Image, rgb: np.ndarray) -> None:
    """Put ``rgb`` into ``image`` at its own pixel size: the browser neither stretches nor
    shrinks it, so two pictures drawn at one zoom keep their true relative sizes."""
    image.layout.width = f"{rgb.shape[1]}px"
    image.layout.height = f"{rgb.shape[0]}px"
    image.value = render.png_bytes(rgb)


def compact(text_html: str) -> str:
    """HTML text with normal line spacing: a widget's HTML gets JupyterLab's 28-px line
    height, which makes a three-line readout take a fifth of a projector's height."""
    return f"<div style='line-height:1.35'>{text_html}</div>"


def titled(title: str, child: widgets.Widget) -> widgets.VBox:
    """A small heading above a picture or table."""
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(title)}</b>"), child])


@contextmanager
def single_thread() -> Iterator[None]:
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
