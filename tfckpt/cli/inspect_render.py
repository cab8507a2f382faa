"""Render an :class:`InspectionReport` as text for people or JSON for programs.

Example:
    >>> print(render_text(inspect_path("runs/frcnn")))  # doctest: +SKIP
    runs/frcnn: 2 checkpoints, latest ckpt-2 (from the checkpoint state file)
"""

from __future__ import annotations

import fnmatch
import json

from tfckpt.checkpoint.inspect import InspectionReport
from tfckpt.checkpoint.summary import KIND_LABELS, TF1, TF2, CheckpointSummary

SCHEMA_VERSION = 1
_META_ARCH_LABELS = {"faster_rcnn": "Faster R-CNN", "ssd": "SSD", "center_net": "CenterNet"}


def format_bytes(count: int) -> str:
    """``1234567`` -> ``'1.2 MB'`` (decimal units, like ``ls -h --si``)."""
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _name(report: InspectionReport, path: str) -> str:
    folder = report.discovery.folder.rstrip("/")
    return path[len(folder) + 1:] if len(report.checkpoints) > 1 and path.startswith(folder + "/") else path


def _variables_of(report: InspectionReport) -> CheckpointSummary | None:
    by_path = {c.path: c for c in report.checkpoints}
    return by_path.get(report.latest) or (report.checkpoints[-1] if report.checkpoints else None)


def _matching(summary: CheckpointSummary, pattern: str):
    return [t for t in summary.tensors if fnmatch.fnmatchcase(t[0], pattern)]


def _headline(report: InspectionReport) -> str:
    count = len(report.checkpoints)
    text = f"{report.path}: {count} checkpoint{'s' if count != 1 else ''}"
    if report.latest and count > 1:
        source = "from the checkpoint state file" if report.discovery.state and report.discovery.state.latest \
            else "the highest-numbered; no state file names one"
        text += f", latest {_name(report, report.latest)} ({source})"
    return text


def _status(summary: CheckpointSummary) -> str:
    if summary.kind is None:
        return "UNREADABLE"
    return "whole" if summary.complete else "INCOMPLETE"


def _checkpoint_lines(report: InspectionReport, summary: CheckpointSummary) -> list[str]:
    head = [_name(report, summary.path), _status(summary)]
    if summary.kind is not None:
        head += [f"step {summary.step if summary.step is not None else '?'}", format_bytes(summary.bytes),
                 KIND_LABELS.get(summary.kind, summary.kind)]
    if summary.path == report.latest and len(report.checkpoints) > 1:
        head.append("[latest]")
    lines = ["  " + "  ".join(head)]
    if summary.kind is not None:
        if not summary.holds_model:
            held = ", ".join(summary.roots) or "nothing"
            lines.append(f"      holds no model, only {held}: restoring it restores no weights "
                         "(model_main_tf2's first save looks like this)")
        else:
            lines.append("      roots: " + ", ".join(f"{root} ({n:,})" for root, n in summary.roots.items()))
        if summary.model is not None:
            model = summary.model
            parts = [_META_ARCH_LABELS.get(model.meta_architecture, str(model.meta_architecture)),
                     model.feature_extractor or "feature extractor not recognised",
                     f"{model.num_classes} classes" if model.num_classes is not None else "class count unknown"]
            lines.append("      model: " + ", ".join(parts))
            lines += [f"      note: {note}" for note in model.notes]
        if summary.model_garden is not None:  # a Model Garden detector says it all, optimizer included
            lines += [f"      {line}" for line in summary.model_garden.describe(summary.optimizer_state_tensors)]
        elif summary.optimizer:
            state = f" ({summary.optimizer_state_tensors:,} state tensors)" if summary.optimizer_state_tensors else ""
            lines.append(f"      optimizer: {summary.optimizer}{state}")
        if summary.record is not None:
            lines.append(f"      record: {summary.record.describe()}")
    for problem in summary.problems:
        marker = "note:" if problem.severity == "note" else "!"
        lines.append(f"      {marker} {problem.line()}")
    return lines


def _footer(report: InspectionReport) -> str:
    bad = [_name(report, c.path) for c in report.checkpoints if not c.complete]
    if not bad:
        return "all whole" if len(report.checkpoints) > 1 else "whole"
    return f"{len(bad)} of {len(report.checkpoints)} not whole: {', '.join(bad)}"


_SHARD_CODES = ("missing-data", "truncated-data")


def deep_check(report: InspectionReport) -> dict:
    """What ``--deep`` verified: tensors read and CRC-32C checked (those in whole data files),
    their bytes, mismatches found, and Keras files read in full."""
    tf = [c for c in report.checkpoints if c.kind in (TF1, TF2)]
    read = [c for c in tf if not any(p.code in _SHARD_CODES for p in c.problems)]
    return {"tensors_checked": sum(len(c.tensors) for c in read), "bytes_checked": sum(c.bytes for c in read),
            "checksum_mismatches": sum(1 for c in tf for p in c.problems if p.code == "checksum-mismatch"),
            "not_read": [c.path for c in tf if c not in read],
            "keras_files_read": sum(1 for c in report.checkpoints if c.kind in ("keras-h5", "keras-archive"))}


def _deep_line(report: InspectionReport) -> str:
    check, said = deep_check(report), []
    if check["tensors_checked"] or not (check["keras_files_read"] or check["not_read"]):
        verdict = "all match" if not check["checksum_mismatches"] else \
            f"{check['checksum_mismatches']} data file(s) with mismatches, above"
        said.append(f"read {check['tensors_checked']:,} tensors ({format_bytes(check['bytes_checked'])}) and checked "
                    f"each one's CRC-32C against the index: {verdict}")
    if check["not_read"]:
        names = ", ".join(_name(report, p) for p in check["not_read"])
        said.append(f"not read: {names} (data files missing or short)")
    if check["keras_files_read"]:
        said.append(f"read every weight of {check['keras_files_read']} Keras file(s)")
    return "deep check: " + "; ".join(said)


def render_text(report: InspectionReport, variables: str | None = None, deep: bool = False) -> str:
    """The human report (for stdout)."""
    lines = [_headline(report)]
    for summary in report.checkpoints:
        lines += _checkpoint_lines(report, summary)
    for problem in report.problems:
        marker = "note:" if problem.severity == "note" else "!"
        lines.append(f"  {marker} {problem.line()}")
    if variables is not None:
        target = _variables_of(report)
        if target is not None:
            matched = _matching(target, variables)
            lines.append(f"{_name(report, target.path)}: {len(matched)} of {len(target.tensors)} tensors "
                         f"match {variables!r}")
            lines += [f"  {name}  {list(shape)}  {dtype}" for name, shape, dtype in matched]
    lines.append(_footer(report))
    if deep:
        lines.append(_deep_line(report))
    return "\n".join(lines) + "\n"


def _model_dict(summary: CheckpointSummary) -> dict | None:
    if summary.model is None:
        return None
    model = summary.model
    return {"meta_architecture": model.meta_architecture, "feature_extractor": model.feature_extractor,
            "num_classes": model.num_classes, "notes": list(model.notes)}


def _checkpoint_dict(summary: CheckpointSummary, variables: str | None, listed: bool) -> dict:
    data = {
        "prefix": summary.path,
        "complete": summary.complete,
        "problems": [p.to_dict() for p in summary.problems],
        "step": summary.step,
        "save_counter": summary.save_counter,
        "kind": summary.kind,
        "bytes": summary.bytes,
        "roots": summary.roots,
        "holds_model": summary.holds_model if summary.kind else None,
        "model": _model_dict(summary),
        "optimizer": summary.optimizer,
        "optimizer_state_tensors": summary.optimizer_state_tensors,
        "record": summary.record.to_dict() if summary.record is not None else None,
        "framework": summary.framework,
        "model_garden": summary.model_garden.to_dict() if summary.model_garden is not None else None,
    }
    if variables is not None and listed:
        data["variables"] = [{"name": n, "shape": list(s), "dtype": d} for n, s, d in _matching(summary, variables)]
    return data


def render_json(report: InspectionReport, variables: str | None = None, deep: bool = False) -> str:
    """One JSON object (schema_version 1) for stdout; ``deep_check`` (see :func:`deep_check`) is
    null unless ``deep``."""
    target = _variables_of(report)
    state = report.discovery.state
    document = {
        "schema_version": SCHEMA_VERSION,
        "path": report.path,
        "latest": report.latest,
        "state_file": state.path if state else None,
        "checkpoints": [_checkpoint_dict(c, variables, c is target) for c in report.checkpoints],
        "problems": [p.to_dict() for p in report.problems],
        "deep_check": deep_check(report) if deep else None,
        "exit_code": report.exit_code,
    }
    return json.dumps(document, indent=2) + "\n"
