"""The benchmark scripts still run and print their tables (tiny sizes; no timing is asserted).

Speed goals live in the benchmarks themselves (``make benchmark``); these
tests only keep the scripts from rotting as the code they measure changes.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "widget_latency": (["--updates", "6"], ["kernel explorer", "receptive-field explorer"]),
    "pooling_latency": (["--updates", "4"], ["ours (numpy + Pillow PNG)", "matplotlib figure"]),
    "train_lenet": (["--epochs", "1", "--train-examples", "1280", "--device", "cpu"],
                    ["| d2l.train_ch6, book's loader |", "| d2l.train_ch6, in-memory loader |",
                     "| cnn_helpers.fit |", "fit / (d2l.train_ch6, book's loader)"]),
    "lenet_full": (["--profile", "smoke", "--device", "cpu"],
                   ["lenet on", "lenet_modern on", "test acc per epoch"]),
}


@pytest.mark.parametrize("script", RUNS)
def test_benchmark_script_runs_and_prints_its_table(script, tmp_path):
    arguments, expected = RUNS[script]
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), *arguments],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for words in expected:
        assert words in done.stdout, done.stdout


def test_class_profile_script_writes_every_run_with_its_history(tmp_path):
    import json

    output = tmp_path / "class_profile.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "class_profile.py"), "--profile",
                           "smoke", "--only", "lenet_modern", "--seeds", "0", "1", "--output", str(output)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "lenet_modern seed 1: test acc per epoch" in done.stdout
    results = json.loads(output.read_text())
    assert results["profile"] == "smoke" and {"date", "command", "machine", "data_key"} <= set(results)
    first, second = results["runs"]
    assert (first["seed"], second["seed"]) == (0, 1) and first["parameters"] == 61_706
    late = first["history"]["test_acc"][-3:]
    assert first["judged_accuracy"] == pytest.approx(sum(late) / len(late))
    assert first["history"]["train_loss"] != second["history"]["train_loss"]  # seeds differ
