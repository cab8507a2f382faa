"""What keep-best keeps, and how often it looks: options as data, checked when made.

Example:
    >>> KeepBestOptions(keep=2).metric
    'DetectionBoxes_Precision/mAP'
    >>> KeepBestOptions(mode="best")
    Traceback (most recent call last):
    ...
    ValueError: mode must be 'max' or 'min'. Received: mode='best'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from tfckpt.keep_best.ranking import MODES

DEFAULT_METRIC = "DetectionBoxes_Precision/mAP"


@dataclass(frozen=True)
class KeepBestOptions:
    """Options of :class:`~tfckpt.keep_best.keeper.KeepBest`.

    Args:
        metric: the eval scalar tag to rank by. Defaults to `"DetectionBoxes_Precision/mAP"`.
        mode: `"max"` (higher is better) or `"min"` (for a loss). Defaults to `"max"`.
        keep: how many of the best checkpoints to keep. Defaults to `3`.
        into: the folder that receives them. Defaults to `MODEL_DIR/best`.
        events: folders holding the evaluator's event files. Defaults to `MODEL_DIR/eval*`.
        min_poll: seconds between looks while things change. Defaults to `1.0`.
        max_poll: the longest wait when nothing changes (the wait doubles up to it). Defaults to `30.0`.
    """

    metric: str = DEFAULT_METRIC
    mode: str = "max"
    keep: int = 3
    into: Optional[str] = None
    events: Optional[Tuple[str, ...]] = None
    min_poll: float = 1.0
    max_poll: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError(f"metric must be a non-empty tag name. Received: metric={self.metric!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be 'max' or 'min'. Received: mode={self.mode!r}")
        if isinstance(self.keep, bool) or not isinstance(self.keep, int) or self.keep < 1:
            raise ValueError(f"keep must be an integer of at least 1. Received: keep={self.keep!r}")
        if not self.min_poll > 0 or not self.max_poll >= self.min_poll:
            raise ValueError("min_poll must be > 0 and max_poll >= min_poll. "
                             f"Received: min_poll={self.min_poll!r}, max_poll={self.max_poll!r}")
        if isinstance(self.events, str):
            object.__setattr__(self, "events", (self.events,))
        elif self.events is not None:
            object.__setattr__(self, "events", tuple(self.events))
