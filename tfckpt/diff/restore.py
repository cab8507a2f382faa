"""How config B would restore a checkpoint trained with config A: which parts of it are taken.

B's ``train_config`` decides. With a ``fine_tune_checkpoint``, its ``fine_tune_checkpoint_type``
does (read as ``model_lib_v2`` reads it: an empty type is ``detection`` when
``from_detection_checkpoint`` is true, else ``classification``); a fine-tune never restores the
optimizer or the step. Without one, such a checkpoint is restored only by resuming its
``--model_dir``, which takes everything. What each type restores is
:mod:`tfckpt.odapi.restore_rules`.

Example:
    >>> from tfckpt.pipeline import parse_pipeline_config
    >>> b = parse_pipeline_config('model { ssd { } } train_config { fine_tune_checkpoint: "m/ckpt-0" '
    ...                           'fine_tune_checkpoint_type: "detection" }')
    >>> context = restore_context(b)
    >>> context.kind, context.restored
    ('detection', ('backbone',))
    >>> restore_context(parse_pipeline_config("model { ssd { } }")).kind
    'resume'
"""

from __future__ import annotations

from tfckpt.diff.result import RestoreContext
from tfckpt.odapi import restore_rules
from tfckpt.odapi.change_effects import BACKBONE, HEADS
from tfckpt.odapi.installed_restore import installed_restore
from tfckpt.pipeline.typed import PipelineConfig

JUDGED_AS_FULL = (BACKBONE, HEADS)
MODEL_ROOT = "model/"


def restore_context(b: PipelineConfig) -> RestoreContext:
    """How ``b`` would restore a checkpoint trained with another config (see the module doc)."""
    architecture = b.meta_architecture.value
    if not b.fine_tune_checkpoint.value:
        return RestoreContext(restore_rules.RESUME, restore_rules.resume_rule(architecture).parts,
                              "B sets no fine_tune_checkpoint: a checkpoint trained with A is restored only "
                              "by resuming its --model_dir, which restores the model, the optimizer and the step")
    written = b.fine_tune_checkpoint_type.value
    kind = restore_rules.effective_checkpoint_type(written, b.get("train_config.from_detection_checkpoint").value)
    source = f'fine_tune_checkpoint_type "{written}"' if written else \
        f'fine_tune_checkpoint_type (not set, so read as "{kind}")'
    generation = _generation(architecture)
    rule = restore_rules.restore_rule(architecture, kind, generation)
    refused = restore_rules.refusal(architecture, kind, generation)
    if refused is not None:
        return RestoreContext(kind, JUDGED_AS_FULL, f"B's {source} is refused for {architecture}; changes are judged "
                              "as for full", (f"{refused.error}: the restore fails; use "
                                              f'fine_tune_checkpoint_type "{refused.use}"',))
    if rule is None:
        supported = ", ".join(restore_rules.checkpoint_types(architecture, generation)) or "none"
        return RestoreContext(kind, JUDGED_AS_FULL, f"B's {source} is not one tfckpt knows for {architecture}; "
                              "changes are judged as for full",
                              (f'fine_tune_checkpoint_type "{kind}" is not one the Object Detection API supports for '
                               f"{architecture} ({supported}): the restore fails (ValueError)",))
    summary = f"B's {source} restores {rule.what}" + ("" if rule.restores_heads else ", not the heads")
    if not rule.verified:
        summary += " (from the OD API's source; not seen in a real run)"
    return RestoreContext(kind, rule.parts, summary, _nothing_restored(rule, architecture, generation))


def _generation(architecture: str) -> str:
    """The installed OD API's generation where it matters and can be read, else today's."""
    installed = installed_restore() if restore_rules.generations_differ(architecture) else None
    return installed.generation if installed is not None and installed.generation else restore_rules.CURRENT


def _nothing_restored(rule: restore_rules.RestoreRule, architecture: str, generation: str) -> tuple:
    """A warning when the type restores from roots other than ``model``, where a checkpoint that
    ``model_main_tf2`` trained keeps everything: then nothing is restored."""
    if any(prefix.startswith(MODEL_ROOT) for prefix in rule.prefixes):
        return ()
    fitting = [other.checkpoint_type for other in restore_rules.rules_of(generation)
               if other.meta_architecture == architecture and other.prefixes[0] != MODEL_ROOT
               and all(prefix.startswith(MODEL_ROOT) for prefix in other.prefixes)]
    fix = f"; use {fitting[0]}" if fitting else ""
    return (f"a checkpoint trained with A keeps its model under the root model/, where {rule.checkpoint_type} "
            f"finds nothing to restore (AssertionError){fix}",)
