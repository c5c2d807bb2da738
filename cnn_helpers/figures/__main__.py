"""python -m cnn_helpers.figures [DIRECTORY]: redraw every figure (default: images/)."""

import sys

from cnn_helpers.figures import draw_everything

for path in draw_everything(sys.argv[1] if len(sys.argv) > 1 else "images"):
    print("wrote", path)
