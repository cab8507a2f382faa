"""Keras callbacks that keep the best model and recent progress, crash-safely.

The callbacks import TensorFlow when first used; the policies (``tfckpt.callbacks.policies``)
and templates never do, so they can be tested and reused without it.
"""

__all__ = ["BestCheckpoint", "PeriodicCheckpoint"]


def __getattr__(name: str):
    if name == "BestCheckpoint":
        from tfckpt.callbacks.best import BestCheckpoint

        return BestCheckpoint
    if name == "PeriodicCheckpoint":
        from tfckpt.callbacks.periodic import PeriodicCheckpoint

        return PeriodicCheckpoint
    raise AttributeError(f"module 'tfckpt.callbacks' has no attribute {name!r}")
