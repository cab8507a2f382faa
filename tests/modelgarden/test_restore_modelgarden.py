"""``tfckpt.restore`` on real Model Garden models (tf-models-official 2.15, tf_keras-style Keras 2),
side by side with the library's own restore (``task.initialize``): a 4-class RetinaNet from a
91-class trainer checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
from mg_library import checkpoint_maker

import tfckpt
from tfckpt.restoring import RestoreMismatchError

FILL = 0.5  # every saved float is this, so a variable that holds it afterwards was overwritten


@pytest.fixture(scope="module")
def retinanets(tmp_path_factory):
    """A 91-class trainer checkpoint, and ``four_classes()``: a 4-class RetinaNet ``(task, model)``
    as built (one model, its initial values put back at each call: building one takes ~10 s)."""
    make = checkpoint_maker()
    import tensorflow as tf

    config = make.experiment_config("retinanet", 91)
    task, model = make.build(config)
    for variable in model.variables:
        variable.assign(tf.fill(variable.shape, tf.cast(FILL, variable.dtype)))
    prefix = make.save_trainer(config, task, model, str(tmp_path_factory.mktemp("mg") / "model_dir"), 1000)

    task4, model4 = make.build(make.experiment_config("retinanet", 4))
    initial = [v.numpy() for v in model4.variables]

    def four_classes():
        for variable, value in zip(model4.variables, initial):
            variable.assign(value)
        return task4, model4

    return prefix, four_classes


def overwritten(model) -> list[str]:
    """Names of the variables that hold the checkpoint's values."""
    return [v.name for v in model.variables if np.all(v.numpy() == FILL)]


def test_a_class_count_mismatch_assigns_nothing_and_names_the_head(retinanets):
    prefix, four_classes = retinanets
    _, model = four_classes()
    with pytest.raises(RestoreMismatchError) as caught:
        tfckpt.restore(model, prefix)
    report = caught.value.report
    assert overwritten(model) == [] and not report.assigned
    assert sorted((path, saved, wanted) for path, saved, wanted, _ in report.mismatched) == [
        ("model/_head/_classifier/bias", (819,), (36,)),
        ("model/_head/_classifier/kernel", (3, 3, 256, 819), (3, 3, 256, 36))]  # 9 anchors x 91 vs 9 x 4
    modules = report.by_module()
    assert modules["model/_backbone"]["matched"] == 265 and modules["model/_decoder"]["matched"] == 36
    assert modules["model/_head"]["mismatched"] == 2
    assert "2 shape mismatch(es), e.g. model/_head/_classifier/kernel is [3, 3, 256, 819]" in caught.value.message


def test_backbone_and_decoder_restore_and_the_head_is_reported_left_out(retinanets):
    prefix, four_classes = retinanets
    _, model = four_classes()
    report = tfckpt.restore(model, prefix, include=["model/*backbone/*", "model/*decoder/*"])
    assert report.assigned and report.mismatched == []
    modules = report.by_module()
    assert (modules["model/_backbone"]["matched"], modules["model/_decoder"]["matched"]) == (265, 36)
    assert modules["model/_head"]["excluded"] == 180 and modules["model/_head"]["matched"] == 0
    changed = set(overwritten(model))
    assert len(changed) == 265 + 36
    assert changed.isdisjoint(v.name for v in model.head.variables)


def test_the_librarys_own_restore_fails_after_overwriting_most_variables(retinanets):
    prefix, four_classes = retinanets
    task, model = four_classes()
    task.task_config.init_checkpoint = prefix
    task.task_config.init_checkpoint_modules = "all"
    with pytest.raises(ValueError, match="819"):
        task.initialize(model)
    # not atomic: the backbone and decoder (and part of the head) already hold the checkpoint's values
    assert len(overwritten(model)) >= 265 + 36
