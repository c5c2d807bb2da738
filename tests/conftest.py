"""Options shared by the whole suite (pytest reads them only from this top-level conftest)."""


def pytest_addoption(parser):
    parser.addoption(
        "--update-screenshots", action="store_true", default=False,
        help="save a screenshot of every widget tested in the browser into images/ "
             "(tests/browser; same as CNN_UPDATE_SCREENSHOTS=1)",
    )
