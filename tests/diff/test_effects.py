"""Each change's effect on a restore: the field table, and the restore B would do."""

from __future__ import annotations

import functools

import pytest

from diff_helpers import by_path, diff_text
from tfckpt.odapi.change_effects import EFFECTS, FIELD_RULES, effect_of, rule_for
from tfckpt.pipeline.schema import PIPELINE_ROOT, load_schema

PARTS = {"model", "backbone", "heads", "optimizer", "restore", "none", "unknown"}
FRCNN = "model {{ faster_rcnn {{ num_classes: {classes} }} }}\n"
FINE_TUNE = 'train_config {{ fine_tune_checkpoint: "m/ckpt-0" {extra} }}\n'


@functools.lru_cache(maxsize=None)
def schema_paths(max_depth: int = 9) -> frozenset:
    """Every field path of the schema, down to ``max_depth`` fields (a type is not entered twice on one path)."""
    schema, paths = load_schema(), set()
    todo = [("", PIPELINE_ROOT, frozenset({PIPELINE_ROOT}))]
    while todo:
        path, type_name, above = todo.pop()
        for spec in schema.messages[type_name].fields.values():
            here = f"{path}.{spec.name}" if path else spec.name
            paths.add(here)
            if spec.is_message and spec.type_name not in above and here.count(".") < max_depth:
                todo.append((here, spec.type_name, above | {spec.type_name}))
    return frozenset(paths)


@pytest.mark.parametrize("rule", FIELD_RULES, ids=lambda rule: rule.pattern)
def test_every_rule_names_real_fields(rule):
    assert rule.part in PARTS
    assert any(rule_for(path) is rule for path in schema_paths()) or rule.pattern == "**", \
        f"{rule.pattern!r} matches no field of the schema, or an earlier rule takes all its fields"


@pytest.mark.parametrize("path, part", [
    ("model", "model"),
    ("model.faster_rcnn.num_classes", "heads"),
    ("model.ssd.num_classes", "heads"),
    ("model.faster_rcnn.feature_extractor.type", "backbone"),
    ("model.ssd.feature_extractor.depth_multiplier", "backbone"),
    ("model.ssd.feature_extractor", "backbone"),                                   # fpn -> bifpn
    ("model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor.share_box_across_classes", "heads"),
    ("model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.scales", "heads"),
    ("model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.height_stride", "none"),
    ("model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios", "heads"),
    ("model.ssd.box_predictor.convolutional_box_predictor.conv_hyperparams.regularizer.l2_regularizer.weight",
     "none"),
    ("model.ssd.feature_extractor.conv_hyperparams.batch_norm.decay", "none"),
    ("model.faster_rcnn.image_resizer", "none"),
    ("model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.max_dimension", "none"),
    ("model.faster_rcnn.first_stage_max_proposals", "none"),
    ("model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression.iou_threshold", "none"),
    ("model.center_net.object_center_params.max_box_predictions", "unknown"),
    ("train_config.optimizer", "optimizer"),
    ("train_config.optimizer.use_moving_average", "optimizer"),
    ("train_config.optimizer.momentum_optimizer.learning_rate", "none"),
    ("train_config.optimizer.adam_optimizer.learning_rate.constant_learning_rate.learning_rate", "none"),
    ("train_config.fine_tune_checkpoint_type", "restore"),
    ("train_config.batch_size", "none"),
    ("train_config.num_steps", "none"),
    ("train_config.data_augmentation_options[ssd_random_crop]", "none"),
    ("train_input_reader.tf_record_input_reader.input_path", "none"),
    ("eval_input_reader[1].label_map_path", "none"),
    ("eval_config.metrics_set", "none"),
    ("graph_rewriter.quantization.delay", "unknown"),
])
def test_what_a_field_shapes(path, part):
    assert rule_for(path).part == part


@pytest.mark.parametrize("part, restored, effect", [
    ("model", (), "breaks-restore"),
    ("backbone", ("backbone",), "breaks-restore"),
    ("heads", ("backbone",), "heads-start-fresh"),
    ("heads", ("backbone", "heads"), "breaks-full-restore"),
    ("optimizer", ("backbone",), "optimizer-state-dropped"),
    ("restore", ("backbone",), "restore-setting"),
    ("none", ("backbone", "heads"), "harmless"),
    ("unknown", ("backbone",), "unknown"),
])
def test_effect_of_a_part(part, restored, effect):
    assert effect_of(part, restored) == effect
    assert effect in EFFECTS


@pytest.mark.parametrize("b_train_config, kind, effect", [
    (FINE_TUNE.format(extra='fine_tune_checkpoint_type: "detection"'), "detection", "heads-start-fresh"),
    (FINE_TUNE.format(extra='fine_tune_checkpoint_type: "full"'), "full", "breaks-full-restore"),
    (FINE_TUNE.format(extra=""), "classification", "heads-start-fresh"),           # model_lib_v2's reading
    (FINE_TUNE.format(extra="from_detection_checkpoint: true"), "detection", "heads-start-fresh"),
    ("", "resume", "breaks-full-restore"),                                          # only a --model_dir resume
])
def test_a_class_count_change_depends_on_the_restore(b_train_config, kind, effect):
    a = FRCNN.format(classes=90) + b_train_config
    diff = diff_text(a, FRCNN.format(classes=3) + b_train_config)
    assert diff.restore.kind == kind
    assert by_path(diff)["model.faster_rcnn.num_classes"].effect == effect


def test_a_detection_checkpoint_restored_as_classification_is_warned_about():
    diff = diff_text(FRCNN.format(classes=90), FRCNN.format(classes=90) + FINE_TUNE.format(
        extra='fine_tune_checkpoint_type: "classification"'))
    assert diff.restore.warnings == ("a checkpoint trained with A keeps its model under the root model/, where "
                                     "classification finds nothing to restore (AssertionError); use detection",)


def test_an_unknown_restore_type_is_judged_as_full_and_warned_about():
    diff = diff_text(FRCNN.format(classes=90), FRCNN.format(classes=3) + FINE_TUNE.format(
        extra='fine_tune_checkpoint_type: "everything"'))
    assert diff.restore.restored == ("backbone", "heads")
    assert diff.restore.warnings == ('fine_tune_checkpoint_type "everything" is not one the Object Detection API '
                                     "supports for faster_rcnn (detection, full, classification): the restore fails "
                                     "(ValueError)",)
    assert diff.changes[0].effect == "breaks-full-restore"


def test_changes_come_worst_first():
    a = FRCNN.format(classes=90) + "train_config { batch_size: 2 optimizer { adam_optimizer {} } }"
    b = ("model { faster_rcnn { num_classes: 3 feature_extractor { type: 'faster_rcnn_resnet50_keras' }\n"
         " context_config { max_num_context_features: 5 } } }\n"
         "train_config { batch_size: 4 optimizer { momentum_optimizer {} } }")
    assert [(c.path, c.effect) for c in diff_text(a, b).changes] == [
        ("model.faster_rcnn.feature_extractor.type", "breaks-restore"),
        ("model.faster_rcnn.num_classes", "breaks-full-restore"),
        ("train_config.optimizer", "optimizer-state-dropped"),
        ("model.faster_rcnn.context_config.max_num_context_features", "unknown"),
        ("train_config.batch_size", "harmless"),
    ]
