"""What changing a ``pipeline.config`` field does to restoring a checkpoint trained before the change.

Two tables. :data:`FIELD_RULES` says, for a field path, which part of the checkpoint the field
shapes: the whole model (``model``'s meta-architecture), the ``backbone`` (the feature extractor's
variables), the ``heads`` (every other model variable: RPN, box and class heads), the
``optimizer`` state, the ``restore`` settings themselves, ``none`` (no variable depends on it:
learning rate, batch size, paths, evaluation, loss weights, input size) or ``unknown``. The first
rule whose pattern matches wins; ``*`` stands for one path segment, ``**`` for any number, and
indexes such as ``[0]`` or ``[random_horizontal_flip]`` are ignored. A field tfckpt knows nothing
about is ``unknown``, never guessed harmless.

:func:`effect_of` then turns a part into an effect, given which parts the restore takes: a class
count change breaks a ``full`` restore but only means "heads start fresh" under ``detection``.
:data:`EFFECTS` lists the effects, worst first.

Example:
    >>> rule = rule_for("model.faster_rcnn.num_classes")
    >>> rule.part
    'heads'
    >>> effect_of(rule.part, restored=("backbone",)), effect_of(rule.part, restored=("backbone", "heads"))
    ('heads-start-fresh', 'breaks-full-restore')
    >>> rule_for("eval_input_reader[0].label_map_path").part, rule_for("model.ssd.freeze_batchnorm").part
    ('none', 'none')
    >>> rule_for("model.center_net.object_center_params.max_box_predictions").part
    'unknown'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Dict, Sequence, Tuple

MODEL, BACKBONE, HEADS, OPTIMIZER, RESTORE, NONE, UNKNOWN = (
    "model", "backbone", "heads", "optimizer", "restore", "none", "unknown")

BREAKS_RESTORE = "breaks-restore"
BREAKS_FULL_RESTORE = "breaks-full-restore"
OPTIMIZER_STATE_DROPPED = "optimizer-state-dropped"
UNKNOWN_EFFECT = "unknown"
HEADS_START_FRESH = "heads-start-fresh"
RESTORE_SETTING = "restore-setting"
HARMLESS = "harmless"

EFFECTS: Dict[str, str] = {  # worst first; each says what the effect means, for people
    BREAKS_RESTORE: "the checkpoint's model does not fit: any restore of it fails",
    BREAKS_FULL_RESTORE: "head shapes change: a full restore or a --model_dir resume fails",
    OPTIMIZER_STATE_DROPPED: "a --model_dir resume drops the optimizer state (a fine-tune never restores it)",
    UNKNOWN_EFFECT: "tfckpt does not know what these do to a restore: check them before a full one",
    HEADS_START_FRESH: "the restore leaves the heads out, so they start fresh in their new shapes",
    RESTORE_SETTING: "what is restored, and from where",
    HARMLESS: "no variable depends on these",
}


@dataclass(frozen=True)
class FieldRule:
    """Which part of a checkpoint the fields matching ``pattern`` shape, and why (for people)."""

    pattern: str
    part: str
    note: str = ""


def _rules(part: str, note: str, *patterns: str) -> Tuple[FieldRule, ...]:
    return tuple(FieldRule(pattern, part, note) for pattern in patterns)


_FRCNN_BOX = "model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor"
_RPN_ANCHORS = "model.faster_rcnn.first_stage_anchor_generator"
_SSD_BOXES = "model.ssd.box_predictor.*"
_SSD_ANCHORS = "model.ssd.anchor_generator"

FIELD_RULES: Tuple[FieldRule, ...] = (
    FieldRule("model", MODEL, "another meta-architecture: no variable of the checkpoint has a place in the new model"),
    # how weights start, are regularised or normalised in training: no variable shape depends on it
    *_rules(NONE, "how new weights start; no shape depends on it", "**.initializer", "**.initializer.**"),
    *_rules(NONE, "weight decay; no shape depends on it", "**.regularizer", "**.regularizer.**",
            "**.regularize_depthwise"),
    *_rules(NONE, "batch-norm statistics and training; no shape depends on it",
            "**.batch_norm.decay", "**.batch_norm.epsilon", "**.batch_norm.train"),
    *_rules(NONE, "an activation has no variables", "**.activation", "**.use_hardswish"),
    *_rules(NONE, "input size and padding; no variable shape depends on it",
            "model.*.image_resizer", "model.*.image_resizer.**", "model.*.feature_extractor.pad_to_multiple",
            "model.*.feature_extractor.use_explicit_padding", "model.*.feature_extractor.first_stage_features_stride",
            "model.faster_rcnn.first_stage_atrous_rate"),
    *_rules(NONE, "freezes or trains batch norm; no shape depends on it",
            "model.*.feature_extractor.batch_norm_trainable", "model.*.freeze_batchnorm",
            "model.*.inplace_batchnorm_update"),
    # the backbone: restored by every fine_tune_checkpoint_type
    FieldRule("model.*.feature_extractor.type", BACKBONE,
              "another feature extractor: other variable names and shapes"),
    *_rules(BACKBONE, "changes the width or number of backbone layers",
            "model.*.feature_extractor", "model.*.feature_extractor.depth_multiplier",
            "model.*.feature_extractor.min_depth", "model.*.feature_extractor.use_depthwise",
            "model.*.feature_extractor.num_layers", "model.*.feature_extractor.fpn",
            "model.*.feature_extractor.fpn.**", "model.*.feature_extractor.bifpn",
            "model.*.feature_extractor.bifpn.**", "model.center_net.use_depthwise"),
    # the heads: restored only by `full` and by a --model_dir resume
    FieldRule("model.*.num_classes", HEADS, "the heads' widths follow num_classes (Faster R-CNN: num_classes + 1 "
              "class outputs, 4 box outputs per class)"),
    FieldRule(f"{_FRCNN_BOX}.share_box_across_classes", HEADS,
              "the box head has 4 outputs when shared, 4 × num_classes when not"),
    *_rules(HEADS, "another head: other variables", "model.faster_rcnn.second_stage_box_predictor",
            "model.ssd.box_predictor", "model.faster_rcnn.number_of_stages", "model.ssd.add_background_class"),
    *_rules(HEADS, "adds or removes the mask head, or changes its layers",
            f"{_FRCNN_BOX}.predict_instance_masks", f"{_FRCNN_BOX}.mask_prediction_conv_depth",
            f"{_FRCNN_BOX}.mask_prediction_num_conv_layers", f"{_FRCNN_BOX}.masks_are_class_agnostic",
            f"{_FRCNN_BOX}.convolve_then_upsample_masks", f"{_FRCNN_BOX}.box_code_size"),
    *_rules(HEADS, "the RPN head's width is the anchors per location (scales × aspect ratios)",
            _RPN_ANCHORS, f"{_RPN_ANCHORS}.*.scales", f"{_RPN_ANCHORS}.*.aspect_ratios",
            "model.faster_rcnn.first_stage_box_predictor_kernel_size",
            "model.faster_rcnn.first_stage_box_predictor_depth"),
    *_rules(HEADS, "changes the box predictor's layers",
            f"{_SSD_BOXES}.num_layers_before_predictor", f"{_SSD_BOXES}.depth", f"{_SSD_BOXES}.min_depth",
            f"{_SSD_BOXES}.max_depth", f"{_SSD_BOXES}.kernel_size", f"{_SSD_BOXES}.box_code_size",
            f"{_SSD_BOXES}.use_depthwise", f"{_SSD_BOXES}.share_prediction_tower"),
    *_rules(HEADS, "the anchors per location set the width of the class and box heads",
            _SSD_ANCHORS, f"{_SSD_ANCHORS}.*.num_layers", f"{_SSD_ANCHORS}.*.aspect_ratios",
            f"{_SSD_ANCHORS}.*.interpolated_scale_aspect_ratio", f"{_SSD_ANCHORS}.*.reduce_boxes_in_lowest_layer",
            f"{_SSD_ANCHORS}.*.min_level", f"{_SSD_ANCHORS}.*.max_level", f"{_SSD_ANCHORS}.*.scales_per_octave"),
    # model fields that steer training or post-processing only
    *_rules(NONE, "anchor geometry; no shape depends on it",
            f"{_RPN_ANCHORS}.*.height", f"{_RPN_ANCHORS}.*.width", f"{_RPN_ANCHORS}.*.height_stride",
            f"{_RPN_ANCHORS}.*.width_stride", f"{_RPN_ANCHORS}.*.height_offset", f"{_RPN_ANCHORS}.*.width_offset",
            f"{_SSD_ANCHORS}.*.min_scale", f"{_SSD_ANCHORS}.*.max_scale", f"{_SSD_ANCHORS}.*.anchor_scale"),
    *_rules(NONE, "dropout and score settings; no shape depends on them",
            "**.use_dropout", "**.dropout_keep_probability", "**.class_prediction_bias_init",
            "**.apply_sigmoid_to_scores", "**.box_encodings_clip_range", "**.box_encodings_clip_range.**",
            f"{_SSD_BOXES}.score_converter"),
    *_rules(NONE, "proposal sampling, losses and post-processing; no shape depends on them",
            "model.faster_rcnn.first_stage_minibatch_size", "model.faster_rcnn.first_stage_positive_balance_fraction",
            "model.faster_rcnn.first_stage_nms_score_threshold", "model.faster_rcnn.first_stage_nms_iou_threshold",
            "model.faster_rcnn.first_stage_max_proposals", "model.faster_rcnn.second_stage_batch_size",
            "model.faster_rcnn.second_stage_balance_fraction", "model.*.*_loss_weight",
            "model.faster_rcnn.initial_crop_size", "model.faster_rcnn.maxpool_kernel_size",
            "model.faster_rcnn.maxpool_stride", "model.faster_rcnn.hard_example_miner",
            "model.faster_rcnn.hard_example_miner.**", "model.faster_rcnn.second_stage_classification_loss",
            "model.faster_rcnn.second_stage_classification_loss.**", "model.*.second_stage_post_processing",
            "model.*.second_stage_post_processing.**", "model.*.post_processing", "model.*.post_processing.**",
            "model.ssd.box_coder", "model.ssd.box_coder.faster_rcnn_box_coder.**", "model.ssd.matcher",
            "model.ssd.matcher.**", "model.ssd.similarity_calculator", "model.ssd.similarity_calculator.**",
            "model.ssd.loss", "model.ssd.loss.**", "model.ssd.normalize_loss_by_num_matches",
            "model.ssd.normalize_loc_loss_by_codesize", "model.ssd.encode_background_as_zeros",
            "model.ssd.negative_class_weight", "model.faster_rcnn.use_*", "model.faster_rcnn.clip_anchors_to_image",
            "model.faster_rcnn.resize_masks", "model.*.return_raw_detections_during_predict",
            "model.faster_rcnn.output_final_box_features", "model.faster_rcnn.output_final_box_rpn_features"),
    FieldRule("model.**", UNKNOWN, "tfckpt does not know whether a variable shape depends on this field"),
    # training
    FieldRule("train_config.optimizer", OPTIMIZER,
              "another optimizer kind: its state (slots) is not in the checkpoint and the old state is dropped"),
    FieldRule("train_config.optimizer.use_moving_average", OPTIMIZER,
              "moving averages are optimizer state: they start fresh or are dropped"),
    FieldRule("train_config.optimizer.**", NONE, "the learning rate and its schedule hold no state of their own"),
    FieldRule("train_config.fine_tune_checkpoint", RESTORE, "the checkpoint a fine-tune starts from (a prefix)"),
    FieldRule("train_config.fine_tune_checkpoint_type", RESTORE,
              "full restores the whole model, detection the feature extractor, classification a backbone "
              "from a classification checkpoint"),
    FieldRule("train_config.fine_tune_checkpoint_version", RESTORE,
              "a TF2 checkpoint needs V2; the default V1 fails under model_main_tf2"),
    FieldRule("train_config.from_detection_checkpoint", RESTORE,
              "used only when fine_tune_checkpoint_type is empty: true means detection, false classification"),
    FieldRule("train_config.load_all_detection_checkpoint_vars", RESTORE, "model_main_tf2 rejects it when true"),
    FieldRule("train_config.run_fine_tune_checkpoint_dummy_computation", RESTORE,
              "false defers the restore, which fails for Faster R-CNN"),
    FieldRule("train_config.**", NONE, "a training setting; no variable depends on it"),
    *_rules(NONE, "input data and evaluation; no variable depends on them",
            "train_input_reader", "train_input_reader.**", "eval_config", "eval_config.**",
            "eval_input_reader", "eval_input_reader.**"),
    FieldRule("**", UNKNOWN, "tfckpt does not know whether a variable depends on this field"),
)


def effect_of(part: str, restored: Sequence[str]) -> str:
    """The effect of changing a field that shapes ``part``, for a restore that takes ``restored``.

    Args:
        part: a :class:`FieldRule` part (``"heads"``, ``"none"``, ...).
        restored: the parts the restore takes, e.g. ``("backbone",)`` for ``detection``,
            ``("backbone", "heads", "optimizer")`` for a ``--model_dir`` resume.

    Returns:
        One of :data:`EFFECTS`.
    """
    if part in (MODEL, BACKBONE):
        return BREAKS_RESTORE
    if part == HEADS:
        return BREAKS_FULL_RESTORE if HEADS in restored else HEADS_START_FRESH
    return {OPTIMIZER: OPTIMIZER_STATE_DROPPED, RESTORE: RESTORE_SETTING, NONE: HARMLESS}.get(part, UNKNOWN_EFFECT)


_INDEX = re.compile(r"\[[^\]]*\]")


def rule_lookup(rules: Sequence[FieldRule]) -> Callable[[str], FieldRule]:
    """A cached ``path -> first matching rule`` for a table like :data:`FIELD_RULES` (indexes such as
    ``[0]`` ignored). Other frameworks' tables (Model Garden's) are looked up the same way."""
    @functools.lru_cache(maxsize=4096)
    def lookup(path: str) -> FieldRule:
        return first_matching(rules, path)

    return lambda path: lookup(_INDEX.sub("", path))


_lookup = rule_lookup(FIELD_RULES)


def rule_for(path: str) -> FieldRule:
    """The first :data:`FIELD_RULES` entry matching a field path (indexes ignored)."""
    return _lookup(path)


def first_matching(rules: Sequence[FieldRule], path: str) -> FieldRule:
    """The first of ``rules`` whose pattern matches ``path`` (indexes already removed); the last
    rule must match every path (``**``). Other frameworks' tables (Model Garden's) use it too."""
    segments = tuple(path.split("."))
    for rule in rules:
        if _matches(tuple(rule.pattern.split(".")), segments):
            return rule
    raise AssertionError("unreachable: the last rule matches every path")


def _matches(pattern: Tuple[str, ...], segments: Tuple[str, ...]) -> bool:
    if not pattern:
        return not segments
    head = pattern[0]
    if head == "**":
        return any(_matches(pattern[1:], segments[start:]) for start in range(len(segments) + 1))
    if not segments:
        return False
    return _segment_matches(head, segments[0]) and _matches(pattern[1:], segments[1:])


def _segment_matches(pattern: str, segment: str) -> bool:
    if "*" not in pattern:
        return pattern == segment
    prefix, _, suffix = pattern.partition("*")
    return len(segment) >= len(prefix) + len(suffix) and segment.startswith(prefix) and segment.endswith(suffix)


def effect_rank(effect: str) -> int:
    """0 for the worst effect, increasing to ``harmless``: a sort key."""
    return list(EFFECTS).index(effect)
