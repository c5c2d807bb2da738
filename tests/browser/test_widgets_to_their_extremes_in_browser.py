"""Every widget at the ends of its controls still fits the projector (1280x720, file browser open).

``test_widgets_in_browser.py`` checks each widget's first state; here each one is driven
through the controls a student reaches for -- every option of every menu, each slider at its
ends, the largest input, custom kernels and stacks -- by its own controls in the browser (menus
chosen, sliders sent Home/End, text typed), and after each state its extent is measured: no
wider than the notebook beside the file browser, no taller than the notebook's visible part,
nothing scrolled inside it. All states are tried; the test lists every one that does not fit.

(This module runs after ``test_widgets_in_browser.py``, whose tests start from each widget's
first state.) A widget's logic at these settings is tested without a browser in ``tests/widgets/``.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from test_widgets_in_browser import (
    _EXTENT_JS,
    CASES,
    PROJECTOR,
    PROJECTOR_SHOTS_VARIABLE,
    WIDGET_ERRORS,
    WidgetDriver,
    _open_file_browser,
)

EVERY = "every option"  # a menu's value: try each of its options in turn
# A 9x9 kernel and a long stack: the largest a student is likely to type.
KERNEL_9X9 = "\n".join(" ".join(str((r * 9 + c) % 5 - 2) for c in range(9)) for r in range(9))
LONG_STACK = "; ".join(["k=3,s=1,p=1"] * 6 + ["pool k=2,s=2", "k=5,d=2,p=4", "pool k=3,s=2,p=1"]
                       + ["k=3,p=1"] * 4)

# Per widget (its case id): the steps, in order; each step sets some controls and is then
# measured. A control is named by its label; its value is EVERY (a menu), "min"/"max" (a
# slider), a menu option's text, a button's text, or text to type.
EXTREMES = {
    "widget_setup_check": [{"kernel size": "max"}, {"kernel size": "min"}],
    "widget_kernel_explorer": [
        {"kernel": EVERY},
        {"input": EVERY},
        {"kernel": "box blur"}, {"kernel size": "max"}, {"padding": "max"},
        {"output row": "max", "output col": "max"}, {"stride": "max"},
        {"input": "edge image 6x8 (notes)"},
        {"kernel": "custom (type it)", "your kernel": "1 0 -1\n2 0 -2\n1 0 -1"},
        {"input": "photo: camera"}, {"your kernel": KERNEL_9X9}, {"padding": "min"},
        {"stride": "min"}, {"output row": "max", "output col": "max"},
    ],
    "widget_receptive_field_explorer": [
        {"stack": EVERY},
        {"layer": "max"}, {"output row": "max", "output col": "max"},
        {"stack": "custom (type it)"}, {"input size": "max"}, {"input shows": "photo"},
        {"layer": "max"}, {"input size": "min"}, {"layers": LONG_STACK}, {"input size": "max"},
        {"layer": "max"}, {"output row": "max", "output col": "max"}, {"input shows": "grid"},
    ],
    "widget_pooling_explorer": [
        {"input": EVERY}, {"average": "click"}, {"window": "max"}, {"stride": "max"},
        {"padding": "max"}, {"shift →": "max"}, {"window": "min"}, {"stride": "min"},
        {"padding": "min"}, {"max": "click"},
    ],
    "widget_feature_map_viewer": [
        {"layer": EVERY}, {"test image": "max"}, {"maps": "max"},
    ],
    "widget_network_explorer": [
        {"layer": "every value"}, {"channel": "max"}, {"test image": "max"}, {"layer": "min"},
        {"channel": "max"},
    ],
    "widget_inception_explorer": [
        {"block": EVERY}, {"channels from": "max"}, {"test image": "max"},
    ],
}
SETTLE_S = 0.15


def _control(driver: WidgetDriver, label: str):
    """The control labelled ``label`` (a ToggleButtons button: the button with that text)."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    kinds = ".widget-dropdown, .widget-slider, .widget-textarea, .widget-text"
    control = driver.output.locator(kinds).filter(
        has=driver.page.locator(".widget-label", has_text=exact))
    if control.count():
        return control.first
    button = driver.output.locator(".widget-toggle-button", has_text=exact)
    assert button.count(), f"{driver.case.id}: no control labelled {label!r}"
    return button.first


def _slider_to(driver: WidgetDriver, control, end: str):
    """Drag the handle past the end of its track (the mouse, as a student does)."""
    handle = control.locator(".noUi-handle").first
    box, track = driver.settle(handle), control.locator(".noUi-target").first.bounding_box()
    x = track["x"] + track["width"] + 30 if end == "max" else track["x"] - 30
    y = box["y"] + box["height"] / 2
    mouse = driver.page.mouse
    mouse.move(box["x"] + box["width"] / 2, y)
    mouse.down()
    mouse.move(x, y, steps=6)
    mouse.up()
    wanted = handle.get_attribute("aria-valuemax" if end == "max" else "aria-valuemin")
    assert handle.get_attribute("aria-valuenow") == wanted, f"dragging did not reach {end}"


def _set(driver: WidgetDriver, label: str, value: str):
    control = _control(driver, label)
    if not control.is_visible():  # hidden at this setting (one page of maps, no channels)
        return
    classes = control.get_attribute("class") or ""
    if "widget-toggle-button" in classes:
        control.click()
    elif "widget-dropdown" in classes:
        control.locator("select").select_option(label=value)
    elif "widget-slider" in classes:
        _slider_to(driver, control, value)
    else:  # typed text: committed when the field loses focus
        field = control.locator("textarea, input").first
        field.fill(value)
        field.press("Tab")


def _expand(driver: WidgetDriver, steps: list[dict]) -> list[tuple[str, dict]]:
    """The steps with every EVERY and "every value" unrolled, each named for the report."""
    expanded = []
    for step in steps:
        label, value = next(iter(step.items()))
        if value == EVERY:
            options = _control(driver, label).locator("option").all_text_contents()
            expanded += [(f"{label} = {option}", {label: option}) for option in options]
        elif value == "every value":
            handle = _control(driver, label).locator(".noUi-handle").first
            low, high = (int(float(handle.get_attribute(f"aria-value{end}")))
                         for end in ("min", "max"))
            expanded += [(f"{label} = {low}", {label: "min"})]
            expanded += [(f"{label} = {value}", {label: "+1"}) for value in range(low + 1, high + 1)]
        else:
            expanded.append((", ".join(f"{k} = {v if len(v) < 30 else v[:27] + '...'}"
                                       for k, v in step.items()), step))
    return expanded


def _apply(driver: WidgetDriver, step: dict):
    for label, value in step.items():
        if value == "+1":
            handle = _control(driver, label).locator(".noUi-handle").first
            driver.settle(handle)
            handle.click()
            handle.press("ArrowRight")
        else:
            _set(driver, label, value)


def _settle(notebook, driver: WidgetDriver) -> dict:
    """Wait until the kernel is idle and the widget stops changing; its extent then."""
    idle = notebook.page.locator("#jp-main-statusbar").get_by_text("Python 3 (ipykernel) | Idle")
    time.sleep(SETTLE_S)
    idle.wait_for(timeout=30_000)
    driver.output.evaluate("output => output.scrollIntoView({block: 'start'})")
    extent, deadline = None, time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        new = driver.output.evaluate(_EXTENT_JS)
        if new == extent:
            break
        extent = new
    return extent


@pytest.mark.parametrize("case", [c for c in CASES if c.id in EXTREMES], ids=lambda c: c.id)
def test_widget_fits_the_projector_at_every_extreme_setting(case, ran_notebooks):
    notebook = ran_notebooks[case.notebook]
    page = notebook.page
    page.bring_to_front()
    viewport = page.viewport_size
    page.set_viewport_size(PROJECTOR)
    misfits, states = [], 0
    shots = os.environ.get(PROJECTOR_SHOTS_VARIABLE)
    try:
        _open_file_browser(page)
        driver = WidgetDriver(notebook, case)
        driver.wait_until_rendered()
        visible = notebook.panel.locator(".jp-WindowedPanel-outer").first.bounding_box()
        right_edge = visible["x"] + visible["width"]
        for name, step in _expand(driver, EXTREMES[case.id]):
            _apply(driver, step)
            extent = _settle(notebook, driver)
            states += 1
            height = extent["bottom"] - extent["top"]
            problems = []
            if extent["right"] > right_edge:
                problems.append(f"{extent['right'] - extent['left']:.0f} px wide, "
                                f"{right_edge - extent['left']:.0f} px beside the file browser")
            if height > visible["height"]:
                problems.append(f"{height:.0f} px tall in {visible['height']:.0f}")
            if extent["clipped"]:
                problems.append(f"scrolls inside {extent['clipped']}")
            if problems:
                misfits.append(f"{name}: " + "; ".join(problems))
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(shots) / f"{case.id}-{len(misfits)}.png"))
        shown = driver.output.inner_text()
    finally:
        page.set_viewport_size(viewport)
    assert not any(error in shown for error in WIDGET_ERRORS), f"{case.id} shows {shown[:300]!r}"
    assert not misfits, (f"{case.id}: {len(misfits)} of {states} states do not fit 1280x720 "
                         "beside the file browser:\n" + "\n".join(misfits))
