"""Phrases the rules share, so each thing is named the same way in every message.

Example:
    >>> meta_label("faster_rcnn"), optimizer_kind_of("adam_optimizer")
    ('Faster R-CNN', 'adam')
    >>> quoted_list(["detection", "full"])
    '"detection" or "full"'
"""

from __future__ import annotations

from typing import Optional, Sequence

from tfckpt.checkpoint.summary import CheckpointSummary
from tfckpt.pipeline import Located, PipelineConfig
from tfckpt.validate.findings import Finding, predicting
from tfckpt.validate.inputs import FINE_TUNE, CheckpointTarget

META_LABELS = {"faster_rcnn": "Faster R-CNN", "ssd": "SSD", "center_net": "CenterNet"}
# train_config.optimizer oneof member -> the kind tfckpt.checkpoint.optimizer reads from slots
OPTIMIZER_KINDS = {"momentum_optimizer": "momentum", "adam_optimizer": "adam", "rms_prop_optimizer": "rmsprop"}
NOT_BOUND = "AssertionError: Found ... Python objects that were not bound to checkpointed values"
INCOMPATIBLE = "ValueError: Received incompatible tensor with shape ... when attempting to restore variable"


def is_tf1_feature_extractor(meta_architecture: Optional[str], feature_extractor: Optional[str]) -> bool:
    """True for a Faster R-CNN or SSD type without ``_keras``: a TF1 (slim) one model_main_tf2 cannot build."""
    return meta_architecture in ("faster_rcnn", "ssd") and bool(feature_extractor) \
        and not feature_extractor.endswith("_keras")


def meta_label(meta_architecture: Optional[str]) -> str:
    """``"faster_rcnn"`` -> ``"Faster R-CNN"``; unknown names are returned as they are."""
    return META_LABELS.get(meta_architecture or "", str(meta_architecture))


def with_article(label: str) -> str:
    """``"SSD"`` -> ``"an SSD"`` (read "ess-ess-dee"), ``"Faster R-CNN"`` -> ``"a Faster R-CNN"``."""
    return ("an " if label == "SSD" or label[:1].lower() in "aeiou" else "a ") + label


def optimizer_kind_of(member: Optional[str]) -> Optional[str]:
    """The optimizer kind of a ``train_config.optimizer`` member; None when unknown."""
    return OPTIMIZER_KINDS.get(member or "")


def quoted_list(values: Sequence[str], last: str = "or") -> str:
    """``["a", "b", "c"]`` -> ``'"a", "b" or "c"'``."""
    quoted = [f'"{value}"' for value in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {last} " + quoted[-1]


def roots_of(summary: CheckpointSummary) -> str:
    """The checkpoint's roots, e.g. ``"model, optimizer, save_counter, step"``."""
    return ", ".join(summary.roots) or "nothing"


def first_line(*candidates: Optional[Located]) -> Optional[int]:
    """The line of the first candidate that is written in the file."""
    for located in candidates:
        if located is not None and located.is_set:
            return located.line
    return None


def at(config: PipelineConfig, finding_id: str, outcome: str, message: str, hint: str,
       *located: Optional[Located]) -> Finding:
    """A finding about the config that predicts ``outcome``, at the line of the first of ``located``
    that is written."""
    return predicting(finding_id, outcome, message, config.file, first_line(*located), hint)


def checkpoint_type(config: PipelineConfig) -> str:
    """``fine_tune_checkpoint_type "detection"``, or what an unset type becomes."""
    written = config.fine_tune_checkpoint_type
    if written.value:
        return f'fine_tune_checkpoint_type "{written.value}"'
    member = config.get("train_config.from_detection_checkpoint").value
    return f'fine_tune_checkpoint_type (not set, so "{"detection" if member else "classification"}")'


def restore_subject(config: PipelineConfig, target: CheckpointTarget) -> str:
    """Who restores: the fine-tune's type, or the ``--model-dir`` resume."""
    return checkpoint_type(config) if target.role == FINE_TUNE else "resuming from --model-dir"


def named(target: CheckpointTarget) -> str:
    """The checkpoint as the user named it: ``fine_tune_checkpoint "x"``, or its prefix."""
    if target.role == FINE_TUNE and target.from_config:
        return f'fine_tune_checkpoint "{target.given}"'
    return str(target.prefix or target.given)


def where_to_fix(config: PipelineConfig, target: CheckpointTarget) -> tuple:
    """``(file, line)`` to point at for a problem with the checkpoint itself: the config line
    that names it, else the checkpoint (given on the command line or found in --model-dir)."""
    if target.role == FINE_TUNE and target.from_config:
        return config.file, first_line(target.located)
    return (target.prefix or target.given), None


def plural(count: int, noun: str) -> str:
    """``plural(1, "error")`` -> ``"1 error"``; ``plural(2, "info")`` -> ``"2 info"``."""
    return f"{count} {noun}" + ("s" if count != 1 and noun != "info" else "")
