"""Training an image classifier: ``fit``, its history, checkpoints and the book's init.

Chapter 3 (LeNet) and every later architecture chapter train through
``fit``, the book's ``d2l.train_ch6`` made fast and honest. One module per
piece, in the order ``fit`` uses them:

==================  ==================================================================
``loop``            ``fit`` and ``train_step``: the book's loop, on one screen
``run``             ``prepare``: seed, init, device, optimizer -- a ``Run`` to train with
``core.recipe``     ``Recipe``: the book's plain SGD, or the class recipe's additions (a run setting)
``batches``         a tensor pair indexed on the device, or any loader of batches
``speed``           ``Speed``: mixed precision, channels-last, CUDA-graph replay, threads
``live``            one progress bar and one plot, updated in place
``errors``          divergence, out of memory, Ctrl-C, batch norm's batch of one
``sizes``           images of the wrong size: the ``resize=`` the net expects
``history``         ``History``: the numbers of each epoch
``checkpoints``     ``save_checkpoint`` / ``load_checkpoint``
``initialization``  ``init_xavier`` (the book's) and ``init_default``
``evaluate``        ``evaluate_accuracy``, ``predict``, ``show_predictions``
``checks``          ``judged_accuracy`` and ``plateau_exit``: what a finished run is judged by
==================  ==================================================================
"""

from cnn_helpers.core.recipe import BOOK, CLASS, RECIPES, Recipe
from cnn_helpers.training.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from cnn_helpers.training.checks import judged_accuracy, plateau_exit
from cnn_helpers.training.errors import TrainingDiverged, TrainingOutOfMemory, has_batch_norm
from cnn_helpers.training.evaluate import evaluate_accuracy, predict, show_predictions
from cnn_helpers.training.history import PLOT_DPI, PLOT_FONT_SIZE, PLOT_SIZE, History
from cnn_helpers.training.initialization import INITIALIZERS, init_default, init_xavier
from cnn_helpers.training.live import _LivePlot
from cnn_helpers.training.loop import fit, train_step
from cnn_helpers.training.sizes import LARGEST_SIDE_TRIED, check_image_size, image_size_error
from cnn_helpers.training.speed import SEEDED_CPU_THREADS, SPEEDUP_MIN_PARAMETERS, Speed

__all__ = [
    "fit", "train_step", "Recipe", "BOOK", "CLASS", "RECIPES", "Speed", "History", "evaluate_accuracy", "predict", "show_predictions",
    "save_checkpoint", "load_checkpoint", "CheckpointError", "init_default", "init_xavier", "INITIALIZERS",
    "TrainingDiverged", "TrainingOutOfMemory", "has_batch_norm", "check_image_size",
    "image_size_error", "LARGEST_SIDE_TRIED", "judged_accuracy",
    "plateau_exit", "SEEDED_CPU_THREADS", "SPEEDUP_MIN_PARAMETERS",
    "PLOT_SIZE", "PLOT_DPI", "PLOT_FONT_SIZE", "_LivePlot",
]
