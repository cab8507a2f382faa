"""The built-in end-to-end run: train a tiny Keras model on synthetic data with
:class:`BestCheckpoint` (by validation loss) and :class:`PeriodicCheckpoint`, stop it half-way
as a lost session would, resume, and inspect both folders. No downloads: the data is made here.

Example:
    >>> reports = run_demo("tfckpt-demo", epochs=6)  # doctest: +SKIP
    >>> [r.exit_code for r in reports]  # doctest: +SKIP
    [0, 0]
"""

from __future__ import annotations

import os

from tfckpt.checkpoint.inspect import InspectionReport, inspect_path


def _synthetic_data(seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    features = rng.normal(size=(256, 8)).astype("float32")
    labels = (features[:, :2].sum(axis=1) > 0).astype("float32")
    return (features[:192], labels[:192]), (features[192:], labels[192:])


def _model(keras, seed: int):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def run_demo(out_dir: str, epochs: int = 6, seed: int = 0) -> list[InspectionReport]:
    """Train ``epochs`` epochs in two sessions (the second resumes); return the inspections of
    ``out_dir/best`` and ``out_dir/last``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from tfckpt.callbacks.best import BestCheckpoint
    from tfckpt.callbacks.periodic import PeriodicCheckpoint

    keras = tf.keras
    (train_x, train_y), validation = _synthetic_data(seed)
    best_dir, last_dir = os.path.join(out_dir, "best"), os.path.join(out_dir, "last")
    for session, session_epochs in (("first session", max(1, epochs // 2)), ("resumed session", epochs)):
        print(f"-- {session}: fit(epochs={session_epochs})")
        callbacks = [BestCheckpoint(best_dir, monitor="val_accuracy", keep_best=2, resume=True),
                     PeriodicCheckpoint(last_dir, every_epochs=1, keep_last=2, resume=True)]
        _model(keras, seed).fit(train_x, train_y, validation_data=validation, batch_size=32,
                                epochs=session_epochs, verbose=0, callbacks=callbacks)
    return [inspect_path(best_dir), inspect_path(last_dir)]
