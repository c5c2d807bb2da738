"""The package is laid out as ARCHITECTURE.md says: layers that import only downwards, rooms
that fit a sitting, and one folder per chapter, listed once."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import cnn_helpers
from cnn_helpers import chapters

PACKAGE = Path(cnn_helpers.__file__).parent
MAX_LINES = 400

# What each layer may import from the package (besides itself), bottom to top.
ALLOWED = {
    "core": set(),
    "ops": {"core"},
    "models": {"core", "ops"},
    "training": {"core", "ops", "models"},
    "chapters": {"core", "ops", "models", "training"},
    "figures": {"core", "ops", "models", "training", "chapters"},
    "widgets": {"core", "ops", "models", "training", "chapters", "figures"},
}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py") if len(parts) > 1 or parts[0] != "__init__.py" else None


def _imported_layers(path: Path) -> set[str]:
    """The top-level subpackages of cnn_helpers that ``path`` imports."""
    package = ["cnn_helpers", *path.relative_to(PACKAGE).parts[:-1]]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:  # from .x import y, from .. import z: relative to the module's package
            base = package[:len(package) - node.level + 1]
            parts = base + (node.module.split(".") if node.module else [])
        else:
            parts = (node.module or "").split(".")
        if parts[0] == "cnn_helpers":
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from cnn_helpers import models, training
                found.update(alias.name for alias in node.names if alias.name in ALLOWED)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_imports_only_from_its_own_layer_and_those_below(path):
    layer = _layer(path)
    if layer is None:  # cnn_helpers/__init__.py gathers the public names of every layer
        return
    assert layer in ALLOWED, f"{path}: a module outside the layers of ARCHITECTURE.md"
    upward = _imported_layers(path) - ALLOWED[layer] - {layer}
    assert not upward, f"{path} ({layer}) imports {sorted(upward)}: above its layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_short_enough_to_read_in_one_sitting(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path}: {lines} lines (at most {MAX_LINES})"


def test_every_chapter_folder_holds_a_record_listed_in_chapters():
    folders = sorted(info.name for info in pkgutil.iter_modules(chapters.__path__) if info.ispkg)
    listed = [f"ch{chapter.number:02d}_{chapter.key}" for chapter in chapters.CHAPTERS]
    assert folders == listed
    for folder, chapter in zip(folders, chapters.CHAPTERS):
        assert importlib.import_module(f"cnn_helpers.chapters.{folder}").CHAPTER is chapter
