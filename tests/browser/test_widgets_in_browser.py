"""What a student sees: each notebook's widgets rendered and driven in JupyterLab.

nbval runs the notebooks' Python; these tests open each notebook in a real
JupyterLab (headless Chromium), run all cells through the UI and then, for
every widget in ``WIDGETS``: it renders, moving a slider with the keyboard
and with the mouse changes the readout text and the picture, an impossible
setting shows its message, and neither the page nor the browser console
reports a widget error.

Adding a widget is one row in ``WIDGETS`` (see ``WidgetCase``).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

IMAGES = Path(__file__).resolve().parents[2] / "images"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
UPDATE_TIMEOUT_MS = 10_000
WIDGET_ERRORS = ("Error displaying widget", "model not found")
# Console errors that mean a widget is broken (others, e.g. a missing favicon, are not ours).
WIDGET_CONSOLE_ERROR = re.compile(r"widget|jupyter-widgets|ipywidgets|model not found|"
                                  r"Could not create a view|Error: Class", re.IGNORECASE)


Text = str | re.Pattern  # a substring, or a pattern searched for


@dataclass(frozen=True)
class WidgetCase:
    """One widget to drive: where it is, which slider to move, what must then show.

    * ``cell``: text from the code cell that displays the widget (its output holds it).
    * ``slider``: the description of the slider to move.
    * ``first``: readout text shown after "Run All Cells", before any move (the state
      the notebook's last ``update`` left).
    * ``keyboard``, ``mouse``: (slider value, readout text that must then show), reached
      with arrow keys and by dragging the handle. Each move must show a new picture
      (``cnn-picture``) and, unless ``readout_changes`` is False, new HTML text.
    * ``impossible``: (slider, value, text of the message line), or None.
    * ``screenshot``: the PNG in ``images/`` that ``--update-screenshots`` writes.

    Texts are substrings of the widget's HTML text, or ``re.compile(...)`` patterns.
    """

    notebook: str
    cell: str
    slider: str
    first: Text
    keyboard: tuple[float, Text]
    mouse: tuple[float, Text]
    impossible: tuple[str, float, Text] | None
    screenshot: str
    readout_changes: bool = True

    @property
    def id(self) -> str:
        return self.screenshot.removesuffix(".png")


WIDGETS = [
    WidgetCase(
        notebook="00_setup.ipynb", cell="WidgetCheck()", slider="kernel size",
        first="6x8 input, 2x2 kernel -> output 5x7",
        keyboard=(3, "6x8 input, 3x3 kernel -> output 4x6"),
        mouse=(5, "6x8 input, 5x5 kernel -> output 2x4"),
        impossible=("kernel size", 7, "larger than the padded input"),
        screenshot="widget_setup_check.png",
    ),
    WidgetCase(
        notebook="01_convolution.ipynb", cell="KernelExplorer()", slider="stride",
        first="output shape: 6 x 7",
        keyboard=(2, "output shape: 3 x 4"),
        mouse=(3, "output shape: 2 x 3"),
        impossible=None,
        screenshot="widget_kernel_explorer.png",
    ),
    WidgetCase(
        notebook="01_convolution.ipynb", cell="ReceptiveFieldExplorer()", slider="layer",
        first="conv1 element (0, 0) sees 4 input pixels",
        keyboard=(1, "conv2 element (0, 0) sees 9 input pixels"),
        mouse=(0, "conv1 element (0, 0) sees 4 input pixels"),
        impossible=None,
        screenshot="widget_receptive_field_explorer.png",
    ),
    WidgetCase(
        notebook="02_pooling.ipynb", cell="PoolingExplorer()", slider="stride",
        first="window 2, stride 2, padding 0 per side: output 1x128x128",
        keyboard=(3, "window 2, stride 3, padding 0 per side: output 1x85x85"),
        mouse=(1, "window 2, stride 1, padding 0 per side: output 1x255x255"),
        impossible=("padding", 2, "more than half the window"),
        screenshot="widget_pooling_explorer.png",
    ),
    WidgetCase(
        # Labels and predictions depend on the data set (Fashion-MNIST or the fallback
        # digits) and on training, so only the layer's shape is pinned; two test images
        # may share label and prediction, so the caption need not change.
        notebook="03_lenet.ipynb", cell="FeatureMapViewer(", slider="test image",
        first=re.compile(r"layer 0 \(Conv2d\): 6 channels of 28x28; predicted: .+, true label: "),
        keyboard=(4, re.compile(r"layer 0 \(Conv2d\): 6 channels of 28x28; predicted: ")),
        mouse=(20, re.compile(r"layer 0 \(Conv2d\): 6 channels of 28x28; predicted: ")),
        impossible=None,
        screenshot="widget_feature_map_viewer.png",
        readout_changes=False,
    ),
    WidgetCase(
        # the layer's name, shape and receptive field do not depend on training; the caption
        # goes on with the prediction, which does
        notebook="03_lenet.ipynb", cell="NetworkExplorer(", slider="layer",
        first="layer 0 (conv 5×5, pad 2, 6 ch) -> 6×28×28; receptive field 5×5",
        keyboard=(2, "layer 2 (max pool 2×2, stride 2) -> 6×14×14; receptive field 6×6"),
        mouse=(3, "layer 3 (conv 5×5, 16 ch) -> 16×10×10; receptive field 14×14"),
        impossible=None,
        screenshot="widget_network_explorer.png",
    ),
    WidgetCase(
        # smoke profile: an eighth-width GoogLeNet at 32x32, whose block 3a gets 24x4x4 and
        # whose widest path (5b's) has 48 channels; 3a's widest has 16
        notebook="07_googlenet.ipynb", cell="InceptionExplorer(", slider="channels from",
        first="block 3a (module 3): 24x4x4 in -> 8 + 16 + 4 + 4 = 32 channels of 4x4; "
              "channels 0-7 of each path shown",
        keyboard=(1, "channels 1-8 of each path shown"),
        mouse=(8, "channels 8-15 of each path shown"),
        impossible=("channels from", 20, "widest path has 16 channels"),
        screenshot="widget_inception_explorer.png",
    ),
]
CASES = [case for case in WIDGETS if (NOTEBOOKS / case.notebook).exists()]


# -- driving one widget ---------------------------------------------------------------
class WidgetDriver:
    """The rendered widget of one ``WidgetCase``: its text, pictures and one slider."""

    def __init__(self, notebook, case: WidgetCase):
        self.page, self.case = notebook.page, case
        cell = notebook.panel.locator(".jp-CodeCell", has=self.page.locator(
            ".cm-content", has_text=case.cell))
        self.cell = cell.first
        self.output = cell.first.locator(".jp-OutputArea-output").first
        self.pictures = self.output.locator("img.cnn-picture")
        self.moved = self.slider(case.slider)

    def slider(self, description: str) -> Slider:
        """The widget's slider labelled ``description`` (exactly: "layer" is not "layers")."""
        slider = self.output.locator(".widget-slider", has=self.page.locator(
            ".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$")))
        return Slider(self, description, slider.first)

    def wait_until_rendered(self):
        """The slider is on the page; a widget error or plain-text fallback fails at once."""
        if self.cell.count() == 0:
            raise AssertionError(f"{self.case.notebook} has no code cell containing "
                                 f"{self.case.cell!r}: update its row in WIDGETS")
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while self.moved.handle.count() == 0:
            shown = self.output.inner_text() if self.output.count() else "(no output)"
            if any(error in shown for error in WIDGET_ERRORS) or time.monotonic() > deadline:
                raise AssertionError(f"{self.case.id}: no slider {self.case.slider!r}; "
                                     f"the cell shows {shown!r}")
            time.sleep(0.1)

    def settle(self, locator):
        """Scroll ``locator`` into view and wait until it stops moving.

        (JupyterLab lays out off-screen cells only once they come into view, which moves
        what is below them: a box measured too early would miss the widget.)
        """
        locator.scroll_into_view_if_needed()
        box, deadline = None, time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.1)
            new_box = locator.bounding_box()
            if new_box == box:
                return box
            box = new_box
        return box

    def screenshot(self, path: Path):
        """Save the whole widget (a tall window for the moment, so none of it is cut off)."""
        viewport = self.page.viewport_size
        self.page.set_viewport_size({"width": viewport["width"], "height": 2400})
        try:
            self.settle(self.output)
            self.output.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(viewport)

    def html_text(self) -> str:
        """The text of the widget's HTML parts (readouts, shapes, message), not the sliders'."""
        return "\n".join(self.output.locator(".widget-html-content").all_text_contents())

    def shown_pictures(self) -> list[str]:
        """The pictures on show, each by its source: a new PNG from the kernel gets a new URL.

        (ipywidgets makes an object URL for every new value of an ``Image``, and traitlets
        sends a value only when its bytes differ, so a new URL means a different picture.)
        """
        return self.pictures.evaluate_all(
            "pictures => pictures.filter(p => p.complete && p.naturalWidth > 0"
            " && p.getBoundingClientRect().height > 0).map(p => p.src)")

    def shows(self, text: Text) -> bool:
        shown = self.html_text()
        return bool(text.search(shown)) if isinstance(text, re.Pattern) else text in shown

    def wait_for_text(self, text: Text):
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while not self.shows(text):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.case.id}: expected {text!r} in the widget; "
                                     f"it shows {self.html_text()!r}")
            time.sleep(0.05)

    def wait_for_new_picture(self, before: list[str]):
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while not set(self.shown_pictures()) - set(before):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.case.id}: no picture changed")
            time.sleep(0.1)


class Slider:
    """One ``IntSlider``/``FloatSlider`` (noUiSlider) of a rendered widget."""

    def __init__(self, widget: WidgetDriver, description: str, slider):
        self.widget, self.description = widget, description
        self.handle = slider.locator(".noUi-handle").first
        self.track = slider.locator(".noUi-target").first

    def value(self) -> float:
        return float(self.handle.get_attribute("aria-valuenow"))

    def press_to(self, target: float):
        """Focus the handle by clicking it (which leaves the value), then step with arrows."""
        self.handle.click()
        for _ in range(200):
            if self.value() == target:
                return
            self.handle.press("ArrowRight" if self.value() < target else "ArrowLeft")
        raise AssertionError(f"arrow keys did not bring {self.description!r} to {target}")

    def drag_to(self, target: float):
        """Drag the handle with the mouse to where ``target`` sits on the track."""
        low = float(self.handle.get_attribute("aria-valuemin"))
        high = float(self.handle.get_attribute("aria-valuemax"))
        handle = self.widget.settle(self.handle)
        track = self.track.bounding_box()
        x = track["x"] + track["width"] * (target - low) / (high - low)
        mouse = self.widget.page.mouse
        mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        mouse.down()
        mouse.move(x, handle["y"] + handle["height"] / 2, steps=8)
        mouse.up()
        assert self.value() == target, f"dragging {self.description!r} gave {self.value()}"


def _move(driver: WidgetDriver, how: str, target: float, shows: Text):
    text_before, pictures_before = driver.html_text(), driver.shown_pictures()
    slider = driver.moved
    (slider.press_to if how == "keyboard" else slider.drag_to)(target)
    driver.wait_for_text(shows)
    driver.wait_for_new_picture(pictures_before)
    if driver.case.readout_changes:
        assert driver.html_text() != text_before, f"{driver.case.id}: the readout did not change"


# -- the projector: 1280x720 with the file browser open ---------------------------------
PROJECTOR = {"width": 1280, "height": 720}
PROJECTOR_SHOTS_VARIABLE = "CNN_PROJECTOR_SCREENSHOTS"  # a folder: save what the class sees

# The widget's extent: every visible element inside its output, and whether any is cut off.
_EXTENT_JS = """output => {
    const box = output.getBoundingClientRect();
    let right = box.left, bottom = box.top;
    for (const element of output.querySelectorAll('*')) {
        const b = element.getBoundingClientRect();
        if (b.width > 0 && b.height > 0) {
            right = Math.max(right, b.right);
            bottom = Math.max(bottom, b.bottom);
        }
    }
    const clipped = [...output.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
        && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)
        && !e.matches('select, option, textarea, input')).map(e => e.className).slice(0, 3);
    return {top: box.top, left: box.left, right: right, bottom: bottom, clipped: clipped};
}"""


def _open_file_browser(page):
    """The left sidebar's file browser, open (as a teacher has it)."""
    browser_panel = page.locator("#filebrowser")
    if not browser_panel.is_visible():
        page.locator('.jp-SideBar.jp-mod-left li[data-id="filebrowser"]').click()
    browser_panel.wait_for(state="visible")
    return browser_panel.bounding_box()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_widget_fits_a_projector_window_beside_the_file_browser(case, ran_notebooks):
    """At 1280x720 with the file browser open, the whole widget shows without scrolling:
    nothing wider than the notebook, nothing taller than its visible part."""
    notebook = ran_notebooks[case.notebook]
    page = notebook.page
    page.bring_to_front()
    viewport = page.viewport_size
    page.set_viewport_size(PROJECTOR)
    try:
        sidebar = _open_file_browser(page)
        driver = WidgetDriver(notebook, case)
        driver.wait_until_rendered()
        driver.wait_for_text(case.first)
        driver.output.evaluate("output => output.scrollIntoView({block: 'start'})")
        driver.settle(driver.output)
        driver.output.evaluate("output => output.scrollIntoView({block: 'start'})")
        time.sleep(0.3)
        extent = driver.output.evaluate(_EXTENT_JS)
        visible = notebook.panel.locator(".jp-WindowedPanel-outer").first.bounding_box()
        folder = os.environ.get(PROJECTOR_SHOTS_VARIABLE)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / case.screenshot))
    finally:
        page.set_viewport_size(viewport)
    width = extent["right"] - extent["left"]
    height = extent["bottom"] - extent["top"]
    room_width = visible["x"] + visible["width"] - extent["left"]
    assert sidebar["width"] > 150, "the file browser is not open"
    assert extent["right"] <= visible["x"] + visible["width"], (
        f"{case.id}: {width:.0f} px wide, the notebook has {room_width:.0f} px beside the "
        "file browser at 1280x720")
    assert height <= visible["height"], (
        f"{case.id}: {height:.0f} px tall, the notebook shows {visible['height']:.0f} px at "
        "1280x720: part of the widget is below the fold")
    assert not extent["clipped"], f"{case.id}: cut off inside {extent['clipped']}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_widget_renders_and_its_slider_redraws_it(case, ran_notebooks, update_screenshots):
    notebook = ran_notebooks[case.notebook]
    page = notebook.page
    page.bring_to_front()  # (driving a page behind another was several times slower here)
    driver = WidgetDriver(notebook, case)

    driver.wait_until_rendered()
    driver.wait_for_text(case.first)
    assert driver.shown_pictures(), f"{case.id}: no cnn-picture shown"
    if update_screenshots:
        driver.screenshot(IMAGES / case.screenshot)

    _move(driver, "keyboard", *case.keyboard)
    _move(driver, "mouse", *case.mouse)
    if case.impossible:
        description, value, message = case.impossible
        driver.slider(description).drag_to(value)
        driver.wait_for_text(message)

    outputs = "\n".join(notebook.panel.locator(".jp-OutputArea").all_text_contents())
    for error in WIDGET_ERRORS:
        assert error not in outputs, f"{case.notebook} shows {error!r}"
    widget_errors = [text for text in notebook.console_errors
                     if WIDGET_CONSOLE_ERROR.search(text) or text.startswith("page error")]
    assert not widget_errors, f"browser console: {widget_errors}"
