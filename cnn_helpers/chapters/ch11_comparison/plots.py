"""Chapter 11's plots (卷积神经网络对比): accuracy against parameters, multiply-adds, seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnn_helpers.chapters.ch11_comparison.table import Row

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation


def plot_accuracy_against(rows: list[Row], quantity: str, ax: Axes | None = None,
                          fontsize: int = 14) -> Axes:
    """Accuracy against ``quantity`` ("parameters", "multiply-adds" or "seconds"), one labelled
    point per net: filled, the class profile's mean over seeds (bar: min-max) against the
    trained net's numbers; hollow, the book's printed accuracy against the book's configuration
    (not for seconds: the book prints no times). Log x except for seconds.

    Args:
        rows: the comparison table (``table.comparison_rows``).
        quantity: "parameters", "multiply-adds" or "seconds".
        ax: the Axes to draw on (default: a new 10 x 5.6 inch figure).
        fontsize: of the labels; tick labels and legend 2 points smaller.

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: for another ``quantity``.
    """
    import matplotlib.pyplot as plt

    choices = {
        "parameters": (lambda r: r.class_profile.parameters,
                       lambda r: r.book.parameters if r.book else None, "parameters"),
        "multiply-adds": (lambda r: r.trained.multiply_adds if r.trained else None,
                          lambda r: r.book.multiply_adds if r.book else None,
                          "multiply-adds per image"),
        "seconds": (lambda r: r.class_profile.seconds, None,
                    "seconds of training per run (class profile, CPU)"),
    }
    if quantity not in choices:
        raise ValueError(f"quantity={quantity!r}: choose one of {', '.join(choices)}")
    ours, theirs, label = choices[quantity]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.6))
    labels = []
    points = [(ours(r), r) for r in rows if r.class_profile is not None and ours(r) is not None]
    for x, r in points:
        m = r.class_profile
        ax.errorbar([x], [m.mean], yerr=[[m.mean - m.low], [m.high - m.mean]], fmt="o", ms=9,
                    color="tab:blue", capsize=4)
        labels.append(ax.annotate(r.title, (x, m.mean), xytext=(8, 4), textcoords="offset points",
                                  fontsize=fontsize, color="tab:blue"))
    book_points = [(theirs(r), r) for r in rows
                   if theirs is not None and theirs(r) is not None and r.book_accuracy is not None]
    for x, r in book_points:
        ax.plot([x], [r.book_accuracy], "o", ms=9, mfc="none", color="tab:orange")
        labels.append(ax.annotate(r.title, (x, r.book_accuracy), xytext=(8, 4),
                                  textcoords="offset points", fontsize=fontsize - 1,
                                  color="tab:orange"))
    handles = [plt.Line2D([], [], marker="o", ls="", ms=9, color="tab:blue",
                          label="this course, class profile (CPU), mean and min-max of seeds")]
    if book_points:
        handles.append(plt.Line2D([], [], marker="o", ls="", ms=9, mfc="none", color="tab:orange",
                                  label="the book's figure, at the book's configuration"))
    if quantity != "seconds":
        ax.set_xscale("log")
    ax.set_xlabel(label, fontsize=fontsize)
    ax.set_ylabel("test accuracy (Fashion-MNIST)", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 2)
    ax.margins(x=0.15, y=0.12)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=fontsize - 2, loc="upper left")
    _spread_labels(ax, labels)
    return ax


def _spread_labels(ax: Axes, labels: list[Annotation]) -> None:
    """Place each point label beside its point, inside the axes, where it overlaps no label
    placed before it and not the legend: right or left, above or below, stepping further out."""
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = ax.get_legend()
    taken = [legend.get_window_extent(renderer)] if legend is not None else []
    inside = ax.get_window_extent(renderer)
    candidates = [(dx, dy) for step in range(6) for dy in (4 + 14 * step, -14 - 14 * step)
                  for dx in (8, -8)]
    for label in labels:
        for dx, dy in candidates:
            label.set_horizontalalignment("left" if dx > 0 else "right")
            label.xyann = (dx, dy)
            box = label.get_window_extent(renderer)
            if (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0
                    and box.y1 <= inside.y1 and not any(box.overlaps(o) for o in taken)):
                break
        else:
            label.set_horizontalalignment("left")
            label.xyann = candidates[0]
            box = label.get_window_extent(renderer)
        taken.append(box)
