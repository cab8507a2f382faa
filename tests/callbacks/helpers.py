"""Tiny models, data and scripted-metric callbacks for the callback tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def tiny_model(keras, seed: int = 0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    return model


def data(n: int = 32):
    features = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return features, features.sum(axis=1, keepdims=True)


def scripted_metric(keras, key: str, values):
    """A callback that puts ``values[epoch]`` into ``logs[key]``, as a metric callback would,
    and remembers the model's weights at each epoch end."""

    class Scripted(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.weights_at_epoch = {}

        def on_epoch_end(self, epoch, logs=None):
            logs[key] = values[epoch]
            self.weights_at_epoch[epoch + 1] = [w.copy() for w in self.model.get_weights()]

    return Scripted()


def fit(model, callbacks, epochs: int, **kwargs):
    x, y = data()
    return model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)


def index_of(folder: Path) -> dict:
    return json.loads((folder / "tfckpt-index.json").read_text())


def kept_names(folder: Path) -> list[str]:
    return [item["name"] for item in index_of(folder)["kept"]]


def load_weights_of(tf, keras, prefix: Path):
    """Fresh model with the weights of a full-state checkpoint, read the way users would."""
    model = tiny_model(keras, seed=99)
    tf.train.Checkpoint(model=model).read(str(prefix)).expect_partial()
    return model.get_weights()
