"""The decisions behind the checkpoint callbacks, as small pure objects (no TensorFlow):
did the monitored value improve (:class:`Improvement`), is a periodic save due
(:class:`SaveSchedule`), and which saved checkpoints to keep (:class:`Retention`).

Example:
    >>> gate = Improvement(monitor="val_mAP", threshold=0.8)
    >>> gate.mode, gate.is_improvement(0.75, best=None), gate.is_improvement(0.81, best=None)
    ('max', False, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence

from tfckpt.callbacks.errors import CallbackConfigError

_MAX_WORDS = ("map", "ap", "acc", "accuracy", "precision", "recall", "auc", "f1", "iou", "ar", "top_k")
_MIN_WORDS = ("loss", "error", "err", "mae", "mse", "rmse", "mape", "crossentropy", "perplexity")


def infer_mode(monitor: str) -> Optional[str]:
    """``"max"`` for names like mAP/AP/acc/precision/recall/auc/f1, ``"min"`` for loss/error;
    None when the name says neither.

    Example:
        >>> infer_mode("DetectionBoxes_Precision/mAP"), infer_mode("val_loss"), infer_mode("lr")
        ('max', 'min', None)
    """
    words = [w for w in re.split(r"[^a-z0-9]+", monitor.lower()) if w]
    words = [w[len("val"):] if w.startswith("val") and w != "val" else w for w in words]
    if any(w in _MIN_WORDS for w in words):
        return "min"
    if any(w in _MAX_WORDS or w.startswith(("map", "ap5", "ap7")) for w in words):
        return "max"
    return None


@dataclass(frozen=True)
class Improvement:
    """When does a monitored value count as better. Shared by every tfckpt callback that
    watches a metric, so "improved" means the same thing everywhere.

    Args:
        monitor: a ``logs`` key, such as ``"val_mAP"`` or ``"val_loss"``.
        mode: ``"max"``, ``"min"``, or ``"auto"`` (from the name; see :func:`infer_mode`).
            Defaults to ``"auto"``.
        min_delta: the least change that counts as an improvement. Defaults to ``0.0``.
        threshold: when set, values on the wrong side of it never count (``val_mAP`` must exceed
            0.8 to be saved). Defaults to ``None``.
        float32: compare in float32, as Keras 3's callbacks do (its ``ops.greater``/``ops.less``
            turn Python floats into float32 tensors); Keras 2 compares in NumPy's float64.
            Defaults to ``False``.

    The comparison is Keras's own: ``value - min_delta > best`` ("max") or
    ``value + min_delta < best`` ("min"), so a tfckpt callback and a Keras one watching the same
    values agree on every epoch.
    """

    monitor: str
    mode: str = "auto"
    min_delta: float = 0.0
    threshold: Optional[float] = None
    float32: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.monitor, str) or not self.monitor:
            raise CallbackConfigError(
                f"monitor must be a logs key such as 'val_loss'. Received: monitor={self.monitor!r}")
        if self.mode not in ("auto", "min", "max"):
            raise CallbackConfigError(f"mode must be 'auto', 'min' or 'max'. Received: mode={self.mode!r}")
        if self.mode == "auto":
            inferred = infer_mode(self.monitor)
            if inferred is None:
                raise CallbackConfigError(
                    f"cannot tell whether {self.monitor!r} should go up or down; pass mode='max' or mode='min'")
            object.__setattr__(self, "mode", inferred)
        if not isinstance(self.min_delta, (int, float)) or self.min_delta < 0 or math.isnan(self.min_delta):
            raise CallbackConfigError(f"min_delta must be a number >= 0. Received: min_delta={self.min_delta!r}")

    def passes_threshold(self, value: float) -> bool:
        """True when there is no threshold or ``value`` is on its good side (strictly)."""
        if self.threshold is None:
            return True
        return self.beats(value, self.threshold, 0.0)

    def beats(self, value: float, reference: float, min_delta: Optional[float] = None) -> bool:
        """Keras's test: ``value - min_delta > reference`` ("max") or ``value + min_delta <
        reference`` ("min"), in float32 when :attr:`float32` is set. ``min_delta`` defaults to
        the gate's own."""
        delta = self.min_delta if min_delta is None else min_delta
        shifted = value - delta if self.mode == "max" else value + delta
        if self.float32:
            shifted, reference = _as_keras3_operands(shifted, reference)
        return bool(shifted > reference) if self.mode == "max" else bool(shifted < reference)

    def is_improvement(self, value: float, best: Optional[float]) -> bool:
        """True when ``value`` passes the threshold and beats ``best`` by more than ``min_delta``.
        A NaN or infinite value never counts."""
        if value is None or not math.isfinite(value) or not self.passes_threshold(value):
            return False
        if best is None:
            return True
        return self.beats(value, best)


def _as_keras3_operands(left, right):
    """What Keras 3 compares: Python floats become float32 tensors, unless one side is a float64
    NumPy value (then both are float64)."""
    import numpy as np

    if isinstance(left, np.float64) or isinstance(right, np.float64):
        return left, right
    return np.float32(left), np.float32(right)


@dataclass(frozen=True)
class SaveSchedule:
    """When a periodic save is due: every N epochs, every N training steps, or every N minutes.
    Exactly one must be set.

    Example:
        >>> SaveSchedule(every_steps=100).due_after_step(200, last_saved_step=100)
        True
    """

    every_epochs: Optional[int] = None
    every_steps: Optional[int] = None
    every_minutes: Optional[float] = None

    def __post_init__(self) -> None:
        given = {k: v for k, v in (("every_epochs", self.every_epochs), ("every_steps", self.every_steps),
                                   ("every_minutes", self.every_minutes)) if v is not None}
        if len(given) != 1:
            raise CallbackConfigError(
                "set exactly one of every_epochs, every_steps, every_minutes. Received: "
                + (", ".join(f"{k}={v!r}" for k, v in given.items()) or "none"))
        (name, value), = given.items()
        integral = name != "every_minutes"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or \
                (integral and int(value) != value):
            kind = "a whole number" if integral else "a number"
            raise CallbackConfigError(f"{name} must be {kind} > 0. Received: {name}={value!r}")

    @property
    def needs_batch_hooks(self) -> bool:
        """Step- and time-based schedules look at every batch; epoch ones do not."""
        return self.every_epochs is None

    def due_after_epoch(self, epochs_done: int) -> bool:
        return self.every_epochs is not None and epochs_done % self.every_epochs == 0

    def due_after_step(self, step: int, last_saved_step: int) -> bool:
        return self.every_steps is not None and step - last_saved_step >= self.every_steps

    def due_at_time(self, now: float, last_saved_time: float) -> bool:
        return self.every_minutes is not None and now - last_saved_time >= 60.0 * self.every_minutes


@dataclass(frozen=True)
class Record:
    """One saved checkpoint, as retention sees it."""

    name: str
    epoch: int
    step: int
    wall_time: float
    value: Optional[float] = None


@dataclass(frozen=True)
class Retention:
    """Which checkpoints to keep: the best ``keep_best`` by the monitored value, the last
    ``keep_last``, and the first of every ``keep_every_hours`` window. The union is kept;
    everything else may be deleted. ``None``/0 turns a rule off.

    Example:
        >>> records = [Record(f"c{i}", i, i, 3600.0 * i, v) for i, v in enumerate([0.1, 0.5, 0.3, 0.2])]
        >>> sorted(Retention(keep_best=1, keep_last=1).reasons(records, mode="max"))
        ['c1', 'c3']
    """

    keep_best: int = 0
    keep_last: int = 0
    keep_every_hours: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ("keep_best", "keep_last"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CallbackConfigError(f"{name} must be a whole number >= 0. Received: {name}={value!r}")
        hours = self.keep_every_hours
        if hours is not None and (not isinstance(hours, (int, float)) or hours <= 0):
            raise CallbackConfigError(f"keep_every_hours must be a number > 0. Received: keep_every_hours={hours!r}")
        if not (self.keep_best or self.keep_last or self.keep_every_hours):
            raise CallbackConfigError("nothing would be kept: set keep_best, keep_last or keep_every_hours above 0")

    def reasons(self, records: Sequence[Record], mode: Optional[str] = None) -> dict[str, list[str]]:
        """``{name: [why it is kept]}`` for the records to keep (``best-1``, ``last-2``, ``hourly``)."""
        kept: dict[str, list[str]] = {}
        if self.keep_best and mode is not None:
            scored = [r for r in records if r.value is not None and math.isfinite(r.value)]
            # best first; among equals the earlier save wins, as it was the one that improved
            ranked = sorted(scored, key=lambda r: (-r.value if mode == "max" else r.value, r.step))
            for rank, record in enumerate(ranked[: self.keep_best], start=1):
                kept.setdefault(record.name, []).append(f"best-{rank}")
        by_step = sorted(records, key=lambda r: (r.step, r.wall_time))
        if self.keep_last:
            for rank, record in enumerate(reversed(by_step[-self.keep_last:]), start=1):
                kept.setdefault(record.name, []).append(f"last-{rank}")
        if self.keep_every_hours:
            window = 3600.0 * self.keep_every_hours
            last_kept_time = None
            for record in by_step:
                if last_kept_time is None or record.wall_time - last_kept_time >= window:
                    kept.setdefault(record.name, []).append("hourly")
                    last_kept_time = record.wall_time
        return kept
