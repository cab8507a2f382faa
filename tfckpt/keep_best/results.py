"""The evaluator's results: scalars per step, read from TensorBoard event files as they grow.

Event files are found under ``MODEL_DIR/eval*/`` (any depth: ``eval/``, ``eval/coco/``), under
``default_roots(MODEL_DIR)`` (Model Garden's ``validation/``), or under the folders given. Each
file is read from the byte offset where the last read stopped, and only when its size changed;
offsets and scores are plain data kept in keep-best's state.

Example:
    >>> results = EvalResults(["runs/frcnn/eval"])  # doctest: +SKIP
    >>> results.poll().changed_steps  # doctest: +SKIP
    {1000, 2000}
    >>> results.scores[2000]["scalars"]["DetectionBoxes_Precision/mAP"]  # doctest: +SKIP
    0.412
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from google.protobuf.message import DecodeError

from tfckpt.io.fs import FileSystem, filesystem_for, join
from tfckpt.keep_best.events import read_records
from tfckpt.keep_best.scalars import scalars_of

logger = logging.getLogger(__name__)

EVENT_FILE_MARKER = "tfevents"
_MAX_DEPTH = 4


@dataclass
class EventsPoll:
    """What one poll of the event files found."""

    changed_steps: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    files: int = 0
    read_bytes: int = 0


def default_event_roots(model_dir: str, fs: FileSystem) -> list[str]:
    """``MODEL_DIR/eval*`` folders, where ``model_main_tf2.py`` evaluation writes its summaries."""
    try:
        names = fs.listdir(model_dir)
    except FileNotFoundError:
        return []
    return [join(model_dir, name) for name in names if name.startswith("eval") and fs.isdir(join(model_dir, name))]


def find_event_files(root: str, fs: FileSystem, depth: int = 0) -> list[str]:
    """Every ``*tfevents*`` file under ``root`` (sorted); a missing root has none."""
    try:
        names = fs.listdir(root)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        path = join(root, name)
        if EVENT_FILE_MARKER in name and not fs.isdir(path):
            found.append(path)
        elif depth < _MAX_DEPTH and not name.startswith(".") and fs.isdir(path):
            found.extend(find_event_files(path, fs, depth + 1))
    return sorted(found)


class EvalResults:
    """Scalars by step from event files. ``offsets`` and ``scores`` are saved and restored by
    the caller: ``offsets`` = ``{path: {"offset": n, "size": n}}``, ``scores`` =
    ``{step: {"wall_time": t, "scalars": {tag: value}}}``; both are updated in place.
    Not thread-safe."""

    def __init__(self, roots: list[str] | None = None, *, model_dir: str | None = None,
                 offsets: dict | None = None, scores: dict | None = None,
                 default_roots: Callable[[str, FileSystem], list[str]] = None) -> None:
        if roots is None and model_dir is None:
            raise ValueError("EvalResults needs roots or model_dir")
        self.roots = roots
        self.model_dir = model_dir
        self.fs = filesystem_for(roots[0] if roots else model_dir)
        self.offsets: dict[str, dict] = offsets if offsets is not None else {}
        self.scores: dict[int, dict] = scores if scores is not None else {}
        self.files_seen: list[str] = []
        self.default_roots = default_roots or default_event_roots

    def _roots(self) -> list[str]:
        return list(self.roots) if self.roots is not None else self.default_roots(self.model_dir, self.fs)

    def poll(self) -> EventsPoll:
        """Read what was appended to the event files since the last poll."""
        out = EventsPoll()
        self.files_seen = [path for root in self._roots() for path in find_event_files(root, self.fs)]
        out.files = len(self.files_seen)
        for path in self.files_seen:
            self._poll_file(path, out)
        return out

    def _poll_file(self, path: str, out: EventsPoll) -> None:
        try:
            size = self.fs.size(path)
        except FileNotFoundError:
            return
        known = self.offsets.get(path, {"offset": 0, "size": -1})
        if size == known["size"]:
            return
        offset = known["offset"] if size >= known["offset"] else 0  # a shorter file was rewritten
        try:
            found = read_records(self.fs, path, offset, size)
        except FileNotFoundError:
            return
        out.read_bytes += found.next_offset - offset
        for problem in found.problems:
            out.problems.append(f"{path}: {problem.message}")
        for record in found.records:
            self._add(record, path, out)
        self.offsets[path] = {"offset": found.next_offset, "size": size}

    def _add(self, record: bytes, path: str, out: EventsPoll) -> None:
        try:
            step, wall_time, scalars = scalars_of(record)
        except DecodeError:
            out.problems.append(f"{path}: a record is not a TensorBoard Event, skipped")
            return
        if not scalars:
            return
        entry = self.scores.setdefault(int(step), {"wall_time": wall_time, "scalars": {}})
        entry["wall_time"] = max(entry["wall_time"], wall_time)
        entry["scalars"].update(scalars)
        out.changed_steps.add(int(step))

    def value(self, step: int, metric: str) -> float | None:
        """The metric at ``step``, or None when the evaluator has not written it."""
        entry = self.scores.get(step)
        return None if entry is None else entry["scalars"].get(metric)

    def last_step_with(self, metric: str) -> int | None:
        """The highest step that has ``metric``: the evaluator has moved past every earlier one."""
        steps = [step for step, entry in self.scores.items() if metric in entry["scalars"]]
        return max(steps) if steps else None

    def tags(self) -> list[str]:
        """Every scalar tag seen, for hints when the metric is not among them."""
        return sorted({tag for entry in self.scores.values() for tag in entry["scalars"]})
