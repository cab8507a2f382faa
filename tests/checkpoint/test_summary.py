"""What a checkpoint holds: optimizer kind in both layouts, roots, step."""

from __future__ import annotations

import pytest

from tfckpt.checkpoint.optimizer import kind_from_slot_names
from tfckpt.checkpoint.summary import summarize_prefix

from testkit import keras_major_version


@pytest.mark.parametrize("make, kind", [
    (lambda k: k.optimizers.SGD(0.1, momentum=0.9), "momentum"),
    (lambda k: k.optimizers.SGD(0.1), "sgd"),
    (lambda k: k.optimizers.Adam(), "adam"),
    (lambda k: k.optimizers.RMSprop(), "rmsprop"),
])
@pytest.mark.parametrize("models_before", [0, 2])
def test_optimizer_kind_of_keras_checkpoints(tf, keras, tmp_path, make, kind, models_before):
    """Keras names the second optimizer of a process 'adam_1'; that must not hide the kind."""
    import numpy as np

    for _ in range(models_before + 1):
        optimizer = make(keras)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    prefix = tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(str(tmp_path / "c"))
    if kind == "momentum" and keras_major_version(keras) < 3:
        kind = "sgd"  # Keras 2's SGD always makes momentum slots, so the checkpoint cannot tell
    summary = summarize_prefix(prefix)
    assert summary.optimizer == kind
    assert summary.holds_model


@pytest.mark.parametrize("slots, kind", [
    ({"momentum"}, "momentum"), ({"m", "v"}, "adam"), ({"m", "v", "vhat"}, "adam"), ({"rms"}, "rmsprop"),
    ({"rms", "momentum"}, "rmsprop"), ({"accumulator"}, "adagrad"), ({"weird"}, "unknown"),
])
def test_legacy_slot_names(slots, kind):
    assert kind_from_slot_names(slots) == kind
