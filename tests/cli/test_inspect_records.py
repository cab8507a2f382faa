"""``tfckpt inspect`` shows the score tfckpt recorded beside a checkpoint: the sidecar of
BestCheckpoint / PeriodicCheckpoint, and the record of ``tfckpt keep-best``."""

from __future__ import annotations

import json

import numpy as np

from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.cli.main import main


def test_callback_sidecars_show_their_score(capsys, keras, tmp_path):
    import tfckpt

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).normal(size=(32, 4)).astype("float32"), np.zeros((32, 1), "float32")
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_loss", keep_best=1, verbose=0)
    last = tfckpt.PeriodicCheckpoint(tmp_path / "last", every_epochs=1, keep_last=1, verbose=0)
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[best, last])

    assert main(["inspect", str(tmp_path / "best")]) == 0
    sidecar = json.loads(next((tmp_path / "best").glob("*-*.json")).read_text())
    expected = (f"      record: val_loss {sidecar['value']:.4g}, saved by a tfckpt callback at epoch "
                f"{sidecar['epoch']} (improved)")
    assert expected in capsys.readouterr().out.splitlines()
    assert main(["inspect", str(tmp_path / "last")]) == 0
    assert "      record: saved by a tfckpt callback at epoch 2 (periodic)" in capsys.readouterr().out.splitlines()
    assert main(["inspect", "--json", str(tmp_path / "best")]) == 0
    [checkpoint] = json.loads(capsys.readouterr().out)["checkpoints"]
    assert checkpoint["record"] == {"metric": "val_loss", "value": sidecar["value"], "epoch": sidecar["epoch"],
                                    "step": sidecar["step"], "source": "callback", "reason": "improved"}


def test_weights_only_saves_show_their_score(capsys, keras, tmp_path):
    import tfckpt

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).normal(size=(32, 4)).astype("float32"), np.zeros((32, 1), "float32")
    best = tfckpt.BestCheckpoint(tmp_path / "best", monitor="val_loss", keep_best=1, save_weights_only=True,
                                 verbose=0)
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[best])

    [weights] = (tmp_path / "best").glob("*.weights.h5")
    sidecar = json.loads(weights.with_name(weights.name[: -len(".weights.h5")] + ".json").read_text())
    assert main(["inspect", "--json", str(weights)]) == 0
    [checkpoint] = json.loads(capsys.readouterr().out)["checkpoints"]
    assert checkpoint["record"]["value"] == sidecar["value"] and checkpoint["record"]["epoch"] == sidecar["epoch"]


def test_keep_best_records_show_the_eval_metric(capsys, tf, tmp_path):
    from tfckpt.keep_best import keep_best

    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step, w=tf.Variable(tf.zeros([2]))),
                                         str(tmp_path / "run"), max_to_keep=3)
    writer = tf.summary.create_file_writer(str(tmp_path / "run" / "eval"))
    for at_step, value in ((100, 0.25), (200, 0.5)):
        step.assign(at_step)
        manager.save()
        with writer.as_default():
            tf.summary.scalar("DetectionBoxes_Precision/mAP", value, step=at_step)
        writer.flush()
    keep_best(str(tmp_path / "run"), keep=1)
    assert main(["inspect", str(tmp_path / "run" / "best")]) == 0
    assert "      record: DetectionBoxes_Precision/mAP 0.5, kept by tfckpt keep-best (step 200)" in \
        capsys.readouterr().out.splitlines()


def test_other_json_beside_a_checkpoint_is_not_a_record(tiny_checkpoint):
    prefix = str(tiny_checkpoint)
    (tiny_checkpoint.parent / (tiny_checkpoint.name + ".json")).write_text('{"value": 3, "note": "mine"}')
    assert inspect_path(prefix).checkpoints[0].record is None
    (tiny_checkpoint.parent / (tiny_checkpoint.name + ".json")).write_text("{not json")
    assert inspect_path(prefix).checkpoints[0].record is None
