"""TensorFlow is optional: the command line reads checkpoints without it, and only the Keras
callbacks, ``COCOMetrics``, ``tfckpt.restore``, the demo and ``gs://`` / ``ram://`` paths need it.
They all import it through :func:`import_tensorflow`, so its absence is one clear error.

Example:
    >>> tf = import_tensorflow("tfckpt's Keras callbacks")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys

from tfckpt.errors import MissingDependencyError

INSTALL_COMMAND = "pip install 'tfckpt[tensorflow]'"


def import_tensorflow(needed_by: str):
    """The ``tensorflow`` module; ``needed_by`` says what wanted it, for the error.

    Raises:
        MissingDependencyError: TensorFlow is not installed (a TensorFlow that is installed but
            fails to import raises its own error, unchanged).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow
    except ModuleNotFoundError as err:
        if err.name != "tensorflow":
            raise
        raise MissingDependencyError(
            "", f"TensorFlow is needed by {needed_by}, and it is not installed in this Python ({sys.executable})",
            f"install it with {INSTALL_COMMAND}, or install your own TensorFlow build (tensorflow-cpu, "
            "tensorflow-macos, tf-nightly, ...) beside tfckpt") from None
    return tensorflow
