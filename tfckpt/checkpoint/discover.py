"""Find the checkpoints a path refers to: a folder, a prefix, or a Keras weights file.

The ``checkpoint`` state file and the files on disk are both read, and where they disagree
(a listed checkpoint that is gone, one on disk that is not listed, a folder that was moved)
each disagreement becomes a :class:`Problem`.

Example:
    >>> found = discover("runs/frcnn")  # doctest: +SKIP
    >>> found.latest  # doctest: +SKIP
    'runs/frcnn/ckpt-2'
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field

from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.state import STATE_FILE_NAME, StateFile, parse_state
from tfckpt.errors import BadPathError, CheckpointNotFoundError, CorruptCheckpointError
from tfckpt.io.atomic import TEMP_MARKER
from tfckpt.io.fs import FileSystem, filesystem_for, has_scheme, join

KERAS_SUFFIXES = (".weights.h5", ".keras", ".h5", ".hdf5")
_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")
_TRAILING_NUMBER = re.compile(r"(\d+)$")
MAX_STATE_BYTES = 1 << 20  # a state file listing 10,000 checkpoints is about 1 MB
_STATE_FIX = "fix or delete it: TensorFlow writes it again at the next save"


@dataclass
class Discovery:
    """What is at a path: checkpoint prefixes (oldest first), Keras files, the state file."""

    folder: str
    prefixes: list[str] = field(default_factory=list)
    keras_files: list[str] = field(default_factory=list)
    state: StateFile | None = None
    latest: str | None = None
    problems: list[Problem] = field(default_factory=list)


def _natural_key(prefix: str) -> tuple:
    match = _TRAILING_NUMBER.search(prefix)
    return (prefix[: match.start()], int(match.group(1))) if match else (prefix, -1)


def _basename(path: str) -> str:
    return posixpath.basename(path) if has_scheme(path) else os.path.basename(path)


def _dirname(path: str) -> str:
    return posixpath.dirname(path) if has_scheme(path) else os.path.dirname(path) or "."


def strip_checkpoint_suffix(path: str) -> str:
    """``ckpt-2.index`` or ``ckpt-2.data-00000-of-00001`` -> ``ckpt-2``; other paths unchanged."""
    if path.endswith(".index"):
        return path[: -len(".index")]
    return _DATA_SUFFIX.sub("", path)


def _listing(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


def _describe_contents(names: list[str], folder: str, fs: FileSystem) -> str:
    if not names:
        return "the folder is empty"
    subfolders = [name for name in names if fs.isdir(join(folder, name))]
    files = [name for name in names if name not in subfolders]
    parts = []
    if files:
        parts.append(f"{len(files)} file(s): {_listing(files)}")
    if subfolders:
        parts.append(f"subfolders: {_listing([name + '/' for name in subfolders])}")
    return "found " + "; ".join(parts)


def _hint_for_folder(names: list[str], folder: str, fs: FileSystem) -> str:
    """Point at the model-zoo ``checkpoint/`` subfolder or a SavedModel's ``variables/``."""
    for sub in ("checkpoint", "checkpoints", "ckpt", "train"):
        candidate = join(folder, sub)
        if sub in names and fs.isdir(candidate) and any(n.endswith(".index") for n in fs.listdir(candidate)):
            return f"checkpoints are in its subfolder {sub}/: pass {candidate}"
    if "saved_model.pb" in names:
        return f"this is a SavedModel; its weights are the checkpoint {join(folder, 'variables/variables')}"
    return "pass the folder that holds ckpt-N.index files, or a prefix such as DIR/ckpt-N"


def _resolve_listed(listed: str, folder: str, fs: FileSystem, on_disk: set[str], problems: list[Problem],
                    state_path: str) -> str | None:
    """Map a path written in the state file to a prefix on disk, reporting mismatches."""
    path = listed if (os.path.isabs(listed) or has_scheme(listed)) else join(folder, listed)
    try:
        if path in on_disk or fs.exists(path + ".index"):
            return path
    except BadPathError as err:
        raise CorruptCheckpointError(state_path, f"lists a path no checkpoint can have: {err.problem}",
                                     _STATE_FIX) from None
    local = join(folder, _basename(listed))
    if local in on_disk:
        problems.append(Problem(
            "state-moved", state_path,
            f"lists {listed}, which does not exist; the checkpoint of that name is here",
            "the folder was moved or copied; tf.train.latest_checkpoint will fail until the "
            "state file uses relative paths (save once more, or edit the file)", severity="warning"))
        return local
    problems.append(Problem(
        "state-lists-missing", state_path, f"lists {listed}, but {path}.index does not exist",
        "it was deleted or not copied; copy it back, or remove it from the state file", severity="warning"))
    return None


def _read_state(state_path: str, fs: FileSystem, beside_checkpoints: bool) -> StateFile | None:
    """The state file, or None for a model-zoo download's ``checkpoint/`` subfolder (no
    checkpoints beside it). A folder of that name beside checkpoints is an error: TensorFlow
    cannot write its state file there, and ``tf.train.latest_checkpoint`` finds nothing."""
    if fs.isdir(state_path):
        if not beside_checkpoints:
            return None
        raise CorruptCheckpointError(state_path, "is a folder where TensorFlow keeps its `checkpoint` state file, "
                                     "so tf.train.latest_checkpoint finds nothing and the next save fails",
                                     "rename or move the folder; the state file is written again at the next save")
    if fs.size(state_path) > MAX_STATE_BYTES:
        raise CorruptCheckpointError(state_path, f"is {fs.size(state_path):,} bytes, far more than a checkpoint "
                                     f"state file (at most {MAX_STATE_BYTES:,} bytes here)", _STATE_FIX)
    return parse_state(fs.read(state_path), state_path)


def _discover_folder(folder: str, fs: FileSystem) -> Discovery:
    names = fs.listdir(folder)
    found = Discovery(folder=folder)
    leftovers = [n for n in names if TEMP_MARKER in n]
    if leftovers:
        found.problems.append(Problem(
            "interrupted-save", join(folder, leftovers[0]),
            f"{len(leftovers)} temporary file(s) of an interrupted save (not a checkpoint)",
            "tfckpt's callbacks delete them when training starts again; deleting them by hand is safe",
            severity="note"))
        names = [n for n in names if TEMP_MARKER not in n]
    on_disk = [join(folder, n[: -len(".index")]) for n in names if n.endswith(".index")]
    found.keras_files = [join(folder, n) for n in names if n.endswith(KERAS_SUFFIXES)]
    state_path = join(folder, STATE_FILE_NAME)
    if STATE_FILE_NAME in names:
        found.state = _read_state(state_path, fs, bool(on_disk))
    if not on_disk and not found.keras_files:
        contents = _describe_contents(names, folder, fs)
        raise CheckpointNotFoundError(folder, f"no checkpoint here ({contents})", _hint_for_folder(names, folder, fs))
    disk_set = set(on_disk)
    listed_prefixes: list[str] = []
    if found.state is not None:
        for listed in dict.fromkeys(found.state.listed + ((found.state.latest,) if found.state.latest else ())):
            prefix = _resolve_listed(listed, folder, fs, disk_set, found.problems, state_path)
            if prefix is not None and prefix not in listed_prefixes:
                listed_prefixes.append(prefix)
        latest = found.state.latest
        if latest:
            found.latest = _resolve_listed(latest, folder, fs, disk_set, [], state_path)
        for prefix in sorted(disk_set - set(listed_prefixes), key=_natural_key):
            found.problems.append(Problem(
                "not-in-state", prefix, "on disk but not listed in the checkpoint state file",
                "tf.train.latest_checkpoint and CheckpointManager will not see it", severity="note"))
    found.prefixes = sorted(set(listed_prefixes) | disk_set, key=_natural_key)
    if found.latest is None and found.prefixes:
        found.latest = found.prefixes[-1]
    return found


def discover(path: str, fs: FileSystem | None = None) -> Discovery:
    """Find what ``path`` (folder, prefix, ``.index``/``.data`` file or Keras file) refers to.

    Raises:
        CheckpointNotFoundError: nothing that looks like a checkpoint is there; the message
            says what *is* there.
        CorruptCheckpointError: the state file does not parse.
        UnreadablePathError: the folder or a file cannot be read.
    """
    fs = fs or filesystem_for(path)
    path = path.rstrip("/") if len(path) > 1 and not path.endswith("://") else path
    if fs.isdir(path):
        return _discover_folder(path, fs)
    if path.endswith(KERAS_SUFFIXES) and fs.exists(path):
        return Discovery(folder=_dirname(path), keras_files=[path], latest=None)
    prefix = strip_checkpoint_suffix(path)
    if fs.exists(prefix + ".index"):
        return Discovery(folder=_dirname(prefix), prefixes=[prefix], latest=prefix)
    raise _not_found(prefix, fs)


CONFIG_SUFFIXES = (".config", ".yaml", ".yml", ".pbtxt")  # pipeline.config, experiment YAML, label map


def _not_found(prefix: str, fs: FileSystem) -> CheckpointNotFoundError:
    """The most helpful 'not found': nearby checkpoints, or a V1/partial copy, or a plain miss."""
    folder = _dirname(prefix)
    nearby = []
    if fs.isdir(folder):
        nearby = sorted((n[:-6] for n in fs.listdir(folder) if n.endswith(".index")), key=_natural_key)
    if nearby:
        return CheckpointNotFoundError(
            prefix, f"no checkpoint with this prefix (no {_basename(prefix)}.index)",
            f"checkpoints in {folder}: {', '.join(nearby[-5:])}; pass one of them")
    for sub in ("checkpoint", "checkpoints"):  # a model-zoo download keeps its checkpoint one level down
        inside = join(join(folder, sub), _basename(prefix))
        if fs.isdir(join(folder, sub)) and fs.exists(inside + ".index"):
            return CheckpointNotFoundError(prefix, f"no checkpoint with this prefix (no {_basename(prefix)}.index)",
                                           f"it is in the subfolder {sub}/: pass {inside}")
    if prefix.lower().endswith(CONFIG_SUFFIXES) and fs.exists(prefix):
        return CheckpointNotFoundError(prefix, "is a config file, not a checkpoint",
                                       f"check a config with tfckpt validate {prefix}")
    if fs.exists(prefix + ".meta") or fs.exists(prefix):
        return CheckpointNotFoundError(
            prefix, "no .index file beside it (an old V1 checkpoint or a partial copy?)",
            "tfckpt reads V2 checkpoints: PREFIX.index with PREFIX.data-*; copy the .index file too")
    return CheckpointNotFoundError(prefix, "no such file or folder", "check the path")
