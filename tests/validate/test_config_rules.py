"""Rules on the config's own fields (the cross-field rules of FACTS.md section 2), the restore
settings, and the comparison with the ``pipeline.config`` a checkpoint was trained with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tfckpt.pipeline import load_pipeline_config
from tfckpt.validate import validate

from validate_helpers import CKPT2, OK_INFO, only, summary

PIPELINE_DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"
CONFIGS = sorted((PIPELINE_DATA / "valid").glob("*.config")) + sorted((PIPELINE_DATA / "real").glob("*.config"))
# what configs written for other folders can show: their files are not here (and one is a TF1 config,
# one a 2020 CenterNet config whose "fine_tune" today's OD API refuses)
ELSEWHERE = {"checkpoint-not-found", "label-map-missing", "input-missing", "checkpoint-version",
             "load-all-detection-vars", "tf1-feature-extractor", "checkpoint-type-refused"}


def test_the_real_fine_tune_config_fixed_is_clean_but_for_info(workspace):
    assert summary(validate(workspace.config(CKPT2))) == OK_INFO


@pytest.mark.parametrize("replacements, expected", [
    ({"second_stage_batch_size: 32": "second_stage_batch_size: 64"},
     ("second-stage-batch-size", 30,
      "second_stage_batch_size 64 is greater than first_stage_max_proposals 32: building the model fails "
      '("second_stage_batch_size should be no greater than first_stage_max_proposals.")',
      "set second_stage_batch_size: 32, or first_stage_max_proposals: 64")),
    ({"first_stage_max_proposals: 32\n    second_stage_batch_size: 32\n": "first_stage_max_proposals: 32\n\n"},
     ("second-stage-batch-size", 29,
      "second_stage_batch_size 64 (the default) is greater than first_stage_max_proposals 32: building the model "
      'fails ("second_stage_batch_size should be no greater than first_stage_max_proposals.")',
      "set second_stage_batch_size: 32, or first_stage_max_proposals: 64")),
    ({"pad_to_max_dimension: true": "pad_to_max_dimension: false", "batch_size: 1\n  num_steps": "batch_size: 4\n"
      "  num_steps"},
     ("keep-aspect-ratio-needs-padding", 8,
      "keep_aspect_ratio_resizer without pad_to_max_dimension: true gives images of different sizes, which a batch "
      "of 4 cannot stack: training fails (a ConcatOp shape error)",
      "add pad_to_max_dimension: true to keep_aspect_ratio_resizer, or set batch_size: 1")),
    ({'fine_tune_checkpoint_type: "detection"': 'fine_tune_checkpoint_type: "Detection"'},
     ("checkpoint-type-unknown", 79,
      'fine_tune_checkpoint_type "Detection" is not one Faster R-CNN supports: model_main_tf2 fails when it asks the '
      "model what to restore",
      'did you mean "detection"? Faster R-CNN supports "detection", "full" or "classification"')),
    ({"use_bfloat16: false": "use_bfloat16: false\n  load_all_detection_checkpoint_vars: true"},
     ("load-all-detection-vars", 85,
      "load_all_detection_checkpoint_vars: true is a TF1 option: model_main_tf2 refuses to start "
      '("load_all_detection_checkpoint_vars unsupported in TF2")',
      'delete it; fine_tune_checkpoint_type: "full" restores the whole model in TF2')),
    ({'type: "faster_rcnn_inception_resnet_v2_keras"': 'type: "faster_rcnn_inception_resnet_v2"'},
     ("tf1-feature-extractor", 12,
      "feature_extractor.type faster_rcnn_inception_resnet_v2 is a TF1 (slim) feature extractor: model_main_tf2 "
      "builds only the Keras ones (their names end in _keras), so model building fails",
      'use "faster_rcnn_inception_resnet_v2_keras" (and a TF2 checkpoint for it)')),
], ids=["second-stage-batch-size", "second-stage-batch-size-default", "keep-aspect-ratio-no-padding",
        "checkpoint-type-capitalised", "load-all-detection-vars", "tf1-feature-extractor"])
def test_config_rule(workspace, replacements, expected):
    finding_id, line, message, hint = expected
    report = validate(workspace.config({**CKPT2, **replacements}))
    finding = report.findings[0]
    assert (finding.id, finding.line, finding.message, finding.hint) == (finding_id, line, message, hint)


def test_dummy_computation_off_with_classification_is_a_warning(workspace, built):
    report = validate(workspace.config({"ckpts/frcnn_irv2_90cls_momentum/ckpt-1": str(built["backbone"]),
                                        '"detection"': '"classification"', "use_bfloat16: false":
                                        "use_bfloat16: false\n  run_fine_tune_checkpoint_dummy_computation: false"}))
    assert report.ok
    assert only(report, "dummy-computation-off").severity == "warning"


def test_feature_extractor_type_tfckpt_does_not_know_is_a_warning_never_an_error(workspace):
    report = validate(workspace.config({**CKPT2, "faster_rcnn_inception_resnet_v2_keras":
                                        "faster_rcnn_inception_resnet_v2_fpn_keras"}))
    assert report.ok
    finding = only(report, "architecture-unverified")
    assert finding.message == (
        "feature_extractor.type faster_rcnn_inception_resnet_v2_fpn_keras is not one tfckpt knows, so it cannot check "
        "the checkpoint's faster_rcnn_inception_resnet_v2_keras against it: fine_tune_checkpoint_type \"detection\" "
        "fails if they differ")


def test_zoo_layout_config_beside_the_checkpoint_is_compared(workspace, built):
    report = validate(workspace.config({"ckpts/frcnn_irv2_90cls_momentum/ckpt-1": str(built["resnet50"]),
                                        "faster_rcnn_inception_resnet_v2_keras": "faster_rcnn_resnet50_keras"}))
    assert report.ok
    finding = only(report, "trained-config-differs")
    zoo_config = built["resnet50_zoo"] / "pipeline.config"
    assert (finding.severity, finding.where) == ("info", "pipeline.config:3")
    assert finding.message == (f"the checkpoint was trained with {zoo_config}, which differs from this config: "
                               "num_classes 90 there (line 3), 3 here")
    assert finding.hint == f"compare them: tfckpt diff {zoo_config} pipeline.config"


def test_the_zoo_config_itself_is_not_compared_with_itself(built, tmp_path, monkeypatch):
    zoo = tmp_path / "zoo"
    shutil.copytree(built["resnet50_zoo"], zoo)
    monkeypatch.chdir(tmp_path)
    text = (zoo / "pipeline.config").read_text().replace(
        "train_config {", 'train_config {\n  fine_tune_checkpoint: "zoo/checkpoint/ckpt-0"\n'
        '  fine_tune_checkpoint_type: "detection"\n  fine_tune_checkpoint_version: V2')
    (zoo / "pipeline.config").write_text(text)
    ids = [finding.id for finding in validate("zoo/pipeline.config").findings]
    assert "trained-config-differs" not in ids and "restores-nothing" not in ids


def test_unparsable_config_beside_the_checkpoint_is_reported_not_fatal(workspace, built, tmp_path):
    zoo = tmp_path / "zoo_copy"
    shutil.copytree(built["resnet50_zoo"], zoo)
    (zoo / "pipeline.config").write_text("model { faster_rcnn { num_clases: 3 } }\n")
    report = validate(workspace.config({"ckpts/frcnn_irv2_90cls_momentum/ckpt-1": str(zoo / "checkpoint/ckpt-0")}))
    finding = only(report, "trained-config-unreadable")
    assert (finding.severity, finding.line) == ("info", 1)
    assert "did you mean 'num_classes'?" in finding.message


def test_a_parsed_config_object_is_accepted(workspace):
    config = load_pipeline_config(workspace.config(CKPT2))
    assert summary(validate(config)) == OK_INFO


@pytest.mark.parametrize("path", CONFIGS, ids=[path.stem for path in CONFIGS])
def test_every_real_and_zoo_style_config_gives_only_findings_about_absent_files(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert {finding.id for finding in validate(path).findings} <= ELSEWHERE


def test_centernet_restore_that_binds_nothing_is_an_error(workspace):
    text = (PIPELINE_DATA / "valid" / "centernet_hourglass104_512.config").read_text()
    (workspace.root / "centernet.config").write_text(
        text.replace("hourglass104/extremenet/ckpt-1", "ckpts/frcnn_irv2_90cls_momentum/ckpt-2")
        .replace('fine_tune_checkpoint_type: "fine_tune"', 'fine_tune_checkpoint_type: "detection"'))
    report = validate("centernet.config")
    finding = only(report, "restores-nothing")
    assert finding.severity == "error"
    assert finding.message.startswith("the checkpoint's model is Faster R-CNN (faster_rcnn_inception_resnet_v2_keras), "
                                      "the config's is CenterNet")
