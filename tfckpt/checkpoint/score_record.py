"""The JSON record tfckpt writes beside a checkpoint it saved or kept (``PREFIX.json``): by
``BestCheckpoint`` / ``PeriodicCheckpoint`` (``monitor``, ``value``, ``epoch``) or by
``tfckpt keep-best`` (``metric``, ``value``, ``step``). ``tfckpt inspect`` shows its score.

Example:
    >>> record = read_score_record("runs/best/best-018-0.833")  # doctest: +SKIP
    >>> record.describe()  # doctest: +SKIP
    'val_mAP 0.833, saved by a tfckpt callback at epoch 18 (improved)'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Optional

from tfckpt.io.fs import FileSystem, filesystem_for

_LARGEST = 1 << 20  # a record is a few kB; anything bigger is not one


@dataclass(frozen=True)
class ScoreRecord:
    """What a record says: the metric, its value, when, and who wrote it."""

    metric: Optional[str]
    value: Optional[float]
    epoch: Optional[int]
    step: Optional[int]
    source: str  # "callback" or "keep-best"
    reason: Optional[str] = None

    def describe(self) -> str:
        """``"val_mAP 0.833, saved by a tfckpt callback at epoch 18 (improved)"``."""
        score = f"{self.metric} {self.value:.4g}, " if self.metric and self.value is not None else ""
        if self.source == "keep-best":
            return f"{score}kept by tfckpt keep-best" + (f" (step {self.step})" if self.step is not None else "")
        when = f" at epoch {self.epoch}" if self.epoch is not None else ""
        return f"{score}saved by a tfckpt callback{when}" + (f" ({self.reason})" if self.reason else "")

    def to_dict(self) -> dict:
        return asdict(self)


def read_score_record(prefix: str, fs: Optional[FileSystem] = None) -> Optional[ScoreRecord]:
    """The record beside ``prefix``; None when there is none or it is not a tfckpt record."""
    fs = fs or filesystem_for(prefix)
    path = prefix + ".json"
    try:
        if not fs.exists(path):
            return None
        data = json.loads(fs.read(path, 0, _LARGEST).decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("value", 0), (int, float, type(None))):
        return None
    if "metric" in data and "mode" in data:  # keep-best
        return ScoreRecord(data.get("metric"), data.get("value"), None, data.get("step"), "keep-best")
    if "reason" in data and "tfckpt_version" in data:  # BestCheckpoint / PeriodicCheckpoint sidecar
        return ScoreRecord(data.get("monitor"), data.get("value"), data.get("epoch"), data.get("step"), "callback",
                           data.get("reason"))
    return None
