"""Read a detector's outputs and a batch's ground truth into arrays the COCO accumulator takes.

Detections: a dict with the Object Detection API's keys (``detection_boxes``,
``detection_scores``, ``detection_classes``, optional ``num_detections``), KerasCV / KerasHub's
(``boxes``, ``confidence``, ``classes``, ``num_detections``; masked rows have class -1) or the
short ones (``boxes``, ``scores``, ``classes``), or a tuple ``(boxes, scores, classes[, num_detections])``.
Ground truth: a dict with ``boxes`` and ``classes`` (or ``groundtruth_boxes`` /
``groundtruth_classes``), or a tuple ``(boxes, classes)``; padded arrays (class -1) or ragged.

Example:
    >>> read_detections((boxes, scores, classes))["num_detections"] is None  # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from tfckpt.coco.errors import COCOInputError

_DETECTION_KEYS = (("detection_boxes", "detection_scores", "detection_classes", "num_detections"),  # OD API
                   ("boxes", "confidence", "classes", "num_detections"),  # KerasCV / KerasHub decoders
                   ("boxes", "scores", "classes", "num_detections"))
_TRUTH_KEYS = (("boxes", "classes"), ("groundtruth_boxes", "groundtruth_classes"), ("bboxes", "labels"))
ADAPTER_HINT = ("pass output_adapter=fn, where fn(outputs) returns {'detection_boxes': [batch, n, 4], "
                "'detection_scores': [batch, n], 'detection_classes': [batch, n]}")


def per_image(value):
    """An array with a leading batch axis, or a list of per-image arrays for ragged input."""
    if hasattr(value, "to_list") and hasattr(value, "row_splits"):  # tf.RaggedTensor
        return [np.asarray(row, dtype=np.float64) for row in value.to_list()]
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (list, tuple)):
        return [np.asarray(row) for row in value]
    return np.asarray(value)


def _describe(outputs) -> str:
    if isinstance(outputs, Mapping):
        return f"a dict with keys {sorted(outputs)}"
    if isinstance(outputs, (list, tuple)):
        return f"a {type(outputs).__name__} of {len(outputs)}"
    return f"one array of shape {list(np.shape(outputs))}"


def read_detections(outputs) -> dict:
    """``{"boxes", "scores", "classes", "num_detections"}`` (the last may be None) from model outputs."""
    if isinstance(outputs, Mapping):
        for keys in _DETECTION_KEYS:
            if all(key in outputs for key in keys[:3]):
                values = [per_image(outputs[key]) for key in keys[:3]]
                count = outputs.get(keys[3])
                return dict(zip(("boxes", "scores", "classes"), values),
                            num_detections=None if count is None else np.asarray(per_image(count)).reshape(-1))
    elif isinstance(outputs, (list, tuple)) and len(outputs) in (3, 4):
        values = [per_image(v) for v in outputs]
        return {"boxes": values[0], "scores": values[1], "classes": values[2],
                "num_detections": np.asarray(values[3]).reshape(-1) if len(values) == 4 else None}
    raise COCOInputError(f"COCOMetrics cannot read the model's output: it is {_describe(outputs)}", ADAPTER_HINT)


def read_ground_truth(truth) -> tuple:
    """``(boxes, classes)`` per image from a batch's ground truth."""
    if isinstance(truth, Mapping):
        for boxes_key, classes_key in _TRUTH_KEYS:
            if boxes_key in truth and classes_key in truth:
                return per_image(truth[boxes_key]), per_image(truth[classes_key])
        raise COCOInputError(f"the ground truth is a dict with keys {sorted(truth)}, without boxes and classes",
                             "give each batch as (images, {'boxes': [batch, n, 4], 'classes': [batch, n]})")
    if isinstance(truth, (list, tuple)) and len(truth) == 2:
        return per_image(truth[0]), per_image(truth[1])
    raise COCOInputError(f"cannot read the ground truth: it is {_describe(truth)}",
                         "give each batch as (images, {'boxes': [batch, n, 4], 'classes': [batch, n]})")
