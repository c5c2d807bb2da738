"""The Chinese edition, built from the English notebooks and one translation file per chapter.

    python scripts/translations.py build              # notebooks/zh/*.ipynb from the sources
    python scripts/translations.py check              # stale, missing, untranslated, unbuilt
    python scripts/translations.py skeleton 04_alexnet  # add the cells a translation lacks
    python scripts/translations.py accept 04_alexnet 7fa46e0f  # a stale cell, translated again
    python scripts/translations.py messages           # lines the message table lacks

One source: the English notebook ``notebooks/NN_topic.ipynb`` is the executed reference. Its
markdown cells are translated in ``translations/zh/NN_topic.md``, one block per cell::

    <!-- cell 7fa46e0f en 3b1f0c2a9d4e -->
    # 4 · AlexNet ...

``7fa46e0f`` is the cell's id, ``3b1f0c2a9d4e`` the start of the SHA-256 of the English text the
block translates. ``build`` writes ``notebooks/zh/NN_topic.ipynb``: the English notebook with those
markdown cells replaced, every code cell and output as they are (the same code, the same stamp:
no second execution), links to ``../images`` one folder deeper, and ``cnn_course.language`` =
``"zh"`` in its metadata. A kernel started there speaks Chinese (``cnn_helpers.core.language``).

``check`` (and ``tests/test_translations.py``) fails when an English markdown cell changed after
its translation (stale: translate it again, then ``accept``), when a cell has no translation or
one with no Chinese in it, when a translation names a cell the notebook no longer has, or when a
built notebook differs from what ``build`` makes now (the code cells included).
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cnn_helpers.core.files import write_text  # noqa: E402
from cnn_helpers.core.language import after_label, fields, placeholders, tr  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
TRANSLATIONS = ROOT / "translations"
MARKER = re.compile(r"^<!-- cell (\S+) en ([0-9a-f]{12}) -->$")
HEADER = ("<!-- The {language} of notebooks/{name}.ipynb's markdown, one block per cell: "
          "scripts/translations.py (its docstring says how). -->\n")
CJK = re.compile(r"[\u3400-\u9fff]")


def english_hash(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of a cell's English text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@dataclass
class Block:
    """One cell's translation: the cell's id, the hash of the English it translates, the text."""

    cell: str
    english_hash: str
    text: str


def english_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def translation_path(name: str, language: str = "zh") -> Path:
    return TRANSLATIONS / language / f"{name}.md"


def built_path(name: str, language: str = "zh") -> Path:
    return NOTEBOOKS / language / f"{name}.ipynb"


def read_blocks(path: Path) -> dict[str, Block]:
    """Cell id -> ``Block`` of a translation file ({} when there is none).

    Raises:
        ValueError: for a file whose text before the first marker is not a comment, or with
            one cell twice (with the line).
    """
    if not path.exists():
        return {}
    blocks: dict[str, Block] = {}
    current: Block | None = None
    lines: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found = MARKER.match(line)
        if found:
            if current is not None:
                current.text = "\n".join(lines).strip("\n")
            if found.group(1) in blocks:
                raise ValueError(f"{path.name}, line {number}: cell {found.group(1)} twice")
            current = blocks[found.group(1)] = Block(found.group(1), found.group(2), "")
            lines = []
        elif current is None:
            if line.strip() and not line.startswith("<!--"):
                raise ValueError(f"{path.name}, line {number}: text before the first "
                                 f"'<!-- cell ... -->' marker")
        else:
            lines.append(line)
    if current is not None:
        current.text = "\n".join(lines).strip("\n")
    return blocks


def write_blocks(path: Path, name: str, blocks: list[Block], language: str = "zh") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(language={"zh": "Chinese"}.get(language, language), name=name)
    for block in blocks:
        text += f"\n<!-- cell {block.cell} en {block.english_hash} -->\n{block.text}\n"
    write_text(path, text)  # whole: a Ctrl-C leaves the old file or the new one


def needs_translation(english: str) -> bool:
    """Whether a markdown cell has words to translate (not only a picture, a formula or code)."""
    words = re.sub(r"!\[[^\]]*\]\([^)]*\)|\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|<[^>]+>|https?://\S+", " ",
                   english, flags=re.DOTALL)
    return re.search(r"[A-Za-z]{3,}", words) is not None


def deeper_links(text: str, language: str = "zh") -> str:
    """Relative links of a notebook in notebooks/ for the same one in notebooks/zh/: one folder
    deeper, and to a figure's ``images/zh/`` version where ``make figures`` drew one."""
    def link(found: re.Match) -> str:
        opening, target = found.group(1), found.group(2)
        if target.startswith("images/") and (ROOT / "images" / language / target[7:]).exists():
            target = f"images/{language}/{target[7:]}"
        return f"{opening}../../{target}"

    return re.sub(r"(\]\(|src=[\"'])\.\./([^)\"'\s]*)", link, text)


def translated_output(text: str, language: str) -> str:
    """A printed output as a kernel in ``language`` prints it: each line through ``tr`` (claim
    lines: the sentence after ✓ or ✗); a line the code does not translate stays as it is."""
    lines = []
    for line in text.split("\n"):
        mark, rest = (line[:2], line[2:]) if line[:2] in ("\u2713 ", "\u2717 ") else ("", line)
        if mark == "\u2717 " and rest.startswith("not so here: "):
            rest = after_label(tr("not so here:", language),
                               tr(rest[len("not so here: "):], language))
        else:
            rest = tr(rest, language)
        lines.append(mark + rest)
    return "\n".join(lines)


CJK_EDGE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
BLOCK_START = re.compile(r"\s*(#|\||[-*+] |\d+[.)] |>|\$\$|!\[|<|```)")


def unwrapped(text: str) -> str:
    """A Chinese paragraph wrapped over lines, joined: Markdown turns a line break between two
    Chinese characters into a space, which Chinese text does not have. A heading and a table
    row keep their own line, and so does a line that starts a list item, a quote, a formula or
    a picture."""
    lines = text.split("\n")
    joined = [lines[0]]
    for line in lines[1:]:
        previous = joined[-1]
        if (previous and line and CJK_EDGE.match(previous[-1]) and CJK_EDGE.match(line[0])
                and not previous.lstrip().startswith(("#", "|")) and not BLOCK_START.match(line)):
            joined[-1] = previous + line
        else:
            joined.append(line)
    return "\n".join(joined)


FIGURE_CALL = re.compile(r"""figure\(\s*["']([\w.-]+\.png)["']\s*\)""")


def translated_figures(cell: dict, language: str) -> None:
    """A cell that shows course figures (``figure("conv_padding.png")``) shows, as a kernel in
    ``language`` would, the ``images/<language>/`` ones where they exist: its PNG outputs are
    replaced in order when there are as many as the calls."""
    import base64

    names = FIGURE_CALL.findall(source(cell))
    pictures = [output for output in cell.get("outputs", [])
                if "image/png" in output.get("data", {})]
    if not names or len(names) != len(pictures):
        return
    for name, output in zip(names, pictures):
        translated = ROOT / "images" / language / name
        if translated.exists():
            output["data"]["image/png"] = base64.b64encode(translated.read_bytes()).decode()


def build(english: Path, language: str = "zh") -> dict:
    """The translated notebook for ``english`` (a notebook dict): its markdown from the
    translation (English where a cell has none: ``problems`` says so), its code cells as they
    are, their printed outputs as a kernel in ``language`` prints them (``translated_output``:
    the same numbers, no second execution)."""
    notebook = json.loads(english.read_text(encoding="utf-8"))
    blocks = read_blocks(translation_path(english.stem, language))
    built = copy.deepcopy(notebook)
    for cell in built["cells"]:
        if cell["cell_type"] == "markdown" and cell.get("id") in blocks:
            text = unwrapped(blocks[cell["id"]].text)
            cell["source"] = deeper_links(text, language).splitlines(True)
        elif cell["cell_type"] == "markdown":
            cell["source"] = deeper_links(source(cell), language).splitlines(True)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                output["text"] = translated_output(source({"source": output["text"]}),
                                                   language).splitlines(True)
        if cell["cell_type"] == "code":
            translated_figures(cell, language)
    built["metadata"].setdefault("cnn_course", {})["language"] = language
    return built


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def problems(english: Path, language: str = "zh") -> list[str]:
    """Every reason the ``language`` edition of ``english`` is not up to date, as sentences."""
    name = english.stem
    notebook = json.loads(english.read_text(encoding="utf-8"))
    path = translation_path(name, language)
    try:
        blocks = read_blocks(path)
    except ValueError as error:
        return [str(error)]
    found = []
    markdown = {cell["id"]: source(cell) for cell in notebook["cells"]
                if cell["cell_type"] == "markdown"}
    for cell, text in markdown.items():
        block = blocks.get(cell)
        if block is None:
            found.append(f"{name}: markdown cell {cell} has no translation in "
                         f"{path.relative_to(ROOT)} (scripts/translations.py skeleton {name})")
        elif block.english_hash != english_hash(text):
            found.append(f"{name}: cell {cell} is stale -- its English changed after it was "
                         f"translated; translate it again, then scripts/translations.py accept "
                         f"{name} {cell}")
        elif needs_translation(text) and (block.text.strip() == text.strip()
                                          or not CJK.search(block.text)):
            found.append(f"{name}: cell {cell} is not translated (still the English text)")
    for cell in blocks.keys() - markdown.keys():
        found.append(f"{name}: {path.name} translates cell {cell}, which the notebook no "
                     f"longer has")
    built = built_path(name, language)
    if not built.exists():
        found.append(f"{name}: {built.relative_to(ROOT)} is not built "
                     f"(scripts/translations.py build)")
    elif built.read_text(encoding="utf-8") != dumps(build(english, language)):
        found.append(f"{name}: {built.relative_to(ROOT)} differs from its sources (the English "
                     f"notebook's code and outputs, and the translation): "
                     f"scripts/translations.py build")
    return found


# -- the message table ------------------------------------------------------------------------
# Calls whose argument(s) the course prints in the reader's language: name -> argument positions.
PRINTED = {"claim": (1,), "verdict": (1, 2), "tr": (0,)}


def _templates(node: ast.expr) -> list[str]:
    """The English template(s) of a message argument: ``f"a {x:.2f} b"`` -> ``"a {} b"``; both
    branches of ``x if c else y``; [] for a value made elsewhere (a variable, a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(part.value if isinstance(part, ast.Constant) else "{}"
                        for part in node.values)]
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return []


def code_sources() -> dict[str, str]:
    """Where the course's code is -> its text: every module of ``cnn_helpers`` and every code
    cell of the English notebooks (IPython's %magics and !commands left out)."""
    found = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
             for path in sorted((ROOT / "cnn_helpers").rglob("*.py"))
             if "__pycache__" not in path.parts}
    for path in english_notebooks():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "code":
                lines = [line for line in source(cell).splitlines()
                         if not line.lstrip().startswith(("%", "!"))]
                found[f"{path.relative_to(ROOT)} cell {index}"] = "\n".join(lines)
    return found


def message_templates() -> dict[str, list[str]]:
    """Every English template the code prints through ``claim``, ``verdict`` or ``tr`` -> where.

    Raises:
        SyntaxError: for code that does not parse (with its place).
    """
    templates: dict[str, list[str]] = {}
    for place, text in code_sources().items():
        for node in ast.walk(ast.parse(text, filename=place)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            for position in PRINTED.get(name, ()):
                if position < len(node.args):
                    for template in _templates(node.args[position]):
                        templates.setdefault(template, []).append(place)
    return templates


def string_constants() -> set[str]:
    """Every string literal of the code: a table entry may translate one (a design's name
    passed as a value, such as "global average pooling")."""
    found = set()
    for place, text in code_sources().items():
        for node in ast.walk(ast.parse(text, filename=place)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def message_problems(language: str = "zh") -> list[str]:
    """Why the ``language`` message table does not cover the code, as sentences: a template
    without an entry, an entry nothing prints, an entry whose fields do not fit."""
    from cnn_helpers.core.language import messages

    table = messages(language)
    templates = message_templates()
    found = [f"no {language} entry for {template!r} ({', '.join(sorted(set(places))[:2])})"
             for template, places in sorted(templates.items())
             if template.strip() and needs_translation(template) and template not in table]
    constants = string_constants()
    found += [f"the {language} entry {english!r} translates nothing the code prints"
              for english in table if english not in templates and english not in constants]
    for english, translation in table.items():
        wrong = fields(translation) - set(range(placeholders(english)))
        if wrong or "{}" in translation:
            found.append(f"the {language} entry for {english!r} uses fields {sorted(wrong)} or "
                         f"{{}}; it has {placeholders(english)} value(s): {{0}}, {{1}}, ...")
        if needs_translation(english) and not CJK.search(translation):
            found.append(f"the {language} entry for {english!r} has no Chinese in it")
    return found


def skeleton(name: str, language: str = "zh") -> int:
    """Add a block, with the English text to translate, for every markdown cell the translation
    lacks; keep the others. Returns how many were added."""
    english = NOTEBOOKS / f"{name}.ipynb"
    notebook = json.loads(english.read_text(encoding="utf-8"))
    path = translation_path(name, language)
    old = read_blocks(path)
    blocks, added = [], 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        if cell["id"] in old:
            blocks.append(old[cell["id"]])
        else:
            blocks.append(Block(cell["id"], english_hash(source(cell)), source(cell)))
            added += 1
    write_blocks(path, name, blocks, language)
    return added


def accept(name: str, cells: list[str], language: str = "zh") -> None:
    """Mark the translations of ``cells`` as translating the English they have now.

    Raises:
        KeyError: for a cell the notebook or the translation does not have.
    """
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    texts = {cell["id"]: source(cell) for cell in notebook["cells"]
             if cell["cell_type"] == "markdown"}
    path = translation_path(name, language)
    blocks = read_blocks(path)
    for cell in cells:
        if cell not in texts or cell not in blocks:
            raise KeyError(f"{name} has no translated markdown cell {cell}")
        blocks[cell].english_hash = english_hash(texts[cell])
    order = [cell["id"] for cell in notebook["cells"] if cell["id"] in blocks]
    write_blocks(path, name, [blocks[cell] for cell in order], language)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "check", "skeleton", "accept", "messages"])
    parser.add_argument("names", nargs="*", help="notebooks (04_alexnet) or, for accept, the "
                                                 "notebook and its cell ids")
    parser.add_argument("--language", default="zh")
    args = parser.parse_args(argv)
    if args.command == "messages":
        found = message_problems(args.language)
        print("\n".join(found) if found else f"the {args.language} message table covers the code")
        return 1 if found else 0
    if args.command == "accept":
        if len(args.names) < 2:
            parser.error("accept needs a notebook and at least one cell id")
        try:
            accept(args.names[0], args.names[1:], args.language)
        except (KeyError, ValueError) as error:
            print(error.args[0], file=sys.stderr)
            return 1
        return 0
    chosen = [NOTEBOOKS / f"{name}.ipynb" for name in args.names] or english_notebooks()
    missing = [path.name for path in chosen if not path.exists()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.command == "skeleton":
        for path in chosen:
            print(f"{path.stem}: {skeleton(path.stem, args.language)} cells to translate added")
        return 0
    if args.command == "build":
        for path in chosen:
            target = built_path(path.stem, args.language)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text(target, dumps(build(path, args.language)))
        print(f"built {len(chosen)} notebooks in notebooks/{args.language}/")
        return 0
    found = [problem for path in chosen for problem in problems(path, args.language)]
    print("\n".join(found) if found else f"the {args.language} edition is up to date")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
