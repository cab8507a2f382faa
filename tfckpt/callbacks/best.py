"""``BestCheckpoint``: save when the monitored metric improves (or passes a threshold)."""

from __future__ import annotations

import math
from typing import Mapping, Optional

from tfckpt.callbacks import compat
from tfckpt.callbacks.base import CheckpointCallback, Decision
from tfckpt.callbacks.errors import CallbackConfigError, MonitorNotFoundError
from tfckpt.callbacks.policies import Improvement, Retention


class BestCheckpoint(CheckpointCallback):
    """Keep the best model by a validation metric (mAP above all), plus optionally recent ones.

    At the end of every ``check_every_epochs``-th epoch the monitored value is compared with the
    best so far; when it improves by more than ``min_delta`` (and is past ``threshold``, if
    given) a checkpoint is written crash-safely into ``directory``. The best ``keep_best`` are
    kept, with the last ``keep_last`` and one per ``keep_every_hours``; everything else is
    deleted. ``tfckpt-index.json`` says what is kept and why; each checkpoint has a JSON sidecar.

    Args:
        directory: folder for the checkpoints (local, ``gs://`` or ``ram://``). Must not hold an
            earlier run's checkpoints unless ``resume=True``.
        monitor: the ``logs`` key to watch. Defaults to ``"val_loss"``.
        mode: ``"max"``, ``"min"`` or ``"auto"`` (from the name: mAP/AP/acc/... go up, loss goes
            down). Defaults to ``"auto"``.
        threshold: save only values past this (``val_mAP`` > 0.8). Defaults to ``None``.
        min_delta: the least change that counts as better. Defaults to ``0.0``.
        keep_best: how many of the best to keep. Defaults to ``1``.
        keep_last: also keep the most recent saves. Defaults to ``0``.
        keep_every_hours: also keep one save per this many hours. Defaults to ``None``.
        check_every_epochs: compare every N epochs (for costly validation). Defaults to ``1``.
        check_every_steps: compare every N training steps instead, on the batch logs (training
            metrics such as ``loss``; ``val_`` metrics exist only at epoch ends). Defaults to ``None``.
        save_weights_only: write ``NAME.weights.h5`` (for ``model.load_weights``) instead of the
            full training state (model, optimizer, epoch, step: what ``resume`` needs).
            Defaults to ``False``.
        filename: name template; fields ``{epoch}``, ``{step}`` and any metric, e.g.
            ``"best-{epoch:03d}-{val_mAP:.3f}"``. Defaults to ``"best-{epoch:04d}"``.
        resume: continue the run saved in ``directory``: restore the latest whole checkpoint
            (weights, optimizer, epoch) and the best-so-far. Defaults to ``False``.
        on_write_error: ``"raise"``, ``"stop"`` (end training cleanly) or ``"warn"`` (go on) when
            a save fails; what was kept stays intact either way. Defaults to ``"raise"``.
        verbose: 1 prints a line per save, 0 is silent. Defaults to ``1``.
        async_save: write in a background thread; training waits only for a copy-on-write
            snapshot of the variables. Errors surface at the next epoch end, and every write is
            finished before ``fit`` returns. Full-state checkpoints only. Defaults to ``False``.

    Example:
        >>> model.fit(x, y, validation_data=(vx, vy), epochs=20, callbacks=[
        ...     tfckpt.BestCheckpoint("runs/best", monitor="val_accuracy", keep_best=2)])  # doctest: +SKIP
        Epoch 3: val_accuracy improved from 0.8125 to 0.8750, saved to runs/best/best-0003
    """

    def __init__(self, directory, monitor: str = "val_loss", mode: str = "auto", threshold: Optional[float] = None,
                 min_delta: float = 0.0, keep_best: int = 1, keep_last: int = 0,
                 keep_every_hours: Optional[float] = None, check_every_epochs: int = 1,
                 check_every_steps: Optional[int] = None,
                 save_weights_only: bool = False, filename: str = "best-{epoch:04d}", resume: bool = False,
                 on_write_error: str = "raise", verbose: int = 1, async_save: bool = False) -> None:
        if isinstance(check_every_epochs, bool) or not isinstance(check_every_epochs, int) or check_every_epochs < 1:
            raise CallbackConfigError(
                f"check_every_epochs must be a whole number >= 1. Received: check_every_epochs={check_every_epochs!r}")
        if check_every_steps is not None and (isinstance(check_every_steps, bool) or
                                              not isinstance(check_every_steps, int) or check_every_steps < 1):
            raise CallbackConfigError(
                f"check_every_steps must be a whole number >= 1. Received: check_every_steps={check_every_steps!r}")
        if check_every_steps is not None and isinstance(monitor, str) and monitor.startswith("val_"):
            raise CallbackConfigError(
                f"BestCheckpoint(monitor={monitor!r}, check_every_steps={check_every_steps}) cannot work: 'val_' "
                "metrics exist only at epoch ends, after Keras runs the validation_data; the batch logs that "
                "check_every_steps reads never hold them",
                "compare at epoch ends with check_every_epochs=N (1 by default), or monitor a training metric such "
                "as 'loss' by steps; to save by steps whatever the metric, use PeriodicCheckpoint(every_steps=N)")
        if isinstance(keep_best, bool) or not isinstance(keep_best, int) or keep_best < 1:
            raise CallbackConfigError(f"keep_best must be a whole number >= 1. Received: keep_best={keep_best!r}")
        super().__init__(
            directory,
            retention=Retention(keep_best=keep_best, keep_last=keep_last, keep_every_hours=keep_every_hours),
            improvement=Improvement(monitor=monitor, mode=mode, min_delta=min_delta, threshold=threshold,
                                    float32=compat.KERAS_MAJOR >= 3),  # compare as this Keras's callbacks do
            filename=filename, save_weights_only=save_weights_only, resume=resume,
            on_write_error=on_write_error, verbose=verbose, async_save=async_save)
        self.check_every_epochs = check_every_epochs
        self.check_every_steps = check_every_steps

    def _needs_batch_hooks(self) -> bool:
        return self.check_every_steps is not None

    def _decide(self, epochs_done: int, logs: Mapping, at_epoch_end: bool) -> Optional[Decision]:
        if self.check_every_steps is not None:
            if at_epoch_end or self._step % self.check_every_steps:
                return None
            if self.improvement.monitor not in logs:
                raise MonitorNotFoundError(
                    f"BestCheckpoint monitors {self.improvement.monitor!r} every {self.check_every_steps} steps, but "
                    f"the batch logs have only: {', '.join(sorted(logs)) or 'nothing'}",
                    "HINT: use one of those names (training metrics); a metric that exists only at epoch ends "
                    "needs check_every_epochs instead of check_every_steps")
            where = f"Step {self._step}"
        elif not at_epoch_end or epochs_done % self.check_every_epochs:
            return None
        else:
            where = f"Epoch {epochs_done}"
        return self._compare(where, float(logs[self.improvement.monitor]))

    def _compare(self, where: str, value: float) -> Optional[Decision]:
        gate = self.improvement
        if gate.is_improvement(value, self.best_value):
            before = self.best_value if self.best_value is not None else (-math.inf if gate.mode == "max" else math.inf)
            return Decision("improved", value, f"{where}: {gate.monitor} improved from "
                                               f"{before:.5g} to {value:.5g}, saved to {{path}}")
        if not math.isfinite(value):
            self._say(f"{where}: {gate.monitor} is {value}, not saved")
        elif not gate.passes_threshold(value):
            side = "above" if gate.mode == "max" else "below"
            self._say(f"{where}: {gate.monitor} {value:.5g} is not {side} the threshold {gate.threshold:.5g}, "
                      "not saved")
        else:
            self._say(f"{where}: {gate.monitor} did not improve from {self.best_value:.5g}")
        return None
