"""COCOMetrics inside real model.fit runs of the demo's tiny detector."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfckpt.coco import COCOAccumulator
from tfckpt.coco.errors import COCOInputError
from tfckpt.demo.detector import build_detector, decode_detections, detection_loss, encode_targets
from tfckpt.demo.shapes import make_shapes

TRAIN = make_shapes(48, seed=5)
VAL = make_shapes(12, seed=6)
VAL_DATA = (VAL[0], {"boxes": VAL[1], "classes": VAL[2]})


def fit(keras, callbacks, epochs=2, seed=0):
    model = build_detector(keras, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=detection_loss)
    history = model.fit(TRAIN[0], encode_targets(TRAIN[1], TRAIN[2]), batch_size=16, epochs=epochs, verbose=0,
                        callbacks=callbacks)
    return model, history


def coco_metrics(**kwargs):
    import tfckpt

    kwargs.setdefault("verbose", 0)
    return tfckpt.COCOMetrics(kwargs.pop("data", VAL_DATA), output_adapter=decode_detections, batch_size=5, **kwargs)


def map_of(model) -> float:
    detections = decode_detections(model.predict(VAL[0], verbose=0))
    scores = COCOAccumulator()
    scores.add_batch((64, 64), VAL[1], VAL[2], detections["detection_boxes"], detections["detection_scores"],
                     detections["detection_classes"], detections["num_detections"])
    return scores.evaluate()["mAP"]


def sidecar_values(folder):
    values = {}
    for sidecar in sorted(folder.glob("*.json")):
        record = json.loads(sidecar.read_text())
        if "metrics" in record:
            values[sidecar.stem] = record["metrics"]["val_mAP"]
    return values


@pytest.mark.parametrize("coco_first", [True, False], ids=["coco-first", "coco-last"])
def test_val_map_reaches_best_checkpoint_whatever_the_order(keras, tmp_path, coco_first):
    import tfckpt

    coco = coco_metrics()
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_mAP", keep_best=3, verbose=0)
    model, history = fit(keras, [coco, best] if coco_first else [best, coco], epochs=3)
    logged = [row["val_mAP"] for row in coco.history]
    assert [row["epoch"] for row in coco.history] == [1, 2, 3]  # once per epoch, however many readers
    assert history.history["val_mAP"] == pytest.approx(logged)
    saved = [e for e in best.events if e["action"] == "saved"]
    assert saved and all(e["value"] == pytest.approx(logged[e["epoch"] - 1]) for e in saved)
    assert sorted(sidecar_values(tmp_path / "best").values()) == pytest.approx(sorted(e["value"] for e in saved))
    assert logged[-1] == pytest.approx(map_of(model), abs=1e-12)  # the figure is the model's own


def test_a_periodic_filename_with_val_map_placed_before_it(keras, tmp_path):
    import tfckpt

    periodic = tfckpt.PeriodicCheckpoint(tmp_path / "last", every_epochs=1, keep_last=2,
                                         filename="ckpt-{epoch:02d}-{val_mAP:.3f}", verbose=0)
    coco = coco_metrics()
    fit(keras, [periodic, coco], epochs=2)
    expected = [f"ckpt-{row['epoch']:02d}-{row['val_mAP']:.3f}" for row in coco.history]
    assert [e["name"] for e in periodic.events if e["action"] == "saved"] == expected


def test_a_second_fit_of_the_same_model_reads_its_own_coco_metrics(keras, tmp_path):
    import tfckpt

    model, _ = fit(keras, [coco_metrics()], epochs=1)
    smaller = (VAL[0][:6], {"boxes": VAL[1][:6], "classes": VAL[2][:6]})
    coco = coco_metrics(data=smaller)
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_mAP", keep_best=3, verbose=0)
    model.fit(TRAIN[0], encode_targets(TRAIN[1], TRAIN[2]), batch_size=16, epochs=2, verbose=0,
              callbacks=[best, coco])
    saved = {e["epoch"]: e["value"] for e in best.events if e["action"] == "saved"}
    assert saved and all(value == pytest.approx(coco.history[epoch - 1]["val_mAP"]) for epoch, value in saved.items())
    assert len(coco.history) == 2


def test_under_mirrored_strategy_the_figures_are_the_models(tf, keras, tmp_path):
    import tfckpt

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = build_detector(keras)
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=detection_loss)
    coco = coco_metrics()
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_mAP", keep_best=1, verbose=0)
    model.fit(TRAIN[0], encode_targets(TRAIN[1], TRAIN[2]), batch_size=16, epochs=2, verbose=0,
              callbacks=[best, coco])
    assert [row["epoch"] for row in coco.history] == [1, 2]
    assert coco.history[-1]["val_mAP"] == pytest.approx(map_of(model), abs=1e-12)


def test_every_two_epochs_readers_wait_for_the_metric(keras, tmp_path):
    import tfckpt

    coco = coco_metrics(every_epochs=2)
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_mAP", keep_best=5, verbose=0)
    stopper = tfckpt.EarlyStoppingRestore(tmp_path / "early", monitor="val_mAP", patience=0, verbose=0)
    _, history = fit(keras, [best, stopper, coco], epochs=4)
    assert [row["epoch"] for row in coco.history] == [2, 4]
    assert {e["epoch"] for e in best.events if e["action"] == "saved"} <= {2, 4}
    assert len(history.history["loss"]) >= 2  # epoch 1 had no val_mAP, and that stopped nothing


def test_keras_callbacks_after_it_see_the_metrics(keras):
    coco = coco_metrics(metrics=("mAP", "AR100"), prefix="coco_")
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    stopper = keras.callbacks.EarlyStopping(monitor="coco_mAP", mode="max", patience=5)
    fit(keras, [coco, recorder, stopper], epochs=1)
    assert {"coco_mAP", "coco_AR100"} <= set(seen[0]) and "coco_mAP50" not in seen[0]


@pytest.mark.parametrize("make", [
    lambda keras: keras.callbacks.EarlyStopping(monitor="val_mAP", mode="max"),
    lambda keras: keras.callbacks.ModelCheckpoint("unused.keras", monitor="val_mAP", mode="max"),
], ids=["EarlyStopping", "ModelCheckpoint"])
def test_a_keras_callback_placed_before_it_is_refused_before_training(keras, make):
    coco = coco_metrics()
    with pytest.raises(COCOInputError) as error:
        fit(keras, [make(keras), coco], epochs=1)
    name = str(error.value).split("(")[0]
    assert str(error.value) == (f"{name}(monitor='val_mAP') comes before COCOMetrics in callbacks=[...], so it would "
                                "never see val_mAP; put COCOMetrics first in callbacks=[...]")
    assert coco.history == []  # stopped before the first epoch


def test_tf_data_with_ragged_ground_truth_gives_the_same_figures(tf, keras):
    counts = (VAL[2] >= 0).sum(1)
    ragged_boxes = tf.RaggedTensor.from_row_lengths(VAL[1][VAL[2] >= 0], counts)
    ragged_classes = tf.RaggedTensor.from_row_lengths(VAL[2][VAL[2] >= 0], counts)
    dataset = tf.data.Dataset.from_tensor_slices((VAL[0], {"boxes": ragged_boxes, "classes": ragged_classes}))
    dataset = dataset.apply(tf.data.experimental.dense_to_ragged_batch(5)) if hasattr(
        tf.data.experimental, "dense_to_ragged_batch") else dataset.ragged_batch(5)
    from_arrays, from_dataset = coco_metrics(), coco_metrics(data=dataset)
    fit(keras, [from_arrays, from_dataset], epochs=1)
    assert from_dataset.history[0]["val_mAP"] == pytest.approx(from_arrays.history[0]["val_mAP"], abs=1e-12)
    assert from_dataset.history[0]["val_AR100"] == pytest.approx(from_arrays.history[0]["val_AR100"], abs=1e-12)


def test_zero_based_classes_are_pointed_out_once(keras, capsys):
    import itertools

    import tfckpt

    batches = itertools.cycle(range(0, len(VAL[0]), 5))

    def ground_truth_as_zero_based_detections(outputs):  # a perfect detector whose ids start at 0
        start = next(batches)
        return VAL[1][start:start + 5], np.ones(VAL[2][start:start + 5].shape), VAL[2][start:start + 5] - 1

    coco = tfckpt.COCOMetrics(VAL_DATA, output_adapter=ground_truth_as_zero_based_detections, batch_size=5,
                              verbose=0)
    fit(keras, [coco], epochs=2)
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("COCOMetrics: warning:")]
    assert len(warnings) == 1 and "add 1 to the detected classes (in output_adapter)" in warnings[0]
    assert coco.history[0]["val_mAP"] < 0.5


def test_a_repeating_dataset_needs_steps(tf, keras):
    import tfckpt

    dataset = tf.data.Dataset.from_tensor_slices((VAL[0], {"boxes": VAL[1], "classes": VAL[2]})).batch(4)
    with pytest.raises(COCOInputError) as error:
        tfckpt.COCOMetrics(dataset.repeat(), verbose=0)
    assert str(error.value) == ("validation_data repeats forever (a tf.data.Dataset with .repeat()), so an evaluation "
                                "would never end; pass steps=N (batches per evaluation), or the dataset without "
                                ".repeat()")
    limited = coco_metrics(data=dataset.repeat(), steps=3)  # 3 batches of 4: each image once
    whole = coco_metrics(data=dataset)
    fit(keras, [limited, whole], epochs=1)
    assert limited.history[0]["val_mAP"] == pytest.approx(whole.history[0]["val_mAP"], abs=1e-12)


def test_unreadable_model_output_names_the_fix(keras):
    import tfckpt

    coco = tfckpt.COCOMetrics(VAL_DATA, verbose=0)  # the raw grid, no adapter
    with pytest.raises(COCOInputError) as error:
        fit(keras, [coco], epochs=1)
    assert str(error.value).startswith("COCOMetrics cannot read the model's output: it is one array of shape "
                                       "[12, 8, 8, 8]; pass output_adapter=fn")


@pytest.mark.parametrize("kwargs, message", [
    (dict(validation_data=iter([VAL_DATA])), "validation_data is an iterator, which would be used up"),
    (dict(validation_data=VAL_DATA, every_epochs=0), "every_epochs must be a whole number >= 1"),
    (dict(validation_data=VAL_DATA, metrics=("mAP", "map50")), "metrics must be a list of names from mAP, mAP50"),
    (dict(validation_data=VAL_DATA, output_adapter="decode"), "output_adapter must be a function"),
    (dict(validation_data=VAL_DATA, backend="detectron"), "unknown COCO backend 'detectron'"),
    (dict(validation_data=VAL_DATA, steps=0), "steps must be a whole number >= 1"),
])
def test_bad_arguments_fail_at_construction(kwargs, message):
    import tfckpt

    with pytest.raises(COCOInputError, match=None) as error:
        tfckpt.COCOMetrics(**kwargs)
    assert message in str(error.value)


def test_evaluate_outside_fit_matches_the_accumulator(keras):
    model, _ = fit(keras, [], epochs=1)
    coco = coco_metrics()
    coco.set_model(model)
    assert coco.evaluate()["mAP"] == pytest.approx(map_of(model), abs=1e-12)
    assert np.isfinite(coco.evaluate()["AR100"])


def test_kerascv_style_output_dicts_are_read():
    from tfckpt.coco.detections import read_detections

    boxes = np.array([[[1.0, 2.0, 3.0, 4.0], [-1.0, -1.0, -1.0, -1.0]]])
    detections = read_detections({"boxes": boxes, "confidence": np.array([[0.9, -1.0]]),
                                  "classes": np.array([[2, -1]]), "num_detections": np.array([1])})
    assert detections["scores"].tolist() == [[0.9, -1.0]] and detections["classes"].tolist() == [[2, -1]]
    assert detections["num_detections"].tolist() == [1]
