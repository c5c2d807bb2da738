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
    "widget_latency": (["--updates", "6"], ["kernel explorer", "receptive-field explorer",
                                            "Inception explorer 96x96"]),
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
