"""Side by side with the Keras running the fit (Keras 3, tf_keras, Keras 2.15): on the same scripted
metric sequences, ``EarlyStoppingRestore`` stops at the epoch ``EarlyStopping`` stops at and calls
the same epoch the best; ``BestCheckpoint`` saves at the epochs ``ModelCheckpoint(save_best_only=True)``
saves at.

Many pairs share one real ``fit``: after each callback a watcher notes the first epoch it asked
to stop and clears the request, so every pair sees the whole sequence and the fit runs to its end.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import fit, scripted_metric, tiny_model

MONITOR = "val_score"

# 8 epochs each: plateaus, ties, steps a hair above min_delta (0.01 + 1e-8: more in float64, not in
# the float32 Keras 3 compares in), a slow climb under the baseline, a dip and recovery, and two seeded random walks
SEQUENCES = {
    "plateau": [0.10, 0.40, 0.30, 0.35, 0.20, 0.90, 0.90, 0.50],
    "ties": [0.50, 0.50, 0.60, 0.60, 0.60, 0.70, 0.70, 0.70],
    "min_delta_steps": [0.30, 0.31000001, 0.32000002, 0.325, 0.335, 0.345, 0.346, 0.36],
    "slow_climb": [0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.24],
    "dip": [0.60, 0.20, 0.30, 0.40, 0.50, 0.55, 0.58, 0.61],
    **{f"random{seed}": [round(float(v), 2) for v in np.random.default_rng(seed).uniform(0.2, 0.6, 8)]
       for seed in (1, 2)},
}
# (patience, min_delta, baseline quantile, start_from_epoch): every patience 0-3 with each option
CASES = [(p, d, b, s) for p in range(4) for (d, b, s) in ((0.0, None, 0), (0.01, None, 0), (0.0, 0.6, 0),
                                                          (0.0, None, 2), (0.01, 0.5, 1))]


def mirrored(values, mode):
    """The sequence for ``mode``: as is for "max", reflected (1 - v) for "min"."""
    return list(values) if mode == "max" else [1.0 - v for v in values]


def baseline_for(values, quantile):
    return None if quantile is None else float(np.quantile(values, quantile))


def watcher(keras, record: dict, name: str, best_epoch):
    """Notes ``(first epoch that asked to stop, best epoch then)`` under ``name``; clears the request."""

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if self.model.stop_training and name not in record:
                record[name] = (epoch + 1, best_epoch())
            self.model.stop_training = False

    return Watch()


@pytest.fixture
def tfckpt_api(tf):
    import tfckpt

    return tfckpt


@pytest.mark.parametrize("mode", ["max", "min"])
@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
def test_early_stopping_restore_stops_when_keras_early_stopping_stops(keras, tfckpt_api, tmp_path, sequence, mode):
    values = mirrored(SEQUENCES[sequence], mode)
    theirs, ours, pairs, callbacks = {}, {}, [], [scripted_metric(keras, MONITOR, values)]
    for case in CASES:
        patience, min_delta, quantile, start = case
        options = dict(monitor=MONITOR, mode=mode, patience=patience, min_delta=min_delta,
                       baseline=baseline_for(values, quantile), start_from_epoch=start)
        keras_stopper = keras.callbacks.EarlyStopping(**options)
        # decisions only: its BestCheckpoint is left out of the fit, so the 20 stoppers save nothing
        # (the whole-run tests below save and restore)
        (tmp_path / str(len(pairs))).mkdir()  # where the stopper keeps its state file
        unsaved = tfckpt_api.BestCheckpoint(tmp_path / str(len(pairs)), monitor=MONITOR, mode=mode,
                                            min_delta=min_delta, verbose=0)
        our_stopper = tfckpt_api.EarlyStoppingRestore(checkpoint=unsaved, patience=patience,
                                                      baseline=options["baseline"], start_from_epoch=start,
                                                      max_rollbacks=0, verbose=0)
        pairs.append((case, keras_stopper, our_stopper))
        callbacks += [keras_stopper, watcher(keras, theirs, case, lambda s=keras_stopper: s.best_epoch + 1),
                      our_stopper, watcher(keras, ours, case, lambda s=our_stopper: s.best_epoch)]
    fit(tiny_model(keras), callbacks, epochs=len(values))
    for case, keras_stopper, our_stopper in pairs:
        theirs.setdefault(case, (None, keras_stopper.best_epoch + 1))
        ours.setdefault(case, (None, our_stopper.best_epoch))
    differ = {case: (theirs[case], ours[case]) for case in theirs if theirs[case] != ours[case]}
    assert not differ, f"{values}: (patience, min_delta, baseline quantile, start_from_epoch): " \
                       f"((Keras stop, best), (tfckpt stop, best)): {differ}"


@pytest.mark.parametrize("mode, patience, baseline", [("max", 2, None), ("min", 1, 0.45)])
def test_stopped_run_ends_with_the_weights_keras_restores(keras, tfckpt_api, mode, patience, baseline):
    """Whole runs, each callback alone: same epochs run, same best weights at the end."""
    values = mirrored(SEQUENCES["plateau"], mode)
    options = dict(monitor=MONITOR, mode=mode, patience=patience, baseline=baseline)
    ends = {}
    for name, stopper in (("keras", keras.callbacks.EarlyStopping(**options, restore_best_weights=True)),
                          ("tfckpt", tfckpt_api.EarlyStoppingRestore(**options, verbose=0))):
        scripted = scripted_metric(keras, MONITOR, values)
        model = tiny_model(keras)
        history = fit(model, [scripted, stopper], epochs=len(values))
        best = next(e for e, w in scripted.weights_at_epoch.items()
                    if all(np.array_equal(a, b) for a, b in zip(w, model.get_weights())))
        ends[name] = (len(history.history["loss"]), best)
    assert ends["tfckpt"] == ends["keras"]


@pytest.mark.parametrize("mode", ["max", "min"])
@pytest.mark.parametrize("sequence", ["plateau", "ties", "min_delta_steps", "dip", "random1"])
def test_best_checkpoint_saves_when_model_checkpoint_saves(keras, tfckpt_api, tmp_path, sequence, mode):
    """Without and with a threshold (Keras: ``initial_value_threshold``), in one fit."""
    values = mirrored(SEQUENCES[sequence], mode)
    callbacks, pairs = [scripted_metric(keras, MONITOR, values)], {}
    for threshold in (None, baseline_for(values, 0.5)):
        folder = tmp_path / f"keras-{threshold}"
        theirs = keras.callbacks.ModelCheckpoint(str(folder / "e{epoch:02d}.weights.h5"), monitor=MONITOR, mode=mode,
                                                 save_best_only=True, save_weights_only=True,
                                                 initial_value_threshold=threshold)
        ours = tfckpt_api.BestCheckpoint(tmp_path / f"tfckpt-{threshold}", monitor=MONITOR, mode=mode,
                                         threshold=threshold, keep_best=len(values), save_weights_only=True, verbose=0)
        callbacks += [theirs, ours]
        pairs[threshold] = (folder, ours)
    fit(tiny_model(keras), callbacks, epochs=len(values))
    for threshold, (folder, ours) in pairs.items():
        keras_epochs = sorted(int(p.name[1:3]) for p in folder.glob("e*.weights.h5")) if folder.exists() else []
        our_epochs = [event["epoch"] for event in ours.events if event["action"] == "saved"]
        assert our_epochs == keras_epochs, f"{values}, threshold {threshold}"
