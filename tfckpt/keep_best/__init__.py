"""``tfckpt keep-best``: keep the best checkpoints of an Object Detection API run by eval mAP,
beside ``model_main_tf2.py``, without TensorFlow.

The names below load on first use, so that ``tfckpt``'s other commands do not pay for them.

Example:
    >>> from tfckpt.keep_best import keep_best
    >>> keep_best("runs/frcnn", keep=3).best  # doctest: +SKIP
    'runs/frcnn/best/ckpt-12'
"""

__all__ = ["DEFAULT_METRIC", "KeepBest", "KeepBestOptions", "KeepBestReport", "Notice", "keep_best"]

_LAZY = {"keep_best": "tfckpt.keep_best.api", "KeepBest": "tfckpt.keep_best.keeper",
         "DEFAULT_METRIC": "tfckpt.keep_best.options", "KeepBestOptions": "tfckpt.keep_best.options",
         "KeepBestReport": "tfckpt.keep_best.report", "Notice": "tfckpt.keep_best.report"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tfckpt.keep_best' has no attribute {name!r}")
