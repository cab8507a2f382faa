"""BestCheckpoint on real model.fit runs of a tiny model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfckpt.callbacks.errors import CallbackConfigError, MonitorNotFoundError
from tfckpt.checkpoint.inspect import inspect_path

from testkit import keras_major_version
from helpers import fit, index_of, kept_names, load_weights_of, scripted_metric, tiny_model

MAP = [0.10, 0.30, 0.25, 0.50, 0.45, 0.40]


@pytest.fixture
def callbacks_module(tf):
    import tfckpt

    return tfckpt


def test_saves_on_improvement_and_keeps_the_best_weights(tf, keras, tmp_path, callbacks_module, capsys):
    folder = tmp_path / "best"
    scripted = scripted_metric(keras, "val_mAP", MAP)
    best = callbacks_module.BestCheckpoint(folder, monitor="val_mAP", keep_best=2)
    fit(tiny_model(keras), [scripted, best], epochs=len(MAP))
    assert kept_names(folder) == ["best-0002", "best-0004"]
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"Epoch 1: val_mAP improved from -inf to 0.1, saved to {folder}/best-0001",
        f"Epoch 2: val_mAP improved from 0.1 to 0.3, saved to {folder}/best-0002",
        "Epoch 3: val_mAP did not improve from 0.3",
        f"Epoch 4: val_mAP improved from 0.3 to 0.5, saved to {folder}/best-0004",
        "Epoch 5: val_mAP did not improve from 0.5",
        "Epoch 6: val_mAP did not improve from 0.5",
    ]
    restored = load_weights_of(tf, keras, folder / "best-0004")
    for got, expected in zip(restored, scripted.weights_at_epoch[4]):
        np.testing.assert_array_equal(got, expected)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["best-0002.index", "best-0002.data-00000-of-00001", "best-0002.json",
         "best-0004.index", "best-0004.data-00000-of-00001", "best-0004.json", "checkpoint", "tfckpt-index.json"])


def test_index_sidecar_and_tensorflow_see_the_checkpoints(tf, keras, tmp_path, callbacks_module):
    folder = tmp_path / "best"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", MAP),
                            callbacks_module.BestCheckpoint(folder, monitor="val_mAP", keep_last=1, verbose=0)],
        epochs=len(MAP))
    index = index_of(folder)
    assert (index["monitor"], index["mode"], index["best_value"]) == ("val_mAP", "max", 0.5)
    assert [(k["name"], k["reasons"]) for k in index["kept"]] == [("best-0004", ["best-1", "last-1"])]
    sidecar = json.loads((folder / "best-0004.json").read_text())
    assert (sidecar["epoch"], sidecar["step"], sidecar["value"], sidecar["reason"]) == (4, 16, 0.5, "improved")
    assert sidecar["metrics"]["val_mAP"] == 0.5 and "loss" in sidecar["metrics"]
    assert sidecar["tensorflow_version"] == tf.__version__
    assert tf.train.latest_checkpoint(str(folder)) == str(folder / "best-0004")
    report = inspect_path(str(folder))
    assert report.exit_code == 0
    [summary] = report.checkpoints
    assert (summary.step, summary.optimizer) == (16, "momentum" if keras_major_version(keras) >= 3 else "sgd")
    assert set(summary.roots) >= {"optimizer", "epoch", "step"} and summary.holds_model


def test_threshold_saves_only_past_it(keras, tmp_path, callbacks_module, capsys):
    folder = tmp_path / "best"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", [0.5, 0.79, 0.81, 0.80, 0.9]),
                            callbacks_module.BestCheckpoint(folder, monitor="val_mAP", threshold=0.8)], epochs=5)
    assert kept_names(folder) == ["best-0005"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1: val_mAP 0.5 is not above the threshold 0.8, not saved"
    assert lines[2] == f"Epoch 3: val_mAP improved from -inf to 0.81, saved to {folder}/best-0003"


def test_val_loss_with_real_validation_and_silence_at_verbose_0(keras, tmp_path, callbacks_module, capsys):
    from helpers import data

    folder = tmp_path / "best"
    history = fit(tiny_model(keras), [callbacks_module.BestCheckpoint(folder, verbose=0)], epochs=4,
                  validation_data=data(8))
    assert capsys.readouterr().out == ""
    losses = history.history["val_loss"]
    assert index_of(folder)["best_value"] == pytest.approx(min(losses))
    assert kept_names(folder) == [f"best-{losses.index(min(losses)) + 1:04d}"]


def test_missing_monitor_lists_the_keys_there_are(keras, tmp_path, callbacks_module):
    with pytest.raises(MonitorNotFoundError) as caught:
        fit(tiny_model(keras), [callbacks_module.BestCheckpoint(tmp_path / "b", monitor="val_mAP")], epochs=1)
    assert str(caught.value) == (
        "BestCheckpoint monitors 'val_mAP', but the epoch's logs have only: loss; HINT: use one of those names; "
        "a 'val_' metric needs validation_data in fit(); a metric that another Keras callback adds exists only "
        "if that callback comes before this one in callbacks=[...] (tfckpt.COCOMetrics is asked for its metrics "
        "wherever it stands)")


def test_early_stopping_restore_names_itself_when_its_monitor_is_missing(keras, tmp_path, callbacks_module):
    stopper = callbacks_module.EarlyStoppingRestore(tmp_path / "b", monitor="val_accuracy", patience=2)
    with pytest.raises(MonitorNotFoundError) as caught:
        fit(tiny_model(keras), [stopper], epochs=1)
    assert str(caught.value).startswith(
        "EarlyStoppingRestore monitors 'val_accuracy', but the epoch's logs have only: ")


def test_template_typo_fails_when_the_callback_is_made(callbacks_module, tmp_path):
    with pytest.raises(CallbackConfigError) as caught:
        callbacks_module.BestCheckpoint(tmp_path / "b", monitor="val_mAP", filename="best-{epcoh}-{val_mAP:.3f}")
    assert str(caught.value) == ("filename template 'best-{epcoh}-{val_mAP:.3f}' uses {epcoh}, which will not exist; "
                                 "did you mean {epoch}? fields available: epoch, step, loss, val_loss, val_mAP")


def test_unknown_template_metric_fails_at_the_first_epoch_end_not_later(keras, tmp_path, callbacks_module):
    best = callbacks_module.BestCheckpoint(tmp_path / "b", monitor="val_mAP", threshold=0.9,
                                           filename="best-{epoch}-{coco_ap:.2f}")
    with pytest.raises(CallbackConfigError, match=r"uses \{coco_ap\}, which will not exist; fields available: "
                                                  r"epoch, step, loss, val_mAP$"):
        fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", MAP), best], epochs=3)


def test_metric_name_with_slash_makes_no_folder(keras, tmp_path, callbacks_module):
    folder = tmp_path / "best"
    key = "DetectionBoxes_Precision/mAP"
    best = callbacks_module.BestCheckpoint(folder, monitor=key, filename="map-{" + key + ":.2f}-{epoch}", verbose=0)
    fit(tiny_model(keras), [scripted_metric(keras, key, MAP), best], epochs=len(MAP))
    assert kept_names(folder) == ["map-0.50-4"]
    assert all(p.is_file() for p in folder.iterdir())


def test_full_state_needs_a_changing_name(callbacks_module, tmp_path):
    with pytest.raises(CallbackConfigError, match="gives every save the same name"):
        callbacks_module.BestCheckpoint(tmp_path, filename="best")


def test_weights_only_file_loads_with_load_weights(keras, tmp_path, callbacks_module):
    folder = tmp_path / "best"
    scripted = scripted_metric(keras, "val_mAP", MAP)
    fit(tiny_model(keras), [scripted, callbacks_module.BestCheckpoint(
        folder, monitor="val_mAP", save_weights_only=True, filename="best", verbose=0)], epochs=len(MAP))
    assert sorted(p.name for p in folder.iterdir()) == ["best.json", "best.weights.h5", "tfckpt-index.json"]
    fresh = tiny_model(keras, seed=5)
    fresh.load_weights(str(folder / "best.weights.h5"))
    for got, expected in zip(fresh.get_weights(), scripted.weights_at_epoch[4]):
        np.testing.assert_array_equal(got, expected)


def test_folder_of_an_earlier_run_needs_resume(keras, tmp_path, callbacks_module):
    folder = tmp_path / "best"
    fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", MAP),
                            callbacks_module.BestCheckpoint(folder, monitor="val_mAP", verbose=0)], epochs=2)
    with pytest.raises(CallbackConfigError) as caught:
        fit(tiny_model(keras), [scripted_metric(keras, "val_mAP", MAP),
                                callbacks_module.BestCheckpoint(folder, monitor="val_mAP", verbose=0)], epochs=2)
    assert str(caught.value) == (f"{folder} already holds checkpoints of an earlier run (tfckpt-index.json); "
                                 "pass resume=True to continue that run, or give this run its own folder")
    assert kept_names(folder) == ["best-0002"]


def test_hooks_with_scripted_logs_and_no_fit(keras, tmp_path, callbacks_module):
    model = tiny_model(keras)
    best = callbacks_module.BestCheckpoint(tmp_path / "b", monitor="val_loss", keep_best=1, verbose=0)
    best.set_model(model)
    best.on_train_begin()
    for epoch, value in enumerate([1.0, 0.5, float("nan"), 0.7, 0.4]):
        best.on_epoch_begin(epoch)
        best.on_epoch_end(epoch, {"loss": 1.0, "val_loss": value})
    best.on_train_end()
    assert best.best_value == 0.4
    assert kept_names(tmp_path / "b") == ["best-0005"]


def test_checked_every_n_steps_on_the_batch_logs(keras, tmp_path, callbacks_module, capsys):
    folder = tmp_path / "steps"
    best = callbacks_module.BestCheckpoint(folder, monitor="loss", check_every_steps=2, keep_best=1,
                                           filename="best-{step:03d}")
    fit(tiny_model(keras), [best], epochs=2)  # 4 steps an epoch
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Step 2", "Step 4", "Step 6", "Step 8"]
    assert lines[0].startswith("Step 2: loss improved from inf to ")
    [kept] = kept_names(folder)
    assert kept == f"best-{index_of(folder)['kept'][0]['step']:03d}"
    printed = [float(line.split(" to ")[1].split(",")[0]) for line in lines if "improved" in line]
    assert index_of(folder)["best_value"] == pytest.approx(min(printed), rel=1e-4)
