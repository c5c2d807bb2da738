"""Every chapter is a slideshow (jupyterlab-rise): a slide per section, checks as fragments."""

import base64
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("slide_metadata",
                                               ROOT / "scripts" / "slide_metadata.py")
slide_metadata = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slide_metadata)


def _types(notebook: dict) -> list[tuple[str, str]]:
    return [(cell["metadata"].get("slideshow", {}).get("slide_type"),
             "".join(cell["source"]).split("\n", 1)[0]) for cell in notebook["cells"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_each_section_heading_starts_a_slide_and_checks_are_fragments(path):
    notebook = json.loads(path.read_text())
    types = _types(notebook)
    assert types[0][0] == "slide" and types[0][1].startswith("# ")
    for slide_type, first_line in types:
        if first_line.startswith("## "):
            assert slide_type == "slide", first_line
    fragments = [cell for cell in notebook["cells"]
                 if cell["metadata"].get("slideshow", {}).get("slide_type") == "fragment"]
    checks = [cell for cell in notebook["cells"] if slide_metadata.is_check(cell)
              and cell["metadata"]["slideshow"]["slide_type"] != "subslide"]
    assert fragments == checks  # every check is a fragment (but one with a tall figure), only checks
    assert notebook["metadata"]["rise"]["scroll"] is True


def test_committed_notebooks_have_the_slides_the_script_gives():
    assert slide_metadata.main(["--check", *map(str, NOTEBOOKS)]) == 0, (
        "run python scripts/slide_metadata.py notebooks/*.ipynb")


def test_the_script_changes_only_metadata(tmp_path):
    source = NOTEBOOKS[1]
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        cell["metadata"].pop("slideshow", None)
    notebook["metadata"].pop("rise", None)
    copy = tmp_path / source.name
    copy.write_text(slide_metadata.dump(notebook))
    slide_metadata.main([str(copy)])
    again = json.loads(copy.read_text())
    for before, after in zip(notebook["cells"], again["cells"]):
        assert after["source"] == before["source"]
        assert json.dumps(after.get("outputs")) == json.dumps(before.get("outputs"))
        assert after.get("execution_count") == before.get("execution_count")
        assert {k: v for k, v in after["metadata"].items() if k != "slideshow"} == before["metadata"]
    assert copy.read_text() == source.read_text()  # the committed notebook, byte for byte


def test_a_cell_that_asserts_or_prints_a_tick_is_a_check():
    assert slide_metadata.is_check({"cell_type": "code", "source": "assert 1 + 1 == 2",
                                    "outputs": []})
    assert slide_metadata.is_check({"cell_type": "code", "source": "show()", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["\u2713 agrees\n"]}]})
    assert not slide_metadata.is_check({"cell_type": "code", "source": "x = 1", "outputs": []})
    assert not slide_metadata.is_check({"cell_type": "markdown", "source": "assert"})


def _figure_cell(height: int, source: str = "plot()") -> dict:
    png = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big")
           + height.to_bytes(4, "big") + b"\x08\x06\x00\x00\x00")
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": [
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": base64.b64encode(png).decode()}}]}


def test_a_tall_figure_gets_a_sub_slide_and_so_does_the_text_after_it():
    """At 1280x720 a slide shows about 680 px: chapter 3's training plot (369 px) below its
    section's two paragraphs was below the edge (issue 25)."""
    heading = {"cell_type": "markdown", "source": "## Training\n\n" + "Long text. " * 60}
    short = {"cell_type": "markdown", "source": "## Training"}
    text = {"cell_type": "markdown", "source": "What to expect."}
    tall, small = _figure_cell(369), _figure_cell(200)
    check = _figure_cell(369, "claim(fit())")
    assert slide_metadata.figure_height(tall) == 369
    assert slide_metadata.slide_types([heading, tall, text]) == ["slide", "subslide", "subslide"]
    assert slide_metadata.slide_types([short, tall, text]) == ["slide", "-", "subslide"]
    assert slide_metadata.slide_types([heading, small, text]) == ["slide", "-", "-"]
    # a check with a tall figure: a sub-slide, revealed by the same key as a fragment
    assert slide_metadata.slide_types([heading, check]) == ["slide", "subslide"]
    assert slide_metadata.slide_types([heading, _figure_cell(100, "claim(x)")]) == [
        "slide", "fragment"]


def test_chapter_3s_training_plot_starts_a_sub_slide():
    notebook = json.loads((ROOT / "notebooks" / "03_lenet.ipynb").read_text())
    training = next(cell for cell in notebook["cells"]
                    if "training.fit(net" in "".join(cell["source"]))
    assert slide_metadata.figure_height(training) >= slide_metadata.FIGURE_PX
    assert training["metadata"]["slideshow"]["slide_type"] == "subslide"
