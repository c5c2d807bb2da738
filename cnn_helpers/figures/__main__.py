"""python -m cnn_helpers.figures [DIRECTORY] [--language en|zh|both]: redraw every figure.

English into DIRECTORY (default: images/), Chinese into DIRECTORY/zh/; both unless
``--language`` says one.
"""

import argparse

from cnn_helpers.core.language import LANGUAGES
from cnn_helpers.figures import draw_everything

parser = argparse.ArgumentParser(prog="python -m cnn_helpers.figures",
                                 description="Redraw the course's figures.")
parser.add_argument("directory", nargs="?", default="images",
                    help="where the English figures go; the Chinese ones go to its zh/ folder")
parser.add_argument("--language", choices=[*LANGUAGES, "both"], default="both",
                    help="the figures' language (default: both)")
arguments = parser.parse_args()
chosen = LANGUAGES if arguments.language == "both" else (arguments.language,)
for path in draw_everything(arguments.directory, chosen):
    print("wrote", path)
