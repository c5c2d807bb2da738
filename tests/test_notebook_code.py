"""The code a chapter shows is the package's code: one source of truth, checked mechanically.

A notebook writes out the blocks and nets it teaches in cells whose definitions carry d2l's
``#@save`` mark (``class Residual(nn.Module):  #@save``); its chapter's record lists them
(``Chapter.code``: module -> names). Each marked definition must equal the package's object of
the same name, compared as code (``ast``): docstrings and comments may differ -- the package
documents its arguments, the notebook may be shorter -- the code may not.
"""

import ast
import importlib
import inspect
import textwrap

import nbformat
import pytest

from cnn_helpers import chapters
from cnn_helpers.core import CHECKOUT

MARK = "#@save"


def _without_docstrings(node: ast.AST) -> ast.AST:
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if (isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            child.body = body[1:] or [ast.Pass()]
    return node


def code_of(node: ast.AST) -> str:
    """A definition as code only: its AST without docstrings, positions or comments."""
    return ast.dump(_without_docstrings(node), include_attributes=False)


def marked_definitions(notebook_path) -> dict[str, ast.AST]:
    """name -> the top-level def/class of a code cell whose first line carries ``#@save``."""
    found = {}
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        if cell.cell_type != "code" or MARK not in cell.source:
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if (isinstance(node, (ast.FunctionDef, ast.ClassDef))
                    and MARK in lines[node.lineno - 1]):
                assert node.name not in found, f"{notebook_path.name}: {node.name} marked twice"
                found[node.name] = node
    return found


def package_definition(module: str, name: str) -> ast.AST:
    obj = getattr(importlib.import_module(module), name)
    return ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]


TAUGHT = [chapter for chapter in chapters.CHAPTERS if chapter.code]


@pytest.mark.parametrize("chapter", TAUGHT, ids=lambda chapter: chapter.notebook)
def test_every_marked_cell_is_the_packages_code_and_every_listed_name_is_shown(chapter):
    marked = marked_definitions(CHECKOUT / "notebooks" / f"{chapter.notebook}.ipynb")
    listed = {name: module for module, names in chapter.code.items() for name in names}
    assert set(marked) == set(listed), (
        f"{chapter.notebook}: marked {MARK} in the notebook {sorted(marked)}, "
        f"listed in the chapter's record {sorted(listed)}")
    for name, module in listed.items():
        assert code_of(marked[name]) == code_of(package_definition(module, name)), (
            f"{chapter.notebook}: the {MARK} cell defining {name} differs from {module}.{name}: "
            f"change both (the notebook is what students read, the package what the rest imports)")


def test_the_comparison_sees_code_not_docstrings_or_comments():
    a = ast.parse('def f(x):\n    """Doc."""\n    return x + 1  # one more\n').body[0]
    b = ast.parse("def f(x):\n    return x + 1\n").body[0]
    c = ast.parse("def f(x):\n    return x + 2\n").body[0]
    assert code_of(a) == code_of(b) != code_of(c)


def test_chapters_one_to_ten_each_show_their_code():
    assert [chapter.number for chapter in TAUGHT] == list(range(1, 11))
