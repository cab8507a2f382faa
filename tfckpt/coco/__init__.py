"""COCO box mAP for Keras detectors: ground truth and detections to COCO form, scored by
``faster-coco-eval`` (or ``pycocotools``), and :class:`COCOMetrics`, the callback that puts
``val_mAP`` and friends into the epoch's ``logs``.

Example:
    >>> from tfckpt.coco import COCOAccumulator
    >>> scores = COCOAccumulator()  # doctest: +SKIP
"""

from tfckpt.coco.accumulate import METRIC_NAMES, COCOAccumulator
from tfckpt.coco.backends import available_backends

__all__ = ["METRIC_NAMES", "COCOAccumulator", "available_backends"]
