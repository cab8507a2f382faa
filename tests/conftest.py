"""Shared fixtures: real TensorFlow checkpoints written in the test, and copies of the real
Object Detection API index files with sparse data files of the right size."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testkit import ODAPI_REAL, build_tiny_model, sparse_data_files, tensorflow_or_skip


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once (it takes seconds). Every test that needs TensorFlow gets it
    through this fixture (``keras`` and ``tiny_checkpoint`` build on it)."""
    return tensorflow_or_skip()


@pytest.fixture(scope="session")
def keras(tf):
    """The Keras that ``model.fit`` users of this TensorFlow get (Keras 3, tf_keras, or Keras 2.15)."""
    return tf.keras


@pytest.fixture
def odapi_dir(tmp_path):
    """``odapi_dir(name)``: a copy of a real OD API training folder (state file, ckpt-1, ckpt-2)
    whose data files are sparse files of the right size."""

    def make(name: str = "frcnn_irv2_90cls_momentum") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for item in ("checkpoint", "ckpt-1.index", "ckpt-2.index"):
            shutil.copy(ODAPI_REAL / name / item, folder / item)
        for prefix in ("ckpt-1", "ckpt-2"):
            sparse_data_files(folder / prefix)
        return folder

    return make


@pytest.fixture
def tiny_checkpoint(tmp_path, tf, keras):
    """A real ``tf.train.Checkpoint(model, optimizer, step)`` save of a tiny fitted Keras model."""
    model = build_tiny_model(keras)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer, step=tf.Variable(7, dtype=tf.int64))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path / "run"), max_to_keep=5)
    prefix = manager.save()
    return Path(prefix)
