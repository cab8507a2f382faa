"""What keep-best keeps, and how often it looks: options as data, checked when made.

Example:
    >>> KeepBestOptions(keep=2).metric is None  # the run's framework decides: see run_kind
    True
    >>> KeepBestOptions(mode="best")
    Traceback (most recent call last):
    ...
    ValueError: mode must be 'max' or 'min'. Received: mode='best'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from tfckpt.keep_best.ranking import MODES

DEFAULT_METRIC = "DetectionBoxes_Precision/mAP"  # the Object Detection API's; Model Garden's is "AP"
FRAMEWORKS = ("odapi", "modelgarden")


@dataclass(frozen=True)
class KeepBestOptions:
    """Options of :class:`~tfckpt.keep_best.keeper.KeepBest`.

    Args:
        metric: the eval scalar tag to rank by. Defaults to `None`: the framework's
            (`"DetectionBoxes_Precision/mAP"` for the OD API, `"AP"` for Model Garden).
        mode: `"max"` (higher is better) or `"min"` (for a loss). Defaults to `"max"`.
        keep: how many of the best checkpoints to keep. Defaults to `3`.
        into: the folder that receives them. Defaults to `MODEL_DIR/best`.
        events: folders holding the evaluator's event files. Defaults to `None`: the framework's
            (`MODEL_DIR/eval*` for the OD API, `MODEL_DIR/validation` for Model Garden).
        framework: `"odapi"` or `"modelgarden"`. Defaults to `None`: told from MODEL_DIR.
        min_poll: seconds between looks while things change. Defaults to `1.0`.
        max_poll: the longest wait when nothing changes (the wait doubles up to it). Defaults to `30.0`.
    """

    metric: Optional[str] = None
    mode: str = "max"
    keep: int = 3
    into: Optional[str] = None
    events: Optional[Tuple[str, ...]] = None
    min_poll: float = 1.0
    max_poll: float = 30.0
    framework: Optional[str] = None

    def __post_init__(self) -> None:
        if self.metric is not None and (not isinstance(self.metric, str) or not self.metric):
            raise ValueError(f"metric must be a non-empty tag name. Received: metric={self.metric!r}")
        if self.framework is not None and self.framework not in FRAMEWORKS:
            raise ValueError(f"framework must be 'odapi' or 'modelgarden'. Received: framework={self.framework!r}")
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
