"""Errors for ``pipeline.config`` and label map files: each names ``file:line:column``.

A :class:`ConfigError` is one line for the user -- where, what is wrong, and the fix -- and carries
a stable ``code`` (``"unknown-field"``, ``"duplicate-field"``, ...) for JSON reports.

Example:
    >>> err = ConfigError("pipeline.config", 3, 5, "unknown field 'num_clases' in model.faster_rcnn",
    ...                   "did you mean 'num_classes'?", code="unknown-field")
    >>> print(err)
    pipeline.config:3:5: unknown field 'num_clases' in model.faster_rcnn; did you mean 'num_classes'?
    >>> isinstance(err, ValueError), err.line, err.code
    (True, 3, 'unknown-field')
"""

from __future__ import annotations

from tfckpt.checkpoint.problems import Problem
from tfckpt.errors import TfckptError


class ConfigError(TfckptError, ValueError):
    """A config or label map file does not parse, or holds a value the OD API would misread.

    Attributes:
        file: the file as given (``"<string>"`` for text parsed from memory).
        line: 1-based line of the problem; 0 when it concerns the whole file.
        column: 1-based column (in characters); 0 when it concerns the whole line or file.
        problem: what is wrong, naming the value received.
        fix: what to do.
        code: a stable identifier of the kind of problem.
    """

    def __init__(self, file: str, line: int, column: int, problem: str, fix: str = "",
                 code: str = "syntax") -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.code = code
        super().__init__(self.location, problem, fix)

    @property
    def location(self) -> str:
        """``file:line:column``, shortened to ``file:line`` or ``file`` when they are unknown."""
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"

    def to_problem(self, severity: str = "error") -> Problem:
        """The same finding as a :class:`~tfckpt.checkpoint.problems.Problem` (for reports)."""
        return Problem(self.code, self.location, self.problem, self.fix, severity)


class FieldPathError(TfckptError, LookupError):
    """A field path such as ``"model.faster_rcnn.num_classes"`` names no field of the schema."""

    exit_code = 2
