"""Training run for the kill tests: saves at every step (so a kill often lands mid-save) and
resumes from its folder. Run: ``python kill_target.py FOLDER EPOCHS``."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfckpt  # noqa: E402


def main(folder: str, epochs: int) -> None:
    keras = tf.keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.001, momentum=0.9), loss="mse")
    features = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
    labels = features.sum(axis=1, keepdims=True)

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("step", flush=True)

    model.fit(features, labels, batch_size=8, epochs=epochs, verbose=0, validation_data=(features, labels),
              callbacks=[
                  tfckpt.PeriodicCheckpoint(os.path.join(folder, "last"), every_steps=1, keep_last=2,
                                            resume=True, verbose=0),
                  tfckpt.BestCheckpoint(os.path.join(folder, "best"), keep_best=1, resume=True, verbose=0),
                  Progress()])
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
