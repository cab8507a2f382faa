"""Write one checkpoint crash-safely: under a temporary name in the target folder, then renamed.

Two formats:

* ``"tf"``: a ``tf.train.Checkpoint`` bundle (``NAME.index`` + ``NAME.data-*``) of the model,
  and unless weights-only, the optimizer and the ``epoch``/``step`` counters -- everything a
  resume needs. ``tfckpt inspect`` and ``tf.train.latest_checkpoint`` read it.
* ``"h5"``: ``NAME.weights.h5`` from ``model.save_weights``, which ``model.load_weights``
  reads in every Keras version.

Data files are renamed before the ``.index`` file, so a checkpoint becomes visible only when
all of it is in place.

Each writer's :meth:`prepare` runs on the training thread and returns a job that finishes the
write. For the synchronous writers the job does all of it; for :class:`AsyncTFCheckpointWriter`
``prepare`` only takes a copy-on-write snapshot of every variable (milliseconds) and the job,
run on a background thread, writes the snapshot.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from typing import Callable

from tfckpt.callbacks.compat import optimizer_variable_count, tf
from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, read_index
from tfckpt.checkpoint.protos import TrackableObjectGraph
from tfckpt.checkpoint.shards import read_string_scalar
from tfckpt.io.atomic import remove, replace, temporary_name
from tfckpt.io.fs import filesystem_for, has_scheme, join


class TFCheckpointWriter:
    """Saves model (+ optimizer, epoch, step) with ``tf.train.Checkpoint.write``."""

    format = "tf"

    def __init__(self, model, include_optimizer: bool = True) -> None:
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="tfckpt_epoch")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="tfckpt_step")
        parts = {"model": model, "epoch": self.epoch, "step": self.step}
        if include_optimizer and getattr(model, "optimizer", None) is not None:
            parts["optimizer"] = model.optimizer
        self.checkpoint = tf.train.Checkpoint(**parts)

    def prepare(self, folder: str, name: str, epoch: int, step: int) -> Callable[[], list[str]]:
        return lambda: self.write(folder, name, epoch, step)

    def write(self, folder: str, name: str, epoch: int, step: int) -> list[str]:
        """Write ``folder/name`` and return the file names it consists of."""
        self.epoch.assign(epoch)
        self.step.assign(step)
        return _write_then_rename(folder, name, lambda prefix: self.checkpoint.write(prefix))

    def restore(self, prefix: str) -> None:
        """Load a checkpoint this writer wrote; every saved value must find its variable."""
        self.checkpoint.read(prefix).assert_existing_objects_matched()

    def restore_weights(self, prefix: str) -> None:
        """Load only the model's weights (not the optimizer, not the counters)."""
        tf.train.Checkpoint(model=self.checkpoint.model).read(prefix).expect_partial()


class AsyncTFCheckpointWriter(TFCheckpointWriter):
    """Like :class:`TFCheckpointWriter`, but the training thread only snapshots the variables
    (its job may then run in the background, or at once for a synchronous save).

    The first save (and any save after the set of variables changed) is written normally; it
    shows which checkpoint key belongs to which variable, and the object graph to write with
    them. Later saves copy every variable with ``tf.identity`` (copy-on-write: the copy keeps
    the old values while training goes on) and write the copies with ``SaveV2``, plus that
    object graph, so the result is an ordinary object-based checkpoint.
    """

    def __init__(self, model, include_optimizer: bool = True) -> None:
        super().__init__(model, include_optimizer)
        self.model = model
        self._plan = None

    def prepare(self, folder: str, name: str, epoch: int, step: int) -> Callable[[], list[str]]:
        self.epoch.assign(epoch)
        self.step.assign(step)
        if self._plan is None or self._plan.signature != optimizer_variable_count(self.model):
            files = self.write(folder, name, epoch, step)
            self._plan = _SnapshotPlan.from_checkpoint(self.checkpoint, join(folder, name),
                                                       optimizer_variable_count(self.model))
            return lambda: files
        plan = self._plan
        snapshot = plan.snapshot()
        return lambda: _write_then_rename(folder, name, lambda prefix: plan.save(prefix, snapshot))


class _SnapshotPlan:
    """Checkpoint keys, the variables they hold, and the object graph bytes of one structure."""

    def __init__(self, keys, variables, graph: bytes, signature) -> None:
        self.keys, self.variables, self.graph, self.signature = keys, variables, graph, signature
        # one graph call reads every variable: ~10x faster than a Python loop of tf.identity
        self.snapshot = tf.function(lambda: [tf.identity(variable) for variable in variables])
        self.snapshot()  # trace and warm it up now, during the first (synchronous) save

    @classmethod
    def from_checkpoint(cls, checkpoint, prefix: str, signature) -> "_SnapshotPlan":
        """Pair each saved key with its variable: the object graph's node ``i`` is the ``i``-th
        object of the same breadth-first walk that ``tf.train.TrackableView`` makes."""
        index = read_index(prefix)
        graph_bytes = read_string_scalar(index, OBJECT_GRAPH_KEY)
        nodes = TrackableObjectGraph.FromString(graph_bytes).nodes
        objects = tf.train.TrackableView(checkpoint).descendants()
        if len(objects) != len(nodes):
            raise RuntimeError("tfckpt: the object graph does not match the objects; cannot save in the background")
        keys, variables = [], []
        for node, obj in zip(nodes, objects):
            for attribute in node.attributes:
                entry = index.entries[attribute.checkpoint_key]
                if attribute.name != "VARIABLE_VALUE" or tuple(obj.shape) != entry.shape:
                    raise RuntimeError(f"tfckpt: cannot save {attribute.checkpoint_key} in the background")
                keys.append(attribute.checkpoint_key)
                variables.append(obj)
        return cls(keys, variables, graph_bytes, signature)

    def save(self, prefix: str, snapshot: list) -> None:
        names = self.keys + [OBJECT_GRAPH_KEY]
        tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                          tensors=snapshot + [tf.constant(self.graph)])


def _write_then_rename(folder: str, name: str, write: Callable[[str], object]) -> list[str]:
    """Call ``write(temporary prefix)``, then rename data files and, last, the index."""
    temporary = temporary_name(name)
    temporary_prefix = join(folder, temporary)
    try:
        write(temporary_prefix)
        fs = filesystem_for(folder)
        final_names = []
        for data_name in (n for n in fs.listdir(folder) if n.startswith(temporary + ".data-")):
            final = name + data_name[len(temporary):]
            replace(join(folder, data_name), join(folder, final))
            final_names.append(final)
        replace(temporary_prefix + ".index", join(folder, name + ".index"))
        return [name + ".index"] + final_names
    except BaseException:
        remove_temporary_checkpoint(folder, temporary)
        raise


class H5WeightsWriter:
    """Saves ``NAME.weights.h5`` via ``model.save_weights`` (written locally, then moved)."""

    format = "h5"

    def __init__(self, model) -> None:
        self.model = model

    def prepare(self, folder: str, name: str, epoch: int, step: int) -> Callable[[], list[str]]:
        return lambda: self.write(folder, name, epoch, step)

    def write(self, folder: str, name: str, epoch: int, step: int) -> list[str]:
        final = name + ".weights.h5"
        temporary = join(folder, temporary_name(final))
        try:
            if has_scheme(folder):  # Keras 2.15 cannot write HDF5 to ram:// or gs:// itself
                with tempfile.TemporaryDirectory() as local:
                    local_file = os.path.join(local, final)
                    self.model.save_weights(local_file)
                    tf.io.gfile.copy(local_file, temporary, overwrite=True)
            else:
                self.model.save_weights(temporary)
            replace(temporary, join(folder, final))
        except BaseException:
            remove(temporary)
            raise
        return [final]

    def restore_weights(self, path: str) -> None:
        self.restore(path)

    def restore(self, path: str) -> None:
        if has_scheme(path):
            with tempfile.TemporaryDirectory() as local:
                local_file = os.path.join(local, os.path.basename(path))
                tf.io.gfile.copy(path, local_file, overwrite=True)
                self.model.load_weights(local_file)
        else:
            self.model.load_weights(path)


def remove_tree(path: str) -> None:
    """Delete a folder and everything in it; a folder that is not there is fine."""
    if has_scheme(path):
        if tf.io.gfile.exists(path):
            tf.io.gfile.rmtree(path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def remove_temporary_checkpoint(folder: str, temporary: str) -> None:
    """Delete every file and folder that starts with ``temporary`` (TensorFlow also makes a
    ``<prefix>_temp`` folder while it writes)."""
    fs = filesystem_for(folder)
    for entry in fs.listdir(folder):
        if entry.startswith(temporary):
            path = join(folder, entry)
            if fs.isdir(path):
                remove_tree(path)
            else:
                remove(path)
