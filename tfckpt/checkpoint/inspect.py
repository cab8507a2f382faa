"""``tfckpt inspect`` as a function: discover what is at a path and summarise each checkpoint.

Example:
    >>> report = inspect_path("runs/frcnn")  # doctest: +SKIP
    >>> report.exit_code, report.latest  # doctest: +SKIP
    (0, 'runs/frcnn/ckpt-2')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tfckpt.checkpoint.discover import Discovery, discover
from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.score_record import read_score_record
from tfckpt.checkpoint.summary import CheckpointSummary, summarize_keras_file, summarize_prefix
from tfckpt.errors import CorruptCheckpointError, MissingDependencyError, TfckptError, UnreadablePathError
from tfckpt.io.fs import FileSystem, filesystem_for

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


@dataclass
class InspectionReport:
    """All checkpoints at a path, oldest first, and the folder-level findings."""

    path: str
    discovery: Discovery
    checkpoints: list[CheckpointSummary] = field(default_factory=list)

    @property
    def latest(self) -> str | None:
        return self.discovery.latest

    @property
    def problems(self) -> list[Problem]:
        """Folder-level findings: disagreements between the state file and the disk."""
        return self.discovery.problems

    @property
    def exit_code(self) -> int:
        """3 if something could not be read, 1 if something is incomplete or unusable, else 0."""
        if any(summary.kind is None for summary in self.checkpoints):
            return EXIT_UNREADABLE
        findings = [p for s in self.checkpoints for p in s.problems] + self.problems
        return EXIT_FINDINGS if any(p.severity != "note" for p in findings) else EXIT_OK


def _unreadable(path: str, err: TfckptError) -> CheckpointSummary:
    return CheckpointSummary(path=path, kind=None, problems=[Problem("unreadable", err.path, err.problem, err.fix)])


def _keras_file_prefix(path: str) -> str:
    """``runs/best/best-0003`` for ``runs/best/best-0003.weights.h5`` (and ``.h5``, ``.keras``): where
    the callbacks write the JSON record of a weights-only save."""
    for suffix in (".weights.h5", ".h5", ".keras"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def inspect_path(path: str, deep: bool = False, fs: FileSystem | None = None) -> InspectionReport:
    """Inspect ``path`` (folder, prefix, or Keras file).

    A single checkpoint whose files cannot be read raises; in a folder of several, it is
    reported (``kind`` None) and the others are still inspected.

    Raises:
        CheckpointNotFoundError, CorruptCheckpointError, UnreadablePathError: see :func:`discover`.
    """
    fs = fs or filesystem_for(path)
    found = discover(path, fs)
    report = InspectionReport(path=path, discovery=found)
    single = len(found.prefixes) + len(found.keras_files) == 1
    targets = [(p, summarize_prefix) for p in found.prefixes] + [(k, summarize_keras_file) for k in found.keras_files]
    for target, summarize in targets:
        try:
            report.checkpoints.append(summarize(target, fs, deep))
            report.checkpoints[-1].record = read_score_record(
                target if summarize is summarize_prefix else _keras_file_prefix(target), fs)
        except (CorruptCheckpointError, UnreadablePathError, MissingDependencyError) as err:
            if single:
                raise
            report.checkpoints.append(_unreadable(target, err))
    return report
