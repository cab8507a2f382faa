"""What can be wrong with a checkpoint on disk, as data the CLI and validators render.

Example:
    >>> p = Problem("missing-data", "run/ckpt-2.data-00000-of-00001", "data file is missing",
    ...             "copy it next to the .index file")
    >>> p.line()
    'run/ckpt-2.data-00000-of-00001: data file is missing; copy it next to the .index file'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One finding: a stable ``code``, the ``file`` it concerns, what is wrong, and the fix."""

    code: str
    file: str
    message: str
    fix: str = ""
    severity: str = "error"  # "error": the checkpoint is not whole; "warning"; "note"

    def line(self) -> str:
        """``file: message; fix`` -- the one line shown to users."""
        text = f"{self.file}: {self.message}"
        return f"{text}; {self.fix}" if self.fix else text

    def to_dict(self) -> dict:
        return asdict(self)
