"""The slideshow at a projector's 1280x720: readable text, no bar over the titles (issue 25).

The page is RISE's own (``/rise/<notebook>``), what "Open as Reveal Slideshow" opens in a
browser tab and what the slides' full-screen button shows: the slides at the window's size.
The settings are the course's ``jupyter-settings/overrides.json`` (``jupyterlab-rise:plugin``).
"""

from __future__ import annotations

NOTEBOOK = "03_lenet.ipynb"
MIN_TEXT_PX = 18
TIMEOUT_MS = 120_000  # RISE loads a JupyterLab of its own: 6-10 s on an idle 2-core machine

MEASURE = """() => {
  const present = [...document.querySelectorAll('.reveal .slides section.present')];
  const slide = present[present.length - 1];
  const title = slide.querySelector('h1, h2');
  const box = title.getBoundingClientRect();
  const top = document.elementFromPoint(box.x + box.width / 2, box.y + 12);  // the bar's band
  const text = slide.querySelector('.jp-RenderedMarkdown p');
  const code = document.querySelector('.reveal .jp-CodeCell .cm-content');
  const slides = document.querySelector('.reveal .slides');
  const scale = slides.getBoundingClientRect().width / slides.offsetWidth;
  return {title: title.textContent, onTitle: title.contains(top) ? null : top.outerHTML.slice(0, 200),
          textPx: parseFloat(getComputedStyle(text).fontSize) * scale,
          codePx: parseFloat(getComputedStyle(code).fontSize) * scale,
          footers: [...document.querySelectorAll('.jp-Notebook-footer')]
            .filter(footer => footer.getBoundingClientRect().height > 0).length};
}"""


def test_slides_at_1280x720_have_readable_text_and_uncovered_titles(lab, tmp_path):
    context = lab.browser.new_context(viewport={"width": 1280, "height": 720})
    lab.contexts.append(context)  # closed with the others
    page = context.new_page()
    server = lab.server
    # A copy of its own: RISE's page opens a session on the notebook, and a session on the one the
    # widget tests ran would take over (or shut down) their kernel.
    copied = context.request.post(f"{server.url}api/contents/notebooks?token={server.token}",
                                  data={"copy_from": f"notebooks/{NOTEBOOK}"})
    assert copied.ok, copied.text()
    page.goto(f"{server.url}rise/{copied.json()['path']}?activeCellIndex=0&token={server.token}")
    page.locator(".reveal .slides section.present h1").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("document.querySelector('#rise-overlay') !== null",
                           timeout=TIMEOUT_MS)
    measured = page.evaluate(MEASURE)
    page.screenshot(path=str(tmp_path / "slide.png"))
    assert measured["title"].startswith("3 · LeNet")
    assert measured["onTitle"] is None, f"the title is covered by {measured['onTitle']}"
    assert measured["footers"] == 0, "a 'Click to add a cell.' bar shows in the slides"
    assert measured["textPx"] >= MIN_TEXT_PX, measured
    assert measured["codePx"] >= MIN_TEXT_PX - 2, measured  # code lines of 100 characters fit
