"""Collect ground truth and detections image by image, in any box layout, and score them as COCO
does (box mAP at IoU .50:.95, .50, .75, by object size, and recall). NumPy only; the evaluator
itself is ``faster-coco-eval`` or ``pycocotools`` (:mod:`tfckpt.coco.backends`).

Boxes default to the Object Detection API's layout, ``[ymin, xmin, ymax, xmax]`` normalised to
[0, 1]; ``box_format="xyxy"`` or ``"xywh"`` (COCO's own) and ``normalized=False`` (pixels) are
accepted too. Rows whose class is negative are padding and are skipped.

Example:
    >>> scores = COCOAccumulator()
    >>> box = [[0.1, 0.1, 0.5, 0.5]]
    >>> scores.add((64, 64), box, [1], box, [0.9], [1])
    >>> round(scores.evaluate()["mAP"], 3)  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from tfckpt.coco.backends import run_bbox_eval
from tfckpt.coco.errors import COCOInputError

METRIC_NAMES = ("mAP", "mAP50", "mAP75", "mAP_small", "mAP_medium", "mAP_large",
                "AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large")
BOX_FORMATS = ("yxyx", "xyxy", "xywh")
_SIZE_LIMITS = (32 ** 2, 96 ** 2)  # COCO's small / medium / large boundaries, in pixels


def _as_rows(values, columns: Optional[int], what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if columns is None:
        array = array.reshape(-1)
    elif array.size == 0:
        array = array.reshape(0, columns)
    elif array.ndim != 2 or array.shape[1] != columns:
        raise COCOInputError(f"{what} must have shape [n, {columns}]; received shape {list(array.shape)}",
                             "pass one image's boxes at a time, or use add_batch() for a batch")
    return array


class COCOAccumulator:
    """Ground truth and detections of many images, scored together by :meth:`evaluate`."""

    def __init__(self, box_format: str = "yxyx", normalized: bool = True) -> None:
        if box_format not in BOX_FORMATS:
            raise COCOInputError(f"box_format must be one of {', '.join(BOX_FORMATS)}; received {box_format!r}",
                                 "the Object Detection API's layout is 'yxyx' with normalized=True")
        self.box_format, self.normalized = box_format, bool(normalized)
        self.reset()

    def reset(self) -> None:
        """Forget every image added so far."""
        self._images: list[dict] = []
        self._annotations: list[dict] = []
        self._detections: list[np.ndarray] = []

    @property
    def num_images(self) -> int:
        return len(self._images)

    def _to_xywh_pixels(self, boxes: np.ndarray, height: int, width: int) -> np.ndarray:
        if self.box_format == "yxyx":
            boxes = boxes[:, [1, 0, 3, 2]]
        if self.normalized:
            boxes = boxes * np.array([width, height, width, height], np.float64)
        if self.box_format != "xywh":
            boxes = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
        return boxes

    def add(self, image_size: Sequence[int], gt_boxes, gt_classes, boxes, scores, classes) -> None:
        """One image: its ``(height, width)``, ground-truth boxes and classes, detected boxes,
        scores and classes."""
        height, width = (int(v) for v in image_size)
        gt_boxes, gt_classes = _as_rows(gt_boxes, 4, "gt_boxes"), _as_rows(gt_classes, None, "gt_classes")
        boxes, scores, classes = _as_rows(boxes, 4, "boxes"), _as_rows(scores, None, "scores"), \
            _as_rows(classes, None, "classes")
        if len(gt_boxes) != len(gt_classes) or not len(boxes) == len(scores) == len(classes):
            raise COCOInputError(
                f"image {self.num_images + 1}: {len(gt_boxes)} ground-truth boxes for {len(gt_classes)} classes, "
                f"{len(boxes)} detected boxes for {len(scores)} scores and {len(classes)} classes",
                "give every box one class (and every detection one score)")
        image_id = self.num_images + 1
        self._images.append({"id": image_id, "height": height, "width": width})
        keep = gt_classes >= 0
        for box, category in zip(self._to_xywh_pixels(gt_boxes[keep], height, width), gt_classes[keep]):
            self._annotations.append({"id": len(self._annotations) + 1, "image_id": image_id,
                                      "bbox": [float(v) for v in box], "area": float(box[2] * box[3]),
                                      "iscrowd": 0, "category_id": int(category)})
        keep = classes >= 0
        if keep.any():
            rows = np.empty((int(keep.sum()), 7), np.float64)
            rows[:, 0] = image_id
            rows[:, 1:5] = self._to_xywh_pixels(boxes[keep], height, width)
            rows[:, 5], rows[:, 6] = scores[keep], classes[keep]
            self._detections.append(rows)

    def add_batch(self, image_size: Sequence[int], gt_boxes, gt_classes, boxes, scores, classes,
                  num_detections=None) -> None:
        """A batch: arrays with a leading batch axis (or lists of per-image arrays); detections
        past ``num_detections[i]`` are padding."""
        for i in range(len(gt_classes)):
            count = None if num_detections is None else int(num_detections[i])
            self.add(image_size, gt_boxes[i], gt_classes[i], boxes[i][:count], scores[i][:count], classes[i][:count])

    def coco_dataset(self) -> dict:
        """The ground truth as a COCO dataset dict."""
        categories = sorted({a["category_id"] for a in self._annotations}
                            | {int(c) for rows in self._detections for c in np.unique(rows[:, 6])})
        return {"images": list(self._images), "annotations": list(self._annotations),
                "categories": [{"id": c, "name": str(c)} for c in categories]}

    def detections_array(self) -> np.ndarray:
        """Every detection as ``[N, 7]``: image id, x, y, width, height (pixels), score, class."""
        return np.concatenate(self._detections) if self._detections else np.zeros((0, 7))

    def class_id_warning(self) -> Optional[str]:
        """A sentence when detections that overlap a ground-truth box (IoU >= 0.5) mostly carry its
        class id minus (or plus) one: 0-based detections against a 1-based label map, the usual slip
        with the Object Detection API's ``postprocess`` outputs. None otherwise (or too few overlaps)."""
        truth: dict[int, list[dict]] = {}
        for annotation in self._annotations:
            truth.setdefault(annotation["image_id"], []).append(annotation)
        votes = {-1: 0, 0: 0, 1: 0}
        for rows in self._detections:
            annotations = truth.get(int(rows[0, 0]), [])
            if not annotations:
                continue
            boxes = np.array([a["bbox"] for a in annotations])
            overlap = _iou_xywh(rows[:, 1:5], boxes)
            for detected, iou, match in zip(rows[:, 6], overlap.max(axis=1), overlap.argmax(axis=1)):
                difference = int(detected) - annotations[match]["category_id"]
                if iou >= 0.5 and difference in votes:
                    votes[difference] += 1
        total = sum(votes.values())
        for difference in (-1, 1):
            if total >= 10 and votes[difference] >= 0.8 * total:
                shift = -difference
                return (f"detections overlapping a ground-truth box mostly have its class id {difference:+d} "
                        f"({votes[difference]} of {total}): add {shift} to the detected classes (in output_adapter) so "
                        "both count from the same id")
        return None

    def evaluate(self, backend: str = "auto") -> dict[str, float]:
        """The 12 COCO figures by name (see :data:`METRIC_NAMES`); -1 where COCO has no ground truth
        to score (for example ``mAP_large`` without large objects)."""
        if not self._images:
            raise COCOInputError("no images to evaluate", "add() ground truth and detections first")
        if not self._detections:
            return self._scores_without_detections()
        stats = run_bbox_eval(self.coco_dataset(), self.detections_array(), backend)
        return {name: float(value) for name, value in zip(METRIC_NAMES, stats)}

    def _scores_without_detections(self) -> dict[str, float]:
        """What COCO gives when nothing was detected (its evaluators reject an empty result):
        0 where there is ground truth to miss, -1 where there is none."""
        areas = np.array([a["area"] for a in self._annotations])
        present = {"": areas.size > 0, "_small": (areas < _SIZE_LIMITS[0]).any(),
                   "_medium": ((areas >= _SIZE_LIMITS[0]) & (areas < _SIZE_LIMITS[1])).any(),
                   "_large": (areas >= _SIZE_LIMITS[1]).any()}
        scores = {}
        for name in METRIC_NAMES:
            size = next((s for s in ("_small", "_medium", "_large") if name.endswith(s)), "")
            scores[name] = 0.0 if present[size] else -1.0
        return scores


def _iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` with every box in ``b`` (``[x, y, width, height]``)."""
    a_low, b_low = a[:, None, :2], b[None, :, :2]
    a_high, b_high = a_low + a[:, None, 2:], b_low + b[None, :, 2:]
    sides = np.clip(np.minimum(a_high, b_high) - np.maximum(a_low, b_low), 0, None)
    inter = sides[..., 0] * sides[..., 1]
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
