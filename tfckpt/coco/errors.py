"""Errors of the COCO metrics: each names what was received and what to pass instead."""

from __future__ import annotations

from tfckpt.errors import TfckptError


class COCOInputError(TfckptError, ValueError):
    """Ground truth, detections or an argument of the COCO metrics are not usable."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__("", problem, fix)
