"""tfckpt.restore: report first, assign only what fits, change nothing on a mismatch."""

from __future__ import annotations

import numpy as np
import pytest

from tfckpt.errors import CorruptCheckpointError

from callbacks.helpers import fit, tiny_model


@pytest.fixture
def api(tf):
    import tfckpt

    return tfckpt


def wide_model(keras, outputs: int = 3, extra_layer: bool = False):
    keras.utils.set_random_seed(1)
    layers = [keras.Input((4,)), keras.layers.Dense(8, activation="relu")]
    if extra_layer:
        layers.append(keras.layers.Dense(8))
    layers.append(keras.layers.Dense(outputs))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    return model


@pytest.fixture
def saved(tf, keras, tmp_path):
    model = tiny_model(keras)
    fit(model, [], epochs=1)
    prefix = tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(str(tmp_path / "run" / "ckpt-1"))
    return model, prefix


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_round_trip(keras, saved, api):
    model, prefix = saved
    target = tiny_model(keras, seed=3)
    report = api.restore(target, prefix)
    assert same(target.get_weights(), model.get_weights())
    assert (len(report.matched), report.missing, report.mismatched, report.assigned) == (4, [], [], True)
    assert all(key.startswith("optimizer") for key in report.unused)  # optimizer state: only when asked


def test_shape_mismatch_raises_and_changes_nothing(keras, saved, api):
    _, prefix = saved
    target = wide_model(keras)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(api.RestoreMismatchError) as caught:
        api.restore(target, prefix)
    assert same(target.get_weights(), before)
    message = str(caught.value)
    assert message.startswith(f"{prefix}: 2 shape mismatch(es), e.g. ")
    assert "is [8, 1] in the checkpoint but [8, 3] in the model; nothing was assigned; fix the model or pass " \
           "include=/exclude= to leave those out, or allow_partial=True to load what fits" in message
    assert sum(counts["mismatched"] for counts in caught.value.report.by_module().values()) == 2


def test_tensorflow_itself_half_restores_where_we_refuse(tf, keras, saved):
    """FACTS §5: TensorFlow assigns what it can, then raises. This is what we protect against."""
    _, prefix = saved
    target = wide_model(keras)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises((ValueError, tf.errors.OpError)):
        tf.train.Checkpoint(model=target).read(prefix).assert_existing_objects_matched()
    assert not same(target.get_weights(), before)


def test_allow_partial_loads_what_fits(keras, saved, api):
    model, prefix = saved
    target = wide_model(keras)
    before = [w.copy() for w in target.get_weights()]
    report = api.restore(target, prefix, allow_partial=True)
    weights = target.get_weights()
    assert same(weights[:2], model.get_weights()[:2]) and same(weights[2:], before[2:])
    assert len(report.mismatched) == 2 and report.assigned


def test_variables_missing_from_the_checkpoint(keras, saved, api):
    _, prefix = saved
    target = wide_model(keras, outputs=1, extra_layer=True)
    with pytest.raises(api.RestoreMismatchError, match=r"model variable\(s\) not in the checkpoint"):
        api.restore(target, prefix)
    report = api.restore(target, prefix, allow_partial=True)
    assert report.missing and report.assigned


def test_include_only_the_first_layer(keras, saved, api):
    model, prefix = saved
    target = wide_model(keras)
    before = [w.copy() for w in target.get_weights()]
    report = api.restore(target, prefix, include=[report_path_of_first_layer(api, keras, prefix)])
    weights = target.get_weights()
    assert same(weights[:2], model.get_weights()[:2]) and same(weights[2:], before[2:])
    assert len(report.matched) == 2 and len(report.excluded) == 2


def test_include_that_matches_nothing_is_an_error_naming_the_paths_there_are(keras, saved, api):
    _, prefix = saved
    target = tiny_model(keras, seed=3)
    before = [w.copy() for w in target.get_weights()]
    tops = sorted({path.split("/")[0] for path, _ in api.restore(tiny_model(keras, seed=9), prefix).matched})
    with pytest.raises(api.TfckptError) as caught:
        api.restore(target, prefix, include=["model/_feature_extractor*"])
    message = str(caught.value)
    assert message.startswith(f"{prefix}: include pattern 'model/_feature_extractor*' matches no variable of the "
                              "checkpoint or of the target; the top-level paths are: ")
    assert all(top in message for top in tops) and same(target.get_weights(), before)


def report_path_of_first_layer(api, keras, prefix) -> str:
    """The object path of the first Dense layer as this Keras version names it."""
    report = api.restore(tiny_model(keras, seed=9), prefix)
    first = sorted(path for path, _ in report.matched)[0]
    return first.rsplit("/", 1)[0] + "/*"


def test_optimizer_state_only_when_asked(keras, saved, api):
    model, prefix = saved
    target = tiny_model(keras, seed=3)
    fit(target, [], epochs=2)  # 8 steps, its own slots
    api.restore(target, prefix)
    assert int(target.optimizer.iterations.numpy()) == 8
    report = api.restore(target, prefix, optimizer=target.optimizer)
    assert int(target.optimizer.iterations.numpy()) == 4
    assert not report.unused


def test_folder_means_its_latest_and_a_tf_checkpoint_target(tf, keras, saved, api):
    model, prefix = saved
    target = tiny_model(keras, seed=3)
    report = api.restore(tf.train.Checkpoint(model=target), prefix.rsplit("/", 1)[0])
    assert report.assigned and same(target.get_weights(), model.get_weights())


def test_incomplete_checkpoint_is_refused_before_assigning(keras, saved, api):
    _, prefix = saved
    import os

    os.remove(prefix + ".data-00000-of-00001")
    target = tiny_model(keras, seed=3)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(CorruptCheckpointError, match="data file is missing"):
        api.restore(target, prefix)
    assert same(target.get_weights(), before)


def test_report_as_text_and_dict(keras, saved, api):
    _, prefix = saved
    report = api.restore(tiny_model(keras, seed=3), prefix)
    text = str(report)
    assert text.startswith(f"{prefix} -> Sequential: 4 matched, 0 missing, ")
    data = report.to_dict()
    assert data["assigned"] is True and len(data["matched"]) == 4 and "by_module" in data


def test_dtype_mismatch_is_reported_and_changes_nothing(keras, saved, api):
    _, prefix = saved
    keras.utils.set_random_seed(2)
    target = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu", dtype="float64"),
                               keras.layers.Dense(1)])
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(api.RestoreMismatchError) as caught:
        api.restore(target, prefix)
    assert same(target.get_weights(), before)
    dtypes = [d for *_, d in caught.value.report.mismatched]
    assert dtypes == [" (float32 vs float64)"] * 2
    assert "(float32 vs float64)" in str(caught.value.report)
