"""Render a :class:`~tfckpt.validate.ValidationReport` for people (stderr) or programs (JSON).

Example:
    >>> print(render_text(validate("finetune.config")), end="")  # doctest: +SKIP
    finetune.config: Faster R-CNN, faster_rcnn_inception_resnet_v2_keras, 3 classes
      fine-tune from ckpts/frcnn/ckpt-1 (detection): step 0, holds no model (only save_counter, step)
    ...
"""

from __future__ import annotations

import json
import os
from typing import List, Optional

from tfckpt.checkpoint.summary import TF1, CheckpointSummary
from tfckpt.validate.findings import ERROR, INFO, WARNING, Finding, ValidationReport
from tfckpt.validate.inputs import CheckpointTarget, ModelDir, ValidationInput
from tfckpt.validate.wording import meta_label, plural

_HEADINGS = {ERROR: "errors", WARNING: "warnings", INFO: "info"}
_COLOURS = {ERROR: "\033[1;31m", WARNING: "\033[1;33m", INFO: "\033[1;36m", "fix": "\033[32m"}
_RESET = "\033[0m"


def use_colour(stream) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_COLOURS[style]}{text}{_RESET}" if colour else text


def _model_line(data: ValidationInput) -> str:
    config = data.config
    parts = [meta_label(config.meta_architecture.value) if config.meta_architecture.value else "no model block"]
    if config.feature_extractor_type is not None and config.feature_extractor_type.value:
        parts.append(config.feature_extractor_type.value)
    if config.num_classes is not None:
        count = config.num_classes.value
        parts.append(f"{count} class" + ("" if count == 1 else "es"))
    return f"{config.file}: " + ", ".join(parts)


def describe_summary(summary: CheckpointSummary) -> str:
    """What a checkpoint holds, in a few words: ``step 100, Faster R-CNN, ..., 90 classes``."""
    parts = [f"step {summary.step}" if summary.step is not None else "step unknown"]
    if summary.kind == TF1:
        parts.append("TF1 name-based")
    elif not summary.holds_model:
        parts.append(f"holds no model (only {', '.join(summary.roots) or 'nothing'})")
    elif summary.model is not None:
        model = summary.model
        parts += [meta_label(model.meta_architecture), model.feature_extractor or "feature extractor not recognised",
                  f"{model.num_classes} classes" if model.num_classes is not None else "class count unknown"]
    else:
        parts.append("roots: " + ", ".join(summary.roots))
    if summary.optimizer:
        parts.append(f"{summary.optimizer} optimizer state")
    if not summary.complete:
        parts.append("INCOMPLETE")
    return ", ".join(parts)


def _checkpoint_line(label: str, target: CheckpointTarget) -> str:
    if target.not_checked:
        return f"  {label} {target.given}: not checked"
    if target.summary is None:
        return f"  {label} {target.given}: not found"
    return f"  {label} {target.prefix}: {describe_summary(target.summary)}"


def _model_dir_line(model_dir: ModelDir) -> str:
    if model_dir.checkpoint is not None:
        return _checkpoint_line("resume (--model-dir) from", model_dir.checkpoint)
    return f"  resume (--model-dir) from {model_dir.path}: {model_dir.state.replace('-', ' ')}"


def _header(data: ValidationInput) -> List[str]:
    lines = [_model_line(data)]
    kind = data.config.fine_tune_checkpoint_type.value or "type not set"
    written = data.config.fine_tune_checkpoint.value
    if data.fine_tune is not None:
        lines.append(_checkpoint_line(f"fine-tune ({kind}) from", data.fine_tune))
    elif data.config_only and written:
        lines.append(f"  fine-tune ({kind}) from {written}: set, not read (--config-only reads only the config)")
    else:
        lines.append("  no fine_tune_checkpoint: the model starts from scratch")
    if data.model_dir is not None:
        lines.append(_model_dir_line(data.model_dir))
    return lines


def _finding_lines(finding: Finding, colour: bool) -> List[str]:
    where = f"{finding.where}: " if finding.where else ""
    lines = [f"  {where}{finding.message} [{finding.id}]"]
    if finding.hint:
        lines.append(f"    {_paint('fix:', 'fix', colour)} {finding.hint}")
    return lines


def _footer(report: ValidationReport) -> str:
    counts = [plural(len(report.of_severity(ERROR)), "error"), plural(len(report.of_severity(WARNING)), "warning"),
              plural(len(report.of_severity(INFO)), "info")]
    verdict = "fix the errors before training" if not report.ok else "no errors"
    return f"{', '.join(counts)}: {verdict}"


def _header_of(data) -> List[str]:
    header_lines = getattr(data, "header_lines", None)  # a framework's own input (Model Garden) says its header
    return header_lines() if header_lines is not None else _header(data)


def render_text(report: ValidationReport, colour: bool = False) -> str:
    """The report for people: what was checked, findings grouped by severity, and a count."""
    lines = _header_of(report.input)
    for severity in (ERROR, WARNING, INFO):
        found = report.of_severity(severity)
        if found:
            lines += ["", _paint(f"{_HEADINGS[severity]}:", severity, colour)]
            for finding in found:
                lines += _finding_lines(finding, colour)
    lines += ["", _footer(report)]
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport, indent: Optional[int] = 2) -> str:
    """``{"schema_version": 1, "ok": ..., "findings": [...]}`` and a newline."""
    return json.dumps(report.to_dict(), indent=indent) + "\n"
