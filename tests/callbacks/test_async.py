"""async_save: training waits only for a snapshot; every save is a normal, correct checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from tfckpt.callbacks.errors import CallbackConfigError, CheckpointWriteError
from tfckpt.checkpoint.inspect import inspect_path

from helpers import fit, index_of, kept_names, load_weights_of, scripted_metric, tiny_model


@pytest.fixture
def tfckpt_api(tf):
    import tfckpt

    return tfckpt


def test_save_after_save_with_the_weights_of_each_epoch(tf, keras, tmp_path, tfckpt_api):
    """TensorFlow's own async checkpointing fails on the second save under Keras 3; ours must not,
    and each checkpoint must hold the weights of its epoch although training went on."""
    folder = tmp_path / "last"
    scripted = scripted_metric(keras, "val_mAP", [0.1] * 6)
    fit(tiny_model(keras), [tfckpt_api.PeriodicCheckpoint(folder, keep_last=6, async_save=True, verbose=0),
                            scripted], epochs=6)
    assert kept_names(folder) == [f"ckpt-{e:04d}" for e in range(1, 7)]
    # the scripted callback runs after ours, at the same epoch end: same weights
    for epoch in (1, 2, 6):
        for got, expected in zip(load_weights_of(tf, keras, folder / f"ckpt-{epoch:04d}"),
                                 scripted.weights_at_epoch[epoch]):
            np.testing.assert_array_equal(got, expected)
    report = inspect_path(str(folder), deep=True)
    assert report.exit_code == 0
    assert [c.step for c in report.checkpoints] == [4 * e for e in range(1, 7)]


def test_async_checkpoint_resumes_with_the_optimizer(tf, keras, tmp_path, tfckpt_api):
    folder = tmp_path / "last"
    first = tiny_model(keras)
    fit(first, [tfckpt_api.PeriodicCheckpoint(folder, keep_last=1, async_save=True, verbose=0)], epochs=3)
    second = tiny_model(keras, seed=4)
    fit(second, [tfckpt_api.PeriodicCheckpoint(folder, keep_last=1, async_save=True, resume=True, verbose=0)],
        epochs=3)  # nothing left to train: restore only
    assert int(second.optimizer.iterations.numpy()) == 12
    for got, expected in zip(second.get_weights(), first.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_best_checkpoint_async(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "best"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.1, 0.3, 0.2, 0.4]),
                            tfckpt_api.BestCheckpoint(folder, monitor="val_mAP", async_save=True, verbose=0)],
        epochs=4)
    assert kept_names(folder) == ["best-0004"]
    assert index_of(folder)["best_value"] == 0.4


def test_background_error_surfaces_and_keeps_what_was_kept(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "last"

    class Blocker(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                (folder / "ckpt-0003.index").mkdir()

    periodic = tfckpt_api.PeriodicCheckpoint(folder, keep_last=5, async_save=True, verbose=0)
    with pytest.raises(CheckpointWriteError, match="could not save the checkpoint"):
        fit(tiny_model(keras), [Blocker(), periodic], epochs=4)
    assert kept_names(folder) == ["ckpt-0001", "ckpt-0002"]
    assert not [p for p in folder.iterdir() if ".tfckpt-tmp-" in p.name]


def test_async_needs_full_state(tfckpt_api, tmp_path):
    with pytest.raises(CallbackConfigError, match="async_save=True writes full-state checkpoints in the background"):
        tfckpt_api.PeriodicCheckpoint(tmp_path, save_weights_only=True, async_save=True)


def test_snapshot_is_taken_before_the_variables_change(tf, keras, tmp_path):
    """The write runs later than the snapshot; values changed in between must not leak in."""
    from tfckpt.callbacks.writers import AsyncTFCheckpointWriter

    model = tiny_model(keras)
    fit(model, [], epochs=1)
    writer = AsyncTFCheckpointWriter(model)
    writer.prepare(str(tmp_path), "first", 1, 4)()  # plain write; learns the keys
    before = [w.copy() for w in model.get_weights()]
    job = writer.prepare(str(tmp_path), "second", 2, 8)  # snapshot only
    for variable in model.weights:
        variable.assign(tf.zeros_like(variable))
    assert job() == ["second.index", "second.data-00000-of-00001"]
    for got, expected in zip(load_weights_of(tf, keras, tmp_path / "second"), before):
        np.testing.assert_array_equal(got, expected)
