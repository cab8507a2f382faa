"""Rules about the config's own fields, and about the ``pipeline.config`` a checkpoint was trained
with. Pure functions of a :class:`ValidationInput`.

Example:
    >>> [rule.__name__ for rule in RULES][:2]
    ['proposal_counts', 'aspect_ratio_padding']
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from tfckpt.odapi.signatures import FEATURE_EXTRACTOR_RULES
from tfckpt.pipeline import Located
from tfckpt.validate.findings import MAY_GO_WRONG, NOTE, RUN_FAILS, Finding, emits, predicting
from tfckpt.validate.inputs import CheckpointTarget, ValidationInput
from tfckpt.validate.wording import at, first_line, is_tf1_feature_extractor, meta_label

_KNOWN_EXTRACTORS = frozenset(rule.feature_extractor for rule in FEATURE_EXTRACTOR_RULES)


def _value(located: Located) -> str:
    return f"{located.value}" + ("" if located.is_set else " (the default)")


@emits({"second-stage-batch-size": RUN_FAILS})
def proposal_counts(data: ValidationInput) -> List[Finding]:
    """Faster R-CNN: ``second_stage_batch_size`` must not exceed ``first_stage_max_proposals``."""
    config = data.config
    proposals, batch = config.first_stage_max_proposals, config.second_stage_batch_size
    if proposals is None or batch is None or batch.value <= proposals.value:
        return []
    return [at(config, "second-stage-batch-size", RUN_FAILS,
               f"second_stage_batch_size {_value(batch)} is greater than first_stage_max_proposals "
               f'{_value(proposals)}: building the model fails ("second_stage_batch_size should be no greater '
               'than first_stage_max_proposals.")',
               f"set second_stage_batch_size: {proposals.value}, or first_stage_max_proposals: {batch.value}",
               batch, proposals)]


@emits({"keep-aspect-ratio-needs-padding": RUN_FAILS})
def aspect_ratio_padding(data: ValidationInput) -> List[Finding]:
    """``keep_aspect_ratio_resizer`` with ``batch_size > 1`` needs ``pad_to_max_dimension: true``."""
    config = data.config
    resizer, pad, batch = config.image_resizer, config.pad_to_max_dimension, config.batch_size
    if resizer is None or resizer.value != "keep_aspect_ratio_resizer" or pad is None or pad.value \
            or batch.value <= 1:
        return []
    return [at(config, "keep-aspect-ratio-needs-padding", RUN_FAILS,
               f"keep_aspect_ratio_resizer without pad_to_max_dimension: true gives images of different sizes, which "
               f"a batch of {_value(batch)} cannot stack: training fails (a ConcatOp shape error)",
               "add pad_to_max_dimension: true to keep_aspect_ratio_resizer, or set batch_size: 1",
               pad, resizer)]


@emits({"tf1-feature-extractor": RUN_FAILS})
def tf1_feature_extractor(data: ValidationInput) -> List[Finding]:
    """A TF1 (slim) feature extractor type, which model_main_tf2 does not build."""
    config = data.config
    located = config.feature_extractor_type
    if located is None or not is_tf1_feature_extractor(config.meta_architecture.value, located.value):
        return []
    keras = located.value + "_keras"
    hint = f'use "{keras}"' if keras in _KNOWN_EXTRACTORS else "use a feature extractor type that ends in _keras"
    return [at(config, "tf1-feature-extractor", RUN_FAILS,
               f"feature_extractor.type {located.value} is a TF1 (slim) feature extractor: model_main_tf2 builds only "
               f"the Keras ones (their names end in _keras), so model building fails",
               hint + " (and a TF2 checkpoint for it)", located)]


_COMPARED = (("model", "meta_architecture"), ("feature_extractor.type", "feature_extractor_type"),
             ("num_classes", "num_classes"))


def _differences(target: CheckpointTarget, data: ValidationInput) -> List[Tuple[str, Located, Located]]:
    theirs_config = target.trained_with.config
    found = []
    for label, attribute in _COMPARED:
        ours, theirs = getattr(data.config, attribute), getattr(theirs_config, attribute)
        if ours is not None and theirs is not None and ours.value != theirs.value:
            found.append((label, theirs, ours))
    return found


def _only_evidence(target: CheckpointTarget, labels: List[str]) -> bool:
    """True when the checkpoint itself cannot confirm an architecture difference the config shows."""
    model = target.summary.model if target.summary else None
    unconfirmed = model is None or model.feature_extractor is None
    return unconfirmed and any(label != "num_classes" for label in labels)


@emits({"trained-config-unreadable": NOTE, "trained-config-differs": (NOTE, MAY_GO_WRONG)})
def trained_config_differs(data: ValidationInput) -> List[Finding]:
    """The ``pipeline.config`` beside the checkpoint (model-zoo layout) against this one."""
    findings = []
    for target in (data.fine_tune, data.model_dir.checkpoint if data.model_dir else None):
        trained = target.trained_with if target is not None else None
        if trained is None:
            continue
        if trained.config is None:
            findings.append(predicting("trained-config-unreadable", NOTE,
                                       f"{trained.path}, beside the checkpoint, was not compared: it does not parse "
                                       f"({trained.error.message})", trained.path, trained.error.line or None, ""))
            continue
        differences = _differences(target, data)
        if not differences:
            continue
        labels = [label for label, _, _ in differences]
        described = "; ".join(f"{label} {_shown(label, theirs)} there (line {theirs.line or 'not set'}), "
                              f"{_shown(label, ours)} here" for label, theirs, ours in differences)
        outcome = MAY_GO_WRONG if _only_evidence(target, labels) else NOTE
        findings.append(predicting("trained-config-differs", outcome,
                                   f"the checkpoint was trained with {trained.path}, which differs from this config: "
                                   f"{described}", data.config.file, first_line(*(ours for _, _, ours in differences)),
                                   f"compare them: tfckpt diff {trained.path} {data.config.file}"))
    return findings


def _shown(label: str, located: Optional[Located]) -> str:
    return meta_label(located.value) if label == "model" else str(located.value)


@emits({"installed-odapi-rejects": RUN_FAILS})
def installed_odapi_disagrees(data: ValidationInput) -> List[Finding]:
    """The installed Object Detection API rejects a config tfckpt's schema accepted: it decides."""
    if data.installed_odapi_error is None:
        return []
    line, message = data.installed_odapi_error
    return [predicting("installed-odapi-rejects", RUN_FAILS,
                       f"the installed Object Detection API rejects this config ({message}); model_main_tf2 will "
                       "stop here, although tfckpt's schema accepts it",
                       data.config.file, line or None,
                       "fix the field for your OD API version (a field newer than your OD API, or one it renamed)")]


RULES = (proposal_counts, aspect_ratio_padding, tf1_feature_extractor, trained_config_differs,
         installed_odapi_disagrees)
