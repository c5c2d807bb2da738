"""Chapter 11: the comparison's cheap columns, its results readers and its exercises."""

from dataclasses import asdict

import pytest
import torch
from torch import nn

from cnn_helpers import chapters, models
from cnn_helpers.chapters import settings
from cnn_helpers.chapters.ch10_densenet import memory
from cnn_helpers.chapters.ch11_comparison import columns, exercises, measurements, table
from cnn_helpers.ops import receptive


def _run(chapter, seed, judged, seconds=10.0):
    """One run as benchmarks/class_profile.py writes it (the fields the comparison reads)."""
    spec = chapters.run(chapter)
    return {"chapter": chapter, "title": spec.title, "notebook": chapters.CHAPTER_OF[chapter].notebook,
            "seed": seed, "settings": asdict(settings(chapter, "smoke")), "parameters": 1000,
            "judged_accuracy": judged, "final_accuracy": judged, "seconds": seconds,
            "history": {"test_acc": [judged] * settings(chapter, "smoke").epochs}}


@pytest.fixture
def partial_results():
    """A results file that holds only LeNet and LeNet-BN (the other chapters missing)."""
    return {"data": "Fashion-MNIST", "profile": "class", "device": "cpu", "date": "2026-11-30",
            "command": "python benchmarks/class_profile.py", "machine": {},
            "runs": [_run("lenet", s, a) for s, a in enumerate((0.70, 0.74, 0.72))]
            + [_run("lenet_bn", s, a) for s, a in enumerate((0.80, 0.82, 0.84))]}


@pytest.mark.parametrize("chapter", [r.key for r in chapters.RUNS.values() if r.compared])
def test_cheap_columns_equal_the_builders_numbers(chapter):
    run = settings(chapter, "smoke")
    torch.manual_seed(0)
    net = chapters.run(chapter).build(run)
    size = run.resize or 28
    cheap = columns.cheap_columns(chapter, run)
    assert cheap.parameters == models.count_parameters(net)
    assert cheap.multiply_adds == sum(w for *_, w in models.multiply_adds(net, (1, 1, size, size)))
    assert cheap.image_size == size


def test_the_book_lenet_has_the_parameters_chapter_3_prints():
    assert columns.cheap_columns("lenet").parameters == 61_706


@pytest.mark.parametrize("chapter", ["lenet", "alexnet", "vgg", "nin"])
def test_receptive_field_agrees_with_the_recurrences_on_sequential_nets(chapter):
    run = settings(chapter, "smoke")
    net = chapters.run(chapter).build(run)
    big = 512  # large enough that the field is not clipped
    assert columns.receptive_field_side(net, run.resize or 28) == \
        receptive.receptive_field(net, big)[-1].size[0]


def test_receptive_field_follows_the_main_path_of_a_residual_block_not_its_shortcut():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), models.Residual(4, 8, True, strides=2),
                        nn.AdaptiveAvgPool2d(1))
    main_path = [receptive.LayerGeometry.make("c", 3, 1, 1), receptive.LayerGeometry.make("c1", 3, 2, 1),
                 receptive.LayerGeometry.make("c2", 3, 1, 1)]
    assert columns.receptive_field_side(net, 16) == receptive.receptive_field(main_path, 64)[-1].size[0] == 9


class _TwoPaths(nn.Module):
    def __init__(self):
        super().__init__()
        self.p1, self.p2 = nn.Conv2d(1, 2, 1), nn.Conv2d(1, 2, 5, padding=2)

    def forward(self, X):
        return torch.cat([self.p1(X), self.p2(X)], dim=1)


def test_receptive_field_of_parallel_paths_is_the_widest_path():
    net = nn.Sequential(_TwoPaths(), nn.Flatten())
    assert columns.receptive_field_side(net, 9) == 5


def test_activation_memory_counts_each_saved_activation_once_and_no_parameters():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 10))
    # the convolution keeps its 1x8x8 input; the ReLU its 4x8x8 output, which the linear layer
    # reads (the same storage); float32: 4 bytes each
    assert memory.activation_bytes(net, 8) == (1 * 64 + 4 * 64) * 4


def test_a_missing_full_profile_file_reads_as_no_gpu_run(tmp_path, partial_results):
    missing = tmp_path / "full_profile.json"
    assert measurements.load_results(missing) is None
    summary = measurements.results_summary(partial_results, None, full_path=missing)
    assert "no GPU run committed yet" in summary


def test_a_broken_results_file_is_named(tmp_path):
    broken = tmp_path / "class_profile.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="class_profile.json is not a valid results file"):
        measurements.load_results(broken)


def test_chapters_missing_from_the_results_get_empty_measured_columns(partial_results):
    rows = table.comparison_rows(partial_results, None, chapters=["lenet", "lenet_bn", "resnet"])
    assert [r.class_profile is not None for r in rows] == [True, True, False]
    frame = table.table_frame(rows)
    assert frame.loc["ResNet-18", "class profile acc"] == "-"
    assert frame.loc["ResNet-18", "full profile acc (GPU)"] == "-"
    assert frame.loc["LeNet", "class profile acc"] == "0.720 (0.700-0.740)"
    assert measurements.full_profile_entry(None, "lenet") is None
    ideas = table.ideas_frame(rows)  # the ideas apart from the numbers, one line a net
    assert list(ideas.columns) == ["year", "idea (notes)"] and "idea (notes)" not in frame
    assert ideas.loc["ResNet-18", "idea (notes)"] == chapters.CHAPTER_OF["resnet"].paper.idea


def test_every_course_chapter_is_listed_and_a_measured_chapter_without_builder_too(partial_results):
    partial_results["runs"].append(dict(partial_results["runs"][0], chapter="newnet", title="NewNet"))
    names = table.chapter_names(partial_results)
    assert names[:-1] == [r.key for r in chapters.RUNS.values() if r.compared]
    assert names[-1] == "newnet" and table.title("newnet", partial_results) == "NewNet"


def test_batch_norm_gain_reads_both_lenets_and_says_when_epochs_differ(partial_results):
    gain = measurements.batch_norm_gain(partial_results)
    assert gain.gain == pytest.approx(0.10)
    for run in partial_results["runs"][:3]:  # LeNet: 4 epochs where LeNet-BN had 2
        run["settings"]["epochs"], run["history"]["test_acc"] = 4, [0.5, 0.6, 0.7, run["judged_accuracy"]]
    gain = measurements.batch_norm_gain(partial_results)
    assert "not at equal training" in str(gain)
    assert gain.plain_at_equal_epochs == pytest.approx(0.6)  # LeNet's epoch 2: its accuracy then
    assert measurements.batch_norm_gain({"runs": partial_results["runs"][:3]}) is None
    for run in partial_results["runs"][3:]:  # LeNet-BN with the class recipe, LeNet with the book's
        run["settings"]["recipe"] = {"name": "class"}
    assert "LeNet used the book recipe, LeNet + batch norm the class recipe" in str(
        measurements.batch_norm_gain(partial_results))


def test_global_average_pooling_head_is_far_smaller_than_a_dense_head():
    saving = columns.global_pooling_saving()
    assert saving.features == (384, 5, 5)
    assert saving.nin_head == models.count_parameters(models.nin()[-5:])  # last NiN block
    assert saving.dense_head == (384 * 25 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 10 + 10)


def test_exercise_1_accepts_the_net_with_most_parameters_per_point_and_refuses_others(partial_results):
    partial_results["runs"][0]["parameters"] = 5000  # LeNet's seed 0: 5,000 parameters for 72%
    assert exercises.most_parameters_per_point(partial_results) == "lenet"
    assert exercises.exercise_1("LeNet", partial_results).correct
    assert exercises.exercise_1("lenet", partial_results).correct
    assert exercises.exercise_1("LeNet + batch norm", partial_results).correct is False
    assert exercises.exercise_1(..., partial_results).correct is None
    assert exercises.exercise_1("LeNet", {"runs": []}).correct is None


def test_exercise_2_accepts_the_dense_layer_size_and_refuses_others():
    assert exercises.exercise_2(384 * 25 * 4096 + 4096).correct
    assert exercises.exercise_2(384 * 25 * 4096).correct is False
    assert exercises.exercise_2("many").correct is False


def test_exercise_3_accepts_the_best_measured_net_and_refuses_others(partial_results):
    assert exercises.exercise_3("LeNet + batch norm", partial_results).correct
    assert exercises.exercise_3("lenet_bn", partial_results).correct
    assert exercises.exercise_3("LeNet", partial_results).correct is False
    assert exercises.exercise_3("LeNet", {"runs": []}).correct is None


def test_exercise_4_asks_why_densenet_needs_memory_and_accepts_only_b():
    assert exercises.exercise_4("b").correct and exercises.exercise_4(" (B) ").correct
    assert exercises.exercise_4("a").correct is False and exercises.exercise_4("c").correct is False
    assert exercises.exercise_4(...).correct is None


@pytest.mark.parametrize("quantity", ["parameters", "multiply-adds", "seconds"])
def test_the_plots_labels_cover_no_label_and_no_point_of_the_committed_results(quantity):
    # GoogLeNet over NiN, "LeNet + batch norm" across DenseNet's error bar (issue 25, finding 9)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnn_helpers.chapters.ch11_comparison import plots

    results = measurements.load_results(measurements.CLASS_PROFILE_RESULTS)
    if results is None:
        pytest.skip("no class-profile results committed")
    rows = table.comparison_rows(results, measurements.load_results(
        measurements.FULL_PROFILE_RESULTS))
    with plt.rc_context({"figure.dpi": 72}):  # the notebook's, from the start: the labels are
        ax = plots.plot_accuracy_against(rows, quantity, fontsize=14)  # placed in its pixels
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    labels = [text for text in ax.texts if text.get_text()]
    boxes = [label.get_window_extent(renderer) for label in labels]
    points = [xy for line in ax.get_lines() if line.get_marker() == "o"
              for xy in ax.transData.transform(line.get_xydata())]
    inside = ax.get_window_extent(renderer)
    for label, box in zip(labels, boxes):
        others = [o for o in boxes if o is not box]
        assert not any(box.overlaps(o) for o in others), label.get_text()
        assert not any(box.x0 < x < box.x1 and box.y0 < y < box.y1 for x, y in points), \
            label.get_text()
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1, label.get_text()
    plt.close(ax.figure)
