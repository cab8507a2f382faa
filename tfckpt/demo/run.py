"""Train a tiny Keras model on synthetic data with ``tf.train.CheckpointManager`` saves, then
inspect the folder the way ``tfckpt inspect`` does. No downloads: the data is made here.

Example:
    >>> report = run_demo("tfckpt-demo", epochs=3)  # doctest: +SKIP
    >>> [c.step for c in report.checkpoints]  # doctest: +SKIP
    [4, 8, 12]
"""

from __future__ import annotations

import os

from tfckpt.checkpoint.inspect import InspectionReport, inspect_path


def _synthetic_data(seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    features = rng.normal(size=(64, 8)).astype("float32")
    labels = (features[:, :2].sum(axis=1) > 0).astype("float32")
    return features, labels


def run_demo(out_dir: str, epochs: int = 3, seed: int = 0) -> InspectionReport:
    """Fit for ``epochs`` epochs, saving ``out_dir/ckpt-N`` after each; return the inspection."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    keras = tf.keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="binary_crossentropy")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    manager = tf.train.CheckpointManager(checkpoint, out_dir, max_to_keep=epochs)
    features, labels = _synthetic_data(seed)
    save_each_epoch = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: manager.save())
    model.fit(features, labels, batch_size=16, epochs=epochs, verbose=0, callbacks=[save_each_epoch])
    return inspect_path(out_dir)
