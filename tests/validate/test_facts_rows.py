"""Every row of FACTS.md section 5 (what real model_main_tf2 runs did), predicted by ``validate``
with its exact message and fix. Real OD API checkpoints where the rows used them (the IRV2 Faster
R-CNN and SSD MobileNet-v2 folders, with sparse data); TensorFlow-written bundles of the real
model-zoo variable shapes for the ResNet-50 and Adam checkpoints."""

from __future__ import annotations

import os

import pytest

from tfckpt.validate import validate

from validate_helpers import CKPT2, only, signature, summary, write_bundle

NOT_BOUND = "(AssertionError: Found ... Python objects that were not bound to checkpointed values)"
INCOMPATIBLE = "(ValueError: Received incompatible tensor with shape ... when attempting to restore variable)"
FULL = {'fine_tune_checkpoint_type: "detection"': 'fine_tune_checkpoint_type: "full"'}
DUMMY_OFF = {"use_bfloat16: false": "use_bfloat16: false\n  run_fine_tune_checkpoint_dummy_computation: false"}
IRV2_CKPT1 = "ckpts/frcnn_irv2_90cls_momentum/ckpt-1"
HEADS_FRESH = ("checkpoint class head has 90 classes, config num_classes is 3: fine_tune_checkpoint_type "
               '"detection" restores only the feature extractor, so the class and box heads start fresh (expected '
               "when fine-tuning to new classes)")
MOMENTUM_NOT_RESTORED = ("the checkpoint holds momentum optimizer state at step 100; a fine-tune restores neither "
                         "the optimizer nor the step: training starts at step 0 with fresh momentum_optimizer state")


def ssd_fine_tune(workspace, checkpoint, checkpoint_type):
    """The real SSD config, fine-tuning from ``checkpoint`` (three lines added after batch_size)."""
    return workspace.config({"train_config {\n  batch_size: 1\n": (
        f'train_config {{\n  batch_size: 1\n  fine_tune_checkpoint: "{checkpoint}"\n'
        f'  fine_tune_checkpoint_type: "{checkpoint_type}"\n  fine_tune_checkpoint_version: V2\n')},
        base="ssd_mobilenet_v2_90cls.config")


def test_same_architecture_90_to_3_classes_detection_heads_start_fresh(workspace):
    report = validate(workspace.config(CKPT2))
    assert report.ok and report.exit_code == 0
    assert summary(report) == [("info", "heads-start-fresh", "pipeline.config:3"),
                               ("info", "optimizer-not-restored", "pipeline.config:64")]
    assert only(report, "heads-start-fresh").message == HEADS_FRESH
    assert only(report, "optimizer-not-restored").message == MOMENTUM_NOT_RESTORED


def test_90_to_3_classes_full_is_an_error_naming_both_sizes(workspace):
    report = validate(workspace.config({**CKPT2, **FULL}))
    assert report.exit_code == 1
    finding = only(report, "num-classes-mismatch")
    assert (finding.severity, finding.where) == ("error", "pipeline.config:3")
    assert finding.message == (
        'checkpoint class head has 90 classes, config num_classes is 3: fine_tune_checkpoint_type "full" restores the '
        f"heads too, and the restore fails {INCOMPATIBLE} after most variables were already assigned")
    assert finding.hint == ('use fine_tune_checkpoint_type: "detection" to keep the feature extractor and train new '
                            "heads, or set num_classes: 90")


@pytest.mark.parametrize("checkpoint_type", ["full", "detection"])
def test_adam_checkpoint_into_momentum_config_fine_tune_is_fine(workspace, built, checkpoint_type):
    report = validate(ssd_fine_tune(workspace, built["ssd_adam"], checkpoint_type))
    assert summary(report) == [("info", "optimizer-not-restored", "pipeline.config:71")]
    assert report.findings[0].message == (
        "the checkpoint holds adam optimizer state at step 500; a fine-tune restores neither the optimizer nor the "
        "step: training starts at step 0 with fresh momentum_optimizer state")


def test_resume_with_adam_state_under_a_momentum_config_warns_it_is_dropped(workspace, built):
    report = validate(workspace.config(base="ssd_mobilenet_v2_90cls.config"), model_dir=built["ssd_adam_dir"])
    assert report.ok
    assert summary(report) == [("warning", "optimizer-state-dropped", "pipeline.config:68")]
    finding = report.findings[0]
    assert finding.message == (
        f"the latest checkpoint of --model-dir ({built['ssd_adam']}) holds adam optimizer state, the config trains "
        "with momentum_optimizer: resuming keeps the weights and the step but drops the adam state (TensorFlow warns "
        '"Value in checkpoint could not be found" for each slot)')
    assert finding.hint == ("switch train_config.optimizer back to adam_optimizer to keep it, or accept that "
                            "momentum_optimizer starts with fresh state")


def test_resnet50_checkpoint_into_inception_resnet_v2_config(workspace, built):
    report = validate(workspace.config({IRV2_CKPT1: str(built["resnet50"])}))
    assert summary(report) == [("error", "feature-extractor-mismatch", "pipeline.config:12"),
                               ("info", "heads-start-fresh", "pipeline.config:3"),
                               ("info", "trained-config-differs", "pipeline.config:12")]
    finding = report.findings[0]
    assert finding.message == (
        "the checkpoint's feature extractor is faster_rcnn_resnet50_keras, the config's feature_extractor.type is "
        'faster_rcnn_inception_resnet_v2_keras: fine_tune_checkpoint_type "detection" restores the feature '
        f"extractor, and the restore fails {INCOMPATIBLE}")
    assert finding.hint == ('set feature_extractor.type: "faster_rcnn_resnet50_keras" (with the rest of the model as '
                            "the checkpoint was trained), or use a faster_rcnn_inception_resnet_v2_keras checkpoint")


def test_ssd_checkpoint_into_faster_rcnn_config_restores_nothing(workspace):
    report = validate(workspace.config({"frcnn_irv2_90cls_momentum/ckpt-1": "ssd_mobilenet_v2_90cls/ckpt-2"}))
    finding = only(report, "restores-nothing")
    assert (finding.severity, finding.where) == ("error", "pipeline.config:79")
    assert finding.message == (
        "the checkpoint's model is SSD (ssd_mobilenet_v2_keras), the config's is Faster R-CNN: "
        f'fine_tune_checkpoint_type "detection" binds nothing of it, and the restore fails {NOT_BOUND}')
    assert finding.hint == ("use a Faster R-CNN checkpoint (the TF2 model zoo has them), or a config for this SSD "
                            "checkpoint")


def test_detection_checkpoint_used_as_classification_suggests_detection(workspace):
    report = validate(workspace.config({**CKPT2, '"detection"': '"classification"'}))
    finding = only(report, "restores-nothing")
    assert finding.message == (
        'fine_tune_checkpoint_type "classification" restores a classification backbone under the root '
        "feature_extractor, which the checkpoint does not have (its roots: model, optimizer, save_counter, step), "
        f"so the restore fails {NOT_BOUND}")
    assert finding.hint == 'it is a Faster R-CNN detection checkpoint: use fine_tune_checkpoint_type: "detection"'


def test_keras_backbone_saved_under_root_model(workspace, built):
    report = validate(workspace.config({IRV2_CKPT1: str(built["backbone_under_model"]),
                                        '"detection"': '"classification"'}))
    assert summary(report) == [("error", "restores-nothing", "pipeline.config:79")]
    assert report.findings[0].message == (
        'fine_tune_checkpoint_type "classification" restores a classification backbone under the root '
        f"feature_extractor, which the checkpoint does not have (its roots: model), so the restore fails {NOT_BOUND}")
    assert report.findings[0].hint == "save the backbone as tf.train.Checkpoint(feature_extractor=backbone)"


def test_keras_backbone_under_root_model_with_detection(workspace, built):
    report = validate(workspace.config({IRV2_CKPT1: str(built["backbone_under_model"])}))
    assert summary(report) == [("error", "restores-nothing", "pipeline.config:79")]
    assert report.findings[0].message == (
        'fine_tune_checkpoint_type "detection" restores the two feature extractors of model '
        "(_feature_extractor_for_*), but the checkpoint's root model holds 215 variables that are not an Object "
        f"Detection API model, so the restore fails {NOT_BOUND}")
    assert report.findings[0].hint == ("save the backbone as tf.train.Checkpoint(feature_extractor=backbone) and use "
                                       'fine_tune_checkpoint_type: "classification"')


def test_backbone_under_feature_extractor_with_detection_suggests_classification(workspace, built):
    report = validate(workspace.config({IRV2_CKPT1: str(built["backbone"])}))
    assert summary(report) == [("error", "restores-nothing", "pipeline.config:79")]
    assert report.findings[0].hint == (
        'use fine_tune_checkpoint_type: "classification", which restores a classification backbone under the root '
        "feature_extractor: this checkpoint has it")


def test_backbone_under_feature_extractor_with_classification_fits_but_is_unverified(workspace, built):
    report = validate(workspace.config({IRV2_CKPT1: str(built["backbone"]), '"detection"': '"classification"'}))
    assert report.ok
    assert summary(report) == [("warning", "architecture-unverified", "pipeline.config:12")]


def test_step_only_ckpt_1_holds_no_model(workspace):
    report = validate(workspace.config())
    assert summary(report) == [("error", "restores-nothing", "pipeline.config:78")]
    finding = report.findings[0]
    assert finding.message == (
        f'fine_tune_checkpoint "{IRV2_CKPT1}" holds no model, only save_counter, step (model_main_tf2\'s first save '
        f'looks like this): fine_tune_checkpoint_type "detection" restores nothing from it, and the restore fails '
        f"{NOT_BOUND}")
    assert finding.hint == ('use "ckpts/frcnn_irv2_90cls_momentum/ckpt-2", the newest checkpoint there that holds a '
                            "model")


def test_directory_instead_of_prefix_gives_the_prefix(workspace):
    report = validate(workspace.config({IRV2_CKPT1: "ckpts/frcnn_irv2_90cls_momentum"}))
    assert summary(report) == [("error", "checkpoint-is-directory", "pipeline.config:78"),
                               ("info", "heads-start-fresh", "pipeline.config:3"),
                               ("info", "optimizer-not-restored", "pipeline.config:64")]
    finding = report.findings[0]
    assert finding.message == (
        'fine_tune_checkpoint "ckpts/frcnn_irv2_90cls_momentum" is a directory, not a checkpoint prefix: '
        'model_main_tf2 lists its variables, then the restore fails ("Unable to open table file '
        'ckpts/frcnn_irv2_90cls_momentum: ... Is a directory")')
    assert finding.hint == f'write fine_tune_checkpoint: "{IRV2_CKPT1[:-1]}2" (its latest checkpoint)'


def test_index_present_data_missing(workspace):
    os.remove("ckpts/frcnn_irv2_90cls_momentum/ckpt-2.data-00000-of-00001")
    report = validate(workspace.config(CKPT2))
    finding = only(report, "checkpoint-data-missing")
    assert (finding.severity, finding.where) == ("error", "ckpts/frcnn_irv2_90cls_momentum/ckpt-2.data-00000-of-00001")
    assert finding.message == (
        "data file is missing (the index lists tensors stored in it): tf.train.list_variables still works, but "
        'restoring ckpts/frcnn_irv2_90cls_momentum/ckpt-2 fails ("No such file or directory")')
    assert finding.hint == "copy it next to the .index file, or use an earlier checkpoint"


def test_dummy_computation_off_with_detection_fails_for_faster_rcnn(workspace):
    report = validate(workspace.config({**CKPT2, **DUMMY_OFF}))
    finding = only(report, "dummy-computation-off")
    assert (finding.severity, finding.where) == ("error", "pipeline.config:85")
    assert finding.message == (
        "run_fine_tune_checkpoint_dummy_computation: false defers the restore until the model is built, but Faster "
        "R-CNN's feature extractors do not exist before that: the \"detection\" restore fails (\"ValueError: "
        'Checkpoint was expecting a trackable object ..., got __uninitialized__")')
    assert finding.hint == ("delete run_fine_tune_checkpoint_dummy_computation: false (the default, true, builds the "
                            "model before restoring)")


def test_dummy_computation_off_with_full_and_new_class_count_fails_at_the_first_step(workspace):
    report = validate(workspace.config({**CKPT2, **FULL, **DUMMY_OFF}))
    assert [finding.id for finding in report.findings if finding.severity == "error"] == ["num-classes-mismatch"]
    assert only(report, "num-classes-mismatch").message == (
        'checkpoint class head has 90 classes, config num_classes is 3: fine_tune_checkpoint_type "full" restores the '
        "heads too; with run_fine_tune_checkpoint_dummy_computation: false the restore is deferred, the load seems to "
        "succeed with the checkpoint's 90-class heads, and the first training step fails in the loss")


MASKS = {"use_dropout: false": "use_dropout: false\n        predict_instance_masks: true"}
NINETY = {"num_classes: 3": "num_classes: 90"}


def test_mask_rcnn_config_with_a_faster_rcnn_checkpoint_under_full_fails(workspace):
    report = validate(workspace.config({**CKPT2, **FULL, **MASKS, **NINETY}))
    finding = only(report, "mask-head-missing")
    assert finding.severity == "error"
    assert finding.message == (
        'predict_instance_masks: true builds Mask R-CNN\'s mask head, but fine_tune_checkpoint '
        '"ckpts/frcnn_irv2_90cls_momentum/ckpt-2" is a Faster R-CNN checkpoint without one (no '
        'model/_mask_rcnn_box_predictor/_third_stage_heads): fine_tune_checkpoint_type "full" restores the whole '
        f"model, and the restore fails {NOT_BOUND}")
    assert finding.hint.startswith('use fine_tune_checkpoint_type: "detection" (the mask head then starts fresh')


def test_mask_rcnn_config_is_fine_with_detection_or_with_a_mask_rcnn_checkpoint(workspace, tf):
    assert "mask-head-missing" not in {f.id for f in validate(workspace.config({**CKPT2, **MASKS})).findings}
    mask = write_bundle(tf, workspace.root / "ckpts" / "mask_rcnn" / "ckpt-0",
                        signature("mask_rcnn_inception_resnet_v2_1024x1024_coco17_gpu-8"))
    config = workspace.config({"ckpts/frcnn_irv2_90cls_momentum/ckpt-1": str(mask), **FULL, **MASKS, **NINETY})
    assert {f.id for f in validate(config).findings} == {"num-classes-exceeds-label-map"}  # it binds, mask head too
