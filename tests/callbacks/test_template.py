"""Filename templates: checked before training, rendered into safe single names."""

from __future__ import annotations

import pytest

from tfckpt.callbacks.errors import CallbackConfigError
from tfckpt.callbacks.template import FilenameTemplate


def test_render_with_metric_and_epoch():
    template = FilenameTemplate("ckpt-{epoch:03d}-{val_mAP:.3f}")
    template.check(["val_mAP"])
    assert template.render(epoch=7, step=70, logs={"val_mAP": 0.43129}) == "ckpt-007-0.431"


def test_object_detection_metric_names_are_one_field_and_never_a_folder():
    template = FilenameTemplate("best-{DetectionBoxes_Precision/mAP@.50IOU:.2f}-{step}")
    template.check(["DetectionBoxes_Precision/mAP@.50IOU"])
    name = template.render(epoch=1, step=5, logs={"DetectionBoxes_Precision/mAP@.50IOU": 0.7})
    assert name == "best-0.70-5" and "/" not in name


def test_slashes_in_the_template_itself_are_flattened():
    assert FilenameTemplate("a/b-{epoch}").render(epoch=1, step=1, logs={}) == "a_b-1"


def test_typo_is_caught_before_training():
    with pytest.raises(CallbackConfigError) as caught:
        FilenameTemplate("ckpt-{epcoh:03d}").check(["loss", "val_loss"], allow_unknown=True)
    assert str(caught.value) == ("filename template 'ckpt-{epcoh:03d}' uses {epcoh}, which will not exist; "
                                 "did you mean {epoch}? fields available: epoch, step, loss, val_loss")


def test_unknown_metric_waits_for_the_first_logs_then_fails_with_the_keys():
    template = FilenameTemplate("ckpt-{val_mAP:.3f}")
    template.check(["loss", "val_loss"], allow_unknown=True)  # COCO mAP may be added by another callback
    with pytest.raises(CallbackConfigError, match=r"uses \{val_mAP\}, which will not exist; "
                                                  r"fields available: epoch, step, loss, val_loss$"):
        template.check(["loss", "val_loss"])


@pytest.mark.parametrize("template, message", [
    ("ckpt-{}", "filename template 'ckpt-{}' has an unnamed field; name every field, as in {epoch:04d}"),
    ("ckpt-{epoch", "filename template 'ckpt-{epoch' is malformed (expected '}' before end of string); "
                    "write fields as {epoch:04d} or {val_loss:.3f}"),
    ("", "filename must be a non-empty template. Received: filename=''"),
])
def test_malformed_templates(template, message):
    with pytest.raises(CallbackConfigError) as caught:
        FilenameTemplate(template)
    assert str(caught.value) == message


def test_format_spec_that_does_not_fit():
    with pytest.raises(CallbackConfigError, match=r"format \{val_loss:d\} does not fit a number"):
        FilenameTemplate("x-{val_loss:d}").check(["val_loss"])
