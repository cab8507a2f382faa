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
from tfckpt.validate.api import validate  # eager: a lazy name would be shadowed by the subpackage tfckpt.validate

__version__ = "0.1.0"
__all__ = ["BestCheckpoint", "COCOMetrics", "ConfigError", "EarlyStoppingRestore", "PeriodicCheckpoint",
           "PipelineConfig", "RestoreMismatchError", "TfckptError", "__version__", "inspect_path", "load_label_map",
           "load_pipeline_config", "parse_pipeline_config", "read_index", "restore", "validate", "diff_configs"]

_LAZY = {"BestCheckpoint": "tfckpt.callbacks.best", "PeriodicCheckpoint": "tfckpt.callbacks.periodic",
         "EarlyStoppingRestore": "tfckpt.callbacks.early_stopping", "COCOMetrics": "tfckpt.coco.callback",
         "restore": "tfckpt.restoring", "RestoreMismatchError": "tfckpt.restoring", "diff_configs": "tfckpt.diff",
         **dict.fromkeys(["ConfigError", "PipelineConfig", "load_label_map", "load_pipeline_config",
                          "parse_pipeline_config"], "tfckpt.pipeline")}


def __getattr__(name: str):
    """Import the callbacks (and with them TensorFlow) and the config parser only when first used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tfckpt' has no attribute {name!r}")
