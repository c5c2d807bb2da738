"""The wheel's one need that pyproject.toml cannot say: two folders of the checkout ship inside it.

Chapters 4, 9, 10 and 11 compare a run with what ``benchmarks/`` measured
(``benchmarks/results/*.json``), and chapters 1 and 2 show figures of ``images/``. Installed from
the wheel, on a hosted Jupyter without the checkout, the package finds them as
``cnn_helpers/results/`` and ``cnn_helpers/images/`` (``cnn_helpers.core.RESULTS``, ``FIGURES``):
this maps those packages to the two folders at build time, so each has one copy in the
repository. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cnn_helpers", "cnn_helpers.*"]),
              "cnn_helpers.results", "cnn_helpers.images"],
    package_dir={"cnn_helpers.results": "benchmarks/results", "cnn_helpers.images": "images"},
    package_data={"cnn_helpers.results": ["*.json"], "cnn_helpers.images": ["*.png", "zh/*.png"],
                  "cnn_helpers.core": ["messages_*.toml"]},
)
