"""Errors raised by tfckpt.

Every error names the file it concerns, says what is wrong and what to do. Each class also
derives from the builtin it resembles, so ``except FileNotFoundError`` keeps working.

Example:
    >>> try:
    ...     raise CheckpointNotFoundError("runs/a/ckpt-3", "no checkpoint here", "pass runs/a")
    ... except FileNotFoundError as err:
    ...     print(err)
    runs/a/ckpt-3: no checkpoint here; pass runs/a
"""

from __future__ import annotations

SHOWN_AT_MOST = 60  # characters of a value an error message repeats


def clip(text: str, limit: int = SHOWN_AT_MOST) -> str:
    """``text`` as an error message repeats it: cut to ``limit`` characters, saying how long it is.

    Example:
        >>> clip("1" * 100, 10)
        '1111111111... (100 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class TfckptError(Exception):
    """Base class: ``path``, ``problem`` and ``fix`` make one line for the user."""

    exit_code = 3

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one line shown to the user: ``PATH: problem; fix``."""
        text = f"{self.path}: {self.problem}" if self.path else self.problem
        return f"{text}; {self.fix}" if self.fix else text


class CheckpointNotFoundError(TfckptError, FileNotFoundError):
    """No checkpoint exists at the path given."""


class CorruptCheckpointError(TfckptError, ValueError):
    """A checkpoint file exists but cannot be decoded (bad index, bad state file)."""


class UnreadablePathError(TfckptError, PermissionError):
    """A file or folder exists but cannot be read (permissions, I/O error)."""


class MissingDependencyError(TfckptError, ImportError):
    """An optional package needed for this input is not installed."""


class OutputFolderError(TfckptError, FileExistsError):
    """A folder to write into holds files tfckpt did not make; nothing is overwritten."""

    exit_code = 2


class BadPathError(TfckptError, ValueError):
    """A path that names no readable file or folder: a NUL byte in it, longer than the system
    allows, a loop of symbolic links, or something that is neither a regular file nor a folder
    (a named pipe, a device, a socket), which tfckpt refuses before opening it."""


class FileTooLargeError(TfckptError, ValueError):
    """A file far larger than any file of its kind (a 200 MB ``pipeline.config``)."""
