"""The course's website as a reader meets it: every page in headless Chromium (``make site``).

The site is built once for the session into a scratch folder (``scripts/build_site.py``, as
``python course.py site`` builds it; about 20 s on 2 cores) and read from disk, offline. Every
page must load without a script error, show every picture (widget pictures and figures
included) and link only to pages and anchors that exist; the math must be typeset by the local
MathJax, the search must find a chapter, and each chapter must say how to run it.
``--update-screenshots`` saves one chapter page at 1280x720 as ``images/site_chapter.png``.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
build_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_site)
CHAPTERS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOT_PAGE = "notebooks/02_pooling.html"
LOAD_TIMEOUT_MS = 30_000


class _Links(HTMLParser):
    """The ``href`` and ``src`` targets of a page, and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name) and not (tag == "a" and name == "src"):
                self.targets.append(values[name])


def _parse(page: Path) -> _Links:
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


@pytest.fixture(scope="session")
def site(sync_playwright, tmp_path_factory) -> Path:
    """The website, built from the committed notebooks into a scratch folder."""
    folder = tmp_path_factory.mktemp("site")
    build_site.build(folder / "src", folder / "site")
    return folder / "site"


@pytest.fixture(scope="session")
def pages(site) -> list[Path]:
    """The site's pages (the theme's templates in _static/ are none)."""
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.parts)


def test_the_contents_page_lists_every_chapter_in_order(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    positions = [html.find(f'href="notebooks/{chapter}.html"') for chapter in CHAPTERS]
    assert -1 not in positions and positions == sorted(positions), dict(zip(CHAPTERS, positions))


def test_no_internal_link_or_picture_is_broken(site, pages):
    ids = {page: _parse(page).ids for page in pages}
    broken = []
    for page in pages:
        for target in _parse(page).targets:
            parts = urlsplit(target)
            if parts.scheme or target.startswith(("//", "mailto:", "javascript:")):
                continue  # data: pictures, the hosted link, the theme's external links
            path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not path.is_file():
                broken.append(f"{page.relative_to(site)} -> {target}")
            elif parts.fragment and path.suffix == ".html" and parts.fragment not in ids.get(
                    path, _parse(path).ids):
                broken.append(f"{page.relative_to(site)} -> {target} (no such anchor)")
    assert not broken, "\n".join(broken[:20])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_loads_with_its_pictures_math_and_how_to_run_it(
        chapter, site, browser, update_screenshots):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((site / "notebooks" / f"{chapter}.html").as_uri(), wait_until="load",
                  timeout=LOAD_TIMEOUT_MS)
        broken = page.evaluate("""() => [...document.images]
            .filter(image => !image.complete || image.naturalWidth === 0)
            .map(image => image.src.slice(0, 120))""")
        assert not broken, f"{chapter}: pictures that did not load: {broken}"
        assert page.locator(".cnn-run-this").get_by_text("py course.py lab").count() == 1
        # every formula Sphinx wrote (class "math notranslate") typeset by the local MathJax
        formulas = (site / "notebooks" / f"{chapter}.html").read_text(
            encoding="utf-8").count('class="math notranslate')
        if formulas:
            page.wait_for_function(
                "document.querySelectorAll('.math.notranslate .MathJax').length >= "
                f"{formulas}", timeout=LOAD_TIMEOUT_MS)
        assert page.locator(".MathJax_Error, .math.notranslate merror").count() == 0
        if chapter.startswith(("01_", "02_", "03_")):  # chapters whose widgets saved pictures
            assert page.locator(".cnn-widget-picture img").count() >= 1
        assert not errors, f"{chapter}: script errors: {errors}"
        if update_screenshots and f"notebooks/{chapter}.html" == SCREENSHOT_PAGE:
            page.screenshot(path=str(ROOT / "images" / "site_chapter.png"))
    finally:
        page.close()


def test_search_finds_a_chapter(site, browser):
    page = browser.new_page()
    try:
        page.goto((site / "search.html").as_uri() + "?q=pooling", wait_until="load",
                  timeout=LOAD_TIMEOUT_MS)
        found = page.locator("#search-results li a").first
        found.wait_for(timeout=LOAD_TIMEOUT_MS)
        hrefs = page.locator("#search-results li a").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))")
        assert any(re.search(r"02_pooling\.html", href or "") for href in hrefs), hrefs
    finally:
        page.close()
