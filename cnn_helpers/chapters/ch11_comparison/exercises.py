"""Exercises of chapter 11 (the networks side by side), checked instantly: ``exercise_1(answer)`` etc.

The right answers are computed when checking, from the same builders and results file as the
chapter's table (``cnn_helpers.chapters.ch11_comparison.table``), never typed in.
"""

from __future__ import annotations

from cnn_helpers import models
from cnn_helpers.chapters.ch10_densenet import memory
from cnn_helpers.chapters.ch11_comparison import columns, measurements, table
from cnn_helpers.chapters.feedback import Feedback, check
from cnn_helpers.core.language import tr


def _same_net(answer, chapter: str, results=None) -> bool:
    """True when ``answer`` names ``chapter``: its key ("vgg") or its title ("VGG-11")."""
    names = {chapter.lower(), table.title(chapter, results).lower()}
    return str(answer).strip().lower() in names


def _measured(results: dict | None) -> dict:
    """chapter -> ``measurements.Measured`` for every chapter the class-profile results hold."""
    if results is None:
        results = measurements.load_results()
    return {chapter: m for chapter in table.chapter_names(results)
            if (m := measurements.measured(results, chapter)) is not None}


def most_parameters_per_point(results: dict | None = None) -> str | None:
    """The chapter whose trained net has the most parameters per percentage point of its mean
    judged accuracy in the class-profile ``results`` (default: the committed file)."""
    found = _measured(results)
    ratios = {chapter: m.parameters / (100 * m.mean) for chapter, m in found.items()}
    return max(ratios, key=ratios.get) if ratios else None


def exercise_1(answer: object, results: dict | None = None) -> Feedback:
    """In this course's class-profile runs (the table of trained nets): which net pays the most
    parameters per percentage point of mean accuracy? Name it. (``results``: the class-profile
    results dict; default: the committed file.)"""
    if results is None:
        results = measurements.load_results()
    best = most_parameters_per_point(results)
    if best is None:
        return Feedback(tr("Comparison 1"), None, tr("no class-profile results to check against: run "
                           "benchmarks/class_profile.py first"))
    return check(tr("Comparison 1"), answer, lambda a: _same_net(a, best, results),
                 tr("divide each trained net's parameters by 100 x its mean accuracy"),
                 praise=tr(f"correct! {table.title(best, results)}."))


def exercise_2(answer: object) -> Feedback:
    """NiN's last block reads (384, 5, 5) features. How many parameters would one fully
    connected layer from these features to 4096 units have (weights and biases)?"""
    saving = columns.global_pooling_saving()
    c, h, w = saving.features
    right = c * h * w * 4096 + 4096
    return check(tr("Comparison 2"), answer, lambda a: int(a) == right,
                 tr("inputs x outputs weights, plus one bias per output"),
                 praise=tr(f"correct! {right:,} -- more than all of NiN's {saving.nin_head:,}-"
                           "parameter head many times over."))


def exercise_3(answer: object, results: dict | None = None) -> Feedback:
    """In this course's class-profile runs, which net reached the highest mean judged
    accuracy over its seeds? Name it. (``results``: the class-profile results dict;
    default: the committed file.)"""
    if results is None:
        results = measurements.load_results()
    scores = {chapter: m.mean for chapter, m in _measured(results).items()}
    if not scores:
        return Feedback(tr("Comparison 3"), None, tr("no class-profile results to check against: run "
                           "benchmarks/class_profile.py first"))
    best = max(scores, key=scores.get)
    return check(tr("Comparison 3"), answer, lambda a: _same_net(a, best, results),
                 tr("read the class profile's mean accuracy column"),
                 praise=tr(f"correct! {table.title(best, results)}, {scores[best]:.3f}."))


def exercise_4(answer: object) -> Feedback:
    """Why does DenseNet need more activation memory in training than ResNet-18, with 15x
    fewer parameters? Choose one letter:
    (a) its convolutions have larger kernels; (b) each unit's batch norm and convolution read
    everything concatenated before it, and autograd keeps those inputs for the backward pass;
    (c) it trains in double precision. (Checked by measuring a dense block, not typed in.)"""
    rows = memory.dense_block_growth(units=(1, 2, 4))
    grows_faster = all(b / a > m / n for (n, a), (m, b) in zip(rows, rows[1:]))
    kernels = {m.kernel_size for m in models.densenet().modules() if hasattr(m, "kernel_size")
               and isinstance(m.kernel_size, tuple)}
    right = "b" if grows_faster and max(k[0] for k in kernels) <= 7 else None
    return check(tr("Comparison 4"), answer, lambda a: str(a).strip().lower().strip("()") == right,
                 tr("compare chapter 10's memory table: what grows with the square of the units?"),
                 praise=tr("correct! (b): the saved inputs grow with the square of a block's units; "
                           "its kernels are 3x3 (7x7 only in the stem, as ResNet's), in float32."))
