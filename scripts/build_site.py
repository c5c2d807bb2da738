"""Build the course's website: a static HTML book of the committed, executed notebooks.

    python scripts/build_site.py          # or: python course.py site, make site
    -> build/site/index.html (git-ignored), readable offline, from any folder or web server

Sphinx with MyST-NB (``book/conf.py``) renders each chapter as it ran in the class profile --
nothing is executed, nothing is fetched. The sources are prepared in ``build/site-src/``:

* the contents page lists the chapters in order (their titles are their ``#`` headings), the
  English edition's (``notebooks/``) and then the Chinese edition's (``notebooks/zh/``, 中文版,
  built by ``scripts/translations.py``);
* each chapter gets a box under its title saying how to run it: locally (its path in the
  checkout, and the notebook to download) and on a hosted Jupyter (``HOSTED_LINK``), in the
  chapter's language, with a link to the same chapter in the other edition (the language
  switch);
* a widget, whose live view needs a kernel, shows the pictures and readouts it saved with the
  notebook (its ``Image`` and ``HTML`` children, in order), as static HTML;
* ``images/`` and a MathJax 2 subset (from ``jupyter-server-mathjax``) are copied beside them.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import copy_file, copy_tree, write_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "build" / "site-src"
OUTPUT = ROOT / "build" / "site"
# Where a chapter opens on a hosted Jupyter. The course has no public address yet:
# COURSE-OWNER is the same placeholder as scripts/hosted_cell.py's SOURCE (README).
HOSTED_LINK = ("https://colab.research.google.com/github/COURSE-OWNER/cnn-course/blob/main/"
               "notebooks/{name}")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The parts of MathJax 2 that TeX input with HTML-CSS output loads (about 3 of its 12 MB).
MATHJAX_PARTS = ["MathJax.js", "config/TeX-AMS-MML_HTMLorMML-full.js", "jax/input/TeX",
                 "jax/output/HTML-CSS", "jax/element", "fonts/HTML-CSS/STIX-Web",
                 "extensions/MathMenu.js", "extensions/MathZoom.js", "extensions/TeX",
                 "extensions/HTML-CSS", "extensions/tex2jax.js", "localization/en"]


def widget_html(model_id: str, state: dict) -> str:
    """The saved pictures and readouts of widget ``model_id`` and its children, in order, as
    HTML (empty when the notebook saved nothing of it)."""
    model = state.get(model_id)
    if model is None:
        return ""
    name, values = model["model_name"], model.get("state", {})
    if name == "ImageModel":
        png = next((buffer["data"] for buffer in model.get("buffers", [])
                    if buffer.get("path") == ["value"]), None)
        if not png:  # a picture the widget had not drawn yet when it was saved
            return ""
        base64.b64decode(png, validate=True)  # a broken picture stops the build here
        return f'<img alt="the widget\'s picture as saved" src="data:image/png;base64,{png}">'
    if name == "HTMLModel":
        return f"<div>{values.get('value', '')}</div>"
    if name in ("LabelModel", "HTMLMathModel"):
        return f"<div>{html.escape(str(values.get('value', '')))}</div>"
    children = values.get("children", [])
    return "".join(widget_html(child.removeprefix("IPY_MODEL_"), state) for child in children)


def static_widgets(notebook: dict) -> int:
    """Replace each widget output by the HTML of what it saved; how many were replaced."""
    state = notebook.get("metadata", {}).pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            saved = widget_html(view["model_id"], state)
            output["data"] = ({"text/html": f'<div class="cnn-widget-picture">{saved}</div>'}
                              if saved else {"text/plain": output["data"].get("text/plain", "")})
            replaced += 1
    return replaced


def run_box(name: str, language: str = "en") -> dict:
    """The markdown cell that says how to run chapter ``name`` (a notebook's file name), in
    ``language`` ("en" or "zh"), with a link to the chapter in the other edition."""
    if language == "zh":
        text = (f"```{{admonition}} 运行本章\n:class: cnn-run-this\n"
                f"在自己的电脑上：`python course.py lab --edition zh`（Windows：`py course.py lab "
                f"--edition zh`），然后在 JupyterLab 中打开 `notebooks/zh/{name}`；或者"
                f"{{download}}`下载这个笔记本 <../downloads/zh/{name}>`。在托管的 Jupyter 上："
                f"[在 Colab 中打开]({HOSTED_LINK.format(name='zh/' + name)})（课程发布之前这个地址"
                f"只是占位符，见 README 的 *Colab, Kaggle, JupyterHub* 一节）。"
                f"[English edition](../{name})\n```")
    else:
        text = (f"```{{admonition}} Run this chapter\n:class: cnn-run-this\n"
                f"On your machine: `python course.py lab` (Windows: `py course.py lab`), then "
                f"open `notebooks/{name}` in JupyterLab; or {{download}}`download this notebook "
                f"<downloads/{name}>`. On a hosted Jupyter: [open it in Colab]"
                f"({HOSTED_LINK.format(name=name)}) (the address is a placeholder until the "
                "course is published; see the README, *Colab, Kaggle, JupyterHub*). "
                f"[中文版](zh/{name})\n```")
    return {"cell_type": "markdown", "id": "cnn-run-this", "metadata": {}, "source": text}


def title(notebook: dict) -> str:
    """A notebook's ``#`` heading. Raises ``ValueError`` when its first cell has none."""
    first = "".join(notebook["cells"][0]["source"]).split("\n", 1)[0]
    if not first.startswith("# "):
        raise ValueError(f"the notebook's first cell starts {first!r}, not a '# ' title")
    return first[2:].strip()


def prepare(source: Path = SOURCE) -> list[str]:
    """Write the site's sources into ``source``; the chapters' titles, in order."""
    if source.exists():
        shutil.rmtree(source)
    copy_tree(ROOT / "book", source)
    copy_tree(ROOT / "images", source / "images")
    (source / "notebooks" / "downloads").mkdir(parents=True)
    import jupyter_server_mathjax

    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    for part in MATHJAX_PARTS:
        target = source / "_static" / "mathjax" / part
        if (mathjax / part).is_dir():
            copy_tree(mathjax / part, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            copy_file(mathjax / part, target)
    titles, entries = [], {"en": [], "zh": []}
    for language, folder in (("en", ""), ("zh", "zh")):
        (source / "notebooks" / "downloads" / folder).mkdir(parents=True, exist_ok=True)
        (source / "notebooks" / folder).mkdir(parents=True, exist_ok=True)
        for path in sorted((ROOT / "notebooks" / folder).glob("*.ipynb")):
            notebook = json.loads(path.read_text(encoding="utf-8"))
            try:
                titles.append(title(notebook))
            except ValueError as error:
                raise ValueError(f"{folder}/{path.name}: {error}") from None
            copy_file(path, source / "notebooks" / "downloads" / folder / path.name)
            static_widgets(notebook)
            notebook["cells"].insert(1, run_box(path.name, language))
            write_text(source / "notebooks" / folder / path.name,
                       json.dumps(notebook, ensure_ascii=False))
            entries[language].append(f"notebooks/{folder + '/' if folder else ''}{path.stem}")
    index = (source / "index.md").read_text(encoding="utf-8")
    write_text(source / "index.md", index.replace("{chapters}", "\n".join(entries["en"]))
               .replace("{chapters_zh}", "\n".join(entries["zh"])))
    return titles


def build(source: Path = SOURCE, output: Path = OUTPUT) -> float:
    """Prepare the sources and run Sphinx; the seconds it took. Raises ``RuntimeError`` when
    Sphinx reports an error or a warning (a broken link or picture among them)."""
    start = time.perf_counter()
    prepare(source)
    if output.exists():
        shutil.rmtree(output)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W",
                             "--keep-going", "-j", "1", str(source), str(output)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Sphinx could not build the site:\n{result.stderr[-4000:]}")
    return time.perf_counter() - start


def size_mb(folder: Path) -> float:
    """The size of everything under ``folder``, in MB."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args(argv)
    try:
        seconds = build(output=arguments.output)
    except (RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"site built in {seconds:.0f} s: {arguments.output / 'index.html'} "
          f"({size_mb(arguments.output):.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
