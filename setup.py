"""The wheel's one need that pyproject.toml cannot say: the measured results ship inside it.

Chapters 4, 9, 10 and 11 compare a run with what ``benchmarks/`` measured
(``benchmarks/results/*.json``). Installed from the wheel, on a hosted Jupyter without the
checkout, the package finds them as ``cnn_helpers/results/`` (``cnn_helpers.core.RESULTS``): this
maps that folder to ``benchmarks/results`` at build time, so there is one copy in the repository.
Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cnn_helpers", "cnn_helpers.*"]), "cnn_helpers.results"],
    package_dir={"cnn_helpers.results": "benchmarks/results"},
    package_data={"cnn_helpers.results": ["*.json"]},
)
