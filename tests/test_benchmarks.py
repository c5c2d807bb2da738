"""The benchmark scripts still run and print their tables (tiny sizes; no timing is asserted).

Speed goals live in the benchmarks themselves (``make benchmark``); these
tests only keep the scripts from rotting as the code they measure changes.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "widget_latency": (["--updates", "6"], ["kernel explorer", "receptive-field explorer",
                                            "network explorer, LeNet", "network explorer, ResNet",
                                            "Inception explorer 96x96"]),
    "pooling_latency": (["--updates", "4"], ["ours (numpy + Pillow PNG)", "matplotlib figure"]),
    "train_lenet": (["--epochs", "1", "--train-examples", "1280", "--device", "cpu"],
                    ["| d2l.train_ch6, book's loader |", "| d2l.train_ch6, in-memory loader |",
                     "| cnn_helpers.fit |", "fit / (d2l.train_ch6, book's loader)"]),
    "lenet_full": (["--profile", "smoke", "--device", "cpu"],
                   ["lenet on", "lenet_modern on", "test acc per epoch"]),
}


def run_benchmark(script, arguments, folder):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), *arguments],
                          capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("script", RUNS)
def test_benchmark_script_runs_and_prints_its_table(script, tmp_path):
    arguments, expected = RUNS[script]
    printed = run_benchmark(script, arguments, tmp_path)
    for words in expected:
        assert words in printed, printed


def test_full_profile_dry_run_trains_every_net_both_ways_and_writes_its_json(tmp_path):
    printed = run_benchmark("full_profile", ["--tiny", "--device", "cpu", "--output", "out.json"],
                            tmp_path)
    report = json.loads((tmp_path / "out.json").read_text())
    nets = {"lenet", "alexnet", "vgg", "nin", "googlenet", "lenet_bn", "resnet", "densenet"}
    assert set(report["results"]) == nets
    for name, result in report["results"].items():
        assert 0 <= result["test_acc"] <= 1 and result["s_per_epoch"] > 0, name
        assert result["peak_gib"] is None, "no GPU memory is measured on the CPU"
        assert ("d2l" in result) == (name in {"lenet", "alexnet", "resnet"}), name
    for name in ("lenet", "alexnet", "resnet"):
        d2l = report["results"][name]["d2l"]
        assert 0 <= d2l["test_acc"] <= 1 and d2l["s_per_epoch"] > 0
        assert report["results"][name]["ratio"] > 0
    assert report["versions"]["torch"] and report["seed"] == 0 and report["device"]
    assert "| net | book | test acc | s/epoch |" in printed and "results written to" in printed


def test_full_profile_drops_the_slowest_nets_beyond_its_time_budget(tmp_path):
    printed = run_benchmark("full_profile", ["--estimate-only", "--budget-s", "150", "--only",
                                             "lenet", "--only", "alexnet"], tmp_path)
    assert "lenet " in printed and "alexnet" in printed
    assert "dropping alexnet to stay within --budget-s 150; rerun them with --only alexnet" \
        in printed
    assert not list(tmp_path.iterdir()), "an estimate trains nothing and writes nothing"


def test_class_profile_script_writes_every_run_with_its_history(tmp_path):
    output = tmp_path / "class_profile.json"
    printed = run_benchmark("class_profile", ["--profile", "smoke", "--only", "lenet_modern",
                                              "--seeds", "0", "1", "--output", str(output)], tmp_path)
    assert "lenet_modern seed 1: test acc per epoch" in printed
    results = json.loads(output.read_text())
    assert results["profile"] == "smoke" and {"date", "command", "machine", "data_key"} <= set(results)
    first, second = results["runs"]
    assert (first["seed"], second["seed"]) == (0, 1) and first["parameters"] == 61_706
    late = first["history"]["test_acc"][-3:]
    assert first["judged_accuracy"] == pytest.approx(sum(late) / len(late))
    assert first["history"]["train_loss"] != second["history"]["train_loss"]  # seeds differ


def test_write_results_records_settings_machine_command_and_extra_fields(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from cnn_helpers import settings

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    from benchmarks.class_profile import write_results

    loaded = SimpleNamespace(name="Fashion-MNIST", key="fashion_mnist")
    path = tmp_path / "results" / "degradation.json"
    write_results(path, "what", loaded, "class", settings("degradation", "class"), "cpu",
                  "degradation.py", ["--seeds", "0"], [{"seed": 0}], blocks_per_stage=[3, 9])
    document = json.loads(path.read_text())
    assert document["command"] == "python benchmarks/degradation.py --seeds 0"
    assert document["blocks_per_stage"] == [3, 9] and document["runs"] == [{"seed": 0}]
    assert document["settings"]["train_examples"] == 2400 and "cpu_count" in document["machine"]
