"""The ``checkpoint`` state file that ``tf.train.CheckpointManager`` keeps beside its saves.

A state file that does not parse is an error naming its line -- never "no checkpoints".

Example:
    >>> state = parse_state('model_checkpoint_path: "ckpt-2"\\n', "run/checkpoint")
    >>> state.latest
    'ckpt-2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.protobuf import text_format

from tfckpt.checkpoint.protos import CheckpointState
from tfckpt.errors import CorruptCheckpointError, clip

STATE_FILE_NAME = "checkpoint"
_LOCATION_AND_LINE_TEXT = re.compile(r"^\d+:\d+ ?: (?:'[^\n]*?': )?")
_FIX = ("fix or delete the file: TensorFlow rewrites it at the next save, "
        "and tfckpt inspect lists the checkpoints on disk without it")


@dataclass(frozen=True)
class StateFile:
    """What the state file says: ``latest`` and ``listed``, as written (relative or absolute)."""

    path: str
    latest: str
    listed: tuple[str, ...]
    timestamps: tuple[float, ...]


def parse_state(text: str | bytes, path: str) -> StateFile:
    """Parse the text-format ``CheckpointState`` in ``text`` (the contents of ``path``).

    Raises:
        CorruptCheckpointError: with ``path:line:column`` of the first error.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        message = text_format.Parse(text, CheckpointState())
    except text_format.ParseError as err:
        where = f"{path}:{err.GetLine()}:{err.GetColumn()}" if err.GetLine() else path
        detail = clip(" ".join(_LOCATION_AND_LINE_TEXT.sub("", str(err)).split()), 200)
        raise CorruptCheckpointError(where, f"checkpoint state file does not parse: {detail}", _FIX) from None
    except UnicodeDecodeError:
        raise CorruptCheckpointError(path, "checkpoint state file is not text (invalid UTF-8)", _FIX) from None
    paths = (message.model_checkpoint_path, *message.all_model_checkpoint_paths)
    if any("\0" in listed for listed in paths):
        line = _line_with_nul(text)
        raise CorruptCheckpointError(f"{path}:{line}" if line else path, "checkpoint state file lists a path with a "
                                     "NUL byte (\\000), which no file name can hold", _FIX)
    return StateFile(
        path=path,
        latest=message.model_checkpoint_path,
        listed=tuple(message.all_model_checkpoint_paths),
        timestamps=tuple(message.all_model_checkpoint_timestamps),
    )


def _line_with_nul(text: str) -> int:
    """The first line whose path, once parsed, holds a NUL byte (0 when it spans lines)."""
    for number, line in enumerate(text.split("\n"), 1):
        try:
            message = text_format.Parse(line, CheckpointState())
        except text_format.ParseError:
            continue
        if any("\0" in listed for listed in (message.model_checkpoint_path, *message.all_model_checkpoint_paths)):
            return number
    return 0


def format_state(latest: str, listed: list[str], timestamps: list[float]) -> bytes:
    """The text of a state file naming ``latest`` and ``listed`` (with their save times), as
    ``tf.train.CheckpointManager`` writes it; the caller writes it atomically.

    Example:
        >>> format_state("ckpt-2", ["ckpt-1", "ckpt-2"], [1.0, 2.0]).decode().splitlines()[0]
        'model_checkpoint_path: "ckpt-2"'
    """
    message = CheckpointState(model_checkpoint_path=latest, all_model_checkpoint_paths=listed,
                              all_model_checkpoint_timestamps=timestamps, last_preserved_timestamp=min(timestamps))
    return text_format.MessageToString(message).encode()
