"""Options shared by the whole suite (pytest reads them only from this top-level conftest)."""

import os

from hypothesis import settings

# Property tests explore new random examples on every local run; under CI (CI=true) they
# replay a fixed set, so a submission's result does not depend on the draw.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption(
        "--update-screenshots", action="store_true", default=False,
        help="save a screenshot of every widget tested in the browser into images/ "
             "(tests/browser; same as CNN_UPDATE_SCREENSHOTS=1)",
    )
