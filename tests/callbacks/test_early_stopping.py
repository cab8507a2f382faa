"""EarlyStoppingRestore: stops on plateaus, always restores the best weights from disk,
rolls back on divergence."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tfckpt.callbacks.errors import CallbackConfigError

from helpers import fit, scripted_metric, tiny_model


@pytest.fixture
def tfckpt_api(tf):
    import tfckpt

    return tfckpt


def assert_weights(model, expected):
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)


def test_stops_on_plateau_and_restores_the_best_epoch(keras, tmp_path, tfckpt_api, capsys):
    values = [0.1, 0.4, 0.3, 0.35, 0.2, 0.9, 0.9]
    scripted = scripted_metric(keras, "val_mAP", values)
    stopper = tfckpt_api.EarlyStoppingRestore(tmp_path / "best", monitor="val_mAP", patience=2)
    model = tiny_model(keras)
    history = fit(model, [scripted, stopper], epochs=len(values))
    assert len(history.history["loss"]) == 4  # as Keras: epochs 3 and 4 did not improve on epoch 2
    assert stopper.stopped_epoch == 4
    assert_weights(model, scripted.weights_at_epoch[2])
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping; val_mAP has not improved for 2 epochs (best 0.4 at epoch 2)\n" in out
    assert out.endswith(f"Restored the best weights (epoch 2, val_mAP 0.4) from {tmp_path}/best/best-0002\n")


def test_restores_the_best_even_when_training_ends_normally(keras, tmp_path, tfckpt_api):
    values = [0.1, 0.5, 0.3]
    scripted = scripted_metric(keras, "val_mAP", values)
    model = tiny_model(keras)
    fit(model, [scripted, tfckpt_api.EarlyStoppingRestore(tmp_path / "b", monitor="val_mAP", patience=10,
                                                          verbose=0)], epochs=3)
    assert_weights(model, scripted.weights_at_epoch[2])


def test_restores_on_an_exception_when_used_as_a_context_manager(keras, tmp_path, tfckpt_api):
    values = [0.1, 0.5, 0.3, 0.2]
    scripted = scripted_metric(keras, "val_mAP", values)

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 3:
                raise KeyboardInterrupt

    stopper = tfckpt_api.EarlyStoppingRestore(tmp_path / "b", monitor="val_mAP", patience=10, verbose=0)
    model = tiny_model(keras)
    with pytest.raises(KeyboardInterrupt):
        with stopper:
            fit(model, [scripted, stopper, Crash()], epochs=4)
    assert_weights(model, scripted.weights_at_epoch[2])


def test_shares_the_best_checkpoint_callback(keras, tmp_path, tfckpt_api):
    values = [0.3, 0.2, 0.25, 0.1]
    scripted = scripted_metric(keras, "val_mAP", values)
    best = tfckpt_api.BestCheckpoint(tmp_path / "b", monitor="val_mAP", keep_best=2, verbose=0)
    stopper = tfckpt_api.EarlyStoppingRestore(checkpoint=best, patience=0, verbose=0)
    model = tiny_model(keras)
    history = fit(model, [scripted, best, stopper], epochs=4)
    assert len(history.history["loss"]) == 2
    assert stopper.improvement is best.improvement
    assert_weights(model, scripted.weights_at_epoch[1])


def test_baseline_and_start_from_epoch(keras, tmp_path, tfckpt_api, capsys):
    # as Keras: improving below the baseline 0.4 keeps it going; epoch 1 (before start_from_epoch) is ignored
    values = [0.9, 0.1, 0.2, 0.3, 0.35, 0.36]
    stopper = tfckpt_api.EarlyStoppingRestore(tmp_path / "b", monitor="val_mAP", patience=1, baseline=0.4,
                                              start_from_epoch=1, verbose=0)
    scripted = scripted_metric(keras, "val_mAP", values)
    model = tiny_model(keras)
    history = fit(model, [scripted, stopper], epochs=6)
    assert len(history.history["loss"]) == 6 and stopper.best_epoch == 6
    assert_weights(model, scripted.weights_at_epoch[6])  # not epoch 1's 0.9, which came before start_from_epoch
    stalled = tfckpt_api.EarlyStoppingRestore(tmp_path / "c", monitor="val_mAP", patience=1, baseline=0.4)
    history = fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.1, 0.2, 0.2, 0.3]), stalled], epochs=4)
    assert len(history.history["loss"]) == 3
    assert "Epoch 3: early stopping; val_mAP has not beaten the baseline 0.4 in 3 epochs (best 0.2 at epoch 2)\n" \
        in capsys.readouterr().out


def test_nan_from_real_weights_rolls_back_and_halves_the_learning_rate(keras, tmp_path, tfckpt_api, capsys):
    class Poison(keras.callbacks.Callback):
        """Put NaNs into the output kernel once, at the second batch of epoch 3."""

        def __init__(self):
            super().__init__()
            self.done = False

        def on_train_batch_begin(self, batch, logs=None):
            if self.epoch == 2 and batch == 1 and not self.done:
                kernel = self.model.layers[-1].kernel  # the output layer: no ReLU to hide the NaN
                kernel.assign(np.full(kernel.shape, np.nan, "float32"))
                self.done = True

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    stopper = tfckpt_api.EarlyStoppingRestore(tmp_path / "b", monitor="loss", patience=20, lr_factor=0.5)
    model = tiny_model(keras)
    rate_before = float(model.optimizer.learning_rate.numpy())
    history = fit(model, [Poison(), stopper], epochs=5)
    assert len(history.history["loss"]) == 5
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert math.isfinite(history.history["loss"][-1])
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(rate_before / 2)
    assert stopper.rollbacks == 1
    out = capsys.readouterr().out
    assert f"loss became nan at batch 1; rolled back to {tmp_path}/b/best-0002 (epoch 2), learning rate now" in out


def test_gives_up_after_max_rollbacks(keras, tmp_path, tfckpt_api, capsys):
    values = [0.5, 0.4, math.nan, math.nan, math.nan, math.nan]
    stopper = tfckpt_api.EarlyStoppingRestore(tmp_path / "b", monitor="val_loss", patience=20, max_rollbacks=2,
                                              verbose=0)
    history = fit(tiny_model(keras), [scripted_metric(keras, "val_loss", values), stopper], epochs=6)
    assert len(history.history["loss"]) == 5
    assert stopper.rollbacks == 2
    assert capsys.readouterr().err == ("tfckpt: Epoch 5: val_loss is nan; stopping after 2 rollback(s) "
                                       "(max_rollbacks=2): lower the learning rate or check the data\n")


def test_state_survives_a_resume(keras, tmp_path, tfckpt_api):
    folder = tmp_path / "b"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.5, 0.4, 0.3]),
                            tfckpt_api.EarlyStoppingRestore(folder, monitor="val_mAP", patience=5, verbose=0)],
        epochs=3)
    state = json.loads((folder / "early-stopping.json").read_text())
    assert (state["wait"], state["best_seen"], state["best_epoch"]) == (2, 0.5, 1)
    resumed = tfckpt_api.EarlyStoppingRestore(folder, monitor="val_mAP", patience=3, resume=True, verbose=0)
    history = fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.5, 0.4, 0.3, 0.2, 0.1, 0.1]), resumed],
                  epochs=6)
    assert len(history.history["loss"]) == 1  # wait 2 carried over: epoch 4 makes it 3, the patience
    assert resumed.best_seen == 0.5


def test_without_a_directory_keeps_its_best_in_a_temporary_folder_and_deletes_it(keras, tfckpt_api, capsys):
    values = [0.1, 0.5, 0.3, 0.2]
    scripted = scripted_metric(keras, "val_mAP", values)
    stopper = tfckpt_api.EarlyStoppingRestore(monitor="val_mAP", patience=5)
    assert stopper.directory is None

    class Look(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.folder = stopper.directory
            self.held = sorted(p.name for p in Path(self.folder).iterdir())

    look = Look()
    model = tiny_model(keras)
    fit(model, [scripted, stopper, look], epochs=4)
    assert "best-0002.index" in look.held and look.folder.startswith(tempfile.gettempdir())
    assert not Path(look.folder).exists() and stopper.directory is None
    assert_weights(model, scripted.weights_at_epoch[2])
    out = capsys.readouterr().out
    assert out.startswith(f"EarlyStoppingRestore: keeping the best checkpoint in {look.folder} (a temporary folder, "
                          "deleted when training ends; pass a directory to keep it)\n")
    assert f"Restored the best weights (epoch 2, val_mAP 0.5) from {look.folder}/best-0002\n" in out


def test_temporary_folder_goes_on_an_exception_too(keras, tfckpt_api):
    scripted = scripted_metric(keras, "val_mAP", [0.1, 0.5, 0.3, 0.2])
    folders = []

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            folders.append(stopper.directory)
            if epoch == 3:
                raise KeyboardInterrupt

    stopper = tfckpt_api.EarlyStoppingRestore(monitor="val_mAP", patience=5, verbose=0)
    model = tiny_model(keras)
    with pytest.raises(KeyboardInterrupt):
        with stopper:
            fit(model, [scripted, stopper, Crash()], epochs=4)
    assert Path(folders[0]).name.startswith("tfckpt-best-") and not Path(folders[0]).exists()
    assert_weights(model, scripted.weights_at_epoch[2])


def test_resume_needs_the_folder_of_the_run(tfckpt_api):
    with pytest.raises(CallbackConfigError, match="resume=True continues the state saved in a folder"):
        tfckpt_api.EarlyStoppingRestore(monitor="val_loss", resume=True)
