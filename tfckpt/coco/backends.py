"""The COCO evaluators tfckpt can drive, behind one function: ``faster-coco-eval`` first (the same
AP as ``pycocotools``, several times faster; see benchmarks/coco_eval_speed.py), then
``pycocotools``. Neither is required by the core install: ``pip install 'tfckpt[coco]'``.

Example:
    >>> stats = run_bbox_eval(dataset, detections, backend="auto")  # doctest: +SKIP
    >>> len(stats)
    12
"""

from __future__ import annotations

import contextlib
import importlib.util
import io

import numpy as np

from tfckpt.coco.errors import COCOInputError
from tfckpt.errors import MissingDependencyError

BACKENDS = ("faster_coco_eval", "pycocotools")


def available_backends() -> list[str]:
    """The installed evaluators, preferred first, e.g. ``["faster_coco_eval", "pycocotools"]``."""
    def importable(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except ImportError:  # a broken install counts as none
            return False

    return [name for name in BACKENDS if importable(name)]


def resolve_backend(backend: str = "auto") -> str:
    """``"auto"`` -> the first installed evaluator; a named one must be installed."""
    if backend not in ("auto",) + BACKENDS:
        raise COCOInputError(f"unknown COCO backend {backend!r}", f"use 'auto', {BACKENDS[0]!r} or {BACKENDS[1]!r}")
    installed = available_backends()
    if backend == "auto" and installed:
        return installed[0]
    if backend in installed:
        return backend
    wanted = "faster-coco-eval or pycocotools" if backend == "auto" else backend.replace("_", "-")
    raise MissingDependencyError("", f"COCO mAP needs {wanted}, which is not installed",
                                 "pip install 'tfckpt[coco]' (it installs faster-coco-eval)")


def run_bbox_eval(dataset: dict, detections: np.ndarray, backend: str = "auto") -> np.ndarray:
    """The 12 COCO box statistics (AP, AP50, AP75, AP S/M/L, AR1, AR10, AR100, AR S/M/L).

    ``dataset`` is a COCO ground-truth dict; ``detections`` an ``[N, 7]`` array of
    ``image_id, x, y, width, height, score, category_id`` with N >= 1.
    """
    name = resolve_backend(backend)
    if name == "faster_coco_eval":
        from faster_coco_eval import COCO, COCOeval_faster

        def quiet(*args, **kwargs):
            return None

        ground_truth = COCO(dataset, print_function=quiet)
        evaluation = COCOeval_faster(ground_truth, ground_truth.loadRes(detections), "bbox", print_function=quiet)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
        return np.asarray(evaluation.stats[:12], dtype=np.float64)
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints as it goes
        ground_truth = COCO()
        ground_truth.dataset = dataset
        ground_truth.createIndex()
        evaluation = COCOeval(ground_truth, ground_truth.loadRes(detections), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return np.asarray(evaluation.stats[:12], dtype=np.float64)
