"""Insert the network explorer into chapters 3-10, after each chapter's feature-map viewer.

    python scripts/insert_network_explorer.py

Idempotent: a chapter that has the explorer already is left alone. Only new cells are added
(no outputs); re-execute the chapters afterwards.
"""

import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnn_helpers.core.files import write_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# chapter -> (the cell after which the explorer goes: a fragment of its source, net, resize)
CHAPTERS = {
    "03_lenet": ("FeatureMapViewer(modern_net", "modern_net", None),
    "04_alexnet": ("viewer = FeatureMapViewer(net,", "net", "run.resize"),
    "05_vgg": ("viewer = FeatureMapViewer(narrow,", "narrow", "run.resize"),
    "06_nin": ("viewer = FeatureMapViewer(net,", "net", "run.resize"),
    "07_googlenet": ("viewer = FeatureMapViewer(layers,", "layers", "run.resize"),
    "08_batch_norm": ("axes[1].legend(fontsize=8)", "net", None),
    "09_resnet": ("viewer = FeatureMapViewer(narrow,", "narrow", "run.resize"),
    "10_densenet": ("viewer = FeatureMapViewer(narrow,", "narrow", "run.resize"),
}
MARKDOWN = """### The whole net at a glance (网络总览)

The **network explorer** lays out every layer of the trained net in order: its output shape, its
parameters, its multiply-adds and the receptive field of one of its outputs ("—" after the
flatten), with a thumbnail of what it makes of one test image. The slider enlarges one layer's
maps; for a convolution it also shows the kernel that made the chosen map. Its totals are
`models.count_parameters` and `models.multiply_adds`."""
# chapter -> (the explorer's variable, a sentence after MARKDOWN), where not ("explorer", "")
VARIABLES = {
    # "explorer" is the Inception explorer's name further down in chapter 7
    "07_googlenet": ("network_explorer", "\n\nHere it walks `layers`, the unrolled net of the "
                     "viewer above, so each of the nine\nInception blocks is a card of its own; "
                     "a block's receptive field is that of its widest path."),
}


def lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + [parts[-1]]


def main() -> None:
    for name, (after, net, resize) in CHAPTERS.items():
        path = ROOT / "notebooks" / f"{name}.ipynb"
        notebook = json.loads(path.read_text())
        cells = notebook["cells"]
        if any("NetworkExplorer(" in "".join(cell["source"]) for cell in cells):
            continue
        index = next(i for i, cell in enumerate(cells)
                     if cell["cell_type"] == "code" and after in "".join(cell["source"]))
        size = f", resize={resize}" if resize else ""
        variable, sentence = VARIABLES.get(name, ("explorer", ""))
        code = ("from cnn_helpers.widgets.network_explorer import NetworkExplorer\n\n"
                f"{variable} = NetworkExplorer({net}, data.test_images[:32], "
                f"data.test_labels[:32], data.classes{size})\n{variable}")
        new = [{"cell_type": "markdown", "id": uuid.uuid4().hex[:8], "metadata": {},
                "source": lines(MARKDOWN + sentence)},
               {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8],
                "metadata": {}, "outputs": [], "source": lines(code)}]
        cells[index + 1:index + 1] = new
        write_text(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        print(f"{path.name}: explorer after cell {index}")


if __name__ == "__main__":
    main()
