"""Callback field cases (issue 11, item 3 d and g): a ``val_`` monitor compared by steps is refused
before training, and a template's unknown field lists the compiled training metrics too."""

from __future__ import annotations

import numpy as np
import pytest

from tfckpt.callbacks.errors import CallbackConfigError, MonitorNotFoundError


@pytest.fixture
def tfckpt_module(tf):
    import tfckpt

    return tfckpt


def classifier(keras):
    """A tiny binary classifier compiled with ``metrics=["accuracy"]``, and 32 samples."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    features = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    return model, features, (features.sum(axis=1, keepdims=True) > 0).astype("float32")


def test_a_val_monitor_compared_by_steps_is_refused_before_training(tfckpt_module, keras, tmp_path):
    model, x, y = classifier(keras)
    with pytest.raises(CallbackConfigError) as caught:
        callback = tfckpt_module.BestCheckpoint(tmp_path / "best", monitor="val_AUC", check_every_steps=5)
        model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[callback])
    assert str(caught.value) == (
        "BestCheckpoint(monitor='val_AUC', check_every_steps=5) cannot work: 'val_' metrics exist only at epoch "
        "ends, after Keras runs the validation_data; the batch logs that check_every_steps reads never hold them; "
        "compare at epoch ends with check_every_epochs=N (1 by default), or monitor a training metric such as "
        "'loss' by steps; to save by steps whatever the metric, use PeriodicCheckpoint(every_steps=N)")
    assert not (tmp_path / "best").exists()


def test_a_monitor_missing_from_the_batch_logs_says_batch_logs(tfckpt_module, keras, tmp_path):
    model, x, y = classifier(keras)
    callback = tfckpt_module.BestCheckpoint(tmp_path / "best", monitor="auc", check_every_steps=2, verbose=0)
    with pytest.raises(MonitorNotFoundError) as caught:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[callback])
    message = str(caught.value)
    assert message.startswith("BestCheckpoint monitors 'auc' every 2 steps, but the batch logs have only: ")
    assert "accuracy" in message and "epoch's logs" not in message and "validation_data" not in message


def test_an_unknown_template_field_lists_the_training_metrics(tfckpt_module, keras, tmp_path):
    model, x, y = classifier(keras)
    callback = tfckpt_module.BestCheckpoint(tmp_path / "best", monitor="val_loss",
                                            filename="best-{epoch}-{val_acc:.2f}")
    with pytest.raises(CallbackConfigError) as caught:
        model.fit(x, y, batch_size=8, validation_data=(x, y), epochs=1, verbose=0, callbacks=[callback])
    message = str(caught.value)
    assert message.startswith("filename template 'best-{epoch}-{val_acc:.2f}' uses {val_acc}, which will not exist; "
                              "did you mean {val_accuracy}? ")
    fields = message.split("fields available: ")[1].split(", ")
    assert {"accuracy", "val_accuracy", "loss", "val_loss"} <= set(fields)
