"""``EarlyStoppingRestore``: stop on a plateau, roll back on divergence, and always put the best
weights back -- from the best checkpoint on disk, never from a copy held in memory.

Keras's ``EarlyStopping(restore_best_weights=True)`` keeps a full copy of the weights in RAM and
restores only when it stopped the run early. This callback keeps its best on disk (through a
:class:`BestCheckpoint`, its own or one you pass in, so "improved" means the same in both) and
restores it when it stops the run, when training ends normally, and -- used as a context manager
around ``fit`` -- on ``KeyboardInterrupt`` or any exception.

When it stops, and which epoch it calls the best, is exactly what the ``EarlyStopping`` of the
Keras running the ``fit`` decides (Keras 3, tf_keras or Keras 2.15; tested side by side): the
wait counter, ``patience``, ``min_delta``, ``baseline`` and ``start_from_epoch`` work as there.
Where it differs, on purpose: a NaN or infinite value is never the best (Keras 3 takes a first
NaN as its best and then never improves), and with ``max_rollbacks > 0`` it rolls back instead.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import tempfile
import weakref
from typing import Mapping, Optional

from tfckpt.callbacks import compat, metric_sources
from tfckpt.callbacks.best import BestCheckpoint
from tfckpt.callbacks.errors import CallbackConfigError
from tfckpt.io.atomic import write_bytes_atomic

STATE_NAME = "early-stopping.json"


class EarlyStoppingRestore(compat.Callback):
    """Stop when ``monitor`` stops improving; restore the best weights from disk.

    Args:
        directory: folder for the best checkpoint when no ``checkpoint`` is given. Defaults to
            ``None``: a temporary folder of its own, made when training begins and deleted when
            it ends (also on an exception, when used as a context manager; otherwise when the
            callback is garbage-collected or Python exits).
        monitor, mode, min_delta: as in Keras (``mode`` inferred from the name by default).
            Defaults to ``"val_loss"``, ``"auto"``, ``0.0``.
        patience: as in Keras: stop once ``patience`` epochs in a row have not improved (0 and 1
            both stop at the first epoch that does not improve). Defaults to ``0``.
        baseline: as in Keras: the wait counter restarts only on an improvement that also beats
            this; the best is tracked below it too. Defaults to ``None``.
        start_from_epoch: epochs to ignore before comparing (nor are they saved as the best).
            Defaults to ``0``.
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
        >>> stopper = tfckpt.EarlyStoppingRestore(monitor="val_mAP", patience=5)  # a temporary folder  # doctest: +SKIP
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
        self._temporary = checkpoint is None and directory is None
        self._cleanup: Optional[weakref.finalize] = None
        if checkpoint is None:
            if self._temporary and resume:
                raise CallbackConfigError("resume=True continues the state saved in a folder, and none was given",
                                          "pass directory='runs/best' (the folder of the run to resume)")
            self._own = dict(monitor=monitor, mode=mode, min_delta=min_delta, keep_best=1, resume=resume,
                             verbose=verbose)
            # a temporary folder is made at train begin; until then the path is a placeholder never written
            checkpoint = BestCheckpoint(directory if directory is not None else tempfile.gettempdir(), **self._own)
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

    @property
    def directory(self) -> Optional[str]:
        """The folder of the best checkpoint (a temporary one while training, or None)."""
        if self._temporary and self._cleanup is None:
            return None
        return self.checkpoint.directory

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
        try:
            if kind is not None and self.model is not None and not self._restored:
                self._say(f"Training ended by {kind.__name__}; restoring the best weights")
                self.restore_best()
        finally:
            self._remove_temporary_folder()
        return False

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None) -> None:
        self.wait, self.best_seen, self.best_epoch, self.stopped_epoch = 0, None, None, None  # as Keras: reusable
        if self._temporary:
            self._make_temporary_folder()
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
        value = logs.get(self.improvement.monitor)
        if value is None and self._owns_checkpoint:
            self.checkpoint._check_logs(logs, type(self).__name__)  # raises, naming the keys there are
        if value is None or epoch < self.start_from_epoch:
            return  # as Keras: not compared, and not saved as the best either
        if self._owns_checkpoint:
            self.checkpoint.on_epoch_end(epoch, logs)
        # Keras's EarlyStopping, step for step: count, then an improvement resets the count only
        # if it also beats the baseline; otherwise stop once the count reaches patience
        self.wait += 1
        if self.improvement.is_improvement(value, self.best_seen):
            self.best_seen, self.best_epoch = float(value), epoch + 1
            if self.baseline is None or self.improvement.beats(value, self.baseline):
                self.wait = 0
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True
            self._say(f"Epoch {epoch + 1}: early stopping; {self._why_stopped()}")
        self._save_state()

    def _why_stopped(self) -> str:
        monitor = self.improvement.monitor
        if self.best_seen is None:
            return f"{monitor} has had no usable value in {self.wait} epochs"
        best = f"best {self.best_seen:.5g} at epoch {self.best_epoch}"
        if self.baseline is not None and not self.improvement.beats(self.best_seen, self.baseline):
            return f"{monitor} has not beaten the baseline {self.baseline:.5g} in {self.wait} epochs ({best})"
        return f"{monitor} has not improved for {self.wait} epochs ({best})"

    def on_train_end(self, logs=None) -> None:
        try:
            if self._owns_checkpoint:
                self.checkpoint.on_train_end(logs)
            self.restore_best()
        finally:
            self._remove_temporary_folder()

    # ---------------------------------------------------------------- the temporary folder
    def _make_temporary_folder(self) -> None:
        self._remove_temporary_folder()
        path = tempfile.mkdtemp(prefix="tfckpt-best-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, path, ignore_errors=True)
        self.checkpoint = BestCheckpoint(path, **self._own)
        if self.model is not None:
            self.checkpoint.set_model(self.model)
        if getattr(self, "params", None):
            self.checkpoint.set_params(self.params)
        self._say(f"EarlyStoppingRestore: keeping the best checkpoint in {path} (a temporary folder, deleted "
                  "when training ends; pass a directory to keep it)")

    def _remove_temporary_folder(self) -> None:
        if self._cleanup is not None:
            self._cleanup()  # deletes the folder once; later calls do nothing
            self._cleanup = None

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
        """The checkpoint of the epoch it calls the best when that one is kept (a shared
        checkpoint may also hold better values from before ``start_from_epoch``), else the best kept."""
        scored = [r for r in self.checkpoint.kept if r.value is not None]
        if not scored:
            return None
        at_best_epoch = [r for r in scored if r.epoch == self.best_epoch]
        if at_best_epoch:
            return at_best_epoch[-1]
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
