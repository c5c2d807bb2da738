"""The Chinese edition in JupyterLab (中文版): a student opens notebooks/zh/ and reads Chinese.

The working copy is prepared with both editions (``classroom.prepare(..., edition="both")``,
as ``make lab EDITION=both``). A Chinese chapter, run with "Run All Cells", shows its markdown in
Chinese, prints its claim lines in Chinese (the kernel, started in the ``zh`` folder, speaks
Chinese: ``core.language``), shows the Chinese figures, and its widgets' labels in Chinese.
``--update-screenshots`` saves each chapter at 1280x720 as ``images/zh_chapter_NN.png``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")
CHAPTERS = {  # notebook -> (screenshot number, what it shows: a widget, a Chinese figure)
    "zh/01_convolution.ipynb": ("01", ".cnn-explorer"),
    "zh/03_lenet.ipynb": ("03", 'img[src*="images/zh/arch_lenet"]'),
}


@pytest.fixture(scope="module")
def ran_chinese(lab):
    ran = lab.run(list(CHAPTERS))
    yield ran
    # Then their pages closed and their kernels shut down: idle kernels and pages left open
    # slowed the other browser tests' notebooks on 2 cores until a timing claim failed there.
    for notebook in CHAPTERS:
        lab.ran.pop(notebook).page.close()
    _shut_down_sessions(lab.server, "notebooks/zh/")


def _shut_down_sessions(server, folder: str) -> None:
    """Delete the server's sessions (and so kernels) of the notebooks in ``folder``."""
    def call(path: str, method: str = "GET"):
        request = urllib.request.Request(server.url + path, method=method,
                                         headers={"Authorization": f"token {server.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    for session in call("api/sessions"):
        if session.get("path", "").startswith(folder):
            call(f"api/sessions/{session['id']}", method="DELETE")


@pytest.mark.parametrize("notebook", list(CHAPTERS))
def test_a_chinese_chapter_reads_and_prints_chinese(ran_chinese, notebook, update_screenshots):
    ran = ran_chinese[notebook]
    page, panel = ran.page, ran.panel
    # text_content, not inner_text: JupyterLab renders off-screen cells without layout
    # (content-visibility), and their innerText is empty
    heading = panel.locator(".jp-MarkdownOutput h1").first.text_content()
    assert CJK.search(heading), heading
    claims = [text for text in panel.locator(".jp-OutputArea-output").all_text_contents()
              if "\u2713" in text]
    assert claims, f"{notebook}: no claim line printed"
    chinese = [line for text in claims for line in text.splitlines()
               if line.startswith("\u2713") and CJK.search(line)]
    assert chinese, f"{notebook}: the claim lines are not in Chinese: {claims[:3]}"
    pictures = panel.locator(".jp-MarkdownOutput img")
    for index in range(pictures.count()):  # the figures load (the zh ones where drawn)
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        assert picture.evaluate("image => image.complete && image.naturalWidth > 0"), \
            picture.get_attribute("src")
    labels = panel.locator(".widget-label").all_text_contents()
    if labels:  # a chapter with a widget: its labels speak Chinese too
        assert any(CJK.search(label) for label in labels), labels
    assert not [error for error in ran.console_errors if "widget" in error.lower()]
    if update_screenshots:
        page.set_viewport_size({"width": 1280, "height": 720})
        number, selector = CHAPTERS[notebook]
        shown = panel.locator(selector).first
        shown.scroll_into_view_if_needed()
        shown.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)  # the scroll's rendering
        page.screenshot(path=str(ROOT / "images" / f"zh_chapter_{number}.png"))
