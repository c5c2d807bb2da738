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
    "throughput": (["--only", "lenet", "resnet", "--steps", "2", "--variants", "fp32", "bf16"],
                   ["GFLOP/s (2-thread fp32 2048^2 matmul)", "lenet", "resnet", "of peak"]),
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
    assert first["judged_accuracy"] == first["history"]["test_acc"][-1]  # the run's result
    assert first["peak_gflops"] > 0
    assert first["reference_seconds"] == pytest.approx(first["seconds"] * first["peak_gflops"] / 140,
                                                       rel=1e-3)  # the file keeps the peak rounded
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


def test_recipe_ladder_trains_every_rung_and_writes_what_chapter_11_reads(tmp_path):
    from cnn_helpers.chapters.ch11_comparison import recipe

    output = tmp_path / "recipe.json"
    printed = run_benchmark("recipe", ["--nets", "lenet_bn", "--seeds", "0", "--profile", "smoke",
                                       "--output", str(output)], tmp_path)
    results = json.loads(output.read_text())
    assert [r["recipe"] for r in results["runs"]] == [rung.name for rung in recipe.LADDER]
    assert "+ flips = class" in printed and results["book_accuracy"] == {"lenet_bn": 0.81}
    rows = recipe.rows(results)
    assert len(rows) == len(recipe.LADDER) and rows[0]["recipe"] == "book"
    assert rows[-1]["per seed"] == f"{results['runs'][-1]['history']['test_acc'][-1]:.3f}"


def test_frontier_fits_whole_one_cycle_runs_into_each_budget(tmp_path):
    output = tmp_path / "frontier.json"
    printed = run_benchmark("frontier", ["--nets", "lenet_bn", "--minutes", "0.01", "1",
                                         "--profile", "smoke", "--output", str(output)], tmp_path)
    runs = json.loads(output.read_text())["runs"]
    assert [r["minutes"] for r in runs] == [0.01, 1] and runs[0]["epochs"] == 1  # at least one
    assert runs[1]["epochs"] > runs[0]["epochs"] and "ref min" in printed
    assert all(len(r["history"]["test_acc"]) == r["epochs"] for r in runs)


def test_readme_results_table_is_the_one_the_measurements_make():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "results_table.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
