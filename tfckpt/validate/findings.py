"""What ``tfckpt validate`` reports: findings, and the report that holds them.

Example:
    >>> finding = Finding("checkpoint-version", "error", "fine_tune_checkpoint_version is V1",
    ...                   "pipeline.config", 80, "write fine_tune_checkpoint_version: V2")
    >>> finding.where, finding.to_dict()["line"]
    ('pipeline.config:80', 80)
    >>> Finding("x", "fatal", "...", None, None)
    Traceback (most recent call last):
    ...
    ValueError: Finding severity must be one of error, warning, info. Received: severity='fatal'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Tuple

if TYPE_CHECKING:  # only for annotations: the report keeps what the rules were given
    from tfckpt.validate.inputs import ValidationInput

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES: Tuple[str, ...] = (ERROR, WARNING, INFO)  # worst first
SCHEMA_VERSION = 1
EXIT_OK, EXIT_ERRORS = 0, 1


@dataclass(frozen=True)
class Finding:
    """One thing ``validate`` found.

    Attributes:
        id: a stable identifier of the kind of finding, e.g. ``"num-classes-mismatch"``.
        severity: ``"error"`` (training or the restore would fail, or silently go wrong),
            ``"warning"`` (likely wrong, or could not be verified) or ``"info"``.
        message: what is wrong and what would happen, naming the values involved.
        file: the file to change (the config, a label map, a checkpoint file); None when
            no file is concerned.
        line: the 1-based line in ``file``; None when not known or not applicable.
        hint: the fix; ``""`` when there is nothing to do.
    """

    id: str
    severity: str
    message: str
    file: Optional[str]
    line: Optional[int]
    hint: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Finding severity must be one of {', '.join(SEVERITIES)}. "
                             f"Received: severity={self.severity!r}")

    @property
    def where(self) -> str:
        """``file:line``, ``file``, or ``""``."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict:
        """The JSON object: id, severity, message, file, line, hint."""
        return {"id": self.id, "severity": self.severity, "message": self.message, "file": self.file,
                "line": self.line, "hint": self.hint}


def severity_rank(finding: Finding) -> int:
    """0 for errors, 1 for warnings, 2 for info: a stable sort key."""
    return SEVERITIES.index(finding.severity)


@dataclass(frozen=True)
class ValidationReport:
    """Every finding about one config (and the checkpoints it restores), worst first.

    Attributes:
        config: the config file as given.
        findings: errors, then warnings, then info; in rule order within each.
        input: what the rules were given (the parsed config, checkpoint summaries, ...).
    """

    config: str
    findings: Tuple[Finding, ...]
    input: "ValidationInput" = field(repr=False, compare=False)

    def of_severity(self, severity: str) -> Tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == severity)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and info allowed)."""
        return not self.of_severity(ERROR)

    @property
    def exit_code(self) -> int:
        """0 without errors, 1 with."""
        return EXIT_OK if self.ok else EXIT_ERRORS

    def to_dict(self) -> dict:
        """The ``--json`` document (schema version 1)."""
        return {"schema_version": SCHEMA_VERSION, "ok": self.ok,
                "findings": [finding.to_dict() for finding in self.findings]}
