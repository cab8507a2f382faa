"""Rules about what a restore binds: does the checkpoint's model fit the config's, and what is
restored, left fresh, or dropped (FACTS.md section 5). Pure functions of a :class:`ValidationInput`.

What each ``fine_tune_checkpoint_type`` restores comes from :mod:`tfckpt.odapi.restore_rules`.
A ``--model-dir`` resume restores everything, unasserted.

Example:
    >>> [rule.__name__ for rule in RULES][:2]
    ['checkpoint_type_unknown', 'restores_nothing']
"""

from __future__ import annotations

import difflib
from typing import List, Optional, Tuple

from tfckpt.checkpoint.summary import TF2, CheckpointSummary
from tfckpt.odapi.signatures import FEATURE_EXTRACTOR_RULES
from tfckpt.odapi.restore_rules import CLASSIFICATION, DETECTION, FINE_TUNE, FULL, RestoreRule, checkpoint_types, \
    effective_checkpoint_type, fitting_types, missing_prefixes, refusal, restore_rule, resume_rule
from tfckpt.pipeline import PipelineConfig
from tfckpt.validate.findings import MAY_GO_WRONG, NOTE, RUN_FAILS, SILENT_LOSS, Finding, emits, predicting
from tfckpt.validate.inputs import RESUME, CheckpointTarget, ValidationInput
from tfckpt.validate.wording import INCOMPATIBLE, NOT_BOUND, OPTIMIZER_KINDS, at, checkpoint_type, \
    is_tf1_feature_extractor, meta_label, named, optimizer_kind_of, quoted_list, restore_subject, roots_of, with_article

_KNOWN_EXTRACTORS = frozenset(rule.feature_extractor for rule in FEATURE_EXTRACTOR_RULES)
_SUGGESTION_ORDER = (DETECTION, CLASSIFICATION, FINE_TUNE, FULL)
_SAVE_BACKBONE = "save the backbone as tf.train.Checkpoint(feature_extractor=backbone)"
NO_MODEL, OTHER_META, NOT_ODAPI, MISSING, PARTIAL, BINDS = (
    "no-model", "other-meta", "not-odapi", "missing", "partial", "binds")


def effective_type(config: PipelineConfig) -> str:
    return effective_checkpoint_type(config.fine_tune_checkpoint_type.value,
                                     bool(config.get("train_config.from_detection_checkpoint").value))


def _rule(data: ValidationInput, target: CheckpointTarget) -> Optional[RestoreRule]:
    meta = data.config.meta_architecture.value
    if target.role == RESUME:
        return resume_rule(meta)
    return restore_rule(meta, effective_type(data.config), data.generation)


def _names(summary: CheckpointSummary) -> Tuple[str, ...]:
    return tuple(name for name, _, _ in summary.tensors)


def binding_of(summary: CheckpointSummary, rule: RestoreRule) -> Tuple[str, tuple]:
    """How the restore's objects meet the checkpoint, and the prefixes it lacks."""
    missing = missing_prefixes(rule, _names(summary))
    under_model = all(prefix.startswith("model/") for prefix in rule.prefixes)
    if not summary.holds_model:
        return NO_MODEL, missing
    if under_model and summary.model is not None and summary.model.meta_architecture != rule.meta_architecture:
        return OTHER_META, missing
    if under_model and summary.model is None and "model" in summary.roots:
        return NOT_ODAPI, missing
    if missing:
        return (MISSING if len(missing) == len(rule.prefixes) else PARTIAL), missing
    return BINDS, missing


def _restores(data: ValidationInput):
    """``(target, rule, binding, missing)`` for each readable TF2 checkpoint a run restores."""
    for target in data.restores:
        rule = _rule(data, target)
        if target.summary.kind == TF2 and rule is not None:
            yield (target, rule, *binding_of(target.summary, rule))


@emits({"checkpoint-type-unknown": RUN_FAILS})
def checkpoint_type_unknown(data: ValidationInput) -> List[Finding]:
    """A ``fine_tune_checkpoint_type`` the config's meta-architecture does not support."""
    config = data.config
    types = checkpoint_types(config.meta_architecture.value, data.generation)
    value = effective_type(config)
    if not data.fine_tunes or not types or value in types \
            or refusal(config.meta_architecture.value, value, data.generation):
        return []
    close = difflib.get_close_matches(value.lower(), types, n=1)
    hint = (f'did you mean "{close[0]}"? ' if close else "") + \
        f"{meta_label(config.meta_architecture.value)} supports {quoted_list(types)}"
    return [at(config, "checkpoint-type-unknown", RUN_FAILS,
               f'fine_tune_checkpoint_type "{value}" is not one {meta_label(config.meta_architecture.value)} '
               "supports: model_main_tf2 fails when it asks the model what to restore", hint,
               config.fine_tune_checkpoint_type)]


def _suggestion(data: ValidationInput, target: CheckpointTarget, rule: RestoreRule) -> str:
    config, summary = data.config, target.summary
    if not summary.holds_model:
        if target.newest_with_model:
            return f'use "{target.newest_with_model}", the newest checkpoint there that holds a model'
        return "point fine_tune_checkpoint at a checkpoint that holds a model (tfckpt inspect lists them)"
    meta = summary.model.meta_architecture if summary.model else None
    if meta is not None and meta != config.meta_architecture.value:
        wanted = with_article(meta_label(config.meta_architecture.value))
        return f"use {wanted} checkpoint (the TF2 model zoo has them), or a config for this {meta_label(meta)} " \
            "checkpoint"
    if summary.model is None and "model" in summary.roots:
        return _SAVE_BACKBONE + ("" if rule.checkpoint_type == CLASSIFICATION
                                 else ' and use fine_tune_checkpoint_type: "classification"')
    fitting = fitting_types(config.meta_architecture.value, _names(summary), data.generation)
    fits = [kind for kind in _SUGGESTION_ORDER if kind in fitting]
    if fits and meta is not None and fits[0] == DETECTION:
        return f'it is a {meta_label(meta)} detection checkpoint: use fine_tune_checkpoint_type: "{DETECTION}"'
    if fits:
        what = restore_rule(config.meta_architecture.value, fits[0], data.generation).what
        return f'use fine_tune_checkpoint_type: "{fits[0]}", which restores {what}: this checkpoint has it'
    return "use a checkpoint that holds " + rule.what


def _nothing_message(config: PipelineConfig, target: CheckpointTarget, rule: RestoreRule, binding: str,
                     missing: tuple) -> str:
    summary, subject = target.summary, checkpoint_type(config)
    if binding == NO_MODEL:
        return (f"{named(target)} holds no model, only {roots_of(summary)} (model_main_tf2's first save looks like "
                f"this): {subject} restores nothing from it, and the restore fails ({NOT_BOUND})")
    if binding == OTHER_META:
        found = summary.model.feature_extractor or "feature extractor not recognised"
        return (f"the checkpoint's model is {meta_label(summary.model.meta_architecture)} ({found}), the config's is "
                f"{meta_label(config.meta_architecture.value)}: {subject} binds nothing of it, and the restore fails "
                f"({NOT_BOUND})")
    if binding == NOT_ODAPI:
        return (f"{subject} restores {rule.what}, but the checkpoint's root model holds {summary.roots['model']:,} "
                f"variables that are not an Object Detection API model, so the restore fails ({NOT_BOUND})")
    if binding == PARTIAL:
        present = [prefix for prefix in rule.prefixes if prefix not in missing]
        return (f"{subject} restores {rule.what}; the checkpoint has {', '.join(present)} but not "
                f"{', '.join(missing)}, so the restore fails ({NOT_BOUND})")
    return (f"{subject} restores {rule.what}, which the checkpoint does not have (its roots: {roots_of(summary)}), "
            f"so the restore fails ({NOT_BOUND})")


@emits({"restores-nothing": (RUN_FAILS, SILENT_LOSS)})
def restores_nothing(data: ValidationInput) -> List[Finding]:
    """The restore binds nothing (or not all it must): SSD into Faster R-CNN, a detection checkpoint
    as ``classification``, a backbone under the wrong root, the step-only ``ckpt-1``."""
    findings = []
    for target, rule, binding, missing in _restores(data):
        if binding == BINDS or (target.role == RESUME and binding == NO_MODEL):
            continue
        if target.role == RESUME:
            findings.append(_resume_nothing(data, target))
            continue
        lines = (target.located, data.config.fine_tune_checkpoint_type) if binding == NO_MODEL \
            else (data.config.fine_tune_checkpoint_type, target.located)
        lines += (data.config.get("train_config"),)
        findings.append(at(data.config, "restores-nothing", RUN_FAILS,
                           _nothing_message(data.config, target, rule, binding, missing),
                           _suggestion(data, target, rule), *lines))
    return findings


def _resume_nothing(data: ValidationInput, target: CheckpointTarget) -> Finding:
    model = target.summary.model
    held = (f"its model is {meta_label(model.meta_architecture)}" if model is not None
            else f"it holds no Object Detection API model (roots: {roots_of(target.summary)})")
    return at(data.config, "restores-nothing", SILENT_LOSS,
              f"the latest checkpoint of --model-dir, {target.prefix}: {held}, the config's is "
              f"{meta_label(data.config.meta_architecture.value)}: resuming restores its step but none of the "
              "model's weights, and nothing says so",
              "use a new --model-dir for this config, or the config that trained this one",
              data.config.meta_architecture)


@emits({"resume-step-only": NOTE})
def resume_step_only(data: ValidationInput) -> List[Finding]:
    """The latest checkpoint of ``--model-dir`` holds only the step (its first save)."""
    return [predicting("resume-step-only", NOTE,
                       f"the latest checkpoint of --model-dir, {target.prefix}, holds no model, only "
                       f"{roots_of(target.summary)}: resuming restores the step, and the weights come from "
                       "fine_tune_checkpoint (or start fresh)", target.prefix, None, "")
            for target, _, binding, _ in _restores(data) if target.role == RESUME and binding == NO_MODEL]


@emits({"architecture-unverified": MAY_GO_WRONG, "feature-extractor-mismatch": RUN_FAILS})
def feature_extractor(data: ValidationInput) -> List[Finding]:
    """The checkpoint's feature extractor against ``feature_extractor.type``; unverifiable is a warning."""
    config = data.config
    wanted = config.feature_extractor_type.value if config.feature_extractor_type else None
    findings = []
    for target, rule, binding, _ in _restores(data):
        if binding != BINDS or not wanted:
            continue
        subject = restore_subject(config, target)
        model = target.summary.model
        if model is None:  # a classification backbone: its root holds no OD API model to recognise
            findings.append(at(config, "architecture-unverified", MAY_GO_WRONG,
                               f"{subject} restores {rule.what}; tfckpt cannot check that backbone against "
                               f"feature_extractor.type {wanted}, and the restore fails if they differ",
                               f"make sure the backbone is the one {wanted} builds", config.feature_extractor_type))
        elif model.feature_extractor is None:
            note = model.notes[0] if model.notes else "not recognised"
            findings.append(at(config, "architecture-unverified", MAY_GO_WRONG,
                               f"tfckpt cannot tell the checkpoint's feature extractor ({note}), so it cannot check it "
                               f"against feature_extractor.type {wanted}: {subject} fails if they differ",
                               "compare with the pipeline.config the checkpoint was trained with",
                               config.feature_extractor_type))
        elif wanted not in _KNOWN_EXTRACTORS and not is_tf1_feature_extractor(rule.meta_architecture, wanted):
            findings.append(at(config, "architecture-unverified", MAY_GO_WRONG,
                               f"feature_extractor.type {wanted} is not one tfckpt knows, so it cannot check the "
                               f"checkpoint's {model.feature_extractor} against it: {subject} fails if they differ",
                               f'if the checkpoint was trained with {model.feature_extractor}, set feature_extractor.'
                               f'type: "{model.feature_extractor}"', config.feature_extractor_type))
        elif model.feature_extractor != wanted and wanted in _KNOWN_EXTRACTORS:
            findings.append(at(config, "feature-extractor-mismatch", RUN_FAILS,
                               f"the checkpoint's feature extractor is {model.feature_extractor}, the config's "
                               f"feature_extractor.type is {wanted}: {subject} restores the feature extractor, and "
                               f"the restore fails ({INCOMPATIBLE})",
                               f'set feature_extractor.type: "{model.feature_extractor}" (with the rest of the model '
                               f"as the checkpoint was trained), or use a {wanted} checkpoint",
                               config.feature_extractor_type))
    return findings


def _class_mismatch(config: PipelineConfig, target: CheckpointTarget, held: int, wanted: int) -> Tuple[str, str]:
    """Message and hint for heads of another size under a restore that takes the heads."""
    sizes = f"checkpoint class head has {held} classes, config num_classes is {wanted}"
    if target.role == RESUME:
        return (f"{sizes}: resuming from --model-dir ({target.prefix}) restores the heads, and fails ({INCOMPATIBLE})",
                f"use a new --model-dir for {wanted} classes, or set num_classes: {held}")
    subject = checkpoint_type(config)
    hint = (f'use fine_tune_checkpoint_type: "{DETECTION}" to keep the feature extractor and train new heads, '
            f"or set num_classes: {held}")
    if not config.run_fine_tune_checkpoint_dummy_computation.value:
        return (f"{sizes}: {subject} restores the heads too; with run_fine_tune_checkpoint_dummy_computation: false "
                f"the restore is deferred, the load seems to succeed with the checkpoint's {held}-class heads, and "
                "the first training step fails in the loss", hint)
    heads = " on the object_center head" if config.meta_architecture.value == "center_net" else ""
    return (f"{sizes}: {subject} restores the heads too, and the restore fails{heads} ({INCOMPATIBLE}) after most "
            "variables were already assigned", hint)


@emits({"num-classes-unverified": MAY_GO_WRONG, "num-classes-mismatch": RUN_FAILS, "heads-start-fresh": NOTE})
def class_count(data: ValidationInput) -> List[Finding]:
    """Class head size against ``num_classes``: an error when the heads are restored, else info."""
    config = data.config
    if config.num_classes is None:
        return []
    wanted, findings = config.num_classes.value, []
    for target, rule, binding, _ in _restores(data):
        model = target.summary.model
        if binding != BINDS or model is None:
            continue
        if model.num_classes is None:
            if rule.restores_heads:
                note = model.notes[-1] if model.notes else "no class head found"
                findings.append(at(config, "num-classes-unverified", MAY_GO_WRONG,
                                   f"tfckpt cannot read the checkpoint's class count ({note}): "
                                   f"{restore_subject(config, target)} restores the heads, and fails if num_classes "
                                   f"({wanted}) differs", "", config.num_classes))
        elif model.num_classes != wanted and rule.restores_heads:
            message, hint = _class_mismatch(config, target, model.num_classes, wanted)
            findings.append(at(config, "num-classes-mismatch", RUN_FAILS, message, hint, config.num_classes))
        elif model.num_classes != wanted:
            findings.append(at(config, "heads-start-fresh", NOTE,
                               f"checkpoint class head has {model.num_classes} classes, config num_classes is "
                               f"{wanted}: {checkpoint_type(config)} restores only the feature extractor, so the "
                               "class and box heads start fresh (expected when fine-tuning to new classes)", "",
                               config.num_classes))
    return findings


def _compatible(held: str, wanted: str) -> bool:
    # Keras's SGD is the momentum optimizer; it saves no slots when momentum is 0
    return held == wanted or {held, wanted} == {"sgd", "momentum"}


@emits({"optimizer-not-restored": NOTE, "optimizer-state-dropped": SILENT_LOSS})
def optimizer_state(data: ValidationInput) -> List[Finding]:
    """Optimizer state: never restored by a fine-tune; dropped on a resume when the kind changed."""
    config, findings = data.config, []
    member = config.optimizer.value
    wanted = optimizer_kind_of(member)
    for target in data.restores:
        held, step = target.summary.optimizer, target.summary.step
        if held is None or held == "unknown":
            continue
        at_step = f" at step {step}" if step is not None else ""
        if target.role != RESUME:
            findings.append(at(config, "optimizer-not-restored", NOTE,
                               f"the checkpoint holds {held} optimizer state{at_step}; a fine-tune restores neither "
                               f"the optimizer nor the step: training starts at step 0 with fresh {member} state",
                               "", config.optimizer))
        elif wanted is not None and not _compatible(held, wanted):
            previous = next((name for name, kind in OPTIMIZER_KINDS.items() if kind == held), None)
            hint = (f"switch train_config.optimizer back to {previous} to keep it, or " if previous else "") + \
                f"accept that {member} starts with fresh state"
            findings.append(at(config, "optimizer-state-dropped", SILENT_LOSS,
                               f"the latest checkpoint of --model-dir ({target.prefix}) holds {held} optimizer "
                               f"state, the config trains with {member}: resuming keeps the weights and the step but "
                               f"drops the {held} state (TensorFlow warns \"Value in checkpoint could not be found\" "
                               "for each slot)", hint, config.optimizer))
    return findings


@emits({"dummy-computation-off": (RUN_FAILS, MAY_GO_WRONG)})
def dummy_computation(data: ValidationInput) -> List[Finding]:
    """``run_fine_tune_checkpoint_dummy_computation: false`` with Faster R-CNN's partial restores."""
    config = data.config
    flag = config.run_fine_tune_checkpoint_dummy_computation
    kind = effective_type(config)
    if not data.fine_tunes or flag.value or config.meta_architecture.value != "faster_rcnn" \
            or kind not in (DETECTION, CLASSIFICATION):
        return []
    failure = '("ValueError: Checkpoint was expecting a trackable object ..., got __uninitialized__")'
    deferred = "run_fine_tune_checkpoint_dummy_computation: false defers the restore until the model is built, but " \
        f'Faster R-CNN\'s feature extractors do not exist before that: the "{kind}" restore '
    return [at(config, "dummy-computation-off", RUN_FAILS if kind == DETECTION else MAY_GO_WRONG,
               deferred + (f"fails {failure}" if kind == DETECTION else f"may fail the same way {failure}"),
               "delete run_fine_tune_checkpoint_dummy_computation: false (the default, true, builds the model before "
               "restoring)", flag)]


MASK_HEAD = "model/_mask_rcnn_box_predictor/_third_stage_heads/"
_PREDICT_MASKS = "model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor.predict_instance_masks"


@emits({"mask-head-missing": RUN_FAILS})
def mask_head(data: ValidationInput) -> List[Finding]:
    """A Mask R-CNN config (``predict_instance_masks: true``) restoring the whole model of a
    Faster R-CNN checkpoint, which has no mask head: the asserted restore leaves it unbound."""
    flag = data.config.get(_PREDICT_MASKS)
    if not flag.value:
        return []
    findings = []
    for target, rule, binding, _ in _restores(data):
        if target.role == RESUME or binding != BINDS or not rule.restores_heads \
                or any(name.startswith(MASK_HEAD) for name in _names(target.summary)):
            continue
        findings.append(at(data.config, "mask-head-missing", RUN_FAILS,
                           f"predict_instance_masks: true builds Mask R-CNN's mask head, but {named(target)} is a "
                           f"Faster R-CNN checkpoint without one (no {MASK_HEAD.rstrip('/')}): "
                           f"{checkpoint_type(data.config)} restores the whole model, and the restore fails "
                           f"({NOT_BOUND})",
                           'use fine_tune_checkpoint_type: "detection" (the mask head then starts fresh, like the '
                           "box heads), or a Mask R-CNN checkpoint", flag, data.config.fine_tune_checkpoint_type))
    return findings


@emits({"load-all-detection-vars": RUN_FAILS})
def load_all_detection_vars(data: ValidationInput) -> List[Finding]:
    """``load_all_detection_checkpoint_vars: true`` is a TF1 option that model_main_tf2 rejects."""
    flag = data.config.get("train_config.load_all_detection_checkpoint_vars")
    if not flag.value:
        return []
    return [at(data.config, "load-all-detection-vars", RUN_FAILS,
               "load_all_detection_checkpoint_vars: true is a TF1 option: model_main_tf2 refuses to start "
               '("load_all_detection_checkpoint_vars unsupported in TF2")',
               'delete it; fine_tune_checkpoint_type: "full" restores the whole model in TF2', flag)]


RULES = (checkpoint_type_unknown, restores_nothing, resume_step_only, feature_extractor, class_count,
         optimizer_state, dummy_computation, mask_head, load_all_detection_vars)
