"""The Chinese edition: one source that cannot drift (scripts/translations.py, core.language).

Each English notebook's markdown is translated in translations/zh/NN_topic.md; notebooks/zh/ is
built from both. These tests fail when an English cell changed after its translation (stale),
when a cell has none, when a built notebook's code or outputs differ from the English ones, when
a line the code prints has no Chinese, and when the Chinese uses a variant of a listed term.
nbval runs the English notebooks only: the Chinese ones have the same code cells.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from cnn_helpers.core import language

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
translations = sys.modules["translations"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(translations)

ENGLISH = translations.english_notebooks()


@pytest.mark.parametrize("notebook", ENGLISH, ids=[path.stem for path in ENGLISH])
def test_the_chinese_edition_is_complete_and_up_to_date(notebook):
    assert translations.problems(notebook) == []


@pytest.mark.parametrize("notebook", ENGLISH, ids=[path.stem for path in ENGLISH])
def test_both_editions_have_the_same_code_cells_and_stamp(notebook):
    english = json.loads(notebook.read_text(encoding="utf-8"))
    chinese = json.loads(translations.built_path(notebook.stem).read_text(encoding="utf-8"))
    assert [c["cell_type"] for c in chinese["cells"]] == [c["cell_type"] for c in english["cells"]]
    assert [(c.get("id"), translations.source(c)) for c in chinese["cells"] if c["cell_type"] == "code"] \
        == [(c.get("id"), translations.source(c)) for c in english["cells"] if c["cell_type"] == "code"]
    stamp = english["metadata"].get("cnn_course", {})
    assert chinese["metadata"]["cnn_course"] == stamp | {"language": "zh"}


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A copy of one chapter (English, translation, built) where the tests may change things."""
    name = "04_alexnet"
    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    (tmp_path / "translations" / "zh").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", tmp_path / "notebooks")
    shutil.copy(translations.translation_path(name), tmp_path / "translations" / "zh")
    monkeypatch.setattr(translations, "ROOT", tmp_path)
    monkeypatch.setattr(translations, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(translations, "TRANSLATIONS", tmp_path / "translations")
    assert translations.main(["build", name]) == 0
    assert translations.problems(tmp_path / "notebooks" / f"{name}.ipynb") == []
    return tmp_path / "notebooks" / f"{name}.ipynb"


def _edit(path: Path, change) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    change(notebook["cells"])
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_changed_english_cell_makes_its_translation_stale_until_accepted(course_copy):
    markdown = next(c for c in json.loads(course_copy.read_text())["cells"] if c["cell_type"] == "markdown")
    _edit(course_copy, lambda cells: cells[0]["source"].append("\nOne more sentence."))
    found = translations.problems(course_copy)
    assert any(f"cell {markdown['id']} is stale" in problem for problem in found)
    translations.accept(course_copy.stem, [markdown["id"]])
    translations.main(["build", course_copy.stem])
    assert translations.problems(course_copy) == []


def test_a_missing_or_untranslated_cell_and_a_changed_code_cell_are_found(course_copy):
    path = translations.translation_path(course_copy.stem)
    blocks = translations.read_blocks(path)
    first, second, *rest = blocks.values()
    english = {c["id"]: translations.source(c) for c in json.loads(course_copy.read_text())["cells"]}
    second.text = english[second.cell]  # "translated" back into English
    translations.write_blocks(path, course_copy.stem, [second, *rest])  # the first one gone
    found = translations.problems(course_copy)
    assert any(f"cell {first.cell} has no translation" in p for p in found)
    assert any(f"cell {second.cell} is not translated" in p for p in found)
    translations.write_blocks(path, course_copy.stem, list(blocks.values()))
    built = translations.built_path(course_copy.stem)
    _edit(built, lambda cells: next(c for c in cells if c["cell_type"] == "code")["source"].append("\nx = 1"))
    assert any("differs from its sources" in p for p in translations.problems(course_copy))


def test_translation_files_refuse_text_outside_blocks_and_cells_twice(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("stray text\n<!-- cell a en 000000000000 -->\nx\n")
    with pytest.raises(ValueError, match="text before the first"):
        translations.read_blocks(path)
    path.write_text("<!-- cell a en 000000000000 -->\nx\n<!-- cell a en 000000000000 -->\ny\n")
    with pytest.raises(ValueError, match="cell a twice"):
        translations.read_blocks(path)


def test_the_chinese_notebooks_link_one_folder_deeper_to_the_chinese_figures():
    chinese = (ROOT / "images" / "zh" / "arch_lenet.png").exists()
    assert translations.deeper_links("![LeNet](../images/arch_lenet.png)") \
        == f"![LeNet](../../images/{'zh/' if chinese else ''}arch_lenet.png)"
    assert translations.deeper_links('<img src="../images/none.png">') \
        == '<img src="../../images/none.png">'
    for notebook in ENGLISH:
        text = translations.built_path(notebook.stem).read_text(encoding="utf-8")
        for target in re.findall(r"\.\./\.\./images/([\w./-]+)", text):
            assert (ROOT / "images" / target).exists(), target
            assert chinese == target.startswith("zh/") or target.startswith("widget_"), target


# -- what the code prints ---------------------------------------------------------------------
def test_every_line_the_code_prints_has_a_chinese_entry_and_every_entry_is_used():
    assert translations.message_problems() == []


def test_tr_fills_the_values_in_and_translates_a_value_that_is_itself_an_entry(monkeypatch):
    monkeypatch.setitem(language.messages("zh"), "with {} the net memorizes less: {} vs {}",
                        "使用{0}后网络记得更少：{2} 对 {1}")
    monkeypatch.setitem(language.messages("zh"), "a design", "某设计")
    language.table.cache_clear()
    try:
        assert language.tr("with a design the net memorizes less: 0.1 vs 0.2", "zh") \
            == "使用某设计后网络记得更少：0.2 对 0.1"
        assert language.tr("a line nobody translated", "zh") == "a line nobody translated"
        assert language.tr("with a design the net memorizes less: 0.1 vs 0.2", "en") \
            == "with a design the net memorizes less: 0.1 vs 0.2"
    finally:
        language.table.cache_clear()


def test_the_language_comes_from_cnn_lang_then_the_notebooks_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CNN_LANG", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "notebooks" / "zh" / "04_alexnet.ipynb"))
    assert language.current_language() == "zh"
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "notebooks" / "04_alexnet.ipynb"))
    assert language.current_language() == "en"
    monkeypatch.delenv("JPY_SESSION_NAME")
    (tmp_path / "zh").mkdir()
    monkeypatch.chdir(tmp_path / "zh")
    assert language.current_language() == "zh"
    monkeypatch.setenv("CNN_LANG", "en")
    assert language.current_language() == "en"
    monkeypatch.setenv("CNN_LANG", "fr")
    with pytest.raises(ValueError, match="speaks en or zh"):
        language.current_language()


def test_claim_lines_print_in_the_readers_language(monkeypatch, capsys):
    from cnn_helpers.core.claims import ClaimFailed, claim, verdict

    monkeypatch.setenv("CNN_LANG", "zh")
    verdict(False, "x", "a line nobody translated")
    assert capsys.readouterr().out == "\u2717 此处并非如此：a line nobody translated\n"
    with pytest.raises(ClaimFailed) as failed:
        claim(False, "a line nobody translated")
    assert "课程的这一论断" in failed.value._render_traceback_()[1]


# -- the term list ----------------------------------------------------------------------------
def terms() -> list[tuple[str, str, list[str]]]:
    """(English, Chinese, variants not to use) per row of TERMINOLOGY.md's table."""
    rows = []
    for line in (ROOT / "TERMINOLOGY.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("English", "---") and not set(cells[0]) <= {"-"}:
            rows.append((cells[0], cells[1], [v.strip() for v in cells[2].split(",") if v.strip()]))
    return rows


def chinese_texts() -> dict[str, str]:
    texts = {path.name: path.read_text(encoding="utf-8")
             for path in sorted((ROOT / "translations" / "zh").glob("*.md"))}
    texts["messages_zh.toml"] = "\n".join(language.messages("zh").values())
    return texts


def test_the_term_list_is_a_table_of_terms():
    rows = terms()
    assert len(rows) > 40 and all(english and chinese for english, chinese, _ in rows)


def test_the_chinese_edition_uses_no_variant_of_a_listed_term():
    found = [f"{name}: {variant!r} (the course says {chinese!r} for {english!r})"
             for english, chinese, variants in terms() for variant in variants
             for name, text in chinese_texts().items()
             if variant in text.replace(chinese, "")]
    assert found == []


MAIN_TERMS = {"stride": "步幅", "padding": "填充", "receptive field": "感受野",
              "feature map": "特征图", "batch norm": "批量归一化", "residual block": "残差块",
              "dense block": "稠密块", "transition layer": "过渡层", "cross-correlation": "互相关"}
# Where a term means something else: before DenseNet, "the dense block" is the fully connected
# part of a net (全连接模块), not DenseNet's 稠密块.
ELSEWHERE = {"dense block": ("10_densenet", "11_comparison")}


def test_a_cell_that_names_a_main_term_uses_its_listed_chinese():
    missing = []
    for notebook in ENGLISH:
        english = {c["id"]: translations.source(c).lower()
                   for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                   if c["cell_type"] == "markdown"}
        for cell, block in translations.read_blocks(translations.translation_path(notebook.stem)).items():
            text = re.sub(r"`[^`]*`", "", english.get(cell, ""))  # not code: `stride=2`
            missing += [f"{notebook.stem} cell {cell}: {term!r} without {chinese}"
                        for term, chinese in MAIN_TERMS.items()
                        if term in text and chinese not in block.text
                        and notebook.stem in ELSEWHERE.get(term, (notebook.stem,))]
    assert missing == []


def test_every_committed_claim_line_keeps_its_numbers_in_chinese():
    """A value cut in the wrong place (a lazy match inside "(1, 256, 8, 8)") would scramble
    the numbers: every ✓/✗ line of the committed outputs keeps each number, once each, and
    each tuple of numbers whole."""
    numbers = re.compile(r"\d+(?:[.,]\d+)*")

    def found(text: str) -> list[str]:  # Chinese says "1/59" for "59-fold", "925×10⁶" for "million"
        return sorted(numbers.findall(re.sub(r"(?<![\d.])1/|×10[⁶⁹]", "", text)))

    wrong = []
    for notebook in ENGLISH:
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                for line in translations.source({"source": output.get("text", "")}).splitlines():
                    if line[:2] in ("\u2713 ", "\u2717 "):
                        chinese = translations.translated_output(line, "zh")
                        tuples = re.findall(r"[(\[]([\d\s,.-]+)[)\]]", line)  # "1, 256, 8, 8"
                        if found(chinese) != found(line) or not all(t in chinese for t in tuples):
                            wrong.append(f"{notebook.stem}: {line!r} -> {chinese!r}")
    assert wrong == []


def test_a_chinese_paragraph_is_joined_but_a_heading_keeps_its_line():
    text = "## 设备（Device）\n课程优先使用\n显卡。\n* 列表\n项\n| 表 |\n| 格 |"
    assert translations.unwrapped(text) == "## 设备（Device）\n课程优先使用显卡。\n* 列表项\n| 表 |\n| 格 |"
