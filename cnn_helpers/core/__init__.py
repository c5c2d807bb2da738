"""Infrastructure every chapter stands on: devices, run profiles, data, images, drawing and
the students' working copy. Nothing here knows about a particular chapter or network.

The package runs from the course's checkout (``make lab``) or installed alone from its wheel
(a hosted Jupyter: Colab, Kaggle, JupyterHub). ``RESULTS``, what the benchmarks measured and the
chapters compare against, is ``benchmarks/results/`` in a checkout and the copy the wheel
carries (``cnn_helpers/results/``, see setup.py) elsewhere; ``FIGURES``, the figures the
chapters show, likewise ``images/`` or ``cnn_helpers/images/``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # cnn_helpers/
CHECKOUT = PACKAGE.parent  # the course's checkout (notebooks/, images/, ...) when run from one
IN_CHECKOUT = (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "notebooks").is_dir()
RESULTS = (CHECKOUT / "benchmarks" / "results") if IN_CHECKOUT else PACKAGE / "results"
FIGURES = (CHECKOUT / "images") if IN_CHECKOUT else PACKAGE / "images"  # the course's figures
