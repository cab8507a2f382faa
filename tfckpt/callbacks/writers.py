"""Write one checkpoint crash-safely: under a temporary name in the target folder, then renamed.

Two formats:

* ``"tf"``: a ``tf.train.Checkpoint`` bundle (``NAME.index`` + ``NAME.data-*``) of the model,
  and unless weights-only, the optimizer and the ``epoch``/``step`` counters -- everything a
  resume needs. ``tfckpt inspect`` and ``tf.train.latest_checkpoint`` read it.
* ``"h5"``: ``NAME.weights.h5`` from ``model.save_weights``, which ``model.load_weights``
  reads in every Keras version.

Data files are renamed before the ``.index`` file, so a checkpoint becomes visible only when
all of it is in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from tfckpt.callbacks.compat import tf
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

    def write(self, folder: str, name: str, epoch: int, step: int) -> list[str]:
        """Write ``folder/name`` and return the file names it consists of."""
        self.epoch.assign(epoch)
        self.step.assign(step)
        temporary = temporary_name(name)
        temporary_prefix = join(folder, temporary)
        try:
            self.checkpoint.write(temporary_prefix)
            fs = filesystem_for(folder)
            data_files = [n for n in fs.listdir(folder) if n.startswith(temporary + ".data-")]
            final_names = []
            for data_name in data_files:
                final = name + data_name[len(temporary):]
                replace(join(folder, data_name), join(folder, final))
                final_names.append(final)
            replace(temporary_prefix + ".index", join(folder, name + ".index"))
            return [name + ".index"] + final_names
        except BaseException:
            remove_temporary_checkpoint(folder, temporary)
            raise

    def restore(self, prefix: str) -> None:
        """Load a checkpoint this writer wrote; every saved value must find its variable."""
        self.checkpoint.read(prefix).assert_existing_objects_matched()


class H5WeightsWriter:
    """Saves ``NAME.weights.h5`` via ``model.save_weights`` (written locally, then moved)."""

    format = "h5"

    def __init__(self, model) -> None:
        self.model = model

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

    def restore(self, path: str) -> None:
        if has_scheme(path):
            with tempfile.TemporaryDirectory() as local:
                local_file = os.path.join(local, os.path.basename(path))
                tf.io.gfile.copy(path, local_file, overwrite=True)
                self.model.load_weights(local_file)
        else:
            self.model.load_weights(path)


def remove_temporary_checkpoint(folder: str, temporary: str) -> None:
    """Delete every file and folder that starts with ``temporary`` (TensorFlow also makes a
    ``<prefix>_temp`` folder while it writes)."""
    fs = filesystem_for(folder)
    for entry in fs.listdir(folder):
        if entry.startswith(temporary):
            path = join(folder, entry)
            if fs.isdir(path):
                tf.io.gfile.rmtree(path) if has_scheme(path) else shutil.rmtree(path, ignore_errors=True)
            else:
                remove(path)
