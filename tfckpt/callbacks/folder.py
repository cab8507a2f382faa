"""The folder a checkpoint callback owns: what is kept and why (``tfckpt-index.json``), one
JSON sidecar per checkpoint, TensorFlow's ``checkpoint`` state file, pruning, and cleaning up
after a crash.

Order of a save: checkpoint files (temporary, then renamed) -> sidecar -> index -> state file
-> delete what is no longer kept. A crash at any point leaves the previous index naming only
checkpoints that are whole; leftovers are removed by :meth:`CheckpointFolder.clean`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

from tfckpt.checkpoint.state import format_state
from tfckpt.io.atomic import TEMP_MARKER, makedirs, remove, write_bytes_atomic
from tfckpt.io.fs import filesystem_for, join
from tfckpt.errors import CorruptCheckpointError

INDEX_NAME = "tfckpt-index.json"
STATE_NAME = "checkpoint"
SCHEMA_VERSION = 1


@dataclass
class SavedCheckpoint:
    """One checkpoint on disk, as the index lists it."""

    name: str
    format: str
    files: list[str]
    epoch: int
    step: int
    wall_time: float
    value: Optional[float] = None
    reasons: list[str] = field(default_factory=list)


class CheckpointFolder:
    """Bookkeeping for one callback's folder. Not safe for two callbacks in one folder."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.fs = filesystem_for(directory)

    def path(self, name: str) -> str:
        return join(self.directory, name)

    def clean(self, kept: list[SavedCheckpoint]) -> list[str]:
        """Create the folder if needed and delete what a crash left: temporaries; checkpoints
        with a tfckpt sidecar that the index does not keep (a kill between writing a checkpoint
        and committing the index, or between committing and deleting a dropped one); data files
        whose ``.index`` never arrived. Other files are never touched. Returns what was removed."""
        from tfckpt.callbacks.writers import remove_temporary_checkpoint

        makedirs(self.directory)
        kept_names = {record.name for record in kept}
        known = {f for record in kept for f in record.files}
        removed = []
        entries = self.fs.listdir(self.directory)
        for entry in entries:
            if TEMP_MARKER in entry:
                remove_temporary_checkpoint(self.directory, entry)
                removed.append(entry)
            elif entry.endswith(".json") and entry[: -len(".json")] not in kept_names:
                orphan = self._orphan_of_sidecar(entry)
                if orphan is not None:
                    self.delete(orphan)
                    removed.extend(orphan.files + [entry])
        for entry in self.fs.listdir(self.directory) if removed else entries:
            if ".data-" in entry and entry not in known and not self._has_index(entry):
                remove(self.path(entry))
                removed.append(entry)
        return removed

    def _orphan_of_sidecar(self, entry: str) -> Optional[SavedCheckpoint]:
        """The checkpoint a tfckpt sidecar describes, or None if ``entry`` is not one of ours."""
        try:
            body = json.loads(self.fs.read(self.path(entry)))
        except (OSError, ValueError):
            return None
        if not isinstance(body, dict) or "tfckpt_version" not in body or not isinstance(body.get("files"), list):
            return None
        return SavedCheckpoint(name=entry[: -len(".json")], format=str(body.get("format", "")),
                               files=[str(f) for f in body["files"] if "/" not in str(f)],
                               epoch=0, step=0, wall_time=0.0)

    def _has_index(self, entry: str) -> bool:
        return self.fs.exists(self.path(entry.split(".data-")[0] + ".index"))

    def read_index(self) -> Optional[dict]:
        """The saved index, or None when there is none yet."""
        path = self.path(INDEX_NAME)
        try:
            raw = self.fs.read(path)
        except FileNotFoundError:
            return None
        try:
            index = json.loads(raw)
            index["kept"] = [SavedCheckpoint(**item) for item in index["kept"]]
        except (ValueError, KeyError, TypeError) as err:
            raise CorruptCheckpointError(
                path, f"the checkpoint index does not parse ({err})",
                "delete it to start this folder afresh, or pass resume=False and another folder") from None
        return index

    def write_sidecar(self, record: SavedCheckpoint, metadata: dict) -> None:
        body = {"name": record.name, "format": record.format, "files": record.files, "epoch": record.epoch,
                "step": record.step, "wall_time": record.wall_time, **metadata}
        write_bytes_atomic(self.path(record.name + ".json"), _to_json(body))

    def commit(self, kept: list[SavedCheckpoint], state: dict) -> None:
        """Record ``kept`` (oldest first) and the callback's ``state``; point TensorFlow's
        state file at the kept TF-format checkpoints."""
        index = {"schema_version": SCHEMA_VERSION, "updated": time.time(),
                 "kept": [asdict(record) for record in kept], **state}
        write_bytes_atomic(self.path(INDEX_NAME), _to_json(index))
        tf_format = [record for record in kept if record.format == "tf"]
        if tf_format:
            latest = max(tf_format, key=lambda r: (r.step, r.wall_time))
            write_bytes_atomic(self.path(STATE_NAME), format_state(
                latest.name, [r.name for r in tf_format], [r.wall_time for r in tf_format]))
        else:
            remove(self.path(STATE_NAME))

    def delete(self, record: SavedCheckpoint) -> None:
        """Remove a checkpoint that is no longer kept: index file first, so it stops being one."""
        for name in sorted(record.files, key=lambda f: not f.endswith(".index")):
            remove(self.path(name))
        remove(self.path(record.name + ".json"))

    def is_whole(self, record: SavedCheckpoint) -> bool:
        """All of the checkpoint's files are there (and, for TF format, as long as the index says)."""
        if record.format == "tf":
            from tfckpt.checkpoint.index import read_index
            from tfckpt.checkpoint.shards import check_shards

            try:
                return not check_shards(read_index(self.path(record.name), self.fs), self.fs)
            except (OSError, ValueError):
                return False
        return all(self.fs.exists(self.path(name)) for name in record.files)


def _to_json(document: dict) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=False, allow_nan=True) + "\n").encode()
