"""One worker of a distributed training run for the distribution tests.

``python distributed_target.py FOLDER mirrored`` (one process, two logical CPUs) or
``python distributed_target.py FOLDER multi_worker`` (TF_CONFIG names this worker).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfckpt  # noqa: E402


def main(folder: str, kind: str) -> None:
    if kind == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    keras = tf.keras
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.BatchNormalization(), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    features = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    labels = features.sum(axis=1, keepdims=True)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(16).repeat()
    callbacks = [tfckpt.BestCheckpoint(os.path.join(folder, "best"), monitor="loss", resume=True, verbose=0),
                 tfckpt.PeriodicCheckpoint(os.path.join(folder, "last"), every_steps=3, keep_last=2,
                                           resume=True, verbose=0)]
    model.fit(dataset, epochs=3, steps_per_epoch=4, verbose=0, callbacks=callbacks)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
