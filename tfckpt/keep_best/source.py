"""The trainer's side: which checkpoints are in MODEL_DIR, are they whole yet, and which
training step each holds (the evaluator labels its results with that step, not with N).

Only ``.index`` files and sizes are read, plus the few bytes of the ``step`` variable.

Example:
    >>> seen = examine("runs/frcnn", "ckpt-3")  # doctest: +SKIP
    >>> seen.status, seen.step, seen.files  # doctest: +SKIP
    ('whole', 2000, ['ckpt-3.data-00000-of-00001', 'ckpt-3.index'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tfckpt.checkpoint.index import read_index
from tfckpt.checkpoint.shards import ChecksumMismatch, check_shards, read_scalar
from tfckpt.errors import CheckpointNotFoundError, CorruptCheckpointError
from tfckpt.io.atomic import TEMP_MARKER
from tfckpt.io.fs import FileSystem, join

# where the training step lives: the OD API's tf.train.Checkpoint(step=...) first
STEP_KEYS = (
    "step/.ATTRIBUTES/VARIABLE_VALUE",
    "global_step/.ATTRIBUTES/VARIABLE_VALUE",
    "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
    "optimizer/iterations/.ATTRIBUTES/VARIABLE_VALUE",
)
_NUMBER = re.compile(r"-(\d+)$")

WHOLE, INCOMPLETE, DAMAGED, GONE = "whole", "incomplete", "damaged", "gone"


@dataclass
class Examined:
    """One checkpoint of MODEL_DIR as it is now. ``files``: data shards first, index last."""

    name: str
    status: str
    step: int | None = None
    step_source: str = ""
    files: list[str] = field(default_factory=list)
    detail: str = ""


def list_checkpoint_names(model_dir: str, fs: FileSystem) -> list[str]:
    """``ckpt-N`` names with a ``.index`` file in ``model_dir`` (not subfolders), oldest first.

    Raises:
        FileNotFoundError: ``model_dir`` does not exist.
    """
    names = fs.listdir(model_dir)
    found = [n[: -len(".index")] for n in names if n.endswith(".index") and TEMP_MARKER not in n]
    return sorted(found, key=checkpoint_number)


def checkpoint_number(name: str) -> int:
    """N of ``ckpt-N`` (-1 for a name without one), for ordering and as the step of last resort."""
    match = _NUMBER.search(name)
    return int(match.group(1)) if match else -1


def _step(index, name: str, fs: FileSystem) -> tuple[int | None, str]:
    for key in STEP_KEYS:
        value = read_scalar(index, key, fs)
        if value is not None and not isinstance(value, float):
            return int(value), key.split("/.ATTRIBUTES")[0]
    number = checkpoint_number(name)
    return (number, "name") if number >= 0 else (None, "")


def examine(model_dir: str, name: str, fs: FileSystem) -> Examined:
    """Is ``model_dir/name`` whole (index and every shard, long enough), and what step is it?"""
    prefix = join(model_dir, name)
    try:
        index = read_index(prefix, fs)
    except CheckpointNotFoundError:
        return Examined(name, GONE)
    except CorruptCheckpointError as err:
        return Examined(name, INCOMPLETE, detail=err.problem)
    except FileNotFoundError:
        return Examined(name, GONE)
    files = [f"{name}.data-{shard:05d}-of-{index.num_shards:05d}" for shard in range(index.num_shards)]
    files.append(f"{name}.index")
    try:
        problems = check_shards(index, fs)
    except FileNotFoundError:
        return Examined(name, GONE)
    if problems:
        return Examined(name, INCOMPLETE, files=files, detail=problems[0].message)
    try:
        step, source = _step(index, name, fs)
    except ChecksumMismatch as err:
        return Examined(name, DAMAGED, files=files, detail=f"the bytes of {err} do not match their checksum")
    return Examined(name, WHOLE, step=step, step_source=source, files=files)
