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
    >>> severity_of(RUN_FAILS), severity_of(NOTHING_RESTORED), severity_of(SILENT_LOSS), severity_of(NOTE)
    ('error', 'error', 'warning', 'info')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Mapping, Optional, Tuple, TypeVar, Union

if TYPE_CHECKING:  # only for annotations: the report keeps what the rules were given
    from tfckpt.validate.inputs import ValidationInput

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES: Tuple[str, ...] = (ERROR, WARNING, INFO)  # worst first

# What a finding predicts: each rule declares the outcomes of the findings it emits, and the
# severity follows from the outcome, never the other way round.
RUN_FAILS = "run fails"            # model build, restore, first save or first step fails
SILENT_LOSS = "silent loss"        # the run goes on without what the user meant, and says nothing
# The checkpoint the config names to start from is not loaded at all and nothing says so: the run
# "succeeds" as training from scratch, which defeats what the config is for, so it counts as a failure.
NOTHING_RESTORED = "nothing restored"
MAY_GO_WRONG = "may go wrong"      # fails or misleads under conditions tfckpt cannot check
NOTE = "note"                      # expected, or only worth knowing
OUTCOMES: Tuple[str, ...] = (RUN_FAILS, NOTHING_RESTORED, SILENT_LOSS, MAY_GO_WRONG, NOTE)
SEVERITY_OF_OUTCOME = {RUN_FAILS: ERROR, NOTHING_RESTORED: ERROR, SILENT_LOSS: WARNING, MAY_GO_WRONG: WARNING,
                       NOTE: INFO}
SCHEMA_VERSION = 1
EXIT_OK, EXIT_ERRORS = 0, 1


@dataclass(frozen=True)
class Finding:
    """One thing ``validate`` found.

    Attributes:
        id: a stable identifier of the kind of finding, e.g. ``"num-classes-mismatch"``.
        severity: ``"error"`` (the run fails: model build, restore, first save or first step),
            ``"warning"`` (silent loss, or what may go wrong) or ``"info"`` (a note).
        message: what is wrong and what would happen, naming the values involved.
        file: the file to change (the config, a label map, a checkpoint file); None when
            no file is concerned.
        line: the 1-based line in ``file``; None when not known or not applicable.
        hint: the fix; ``""`` when there is nothing to do.
        outcome: what the finding predicts (:data:`RUN_FAILS`, :data:`NOTHING_RESTORED`, :data:`SILENT_LOSS`,
            :data:`MAY_GO_WRONG` or :data:`NOTE`); ``severity`` follows from it.
    """

    id: str
    severity: str
    message: str
    file: Optional[str]
    line: Optional[int]
    hint: str = ""
    outcome: Optional[str] = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Finding severity must be one of {', '.join(SEVERITIES)}. "
                             f"Received: severity={self.severity!r}")
        if self.outcome is not None and SEVERITY_OF_OUTCOME.get(self.outcome) != self.severity:
            raise ValueError(f"a finding predicting {self.outcome!r} cannot be {self.severity!r}")

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


def severity_of(outcome: str) -> str:
    """The severity of a finding that predicts ``outcome`` (one of :data:`OUTCOMES`).

    Raises:
        ValueError: ``outcome`` is not one of them.
    """
    if outcome not in SEVERITY_OF_OUTCOME:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}. Received: outcome={outcome!r}")
    return SEVERITY_OF_OUTCOME[outcome]


def predicting(finding_id: str, outcome: str, message: str, file: Optional[str], line: Optional[int],
               hint: str = "") -> Finding:
    """A :class:`Finding` whose severity follows from the ``outcome`` it predicts."""
    return Finding(finding_id, severity_of(outcome), message, file, line, hint, outcome)


RuleT = TypeVar("RuleT", bound=Callable)


def emits(outcomes: Mapping[str, Union[str, Tuple[str, ...]]]) -> Callable[[RuleT], RuleT]:
    """Declare, on a rule, the finding ids it emits and the outcome(s) each predicts.

    An id ending in ``*`` stands for every id with that beginning (codes passed through from the
    checkpoint or label map readers). :func:`tfckpt.validate.registry.run_rules` refuses a finding
    its rule did not declare, so the declaration cannot drift from the code.

    Example:
        >>> @emits({"x-missing": RUN_FAILS})
        ... def rule(data):
        ...     return []
        >>> rule.outcomes
        {'x-missing': frozenset({'run fails'})}
    """
    table: Dict[str, FrozenSet[str]] = {}
    for finding_id, declared in outcomes.items():
        table[finding_id] = frozenset((declared,) if isinstance(declared, str) else declared)
        for outcome in table[finding_id]:
            severity_of(outcome)

    def mark(rule: RuleT) -> RuleT:
        rule.outcomes = table  # type: ignore[attr-defined]
        return rule

    return mark


def declared_outcomes(rule: Callable, finding_id: str) -> FrozenSet[str]:
    """The outcomes ``rule`` declares for ``finding_id`` (exact, else the longest ``*`` pattern);
    empty when it declares none."""
    table: Mapping[str, FrozenSet[str]] = getattr(rule, "outcomes", {})
    if finding_id in table:
        return table[finding_id]
    patterns = [key for key in table if key.endswith("*") and finding_id.startswith(key[:-1])]
    return table[max(patterns, key=len)] if patterns else frozenset()


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
