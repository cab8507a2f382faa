"""What changing a Model Garden experiment field does to restoring a checkpoint trained before the change.

The same scheme as the Object Detection API's table (:mod:`tfckpt.odapi.change_effects`): the first
rule whose pattern matches a field path says which part of the checkpoint the field shapes --
``backbone``, ``decoder`` (Model Garden restores it on its own), ``heads``, ``optimizer``,
``restore``, ``none`` or ``unknown`` -- and :func:`effect_of` turns the part into an effect given
what the restore takes (``init_checkpoint_modules``).

Example:
    >>> rule_for("task.model.num_classes").part, rule_for("task.model.backbone.resnet.model_id").part
    ('heads', 'backbone')
    >>> effect_of("heads", ("backbone", "decoder")), effect_of("decoder", ("backbone",))
    ('heads-start-fresh', 'heads-start-fresh')
    >>> rule_for("task.train_data.global_batch_size").part, rule_for("task.model.something_new").part
    ('none', 'unknown')
"""

from __future__ import annotations

from typing import Sequence, Tuple

from tfckpt.odapi.change_effects import (BACKBONE, BREAKS_RESTORE, HEADS, HEADS_START_FRESH,
                                         NONE, OPTIMIZER, RESTORE, UNKNOWN, FieldRule, effect_of as odapi_effect_of,
                                         rule_lookup)

DECODER = "decoder"


def _rules(part: str, note: str, *patterns: str) -> Tuple[FieldRule, ...]:
    return tuple(FieldRule(pattern, part, note) for pattern in patterns)


_M = "task.model"
FIELD_RULES: Tuple[FieldRule, ...] = (
    *_rules(NONE, "batch-norm and activation settings; no shape depends on them", f"{_M}.norm_activation",
            f"{_M}.norm_activation.**", f"{_M}.backbone.*.bn_trainable", f"{_M}.backbone.*.stochastic_depth_drop_rate",
            f"{_M}.**.activation", f"{_M}.**.use_sync_bn"),
    FieldRule(f"{_M}.input_size", NONE, "the input size; no variable shape depends on it"),
    *_rules(BACKBONE, "another backbone: other variable names and shapes", f"{_M}.backbone", f"{_M}.backbone.type",
            f"{_M}.backbone.**"),
    *_rules(DECODER, "another decoder, or its width or levels: other decoder variables", f"{_M}.decoder",
            f"{_M}.decoder.**", f"{_M}.min_level", f"{_M}.max_level"),
    FieldRule(f"{_M}.num_classes", HEADS, "the class heads' widths follow num_classes (background included)"),
    *_rules(HEADS, "the anchors per location (scales x aspect ratios) set the head widths",
            f"{_M}.anchor.num_scales", f"{_M}.anchor.aspect_ratios"),
    *_rules(HEADS, "changes the heads' layers", f"{_M}.head", f"{_M}.head.**", f"{_M}.rpn_head", f"{_M}.rpn_head.**",
            f"{_M}.detection_head", f"{_M}.detection_head.**", f"{_M}.mask_head", f"{_M}.mask_head.**",
            f"{_M}.include_mask", f"{_M}.roi_aligner.crop_size"),
    *_rules(NONE, "anchor geometry, proposals, sampling and post-processing; no shape depends on them",
            f"{_M}.anchor.anchor_size", f"{_M}.detection_generator", f"{_M}.detection_generator.**",
            f"{_M}.roi_generator", f"{_M}.roi_generator.**", f"{_M}.roi_sampler", f"{_M}.roi_sampler.**",
            f"{_M}.roi_aligner.sample_offset", f"{_M}.mask_sampler", f"{_M}.mask_sampler.**",
            f"{_M}.mask_roi_aligner", f"{_M}.mask_roi_aligner.**", f"{_M}.outer_boxes_scale"),
    FieldRule(f"{_M}.**", UNKNOWN, "tfckpt does not know whether a variable shape depends on this field"),
    *_rules(RESTORE, "what task.initialize restores, and from where", "task.init_checkpoint",
            "task.init_checkpoint_modules"),
    *_rules(NONE, "data, losses and evaluation; no variable depends on them", "task.**"),
    *_rules(OPTIMIZER, "another optimizer, or moving averages: its state is not in the checkpoint",
            "trainer.optimizer_config.optimizer", "trainer.optimizer_config.optimizer.type",
            "trainer.optimizer_config.ema", "trainer.optimizer_config.ema.**"),
    *_rules(NONE, "a training or runtime setting; no variable depends on it", "trainer.**", "runtime.**"),
    FieldRule("**", UNKNOWN, "tfckpt does not know whether a variable depends on this field"),
)

rule_for = rule_lookup(FIELD_RULES)  # path -> the first rule matching it (indexes ignored)


def effect_of(part: str, restored: Sequence[str]) -> str:
    """The effect of changing a field that shapes ``part`` under a restore that takes ``restored``
    (``"backbone"``, ``"decoder"``, ``"heads"``, ``"optimizer"``)."""
    if part == DECODER:
        return BREAKS_RESTORE if DECODER in restored else HEADS_START_FRESH
    if part == BACKBONE and BACKBONE not in restored:
        return HEADS_START_FRESH
    return odapi_effect_of(part, restored)
