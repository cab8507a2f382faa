"""``PeriodicCheckpoint``: save every N epochs, N steps or N minutes, and keep the last few."""

from __future__ import annotations

import time
from typing import Mapping, Optional

from tfckpt.callbacks.base import CheckpointCallback, Decision
from tfckpt.callbacks.errors import CallbackConfigError
from tfckpt.callbacks.policies import Improvement, Retention, SaveSchedule


class PeriodicCheckpoint(CheckpointCallback):
    """Save the training state on a schedule so a crash or a lost Colab session costs little.

    Args:
        directory: folder for the checkpoints (local, ``gs://`` or ``ram://``).
        every_epochs: save at the end of every N-th epoch. Defaults to ``1`` when neither
            ``every_steps`` nor ``every_minutes`` is given.
        every_steps: save every N training steps (batches). Defaults to ``None``.
        every_minutes: save when N minutes have passed since the last save, checked after
            each batch. Defaults to ``None``.
        keep_last: how many recent saves to keep. Defaults to ``3``.
        keep_best: also keep the best N by ``monitor``. Defaults to ``0``.
        keep_every_hours: also keep one save per this many hours. Defaults to ``None``.
        monitor, mode: the metric ``keep_best`` ranks by (see :class:`BestCheckpoint`).
            Defaults to ``None`` and ``"auto"``.
        save_weights_only, resume, on_write_error, verbose, async_save: as in :class:`BestCheckpoint`.
        filename: name template. Defaults to ``"ckpt-{epoch:04d}"`` (``"ckpt-{step}"`` with
            ``every_steps`` or ``every_minutes``).

    Example:
        >>> model.fit(x, y, epochs=50, callbacks=[
        ...     tfckpt.PeriodicCheckpoint("runs/last", every_epochs=5, keep_last=2, resume=True)])  # doctest: +SKIP
        Epoch 5: saved to runs/last/ckpt-0005
    """

    def __init__(self, directory, every_epochs: Optional[int] = None, every_steps: Optional[int] = None,
                 every_minutes: Optional[float] = None, keep_last: int = 3, keep_best: int = 0,
                 keep_every_hours: Optional[float] = None, monitor: Optional[str] = None, mode: str = "auto",
                 save_weights_only: bool = False, filename: Optional[str] = None, resume: bool = False,
                 on_write_error: str = "raise", verbose: int = 1, async_save: bool = False) -> None:
        if every_epochs is None and every_steps is None and every_minutes is None:
            every_epochs = 1
        self.schedule = SaveSchedule(every_epochs=every_epochs, every_steps=every_steps, every_minutes=every_minutes)
        if keep_best and monitor is None:
            raise CallbackConfigError(f"keep_best={keep_best} needs a monitor to rank by",
                                      "pass monitor='val_loss' (or another logs key)")
        if filename is None:
            filename = "ckpt-{epoch:04d}" if every_epochs is not None else "ckpt-{step}"
        super().__init__(
            directory,
            retention=Retention(keep_best=keep_best, keep_last=keep_last, keep_every_hours=keep_every_hours),
            improvement=Improvement(monitor=monitor, mode=mode) if monitor is not None else None,
            filename=filename, save_weights_only=save_weights_only, resume=resume,
            on_write_error=on_write_error, verbose=verbose, async_save=async_save)

    def _needs_batch_hooks(self) -> bool:
        return self.schedule.needs_batch_hooks

    def _decide(self, epochs_done: int, logs: Mapping, at_epoch_end: bool) -> Optional[Decision]:
        value = None
        if self.improvement is not None and self.improvement.monitor in logs:
            value = float(logs[self.improvement.monitor])
        if at_epoch_end:
            if self.schedule.due_after_epoch(epochs_done):
                return Decision("periodic", value, f"Epoch {epochs_done}: saved to {{path}}")
            return None
        if self.schedule.due_after_step(self._step, self._last_save_step) or \
                self.schedule.due_at_time(time.time(), self._last_save_time):
            return Decision("periodic", value, f"Step {self._step}: saved to {{path}}")
        return None
