"""Keras callbacks that keep the best model and recent progress, crash-safely.

Importing this package imports TensorFlow (``import tfckpt`` alone does not).
"""

from tfckpt.callbacks.best import BestCheckpoint
from tfckpt.callbacks.periodic import PeriodicCheckpoint

__all__ = ["BestCheckpoint", "PeriodicCheckpoint"]
