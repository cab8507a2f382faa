"""Rules about restores that differ between copies of the Object Detection API (CenterNet, FACTS.md
section 7): a type today's code refuses, and a note when the copies of other dates would restore
the user's config differently. Pure functions of a :class:`ValidationInput`.

Which copy applies is ``data.generation``: the installed ``object_detection``'s, read from its
source (:mod:`tfckpt.odapi.installed_restore`), else today's.

Example:
    >>> [rule.__name__ for rule in RULES]
    ['checkpoint_type_refused', 'other_copies']
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from tfckpt.checkpoint.summary import TF2
from tfckpt.odapi.restore_rules import CURRENT, GENERATION_LABELS, LEGACY, fitting_types, generations_differ, \
    refusal, restore_rule
from tfckpt.validate.findings import NOTE, RUN_FAILS, Finding, emits
from tfckpt.validate.inputs import ValidationInput
from tfckpt.validate.rules_restore import BINDS, binding_of, effective_type
from tfckpt.validate.wording import INCOMPATIBLE, NOT_BOUND, at, checkpoint_type, meta_label

_ORDER = ("detection", "fine_tune", "classification", "full")


def _other(generation: str) -> str:
    return LEGACY if generation == CURRENT else CURRENT


def _who(data: ValidationInput) -> str:
    """Whose restore tfckpt follows, for people."""
    installed = data.installed_restore
    if installed is not None and installed.generation:
        return f"the installed object_detection ({installed.path}) restores as {GENERATION_LABELS[data.generation]}"
    if installed is not None:
        return (f"tfckpt cannot tell how the installed object_detection ({installed.path}) restores CenterNet, so it "
                f"follows {GENERATION_LABELS[CURRENT]}")
    return f"object_detection is not installed here, so tfckpt follows {GENERATION_LABELS[CURRENT]}"


def _outcome(data: ValidationInput, generation: str) -> Tuple[bool, tuple, str, Optional[str]]:
    """``(works, what it binds, what happens, a type that works)`` for the config's fine-tune under
    ``generation``; "works" is judged on the checkpoint when one was read, else on the type alone."""
    config = data.config
    meta, kind = config.meta_architecture.value, effective_type(config)
    refused = refusal(meta, kind, generation)
    if refused is not None:
        return False, (refused.error,), f"refuses it ({refused.error})", refused.use
    rule = restore_rule(meta, kind, generation)
    if rule is None:
        return False, (), "does not know it (ValueError)", None
    target = data.fine_tune
    summary = target.summary if target is not None and target.usable and target.summary.kind == TF2 else None
    if summary is None:
        return True, rule.prefixes, f"restores {rule.what}", None
    names = tuple(name for name, _, _ in summary.tensors)
    fits = [other for other in _ORDER if other in fitting_types(meta, names, generation)]
    if binding_of(summary, rule)[0] != BINDS:
        return False, rule.prefixes, f"restores {rule.what}, and with this checkpoint the restore fails " \
            f"({NOT_BOUND})", (fits[0] if fits else None)
    model, wanted = summary.model, config.num_classes.value if config.num_classes else None
    if rule.restores_heads and model is not None and model.num_classes and wanted and model.num_classes != wanted:
        return False, rule.prefixes, f"restores {rule.what}, and the {model.num_classes}-class heads fail " \
            f"({INCOMPATIBLE})", None
    return True, rule.prefixes, f"restores {rule.what}, which this checkpoint has", kind


@emits({"checkpoint-type-refused": RUN_FAILS})
def checkpoint_type_refused(data: ValidationInput) -> List[Finding]:
    """A type the OD API copy refuses with its own error: today's ``fine_tune`` for CenterNet."""
    config = data.config
    meta, kind = config.meta_architecture.value, effective_type(config)
    refused = refusal(meta, kind, data.generation) if data.fine_tunes else None
    if refused is None:
        return []
    instead = restore_rule(meta, refused.use, data.generation)
    other = _other(data.generation)
    then = restore_rule(meta, kind, other)
    elsewhere = f"; {GENERATION_LABELS[other]} accepted \"{kind}\" (it restored {then.what} there)" if then else ""
    return [at(config, "checkpoint-type-refused", RUN_FAILS,
               f'{checkpoint_type(config)}: {_who(data)}, which refuses it for {meta_label(meta)} '
               f"({refused.error}), so model_main_tf2 fails before training",
               f'use fine_tune_checkpoint_type: "{refused.use}", which restores the same: {instead.what}{elsewhere}',
               config.fine_tune_checkpoint_type, config.fine_tune_checkpoint)]


@emits({"center-net-other-copies": NOTE})
def other_copies(data: ValidationInput) -> List[Finding]:
    """When OD API copies of other dates would restore this config differently, say how."""
    config = data.config
    meta = config.meta_architecture.value
    if not generations_differ(meta) or not data.fine_tunes:
        return []
    generation = data.generation
    if refusal(meta, effective_type(config), generation) is not None:
        return []  # checkpoint_type_refused says it, with what other copies do
    works, binds, _, _ = _outcome(data, generation)
    other = _other(generation)
    other_works, other_binds, other_happens, other_fix = _outcome(data, other)
    if (works, binds) == (other_works, other_binds):
        return []
    subject = checkpoint_type(config)
    if works and not other_works:
        fix = f' (there, use fine_tune_checkpoint_type: "{other_fix}")' if other_fix else ""
        hint = f"nothing to do for {GENERATION_LABELS[generation]}; on {GENERATION_LABELS[other]}, {subject} " \
            f"{other_happens}{fix}"
    else:
        hint = f"on {GENERATION_LABELS[other]}, {subject} {other_happens}"
    rule = restore_rule(meta, effective_type(config), generation)
    binds_here = f"restores {rule.what}" if rule is not None else "is not a type it knows"
    return [at(config, "center-net-other-copies", NOTE,
               f"{meta_label(meta)} restores changed in 2021: {_who(data)}, where {subject} {binds_here}",
               hint, config.fine_tune_checkpoint_type, config.fine_tune_checkpoint)]


RULES = (checkpoint_type_refused, other_copies)
