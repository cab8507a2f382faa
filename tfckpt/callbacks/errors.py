"""Errors raised by the Keras callbacks. Each says what was received and what is allowed."""

from __future__ import annotations

from tfckpt.errors import TfckptError


class CallbackConfigError(TfckptError, ValueError):
    """A callback argument is invalid (raised at construction or at train begin)."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__("", problem, fix)


class MonitorNotFoundError(TfckptError, KeyError):
    """The monitored key is not in the epoch's ``logs``."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__("", problem, fix)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class CheckpointWriteError(TfckptError, OSError):
    """Writing a checkpoint failed (disk full, permission); what was kept is untouched."""
