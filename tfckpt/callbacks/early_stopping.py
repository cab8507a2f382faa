"""``EarlyStoppingRestore``: stop on a plateau, roll back on divergence, and always put the best
weights back -- from the best checkpoint on disk, never from a copy held in memory.

Keras's ``EarlyStopping(restore_best_weights=True)`` keeps a full copy of the weights in RAM and
restores only when it stopped the run early. This callback keeps its best on disk (through a
:class:`BestCheckpoint`, its own or one you pass in, so "improved" means the same in both) and
restores it when it stops the run, when training ends normally, and -- used as a context manager
around ``fit`` -- on ``KeyboardInterrupt`` or any exception.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Mapping, Optional

from tfckpt.callbacks import compat, metric_sources
from tfckpt.callbacks.best import BestCheckpoint
from tfckpt.callbacks.errors import CallbackConfigError
from tfckpt.io.atomic import write_bytes_atomic

STATE_NAME = "early-stopping.json"


class EarlyStoppingRestore(compat.Callback):
    """Stop when ``monitor`` stops improving; restore the best weights from disk.

    Args:
        directory: folder for the best checkpoint when no ``checkpoint`` is given.
        monitor, mode, min_delta: as in Keras (``mode`` inferred from the name by default).
            Defaults to ``"val_loss"``, ``"auto"``, ``0.0``.
        patience: epochs without improvement before stopping. Defaults to ``0``.
        baseline: stop if the value does not beat this within ``patience`` epochs. Defaults to ``None``.
        start_from_epoch: epochs to wait before counting. Defaults to ``0``.
        checkpoint: a :class:`BestCheckpoint` already in ``callbacks=[...]`` (put it before this
            one) to share instead of keeping a second best. Defaults to ``None``.
        max_rollbacks: on a non-finite loss or monitored value, or one past
            ``divergence_threshold``, reload the last good checkpoint (model and optimizer),
            multiply the learning rate by ``lr_factor`` and go on, at most this many times;
            then stop. 0 turns rollback off. Defaults to ``3``.
        lr_factor: learning-rate factor applied at each rollback. Defaults to ``0.5``.
        divergence_threshold: a monitored value beyond this (above for "min" metrics, below for
            "max") counts as divergence. Defaults to ``None``.
        resume: continue an earlier run's state (wait counter, best value, best checkpoint).
            Defaults to ``False``.
        verbose: 1 prints what happens, 0 is silent. Defaults to ``1``.

    Example:
        >>> stopper = tfckpt.EarlyStoppingRestore("runs/best", monitor="val_mAP", patience=5)  # doctest: +SKIP
        >>> with stopper:  # restores the best weights even if fit is interrupted  # doctest: +SKIP
        ...     model.fit(x, y, validation_data=val, epochs=100, callbacks=[stopper])
        Epoch 17: early stopping; val_mAP has not improved for 5 epochs (best 0.4312 at epoch 12)
        Restored the best weights (epoch 12, val_mAP 0.4312) from runs/best/best-0012
    """

    def __init__(self, directory=None, monitor: str = "val_loss", mode: str = "auto", patience: int = 0,
                 min_delta: float = 0.0, baseline: Optional[float] = None, start_from_epoch: int = 0,
                 checkpoint: Optional[BestCheckpoint] = None, max_rollbacks: int = 3, lr_factor: float = 0.5,
                 divergence_threshold: Optional[float] = None, resume: bool = False, verbose: int = 1) -> None:
        super().__init__()
        for name, value in (("patience", patience), ("start_from_epoch", start_from_epoch),
                            ("max_rollbacks", max_rollbacks)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CallbackConfigError(f"{name} must be a whole number >= 0. Received: {name}={value!r}")
        if not 0 < lr_factor <= 1:
            raise CallbackConfigError(f"lr_factor must be in (0, 1]. Received: lr_factor={lr_factor!r}")
        if checkpoint is None:
            if directory is None:
                raise CallbackConfigError("EarlyStoppingRestore needs a directory for its best checkpoint",
                                          "pass directory='runs/best', or checkpoint=<your BestCheckpoint>")
            checkpoint = BestCheckpoint(directory, monitor=monitor, mode=mode, min_delta=min_delta,
                                        keep_best=1, resume=resume, verbose=verbose)
            self._owns_checkpoint = True
        else:
            if not isinstance(checkpoint, BestCheckpoint):
                raise CallbackConfigError(f"checkpoint must be a tfckpt.BestCheckpoint. Received: {checkpoint!r}")
            self._owns_checkpoint = False
        self.checkpoint = checkpoint
        self.improvement = checkpoint.improvement  # one notion of "improved" for both
        self.patience, self.baseline, self.start_from_epoch = patience, baseline, start_from_epoch
        self.max_rollbacks, self.lr_factor, self.divergence_threshold = max_rollbacks, lr_factor, divergence_threshold
        self.resume, self.verbose = resume, int(verbose)
        self.wait = 0
        self.best_seen: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self.rollbacks = 0
        self.stopped_epoch: Optional[int] = None
        self._restored = False

    # Keras 2 asks which batch hooks a callback has; the NaN check looks at every batch
    def _implements_train_batch_hooks(self) -> bool:
        return self.max_rollbacks > 0

    def _implements_test_batch_hooks(self) -> bool:
        return False

    def _implements_predict_batch_hooks(self) -> bool:
        return False

    def set_model(self, model) -> None:
        super().set_model(model)
        if self._owns_checkpoint:
            self.checkpoint.set_model(model)

    def set_params(self, params) -> None:
        super().set_params(params)
        if self._owns_checkpoint:
            self.checkpoint.set_params(params)

    # ---------------------------------------------------------------- context manager
    def __enter__(self) -> "EarlyStoppingRestore":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is not None and self.model is not None and not self._restored:
            self._say(f"Training ended by {kind.__name__}; restoring the best weights")
            self.restore_best()
        return False

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None) -> None:
        if self._owns_checkpoint:
            self.checkpoint.on_train_begin(logs)
        self._restored = False
        if self.resume:
            self._load_state()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if self._owns_checkpoint:
            self.checkpoint.on_epoch_begin(epoch, logs)

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self._owns_checkpoint:
            self.checkpoint.on_train_batch_end(batch, logs)
        loss = (logs or {}).get("loss")
        if self.max_rollbacks and loss is not None and not math.isfinite(float(loss)):
            self._diverged(f"loss became {float(loss)} at batch {batch}")

    def on_epoch_end(self, epoch, logs=None) -> None:
        logs = {} if logs is None else logs
        if metric_sources.fill_missing(self.model, epoch, logs, [self.improvement.monitor]):
            return  # the monitored metric is not computed this epoch: nothing to compare
        reason = self._divergence(logs)
        if reason and self.max_rollbacks:
            self._diverged(f"Epoch {epoch + 1}: {reason}")
            return
        if self._owns_checkpoint:
            self.checkpoint.on_epoch_end(epoch, logs)
        value = logs.get(self.improvement.monitor)
        if value is None or epoch < self.start_from_epoch:
            return
        value = float(value)
        reference = self.best_seen if self.best_seen is not None else self.baseline
        if self.improvement.is_improvement(value, reference):
            self.best_seen, self.best_epoch, self.wait = value, epoch + 1, 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                self.stopped_epoch = epoch + 1
                self.model.stop_training = True
                best = f"best {self.best_seen:.5g} at epoch {self.best_epoch}" if self.best_seen is not None \
                    else f"never past the baseline {self.baseline}"
                self._say(f"Epoch {epoch + 1}: early stopping; {self.improvement.monitor} has not improved for "
                          f"{self.wait} epochs ({best})")
        self._save_state()

    def on_train_end(self, logs=None) -> None:
        if self._owns_checkpoint:
            self.checkpoint.on_train_end(logs)
        self.restore_best()

    # ---------------------------------------------------------------- actions
    def restore_best(self) -> bool:
        """Load the model weights of the best checkpoint on disk; False if there is none yet."""
        record = self._best_record()
        if record is None:
            self._say("No best checkpoint yet; the weights are left as they are")
            return False
        self.checkpoint._writer.restore_weights(self.checkpoint.folder.path(
            record.name if record.format == "tf" else record.files[0]))
        self._restored = True
        self._say(f"Restored the best weights (epoch {record.epoch}, {self.improvement.monitor} "
                  f"{record.value:.5g}) from {self.checkpoint.folder.path(record.name)}")
        return True

    def _best_record(self):
        scored = [r for r in self.checkpoint.kept if r.value is not None]
        if not scored:
            return None
        pick = max if self.improvement.mode == "max" else min
        return pick(scored, key=lambda r: r.value)

    def _divergence(self, logs: Mapping) -> Optional[str]:
        for key in ("loss", self.improvement.monitor):
            if key in logs and not math.isfinite(float(logs[key])):
                return f"{key} is {float(logs[key])}"
        value, limit = logs.get(self.improvement.monitor), self.divergence_threshold
        if value is not None and limit is not None:
            beyond = float(value) > limit if self.improvement.mode == "min" else float(value) < limit
            if beyond:
                return f"{self.improvement.monitor} {float(value):.5g} is past divergence_threshold {limit}"
        return None

    def _diverged(self, reason: str) -> None:
        if self.rollbacks >= self.max_rollbacks:
            self.model.stop_training = True
            print(f"tfckpt: {reason}; stopping after {self.rollbacks} rollback(s) (max_rollbacks="
                  f"{self.max_rollbacks}): lower the learning rate or check the data", file=sys.stderr)
            return
        newest = max(self.checkpoint.kept, key=lambda r: r.step, default=None)
        if newest is None or newest.format != "tf":
            self.model.stop_training = True
            print(f"tfckpt: {reason}; no full-state checkpoint to roll back to, stopping", file=sys.stderr)
            return
        self.rollbacks += 1
        self.checkpoint._restore(newest)
        scaled = self._scale_learning_rate()
        try:  # the epoch's running means hold the bad values; start them afresh
            self.model.reset_metrics()
        except Exception:  # best effort: only the printed averages suffer
            pass
        self._say(f"{reason}; rolled back to {self.checkpoint.folder.path(newest.name)} (epoch {newest.epoch}){scaled}"
                  f" [rollback {self.rollbacks} of {self.max_rollbacks}]")

    def _scale_learning_rate(self) -> str:
        optimizer = getattr(self.model, "optimizer", None)
        rate = getattr(optimizer, "learning_rate", None)
        if rate is None or not hasattr(rate, "assign"):
            return "; the learning rate is a schedule and was left as it is"
        new = float(rate.numpy()) * self.lr_factor
        rate.assign(new)
        return f", learning rate now {new:.3g}"

    # ---------------------------------------------------------------- state that survives a resume
    def _state_path(self) -> str:
        return self.checkpoint.folder.path(STATE_NAME)

    def _save_state(self) -> None:
        state = {"wait": self.wait, "best_seen": self.best_seen, "best_epoch": self.best_epoch,
                 "rollbacks": self.rollbacks, "stopped_epoch": self.stopped_epoch}
        write_bytes_atomic(self._state_path(), (json.dumps(state, indent=2) + "\n").encode())

    def _load_state(self) -> None:
        try:
            raw = self.checkpoint.folder.fs.read(self._state_path())
        except FileNotFoundError:
            return
        state = json.loads(raw)
        self.wait, self.best_seen, self.best_epoch = state["wait"], state["best_seen"], state["best_epoch"]
        self.rollbacks = state.get("rollbacks", 0)

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print(message)
