"""Model Garden ``validate`` rules on the restores: ``task.initialize`` and resuming ``model_dir``.

``task.initialize`` reads ``init_checkpoint`` through a ``tf.train.Checkpoint`` made of what
``init_checkpoint_modules`` names (:mod:`tfckpt.modelgarden.init_modules`): RetinaNet's ``all`` binds
the model's checkpoint items (``backbone``, ``decoder``, ``head``) at the checkpoint's top level,
Mask/Faster R-CNN's ``all`` binds ``model``; ``backbone``/``decoder`` bind those roots. Then
``assert_existing_objects_matched()``: a bound part the checkpoint lacks fails with "objects not
bound", a shape that differs with "incompatible tensor" -- after the variables before it were
overwritten. ``init_checkpoint`` is used only when ``model_dir`` holds no checkpoint.

Example:
    >>> restore_plan("retinanet", ("all",))
    ('backbone', 'decoder', 'head')
    >>> restore_plan("mask_rcnn", ("all",)), restore_plan("faster_rcnn", ("backbone",))
    (('model',), ('backbone',))
"""

from __future__ import annotations

from typing import List, Tuple

from tfckpt.modelgarden.experiments import ARCHITECTURE_LABELS, FASTER_RCNN, MASK_RCNN, RETINANET
from tfckpt.modelgarden.gather import Checkpoint, ExperimentInput
from tfckpt.modelgarden.init_modules import ALL, modules_restored
from tfckpt.modelgarden.rules_config import at, identity_decoder_fails
from tfckpt.validate.findings import MAY_GO_WRONG, NOTE, RUN_FAILS, Finding, emits

NOT_BOUND = "AssertionError: Found ... Python objects that were not bound to checkpointed values"
INCOMPATIBLE = "ValueError: Received incompatible tensor with shape ... when attempting to restore variable"
RETINANET_ITEMS = ("backbone", "decoder", "head")


def restore_plan(architecture: str, parts: Tuple[str, ...]) -> Tuple[str, ...]:
    """The checkpoint roots ``task.initialize`` binds for ``parts`` (:func:`modules_restored`)."""
    if parts == (ALL,):
        return RETINANET_ITEMS if architecture == RETINANET else ("model",)
    return parts


def _label(architecture: str) -> str:
    return ARCHITECTURE_LABELS.get(architecture, architecture)


def _parts(data: ExperimentInput) -> Tuple[str, ...]:
    config = data.config
    if config.modules_is_list:
        return modules_restored([item.value for item in config.init_checkpoint_modules])
    value = config.init_checkpoint_modules[0].value
    return modules_restored(value) if isinstance(value, str) else ()


def _resumes(data: ExperimentInput) -> bool:
    return data.model_dir is not None and data.model_dir.latest is not None


def _named(target: Checkpoint) -> str:
    return f"init_checkpoint {target.given!r}" + (f" (latest: {target.prefix})" if target.from_directory else "")


@emits({"no-init-checkpoint": NOTE, "init-skipped": NOTE, "init-not-checked": MAY_GO_WRONG,
        "init-checkpoint-missing": RUN_FAILS, "init-not-model-garden": MAY_GO_WRONG})
def init_checkpoint(data: ExperimentInput) -> List[Finding]:
    """``init_checkpoint``: there, readable, a Model Garden checkpoint -- or skipped by a resume."""
    target, config = data.init, data.config
    if target is None:
        if data.config_only or not _parts(data):
            return []
        return [at(data, "no-init-checkpoint", NOTE, "init_checkpoint is empty: the model starts from random weights",
                   "", config.init_checkpoint)] if config.init_checkpoint.is_set else []
    located = target.located
    if _resumes(data):
        latest = data.model_dir.latest
        return [at(data, "init-skipped", NOTE,
                   f"model_dir {data.model_dir.path} already holds {latest.prefix}: training resumes from it and "
                   f"ignores init_checkpoint ({target.given})",
                   "use a new model_dir to start from init_checkpoint", located)]
    if target.not_checked:
        return [at(data, "init-not-checked", MAY_GO_WRONG,
                   f"init_checkpoint {target.given} is on a remote file system: "
                   f"{target.not_checked}; the restore is not predicted",
                   "copy the checkpoint's .index next to you and pass it as CKPT to check it", located)]
    if target.problem is not None:
        return [at(data, "init-checkpoint-missing", RUN_FAILS,
                   f"{_named(target)}: {target.problem.message}: task.initialize fails before training",
                   target.problem.fix, located)]
    if target.model is None and _parts(data):
        roots = ", ".join(target.summary.roots) if target.summary else "nothing"
        return [at(data, "init-not-model-garden", MAY_GO_WRONG,
                   f"tfckpt recognises no RetinaNet, Faster R-CNN or Mask R-CNN in {target.prefix} (roots: {roots}), "
                   "so it cannot predict the restore", "check it with tfckpt inspect", located)]
    return []


def _roots(model) -> Tuple[str, ...]:
    """The checkpoint's roots; a trainer checkpoint always has ``model`` (read without its object
    graph, its keys show only the checkpoint items, which alias it)."""
    return tuple(model.roots) + (("model",) if model.layout == "trainer" else ())


@emits({"init-layout": RUN_FAILS, "init-mask-head-unused": NOTE, "init-architecture": RUN_FAILS})
def layout(data: ExperimentInput) -> List[Finding]:
    """The checkpoint roots the mode binds, and the architecture under ``all``."""
    target, config = data.init, data.config
    parts = _parts(data)
    if target is None or target.model is None or _resumes(data) or not parts:
        return []
    model, architecture = target.model, config.architecture
    modules = config.init_checkpoint_modules[0]
    needed = restore_plan(architecture, parts)
    missing = [root for root in needed if root not in _roots(model)]
    mode = "init_checkpoint_modules: " + ("all" if parts == (ALL,) else ", ".join(parts))
    if missing:
        kind = "a model-only checkpoint (tf.train.Checkpoint(model=model))" if model.layout == "model-only" else \
            f"a {_label(model.architecture)} checkpoint"
        hint = ("use a checkpoint saved by Model Garden's trainer (ckpt-N in model_dir), which holds them"
                if model.layout == "model-only" else "use a checkpoint of the same architecture, or "
                "init_checkpoint_modules: [backbone, decoder]")
        return [at(data, "init-layout", RUN_FAILS,
                   f"{mode} binds the checkpoint's {', '.join(needed)} for {_label(architecture)}, but "
                   f"{target.prefix} is {kind} without {', '.join(missing)}: task.initialize fails ({NOT_BOUND})",
                   hint, modules)]
    if parts == (ALL,) and model.architecture != architecture:
        if architecture == FASTER_RCNN and model.architecture == MASK_RCNN:
            return [at(data, "init-mask-head-unused", NOTE,
                       "a Mask R-CNN checkpoint into Faster R-CNN under all: everything but the mask head is "
                       "restored (the restore allows unused checkpoint values)", "", modules)]
        detail = " (its mask head has nothing to restore from)" if architecture == MASK_RCNN \
            and model.architecture == FASTER_RCNN else ""
        return [at(data, "init-architecture", RUN_FAILS,
                   f"{mode} restores the whole {_label(architecture)} model from a {_label(model.architecture)} "
                   f"checkpoint{detail}: task.initialize fails ({NOT_BOUND})",
                   "use init_checkpoint_modules: [backbone, decoder], or a checkpoint of the same architecture",
                   modules)]
    return []


@emits({"backbone-unverified": MAY_GO_WRONG, "backbone-mismatch": RUN_FAILS,
        "backbone-depth-mismatch": RUN_FAILS, "decoder-unverified": MAY_GO_WRONG, "decoder-mismatch": RUN_FAILS})
def backbone(data: ExperimentInput) -> List[Finding]:
    """Backbone type and ResNet depth (and decoder type) against the checkpoint's."""
    findings = []
    for target, subject, restores_backbone, _ in _restores(data):
        model, config = target.model, data.config
        wanted_type, wanted_id = config.backbone_type.value, config.model_id.value if config.model_id else None
        if not restores_backbone:
            continue
        if model.backbone in (None, "unknown"):
            findings.append(at(data, "backbone-unverified", MAY_GO_WRONG,
                               f"tfckpt cannot tell the backbone of {target.prefix}, so it cannot check it against "
                               f"{wanted_type}{f'-{wanted_id}' if wanted_id else ''}: {subject} fails if they differ",
                               "compare with the params.yaml the checkpoint was trained with", config.backbone_type))
        elif model.backbone != wanted_type:
            findings.append(at(data, "backbone-mismatch", RUN_FAILS,
                               f"the checkpoint's backbone is {model.backbone}, the config's is {wanted_type}: "
                               f"{subject} restores the backbone, and fails", f"set backbone type: {model.backbone} "
                               "as the checkpoint was trained, or use a checkpoint of this backbone",
                               config.backbone_type))
        elif wanted_id is not None and model.model_id is not None and model.model_id != wanted_id:
            findings.append(at(data, "backbone-depth-mismatch", RUN_FAILS,
                               f"the checkpoint's backbone is ResNet-{model.model_id}, the config's model_id is "
                               f"{wanted_id}: {subject} restores the backbone, and fails ({INCOMPATIBLE})",
                               f"set model_id: {model.model_id}, or use a ResNet-{wanted_id} checkpoint",
                               config.model_id))
    return findings + _decoder(data)


def _decoder(data: ExperimentInput) -> List[Finding]:
    """The decoder type, where the restore takes the decoder (``all``, ``decoder``, a resume)."""
    findings = []
    for target, subject, _, restores_heads in _restores(data):
        if not restores_heads and "decoder" not in _parts(data):
            continue
        wanted, held = data.config.decoder_type.value, target.model.decoder
        if held is None:
            findings.append(at(data, "decoder-unverified", MAY_GO_WRONG,
                               f"tfckpt cannot tell the decoder of {target.prefix}, so it cannot check it against "
                               f"{wanted}: {subject} restores the decoder, and fails if they differ",
                               "compare with the params.yaml the checkpoint was trained with",
                               data.config.decoder_type))
        elif held != wanted:
            error = f" ({INCOMPATIBLE})" if {held, wanted} == {"fpn", "nasfpn"} else ""
            findings.append(at(data, "decoder-mismatch", RUN_FAILS,
                               f"the checkpoint's decoder is {held}, the config's is {wanted}: {subject} restores the "
                               f"decoder, and fails{error}", f"set decoder type: {held}, or leave the decoder out of "
                               "init_checkpoint_modules (init_checkpoint_modules: backbone)", data.config.decoder_type))
    return findings


def _restores(data: ExperimentInput) -> List[Tuple[Checkpoint, str, bool, bool]]:
    """``(checkpoint, subject, restores the backbone, restores the heads)`` for each restore that binds
    a recognised model: the ``model_dir`` resume (everything), else ``init_checkpoint`` when its
    layout fits the mode. None where building the model fails first (an identity decoder, see
    rules_config.identity_decoder)."""
    if identity_decoder_fails(data.config):
        return []
    if _resumes(data):
        latest = data.model_dir.latest
        return [(latest, f"resuming model_dir ({latest.prefix})", True, True)] if latest.model is not None else []
    parts, target = _parts(data), data.init
    if target is None or target.model is None or not parts or layout(data):
        return []
    subject = "init_checkpoint_modules: " + ("all" if parts == (ALL,) else ", ".join(parts))
    return [(target, subject, parts == (ALL,) or "backbone" in parts, parts == (ALL,))]


@emits({"num-classes-mismatch": RUN_FAILS, "heads-start-fresh": NOTE})
def class_count(data: ExperimentInput) -> List[Finding]:
    """Class heads against ``num_classes``: an error when the heads are restored, else info."""
    config = data.config
    wanted = config.num_classes.value
    if not isinstance(wanted, int):
        return []
    findings = []
    for target, subject, _, restores_heads in _restores(data):
        held = target.model.num_classes
        if held is None or held == wanted:
            continue
        if restores_heads:
            hint = (f"use a new model_dir for this class count, or set num_classes back to {held}"
                    if subject.startswith("resuming") else
                    "use init_checkpoint_modules: [backbone, decoder] to keep them and train new heads, or set "
                    f"num_classes: {held}")
            findings.append(at(data, "num-classes-mismatch", RUN_FAILS,
                               f"the checkpoint's heads have {held} classes (background included), num_classes is "
                               f"{wanted}: {subject} restores the heads, and fails ({INCOMPATIBLE}) after most "
                               "variables were already overwritten", hint, config.num_classes))
        else:
            findings.append(at(data, "heads-start-fresh", NOTE,
                               f"the checkpoint's heads have {held} classes, num_classes is {wanted}: {subject} "
                               "restores no head, so the heads start fresh (expected when fine-tuning to new classes)",
                               "", config.num_classes))
    return findings


RULES = (init_checkpoint, layout, backbone, class_count)
