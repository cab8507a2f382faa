"""tfckpt: keep the best model, check a checkpoint before restoring it, survive crashes.

Importing tfckpt does not import TensorFlow.

Example:
    >>> import tfckpt
    >>> report = tfckpt.inspect_path("runs/frcnn")  # doctest: +SKIP
    >>> [c.step for c in report.checkpoints]  # doctest: +SKIP
    [1, 100]
"""

from tfckpt.checkpoint.index import read_index
from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.errors import TfckptError

__version__ = "0.1.0"
__all__ = ["TfckptError", "__version__", "inspect_path", "read_index"]
