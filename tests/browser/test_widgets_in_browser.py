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


@dataclass(frozen=True)
class WidgetCase:
    """One widget to drive: where it is, which slider to move, what must then show.

    ``cell`` is text from the code cell that displays the widget (its output holds the
    widget). ``slider`` is the description of the slider to move. ``first`` is readout
    text shown before any move; ``keyboard`` and ``mouse`` are (slider value, readout
    text that must then show), reached with arrow keys and by dragging the handle;
    ``impossible`` is (slider value, text of the message line). Every move must change
    the widget's HTML text and at least one ``cnn-picture``. ``screenshot`` names the
    PNG in ``images/`` written with ``--update-screenshots``.
    """

    notebook: str
    cell: str
    slider: str
    first: str
    keyboard: tuple[float, str]
    mouse: tuple[float, str]
    impossible: tuple[float, str] | None
    screenshot: str

    @property
    def id(self) -> str:
        return self.screenshot.removesuffix(".png")


WIDGETS = [
    WidgetCase(
        notebook="00_setup.ipynb", cell="WidgetCheck()", slider="kernel size",
        first="6x8 input, 2x2 kernel -> output 5x7",
        keyboard=(3, "6x8 input, 3x3 kernel -> output 4x6"),
        mouse=(5, "6x8 input, 5x5 kernel -> output 2x4"),
        impossible=(7, "larger than the padded input"),
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
]
CASES = [case for case in WIDGETS if (NOTEBOOKS / case.notebook).exists()]


@pytest.fixture(scope="module")
def ran_notebooks(lab, request):
    """The notebooks of the selected cases, opened and run together (their kernels overlap)."""
    selected = {item.callspec.params["case"].notebook for item in request.session.items
                if hasattr(item, "callspec") and "case" in item.callspec.params}
    return lab.run(sorted(selected))


# -- driving one widget ---------------------------------------------------------------
class WidgetDriver:
    """The rendered widget of one ``WidgetCase``: its text, pictures and one slider."""

    def __init__(self, page, case: WidgetCase):
        self.page, self.case = page, case
        cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=case.cell))
        self.output = cell.first.locator(".jp-OutputArea-output").first
        slider = self.output.locator(".widget-slider", has=page.locator(
            ".widget-label", has_text=re.compile(rf"^\s*{re.escape(case.slider)}\s*$")))
        self.handle = slider.first.locator(".noUi-handle").first
        self.track = slider.first.locator(".noUi-target").first
        self.pictures = self.output.locator("img.cnn-picture")

    def wait_until_rendered(self):
        """The slider is on the page; a widget error or plain-text fallback fails at once."""
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while self.handle.count() == 0:
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

    def value(self) -> float:
        return float(self.handle.get_attribute("aria-valuenow"))

    def press_to(self, target: float):
        """Focus the handle by clicking it (which leaves the value), then step with arrows."""
        self.handle.click()
        for _ in range(200):
            if self.value() == target:
                return
            self.handle.press("ArrowRight" if self.value() < target else "ArrowLeft")
        raise AssertionError(f"arrow keys did not bring {self.case.slider!r} to {target}")

    def drag_to(self, target: float):
        """Drag the handle with the mouse to where ``target`` sits on the track."""
        low = float(self.handle.get_attribute("aria-valuemin"))
        high = float(self.handle.get_attribute("aria-valuemax"))
        handle = self.settle(self.handle)
        track = self.track.bounding_box()
        x = track["x"] + track["width"] * (target - low) / (high - low)
        mouse = self.page.mouse
        mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        mouse.down()
        mouse.move(x, handle["y"] + handle["height"] / 2, steps=8)
        mouse.up()
        assert self.value() == target, f"dragging {self.case.slider!r} gave {self.value()}"

    def wait_for_text(self, text: str):
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while text not in self.html_text():
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


def _move(driver: WidgetDriver, how: str, target: float, shows: str):
    text_before, pictures_before = driver.html_text(), driver.shown_pictures()
    (driver.press_to if how == "keyboard" else driver.drag_to)(target)
    driver.wait_for_text(shows)
    assert driver.html_text() != text_before
    driver.wait_for_new_picture(pictures_before)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_widget_renders_and_its_slider_redraws_it(case, ran_notebooks, update_screenshots):
    notebook = ran_notebooks[case.notebook]
    page = notebook.page
    page.bring_to_front()  # a page behind another is throttled
    driver = WidgetDriver(page, case)

    driver.wait_until_rendered()
    driver.wait_for_text(case.first)
    assert driver.shown_pictures(), f"{case.id}: no cnn-picture shown"
    if update_screenshots:
        driver.screenshot(IMAGES / case.screenshot)

    _move(driver, "keyboard", *case.keyboard)
    _move(driver, "mouse", *case.mouse)
    if case.impossible:
        value, message = case.impossible
        driver.drag_to(value)
        driver.wait_for_text(message)

    outputs = "\n".join(page.locator(".jp-OutputArea").all_text_contents())
    for error in WIDGET_ERRORS:
        assert error not in outputs, f"{case.notebook} shows {error!r}"
    widget_errors = [text for text in notebook.console_errors
                     if WIDGET_CONSOLE_ERROR.search(text) or text.startswith("page error")]
    assert not widget_errors, f"browser console: {widget_errors}"
