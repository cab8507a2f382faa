"""What every tfckpt checkpoint callback shares: the folder, the writer, retention, resume,
crash-safe saves and Keras-style messages. Subclasses only decide *when* to save
(:meth:`CheckpointCallback._decide`).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from typing import Mapping, Optional

from tfckpt import __version__
from tfckpt.callbacks import compat, metric_sources
from tfckpt.callbacks.errors import CallbackConfigError, CheckpointWriteError, MonitorNotFoundError
from tfckpt.callbacks.folder import INDEX_NAME, CheckpointFolder, SavedCheckpoint
from tfckpt.callbacks.policies import Improvement, Record, Retention
from tfckpt.callbacks.template import FilenameTemplate, compiled_metric_names
from tfckpt.callbacks.background import BackgroundWriter
from tfckpt.callbacks.writers import AsyncTFCheckpointWriter, H5WeightsWriter, TFCheckpointWriter

WRITE_ERROR_ACTIONS = ("raise", "stop", "warn")
_RESUMED_STEP = "_tfckpt_resumed_step"  # set on the model by the callback whose restore is newest


class Decision:
    """A subclass's answer to "save now?": why, the monitored value if there is one, and the
    line to print, where ``{path}`` stands for where it was saved."""

    def __init__(self, reason: str, value: Optional[float] = None, message: str = "") -> None:
        self.reason = reason
        self.value = value
        self.message = message


class CheckpointCallback(compat.Callback):
    """Base of :class:`BestCheckpoint` and :class:`PeriodicCheckpoint`; not used directly."""

    def __init__(self, directory, *, retention: Retention, improvement: Optional[Improvement],
                 filename: str, save_weights_only: bool, resume: bool, on_write_error: str,
                 verbose: int, async_save: bool = False) -> None:
        super().__init__()
        if on_write_error not in WRITE_ERROR_ACTIONS:
            raise CallbackConfigError(
                f"on_write_error must be one of {', '.join(map(repr, WRITE_ERROR_ACTIONS))}. "
                f"Received: on_write_error={on_write_error!r}")
        self.directory = os.fspath(directory)
        self.retention = retention
        self.improvement = improvement
        self.template = FilenameTemplate(filename)
        self.save_weights_only = bool(save_weights_only)
        self.resume = bool(resume)
        self.on_write_error = on_write_error
        self.verbose = int(verbose)
        self.async_save = bool(async_save)
        if self.async_save and self.save_weights_only:
            raise CallbackConfigError(
                "async_save=True writes full-state checkpoints in the background; .weights.h5 files are written "
                "by Keras on the training thread", "pass save_weights_only=False, or async_save=False")
        # typos of names certain to exist fail here, at once; the model's metrics are known at train begin
        certain = ("epoch", "step") + ((self.improvement.monitor,) if self.improvement is not None else ())
        self.template.check(self._expected_metric_names(), allow_unknown=True, suspects=certain)
        if not self.save_weights_only and not {"epoch", "step"} & set(self.template.fields):
            raise CallbackConfigError(
                f"filename {filename!r} gives every save the same name; a full-state checkpoint is several "
                "files, and a crash while overwriting them would lose both the old and the new one",
                "put {epoch} or {step} in the name, or pass save_weights_only=True (one file, replaced atomically)")
        self.folder = CheckpointFolder(self.directory)
        self.kept: list[SavedCheckpoint] = []
        self.events: list[dict] = []  # {"action": "saved" | "pruned", "name", "epoch", "at_epoch", "value"}
        self.best_value: Optional[float] = None
        self._writer = None
        self._background = BackgroundWriter() if self.async_save else None
        self._is_writer, self._scratch, self._multi_worker = True, "", False
        self._owns_folder = False
        self._logs_checked = False
        self._step = 0
        self._epochs_done = 0
        self._epoch_start_step = 0
        self._last_save_step = 0
        self._last_save_time = time.time()

    # Keras 2.15 and tf_keras ask which batch hooks a callback has
    def _implements_train_batch_hooks(self) -> bool:
        return self._needs_batch_hooks()

    def _implements_test_batch_hooks(self) -> bool:
        return False

    def _implements_predict_batch_hooks(self) -> bool:
        return False

    def _needs_batch_hooks(self) -> bool:
        return False

    def _decide(self, epochs_done: int, logs: Mapping, at_epoch_end: bool) -> Optional[Decision]:
        raise NotImplementedError

    # ---------------------------------------------------------------- training hooks
    def on_train_begin(self, logs=None) -> None:
        self._is_writer, worker_id = compat.writer_role(self.model)
        self._scratch = self.folder.path(f".tfckpt-tmp-worker-{worker_id}")
        self._multi_worker = compat.is_multi_worker(self.model)
        if self._multi_worker:
            self._check_multi_worker()
        index = self.folder.read_index()
        if index is not None and not self._owns_folder and not self.resume:
            raise CallbackConfigError(
                f"{self.directory} already holds checkpoints of an earlier run ({INDEX_NAME})",
                "pass resume=True to continue that run, or give this run its own folder")
        kept = index["kept"] if index else []
        if self._is_writer:
            self.folder.clean(kept)
        self.template.check(self._expected_metric_names(), allow_unknown=True)
        if self._writer is None:
            self._writer = self._make_writer()
        if index is not None and not self._owns_folder:
            self._resume_from(index)
        self._owns_folder = True
        self._step = self._epoch_start_step = compat.optimizer_iterations(self.model)
        self._last_save_step = max(self._last_save_step, self._step)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch_start_step = self._step
        self._epochs_done = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step = self._epoch_start_step + int(batch) + 1
        if self._background is not None:
            self._background.check()
        # after the epoch's last batch the epoch is complete: a resume must not run it again
        steps_per_epoch = (getattr(self, "params", None) or {}).get("steps")
        epochs_done = self._epochs_done + (1 if steps_per_epoch and int(batch) + 1 == steps_per_epoch else 0)
        decision = self._decide(epochs_done, logs or {}, at_epoch_end=False)
        if decision is not None:
            self._save(epochs_done, dict(logs or {}), decision)

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self._background is not None:
            self._background.check()
        if logs is not None and metric_sources.fill_missing(self.model, epoch, logs, self._logs_read()):
            return  # the metric's source (say COCOMetrics every 2 epochs) does not run this epoch
        logs = dict(logs or {})
        if not self._logs_checked:
            self._check_logs(logs)
            self._logs_checked = True
        self._step = compat.optimizer_iterations(self.model) or self._step
        decision = self._decide(epoch + 1, logs, at_epoch_end=True)
        if decision is not None:
            self._save(epoch + 1, logs, decision)

    def on_train_end(self, logs=None) -> None:
        """Everything is on disk before ``fit`` returns."""
        if self._background is not None:
            self._background.wait()
        compat.clear_initial_epoch(self.model)
        if hasattr(self.model, _RESUMED_STEP):
            delattr(self.model, _RESUMED_STEP)

    # ---------------------------------------------------------------- helpers
    def _make_writer(self):
        """Weights-only: Keras's .weights.h5. Full state: after the first save, a snapshot written
        with one SaveV2 call (measured faster end to end than tf.train.Checkpoint.write, which
        rebuilds the object graph and merges shards each time), in the background or at once;
        under multi-worker training, plain Checkpoint.write on every worker."""
        if self.save_weights_only:
            return H5WeightsWriter(self.model)
        return TFCheckpointWriter(self.model) if self._multi_worker else AsyncTFCheckpointWriter(self.model)

    def _expected_metric_names(self) -> list[str]:
        names = ["loss", "val_loss"] + compiled_metric_names(getattr(self, "model", None))
        if self.improvement is not None:
            names.append(self.improvement.monitor)
        return names

    def _logs_read(self) -> list[str]:
        """The ``logs`` keys this callback reads at an epoch's end: the monitor, template fields."""
        names = [self.improvement.monitor] if self.improvement is not None else []
        return names + [name for name in self.template.fields if name not in names]

    def _check_logs(self, logs: Mapping, owner: Optional[str] = None) -> None:
        """First epoch end: the monitored key and every template field must be in ``logs``.

        ``owner`` names the callback the user made, when this one works for another
        (``EarlyStoppingRestore`` keeps its best through a ``BestCheckpoint`` of its own)."""
        if self.improvement is not None and self.improvement.monitor not in logs:
            monitor = self.improvement.monitor
            raise MonitorNotFoundError(
                f"{owner or type(self).__name__} monitors {monitor!r}, but the epoch's logs have only: "
                f"{', '.join(sorted(logs)) or 'nothing'}",
                "HINT: use one of those names; a 'val_' metric needs validation_data in fit(); a metric that "
                "another Keras callback adds exists only if that callback comes before this one in "
                "callbacks=[...] (tfckpt.COCOMetrics is asked for its metrics wherever it stands)")
        self.template.check(list(logs))

    def _restore(self, record: SavedCheckpoint) -> None:
        compat.build_optimizer(self.model)
        target = self.folder.path(record.name if record.format == "tf" else record.files[0])
        self._writer.restore(target)

    def _resume_from(self, index: dict) -> None:
        whole = [r for r in index["kept"] if self.folder.is_whole(r)]
        if not whole:
            self._say(f"{self.directory}: no whole checkpoint to resume from; starting afresh")
            return
        latest = max(whole, key=lambda r: (r.step, r.epoch, r.wall_time))
        self.kept = whole
        self.best_value = index.get("best_value")
        self._last_save_step = index.get("last_save_step", latest.step)
        best = "" if self.best_value is None else f", best {self.improvement.monitor} {self.best_value:.4g}"
        # several resuming callbacks (best + periodic): the most recent checkpoint wins, in any order
        if (latest.step, latest.epoch) <= getattr(self.model, _RESUMED_STEP, (-1, -1)):
            self._say(f"Resuming {self.directory}: its bookkeeping only (a later checkpoint was restored){best}")
            return
        self._restore(latest)
        setattr(self.model, _RESUMED_STEP, (latest.step, latest.epoch))
        compat.set_initial_epoch(self.model, latest.epoch)
        message = f"Resuming from {self.folder.path(latest.name)}: epoch {latest.epoch}, step {latest.step}{best}"
        epochs = (getattr(self, "params", None) or {}).get("epochs")
        if epochs is not None and latest.epoch >= epochs:
            message += (f"; fit was asked for epochs={epochs}, all of them done already, so nothing is left to train"
                        " (pass a larger epochs= to go on)")
        self._say(message)

    def _unique_name(self, epochs_done: int, logs: Mapping) -> str:
        name = self.template.render(epochs_done, self._step, logs)
        taken = {r.name for r in self.kept}
        if name in taken and not self.save_weights_only:
            name = f"{name}-step{self._step}"
        return name

    def _check_multi_worker(self) -> None:
        """Every worker must make the same save decisions, or a collective save deadlocks."""
        if self.async_save:
            raise CallbackConfigError("async_save=True is not supported with MultiWorkerMirroredStrategy",
                                      "pass async_save=False")
        if getattr(self, "schedule", None) is not None and self.schedule.every_minutes is not None:
            raise CallbackConfigError(
                "every_minutes is not supported with MultiWorkerMirroredStrategy: workers' clocks differ, and "
                "a save some workers skip would hang the others", "use every_steps or every_epochs")

    def _save_as_follower(self, epochs_done: int) -> None:
        """A non-chief worker's part in a save: write to its scratch folder, then delete it."""
        from tfckpt.callbacks.writers import remove_tree
        from tfckpt.io.atomic import makedirs

        makedirs(self._scratch)
        try:
            self._writer.prepare(self._scratch, "ckpt", epochs_done, self._step)()
        finally:
            remove_tree(self._scratch)

    def _save(self, epochs_done: int, logs: Mapping, decision: Decision) -> None:
        """Snapshot on this thread; write and do the bookkeeping here or in the background."""
        step, now = self._step, time.time()
        rollback = (self.best_value, self._last_save_step, self._last_save_time)
        if self.improvement is not None and self.improvement.is_improvement(decision.value, self.best_value):
            self.best_value = decision.value
        self._last_save_step, self._last_save_time = step, now  # on every worker: same decisions next time
        if not self._is_writer:
            self._save_as_follower(epochs_done)
            return
        name = self._unique_name(epochs_done, logs)
        try:
            job = self._writer.prepare(self.directory, name, epochs_done, step)
        except Exception as err:  # disk full, permissions, a vanished bucket: keep what was kept
            self._undo(rollback)
            self._write_failed(name, err)
            return
        finish = functools.partial(self._finish_save, job, name, epochs_done, step, now, dict(logs), decision,
                                   rollback)
        if self._background is not None:
            self._background.submit(finish)
        else:
            finish()

    def _finish_save(self, job, name: str, epochs_done: int, step: int, now: float, logs: dict,
                     decision: Decision, rollback: tuple) -> None:
        record = None
        try:
            files = job()
            record = SavedCheckpoint(name=name, format=self._writer.format, files=files, epoch=epochs_done,
                                     step=step, wall_time=now, value=decision.value)
            self.folder.write_sidecar(record, self._metadata(logs, decision))
            kept, dropped = self._retain(record)
            self.folder.commit(kept, self._state())  # from here on the new checkpoint is official
        except Exception as err:
            if self._last_save_step == step:  # no later save has moved the bookkeeping on since
                self._undo(rollback)
            if record is not None and record.name not in {r.name for r in self.kept}:
                self._discard(record)
            self._write_failed(name, err)
            return
        self.kept = kept
        self.events.append({"action": "saved", "name": name, "epoch": epochs_done, "at_epoch": epochs_done,
                            "value": decision.value})
        for old in dropped:
            self.folder.delete(old)
            self.events.append({"action": "pruned", "name": old.name, "epoch": old.epoch, "at_epoch": epochs_done,
                                "value": old.value})
        saved_to = self.folder.path(files[0] if record.format == "h5" else name)
        self._say(decision.message.replace("{path}", saved_to))

    def _undo(self, rollback: tuple) -> None:
        self.best_value, self._last_save_step, self._last_save_time = rollback

    def _retain(self, record: SavedCheckpoint) -> tuple[list[SavedCheckpoint], list[SavedCheckpoint]]:
        """Split the kept checkpoints plus ``record`` into (kept, to delete), with reasons set."""
        candidates = [r for r in self.kept if r.name != record.name] + [record]
        mode = self.improvement.mode if self.improvement else None
        reasons = self.retention.reasons(
            [Record(r.name, r.epoch, r.step, r.wall_time, r.value) for r in candidates], mode)
        for candidate in candidates:
            candidate.reasons = reasons.get(candidate.name, [])
        return [r for r in candidates if r.reasons], [r for r in candidates if not r.reasons]

    def _discard(self, record: SavedCheckpoint) -> None:
        try:
            self.folder.delete(record)
        except Exception:  # the disk that just failed may fail again; the index never named it
            pass

    def _write_failed(self, name: str, err: Exception) -> None:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        error = CheckpointWriteError(
            self.folder.path(name), f"could not save the checkpoint ({detail}); the checkpoints kept before "
            "are untouched", "free disk space or fix the folder's permissions")
        if self.on_write_error == "raise":
            raise error from err
        print(f"tfckpt: {error.message}", file=sys.stderr)
        if self.on_write_error == "stop":
            self.model.stop_training = True

    def _metadata(self, logs: Mapping, decision: Decision) -> dict:
        return {
            "reason": decision.reason,
            "monitor": self.improvement.monitor if self.improvement else None,
            "value": _finite_or_none(decision.value),
            "metrics": {k: _finite_or_none(v) for k, v in logs.items() if isinstance(v, (int, float))},
            "tfckpt_version": __version__,
            "tensorflow_version": compat.tf.__version__,
            "keras_version": compat.keras_version(),
        }

    def _state(self) -> dict:
        return {
            "callback": type(self).__name__,
            "monitor": self.improvement.monitor if self.improvement else None,
            "mode": self.improvement.mode if self.improvement else None,
            "best_value": self.best_value,
            "last_save_step": self._last_save_step,
        }

    def _say(self, message: str) -> None:
        if self.verbose > 0 and self._is_writer:
            print(message)


def _finite_or_none(value) -> Optional[float]:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
