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
    ax.margins(x=0.15, y=0.3)  # room above and below for the labels of nets of equal accuracy
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=fontsize - 2, loc="upper left")
    _spread_labels(ax, labels)
    return ax


def _spread_labels(ax: Axes, labels: list[Annotation]) -> None:
    """Place each point label beside its point, inside the axes, where it covers no label placed
    before it, no point, no error bar and not the legend: right or left, above, level or below,
    stepping further out; a label placed away from its point gets a thin line to it."""
    from matplotlib.transforms import Bbox

    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = ax.get_legend()
    taken = [legend.get_window_extent(renderer)] if legend is not None else []
    for line in ax.get_lines():  # the markers, and the error bars (their caps are lines too)
        for x, y in ax.transData.transform(line.get_xydata()):
            taken.append(Bbox.from_extents(x - 6, y - 6, x + 6, y + 6))
    for collection in ax.collections:  # the error bars' vertical lines
        for path in collection.get_paths():
            (x0, y0), (x1, y1) = ax.transData.transform(path.vertices[[0, -1]])
            taken.append(Bbox.from_extents(min(x0, x1) - 2, min(y0, y1), max(x0, x1) + 2,
                                           max(y0, y1)))
    inside = ax.get_window_extent(renderer)
    # near first; then further up, down and sideways (nets of about equal accuracy crowd a row)
    candidates = [(dx, dy) for step in range(10) for dy in (2 + 12 * step, -8 - 12 * step)
                  for dx in (9 + 4 * step, -9 - 4 * step)]
    candidates += [(dx, dy) for step in range(16) for dy in (2 + 12 * step, -8 - 12 * step)
                   for dx in (30 + 24 * step, -30 - 24 * step)]

    def place(label, dx, dy):
        label.set_horizontalalignment("left" if dx > 0 else "right")
        label.set_verticalalignment("bottom" if dy > 0 else "top")
        label.xyann = (dx, dy)
        return label.get_window_extent(renderer)

    def covered(box) -> float:  # pixels of others covered; outside the axes counts as all
        if not (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0
                and box.y1 <= inside.y1):
            return box.width * box.height
        return sum(max(0, min(box.x1, o.x1) - max(box.x0, o.x0))
                   * max(0, min(box.y1, o.y1) - max(box.y0, o.y0)) for o in taken)

    for label in labels:
        best = None
        for dx, dy in candidates:  # the first free place, else the one covering least
            cover = covered(place(label, dx, dy))
            if best is None or cover < best[0]:
                best = (cover, dx, dy)
            if cover == 0:
                break
        box = place(label, *best[1:])
        if abs(label.xyann[1]) > 14:  # away from its point: a line says whose label it is
            label.arrow_patch = None
            ax.annotate("", label.xy, xytext=label.xyann, textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": label.get_color(), "lw": 0.8,
                                    "shrinkA": 0, "shrinkB": 5})
        taken.append(box)
