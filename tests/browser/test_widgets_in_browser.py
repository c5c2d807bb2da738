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
RUN_ALL_TIMEOUT_S = 90
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
]
CASES = [case for case in WIDGETS if (NOTEBOOKS / case.notebook).exists()]


# -- a notebook opened and run once per session ---------------------------------------
class OpenNotebook:
    """A browser page showing one notebook after "Run All Cells", and its console errors."""

    def __init__(self, page, notebook: str):
        self.page, self.notebook = page, notebook
        self.console_errors: list[str] = []
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))

    def open_and_run_all(self, url: str):
        page = self.page
        page.goto(url)
        # The kernel indicator says idle before a kernel exists; this text needs the kernel.
        page.locator("#jp-main-statusbar").get_by_text("Python 3 (ipykernel) | Idle").wait_for(
            timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        self._wait_until_every_cell_ran()

    def _prompts(self) -> list[str]:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell "
                                 ".jp-InputArea-prompt").all_inner_texts()

    def _wait_until_every_cell_ran(self):
        """Every code cell numbered; a run stopped by an error fails with its traceback."""
        deadline, stopped_since = time.monotonic() + RUN_ALL_TIMEOUT_S, None
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
        errors = self.page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        ).all_inner_texts()
        pytest.fail(f"{self.notebook}: not every cell ran (prompts {self._prompts()}); "
                    f"stderr outputs:\n" + "\n".join(errors)[-3000:], pytrace=False)


@pytest.fixture(scope="session")
def open_notebook(browser, lab_server):
    """``open_notebook(name)``: the page of that notebook, opened and run once per session."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened: dict[str, OpenNotebook] = {}

    def get(notebook: str) -> OpenNotebook:
        if notebook not in opened:
            opened[notebook] = OpenNotebook(context.new_page(), notebook)
            opened[notebook].open_and_run_all(lab_server.notebook_url(notebook))
        return opened[notebook]

    yield get
    context.close()


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

    def html_text(self) -> str:
        """The text of the widget's HTML parts (readouts, shapes, message), not the sliders'."""
        return "\n".join(self.output.locator(".widget-html-content").all_inner_texts())

    def picture_pixels(self) -> list[bytes]:
        return [picture.screenshot() for picture in self.pictures.all()
                if picture.bounding_box() and picture.bounding_box()["height"] > 0]

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
        track, handle = self.track.bounding_box(), self.handle.bounding_box()
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

    def wait_for_new_picture(self, before: list[bytes]):
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while self.picture_pixels() == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.case.id}: no picture changed")
            time.sleep(0.1)


def _move(driver: WidgetDriver, how: str, target: float, shows: str):
    text_before, pictures_before = driver.html_text(), driver.picture_pixels()
    (driver.press_to if how == "keyboard" else driver.drag_to)(target)
    driver.wait_for_text(shows)
    assert driver.html_text() != text_before
    driver.wait_for_new_picture(pictures_before)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_widget_renders_and_its_slider_redraws_it(case, open_notebook, update_screenshots):
    notebook = open_notebook(case.notebook)
    page = notebook.page
    driver = WidgetDriver(page, case)

    driver.handle.wait_for(timeout=UPDATE_TIMEOUT_MS)
    driver.wait_for_text(case.first)
    assert driver.picture_pixels(), f"{case.id}: no cnn-picture shown"
    if update_screenshots:
        driver.output.screenshot(path=str(IMAGES / case.screenshot))

    _move(driver, "keyboard", *case.keyboard)
    _move(driver, "mouse", *case.mouse)
    if case.impossible:
        value, message = case.impossible
        driver.drag_to(value)
        driver.wait_for_text(message)

    outputs = "\n".join(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                                     ".jp-OutputArea").all_inner_texts())
    for error in WIDGET_ERRORS:
        assert error not in outputs, f"{case.notebook} shows {error!r}"
    widget_errors = [text for text in notebook.console_errors if WIDGET_CONSOLE_ERROR.search(text)]
    assert not widget_errors, f"browser console: {widget_errors}"
