"""The one place that knows how Keras 3, ``tf_keras`` and TF 2.15's Keras 2 differ.

* Base class: ``keras.callbacks.Callback`` under Keras 3, ``tf.keras.callbacks.Callback`` under
  Keras 2 (a Keras 2 callback also works in Keras 3's ``fit``; the reverse fails).
* Resuming at an epoch: Keras 3 reads ``model._initial_epoch``; Keras 2 asks
  ``model._training_state`` (the hook ``BackupAndRestore`` uses).
* Building optimizer state before a restore, so every slot has a variable to land in.

TensorFlow is imported when this module is, i.e. only by code that uses the callbacks.
"""

from __future__ import annotations

from tfckpt.tensorflow_import import import_tensorflow

tf = import_tensorflow("tfckpt's Keras callbacks and COCOMetrics")

keras = tf.keras


def keras_version() -> str:
    """``"3.15.1"``, ``"2.15.0"``, ... for the Keras that ``tf.keras`` is."""
    import importlib

    if hasattr(keras, "version"):
        return keras.version()
    return importlib.import_module(keras.__name__.split(".")[0]).__version__


KERAS_MAJOR = int(keras_version().split(".")[0])
Callback = keras.callbacks.Callback


class _ResumePoint:
    """What Keras 2's ``fit`` asks ``model._training_state`` for: the epoch to start at."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def maybe_load_initial_counters_from_ckpt(self, steps_per_epoch, initial_epoch, mode=None):
        return max(self.epoch, initial_epoch), 0


def set_initial_epoch(model, epoch: int) -> None:
    """Make the ``fit`` that is starting continue at ``epoch`` (0-based). Call from
    ``on_train_begin``; undo with :func:`clear_initial_epoch` at train end."""
    if KERAS_MAJOR >= 3:
        model._initial_epoch = epoch
    else:
        model._training_state = _ResumePoint(epoch)


def clear_initial_epoch(model) -> None:
    if KERAS_MAJOR >= 3:
        model._initial_epoch = None
    elif isinstance(getattr(model, "_training_state", None), _ResumePoint):
        model._training_state = None


def build_optimizer(model) -> None:
    """Create the optimizer's slot variables now, so a restore fills them instead of deferring."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    variables = model.trainable_variables
    if hasattr(optimizer, "build") and not getattr(optimizer, "built", False):
        optimizer.build(variables)
    elif hasattr(optimizer, "_create_all_weights"):  # legacy Keras 2 optimizers
        optimizer._create_all_weights(variables)


def optimizer_iterations(model) -> int:
    """Training steps taken so far, from the optimizer's counter (0 without an optimizer)."""
    optimizer = getattr(model, "optimizer", None)
    iterations = getattr(optimizer, "iterations", None)
    return int(iterations.numpy()) if iterations is not None else 0


def optimizer_variable_count(model) -> int:
    """How many variables the optimizer has: cheap to read (``model.weights`` walks every layer),
    and it grows when the optimizer builds its slots, the usual change after a first save."""
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = getattr(optimizer, "variables", ()) if optimizer is not None else ()
    if callable(optimizer_variables):  # legacy optimizers: a method
        optimizer_variables = optimizer_variables()
    return len(optimizer_variables)


def writer_role(model) -> tuple[bool, int]:
    """``(writes final files, worker id)`` under the model's distribution strategy.

    Only the chief writes checkpoints others can see; under ``MultiWorkerMirroredStrategy``
    every other worker still takes part in each save (reading mirrored and sync-on-read
    variables is collective) and writes to a scratch folder that is deleted at once.
    """
    strategy = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    extended = strategy.extended
    resolver = getattr(strategy, "cluster_resolver", None)
    task_id = getattr(resolver, "task_id", None) if resolver is not None else None
    return bool(getattr(extended, "should_checkpoint", True)), int(task_id or 0)


def is_multi_worker(model) -> bool:
    strategy = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    return sum(len(tasks) for kind, tasks in spec.items() if kind in ("chief", "worker")) > 1
