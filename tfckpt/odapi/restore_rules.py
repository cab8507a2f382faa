"""What each ``fine_tune_checkpoint_type`` restores from a checkpoint, as data.

``model_lib_v2`` builds the model, then restores the objects that ``restore_from_objects`` names
for the configured type, with ``restore(path).expect_partial().assert_existing_objects_matched()``:
values the checkpoint has beyond those objects are ignored without a word, and an object of the
model that finds no value in the checkpoint fails the restore (``AssertionError: Found N Python
objects that were not bound to checkpointed values``). A fine-tune never restores the optimizer
or the step; a ``--model_dir`` resume restores everything (model, optimizer, step) and asserts
nothing.

Each :class:`RestoreRule` gives the checkpoint key prefixes a type binds, and which parts of the
model that covers, in the vocabulary of :mod:`tfckpt.odapi.change_effects` (``"backbone"``,
``"heads"``, ``"optimizer"``, ``"step"``). ``verified`` is True where real OD API runs showed the
outcome (FACTS.md section 5); False where it follows the OD API's source alone (CenterNet, FACTS.md
section 7); ``tfckpt diff`` says so. A validate finding's severity follows its predicted outcome,
not this flag.

CenterNet's ``restore_from_objects`` changed in 2021: :data:`CURRENT` is today's code (the
default), :data:`LEGACY` the copies of 2020 to mid-2021. Faster R-CNN and SSD are the same in both.
A type a copy refuses outright (today's ``fine_tune``) is a :class:`Refusal`, not a rule.

Example:
    >>> rule = restore_rule("faster_rcnn", "detection")
    >>> rule.prefixes
    ('model/_feature_extractor_for_proposal_features/', 'model/_feature_extractor_for_box_classifier_features/')
    >>> rule.parts, restore_rule("ssd", "full").parts
    (('backbone',), ('backbone', 'heads'))
    >>> effective_checkpoint_type("", from_detection_checkpoint=False)
    'classification'
    >>> names = ["model/_feature_extractor/classification_backbone/layer_with_weights-0/kernel/.ATTRIBUTES/"
    ...          "VARIABLE_VALUE", "model/_box_predictor/x/.ATTRIBUTES/VARIABLE_VALUE"]
    >>> fitting_types("ssd", names)
    ('detection', 'full')
    >>> restore_rule("center_net", "detection").prefixes, restore_rule("center_net", "detection", LEGACY).prefixes
    (('model/_feature_extractor/',), ('feature_extractor/',))
    >>> refusal("center_net", "fine_tune").use
    'detection'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

DETECTION, FULL, CLASSIFICATION, FINE_TUNE = "detection", "full", "classification", "fine_tune"
CURRENT, LEGACY = "current", "legacy"  # generations of the OD API's CenterNet restore_from_objects
GENERATIONS: Tuple[str, ...] = (CURRENT, LEGACY)
GENERATION_LABELS = {CURRENT: "today's Object Detection API (mid-2021 on)",
                     LEGACY: "Object Detection API copies from 2020 to mid-2021"}
RESUME = "resume"  # not a fine_tune_checkpoint_type: what model_main_tf2 --model_dir restores
BACKBONE, HEADS, OPTIMIZER, STEP = "backbone", "heads", "optimizer", "step"

RESUME_PARTS: Tuple[str, ...] = (BACKBONE, HEADS, OPTIMIZER, STEP)
"""What a ``--model_dir`` resume restores: ``tf.train.Checkpoint(step, model, optimizer)``, unasserted."""

FINE_TUNE_NEVER_RESTORES: Tuple[str, ...] = ("optimizer", "step", "save_counter")
"""Checkpoint roots that no ``fine_tune_checkpoint_type`` restores."""


@dataclass(frozen=True)
class RestoreRule:
    """What one ``fine_tune_checkpoint_type`` restores for one meta-architecture.

    Attributes:
        meta_architecture: ``"faster_rcnn"``, ``"ssd"`` or ``"center_net"``.
        checkpoint_type: the ``fine_tune_checkpoint_type`` value.
        prefixes: checkpoint key prefixes the restore binds; each must hold at least one value,
            or the model objects behind it stay unbound and the restore fails.
        parts: the parts of the model restored (``"backbone"``, ``"heads"``).
        what: the objects restored, for people.
        verified: True when real OD API runs showed the outcome.
    """

    meta_architecture: str
    checkpoint_type: str
    prefixes: Tuple[str, ...]
    parts: Tuple[str, ...]
    what: str
    verified: bool = True

    @property
    def restores_heads(self) -> bool:
        """True when the class and box heads are restored (their shapes must then match)."""
        return HEADS in self.parts


@dataclass(frozen=True)
class Refusal:
    """A ``fine_tune_checkpoint_type`` one generation of the OD API refuses with an error of its own.

    Attributes:
        meta_architecture, checkpoint_type, generation: where it applies.
        error: the error the OD API raises, as it reads.
        use: the type its text says to use instead.
    """

    meta_architecture: str
    checkpoint_type: str
    generation: str
    error: str
    use: str


_FRCNN_EXTRACTORS = ("model/_feature_extractor_for_proposal_features/",
                     "model/_feature_extractor_for_box_classifier_features/")
_BACKBONE_ROOT = ("feature_extractor/",)

RESTORE_RULES: Tuple[RestoreRule, ...] = (
    RestoreRule("faster_rcnn", DETECTION, _FRCNN_EXTRACTORS, (BACKBONE,),
                "the two feature extractors of model (_feature_extractor_for_*)"),
    RestoreRule("faster_rcnn", FULL, ("model/",), (BACKBONE, HEADS), "all of model"),
    RestoreRule("faster_rcnn", CLASSIFICATION, _BACKBONE_ROOT, (BACKBONE,),
                "a classification backbone under the root feature_extractor"),
    RestoreRule("ssd", DETECTION, ("model/_feature_extractor/",), (BACKBONE,),
                "the feature extractor of model (_feature_extractor)"),
    RestoreRule("ssd", FULL, ("model/",), (BACKBONE, HEADS), "all of model"),
    RestoreRule("ssd", CLASSIFICATION, _BACKBONE_ROOT, (BACKBONE,),
                "a classification backbone under the root feature_extractor"),
    RestoreRule("center_net", DETECTION, ("model/_feature_extractor/",), (BACKBONE,),
                "the feature extractor of model (_feature_extractor)", verified=False),
    RestoreRule("center_net", FULL, ("model/",), (BACKBONE, HEADS), "all of model", verified=False),
    RestoreRule("center_net", CLASSIFICATION, _BACKBONE_ROOT, (BACKBONE,),
                "the extractor's classification backbone under the root feature_extractor", verified=False),
)


LEGACY_RULES: Tuple[RestoreRule, ...] = (
    RestoreRule("center_net", FINE_TUNE, ("model/_feature_extractor/",), (BACKBONE,),
                "the feature extractor of model (_feature_extractor)", verified=False),
    RestoreRule("center_net", DETECTION, _BACKBONE_ROOT, (BACKBONE,),
                "the extractor's detection sub-model under the root feature_extractor", verified=False),
    RestoreRule("center_net", CLASSIFICATION, _BACKBONE_ROOT, (BACKBONE,),
                "the extractor's classification sub-model under the root feature_extractor", verified=False),
)
"""CenterNet in the OD API copies of 2020 to mid-2021 (FACTS.md section 7): no ``full``."""

REFUSALS: Tuple[Refusal, ...] = (
    Refusal("center_net", FINE_TUNE, CURRENT, 'ValueError: "fine_tune" is no longer supported for CenterNet',
            DETECTION),
)

_DIFFERING = frozenset(rule.meta_architecture for rule in LEGACY_RULES)


def rules_of(generation: str = CURRENT) -> Tuple[RestoreRule, ...]:
    """Every rule of one generation of the OD API."""
    if generation == CURRENT:
        return RESTORE_RULES
    return tuple(rule for rule in RESTORE_RULES if rule.meta_architecture not in _DIFFERING) + LEGACY_RULES


def generations_differ(meta_architecture: Optional[str]) -> bool:
    """True when the OD API's generations restore ``meta_architecture`` differently (CenterNet)."""
    return meta_architecture in _DIFFERING


def restore_rule(meta_architecture: Optional[str], checkpoint_type: str,
                 generation: str = CURRENT) -> Optional[RestoreRule]:
    """The rule for a meta-architecture and type; None when the OD API does not support the pair."""
    for rule in rules_of(generation):
        if rule.meta_architecture == meta_architecture and rule.checkpoint_type == checkpoint_type:
            return rule
    return None


def refusal(meta_architecture: Optional[str], checkpoint_type: str, generation: str = CURRENT) -> Optional[Refusal]:
    """The OD API's own refusal of a type it once supported; None when there is none."""
    for refused in REFUSALS:
        if (refused.meta_architecture, refused.checkpoint_type, refused.generation) == \
                (meta_architecture, checkpoint_type, generation):
            return refused
    return None


def resume_rule(meta_architecture: Optional[str]) -> RestoreRule:
    """What a ``--model_dir`` resume restores: everything, with no assertion (a mismatch in names
    is silent; a mismatch in shapes fails)."""
    return RestoreRule(str(meta_architecture), RESUME, ("model/",), RESUME_PARTS,
                       "the whole training state (model, optimizer, step)")


def checkpoint_types(meta_architecture: Optional[str], generation: str = CURRENT) -> Tuple[str, ...]:
    """The ``fine_tune_checkpoint_type`` values a meta-architecture supports, in table order."""
    return tuple(rule.checkpoint_type for rule in rules_of(generation) if rule.meta_architecture == meta_architecture)


def effective_checkpoint_type(checkpoint_type: str, from_detection_checkpoint: bool = False) -> str:
    """The type ``model_lib_v2`` uses: an empty type becomes ``"detection"`` when the deprecated
    ``from_detection_checkpoint`` is true, else ``"classification"``."""
    if checkpoint_type:
        return checkpoint_type
    return DETECTION if from_detection_checkpoint else CLASSIFICATION


def missing_prefixes(rule: RestoreRule, names: Iterable[str]) -> Tuple[str, ...]:
    """The prefixes of ``rule`` that no checkpoint key in ``names`` starts with."""
    names = tuple(names)
    return tuple(prefix for prefix in rule.prefixes if not any(name.startswith(prefix) for name in names))


def fitting_types(meta_architecture: Optional[str], names: Iterable[str],
                  generation: str = CURRENT) -> Tuple[str, ...]:
    """The types of ``meta_architecture`` whose every prefix holds values in ``names``.

    Presence only: whether the shapes fit (class count, feature extractor) is for the caller.
    """
    names = tuple(names)
    return tuple(rule.checkpoint_type for rule in rules_of(generation)
                 if rule.meta_architecture == meta_architecture and not missing_prefixes(rule, names))
