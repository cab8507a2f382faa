"""The pure decisions behind the callbacks: no TensorFlow needed."""

from __future__ import annotations

import math

import pytest

from tfckpt.callbacks.errors import CallbackConfigError
from tfckpt.callbacks.policies import Improvement, Record, Retention, SaveSchedule, infer_mode


@pytest.mark.parametrize("monitor, mode", [
    ("val_mAP", "max"), ("DetectionBoxes_Precision/mAP", "max"), ("DetectionBoxes_Precision/mAP@.50IOU", "max"),
    ("val_accuracy", "max"), ("val_acc", "max"), ("precision", "max"), ("val_recall", "max"), ("val_auc", "max"),
    ("f1", "max"), ("AP50", "max"), ("val_loss", "min"), ("loss", "min"), ("Loss/total_loss", "min"),
    ("val_error", "min"), ("mae", "min"), ("lr", None), ("val_custom", None),
])
def test_infer_mode(monitor, mode):
    assert infer_mode(monitor) == mode


def test_unknown_direction_needs_mode():
    with pytest.raises(CallbackConfigError) as caught:
        Improvement(monitor="val_custom")
    assert str(caught.value) == "cannot tell whether 'val_custom' should go up or down; pass mode='max' or mode='min'"
    assert Improvement(monitor="val_custom", mode="min").mode == "min"


@pytest.mark.parametrize("kwargs, message", [
    ({"monitor": "val_loss", "mode": "up"}, "mode must be 'auto', 'min' or 'max'. Received: mode='up'"),
    ({"monitor": "val_loss", "min_delta": -1}, "min_delta must be a number >= 0. Received: min_delta=-1"),
    ({"monitor": ""}, "monitor must be a logs key such as 'val_loss'. Received: monitor=''"),
])
def test_improvement_rejects_bad_arguments(kwargs, message):
    with pytest.raises(CallbackConfigError, match="^" + __import__("re").escape(message) + "$"):
        Improvement(**kwargs)


def test_max_mode_with_min_delta():
    gate = Improvement(monitor="val_mAP", min_delta=0.01)
    assert gate.is_improvement(0.40, None)
    assert not gate.is_improvement(0.405, 0.40)
    assert gate.is_improvement(0.411, 0.40)


def test_min_mode():
    gate = Improvement(monitor="val_loss")
    assert gate.is_improvement(0.9, 1.0) and not gate.is_improvement(1.0, 1.0) and not gate.is_improvement(1.1, 1.0)


def test_threshold_is_strict_and_gates_the_first_value():
    gate = Improvement(monitor="val_mAP", threshold=0.8)
    assert not gate.is_improvement(0.8, None)
    assert gate.is_improvement(0.81, None)
    low = Improvement(monitor="val_loss", threshold=0.5)
    assert not low.is_improvement(0.6, None) and low.is_improvement(0.4, None)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_never_improves(value):
    assert not Improvement(monitor="val_loss").is_improvement(value, 1.0)
    assert not Improvement(monitor="val_mAP").is_improvement(value, None)


def test_schedule_needs_exactly_one_setting():
    with pytest.raises(CallbackConfigError, match="set exactly one of every_epochs, every_steps, every_minutes. "
                                                  "Received: every_epochs=1, every_steps=5"):
        SaveSchedule(every_epochs=1, every_steps=5)
    with pytest.raises(CallbackConfigError, match="every_steps must be a whole number > 0. Received: every_steps=0"):
        SaveSchedule(every_steps=0)


def test_schedule_decisions():
    assert [SaveSchedule(every_epochs=3).due_after_epoch(e) for e in range(1, 7)] == [False, False, True] * 2
    steps = SaveSchedule(every_steps=100)
    assert steps.needs_batch_hooks and not steps.due_after_step(150, 100) and steps.due_after_step(200, 100)
    minutes = SaveSchedule(every_minutes=0.5)
    assert not minutes.due_at_time(29.0, 0.0) and minutes.due_at_time(30.0, 0.0)


def records(values, hours=1.0):
    return [Record(f"c{i}", epoch=i + 1, step=10 * (i + 1), wall_time=3600.0 * hours * i, value=v)
            for i, v in enumerate(values)]


def test_retention_best_and_last_are_unioned_with_reasons():
    kept = Retention(keep_best=2, keep_last=2).reasons(records([0.1, 0.9, 0.5, 0.3, 0.2]), mode="max")
    assert kept == {"c1": ["best-1"], "c2": ["best-2"], "c4": ["last-1"], "c3": ["last-2"]}


def test_retention_min_mode_ignores_missing_and_nan_values():
    kept = Retention(keep_best=1).reasons(records([None, math.nan, 3.0, 2.0]), mode="min")
    assert kept == {"c3": ["best-1"]}


def test_retention_ties_keep_the_earlier_save():
    assert Retention(keep_best=1).reasons(records([0.5, 0.5]), mode="max") == {"c0": ["best-1"]}


def test_retention_every_n_hours():
    kept = Retention(keep_last=1, keep_every_hours=2).reasons(records([None] * 6, hours=1.0))
    assert kept == {"c0": ["hourly"], "c2": ["hourly"], "c4": ["hourly"], "c5": ["last-1"]}


def test_retention_must_keep_something():
    with pytest.raises(CallbackConfigError, match="nothing would be kept"):
        Retention()


def test_policies_import_without_tensorflow():
    import subprocess
    import sys

    probe = ("import sys, tfckpt.callbacks.policies, tfckpt.callbacks.template\n"
             "print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
