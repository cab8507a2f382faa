"""What one checkpoint is and holds: kind, wholeness, step, size, roots, model and optimizer.

Example:
    >>> summary = summarize_prefix("runs/frcnn/ckpt-2")  # doctest: +SKIP
    >>> summary.model.feature_extractor, summary.optimizer  # doctest: +SKIP
    ('faster_rcnn_inception_resnet_v2_keras', 'momentum')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, CheckpointIndex, read_index
from tfckpt.checkpoint.keras_file import read_keras_file
from tfckpt.checkpoint.object_graph import RootGraph, read_object_graph
from tfckpt.checkpoint.optimizer import SLOT_MARKER, optimizer_kind, state_tensor_count
from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.score_record import ScoreRecord
from tfckpt.checkpoint.shards import ChecksumMismatch, check_shards, data_bytes, read_scalar, verify_checksums
from tfckpt.io.fs import FileSystem, filesystem_for
from tfckpt.frameworks import identify_framework
from tfckpt.odapi.architecture import ModelSummary, describe_model

TF2 = "tf2-object-based"
TF1 = "tf1-name-based"
KIND_LABELS = {
    TF2: "TF2 object-based", TF1: "TF1 name-based", "keras-h5": "Keras HDF5", "keras-archive": "Keras archive",
}
_BOOKKEEPING_ROOTS = {"step", "epoch", "save_counter", "optimizer", "global_step", OBJECT_GRAPH_KEY}
_STEP_KEYS = (
    "step/.ATTRIBUTES/VARIABLE_VALUE",
    "global_step/.ATTRIBUTES/VARIABLE_VALUE",  # Model Garden's trainer (Orbit)
    "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
    "optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
    "optimizer/iterations/.ATTRIBUTES/VARIABLE_VALUE",
    "global_step",
)
# Keras 3 files a model's trainable weights here (the shortest path to them from the root)
_KERAS3_MODEL_WEIGHTS = "optimizer/_trainable_variables/"
_SAVE_COUNTER_KEY = "save_counter/.ATTRIBUTES/VARIABLE_VALUE"
_DAMAGED_FIX = "the data file is damaged; copy it again, or use an earlier checkpoint"


@dataclass
class CheckpointSummary:
    """Everything ``tfckpt inspect`` says about one checkpoint."""

    path: str
    kind: str | None
    problems: list[Problem] = field(default_factory=list)
    step: int | None = None
    save_counter: int | None = None
    bytes: int = 0
    roots: dict[str, int] = field(default_factory=dict)
    model: ModelSummary | None = None
    optimizer: str | None = None
    optimizer_state_tensors: int = 0
    tensors: list[tuple[str, tuple[int, ...], str]] = field(default_factory=list)
    record: ScoreRecord | None = None  # tfckpt's PREFIX.json beside it, if any
    object_graph: RootGraph | None = None  # roots and aliases, when the data file is readable
    framework: str | None = None  # see tfckpt.frameworks
    model_garden: Any = None  # a tfckpt.modelgarden.recognise.ModelGardenCheckpoint, for Model Garden

    @property
    def complete(self) -> bool:
        """Every byte the index promises is there (and, after a deep check, intact)."""
        return self.kind is not None and not any(p.severity == "error" for p in self.problems)

    @property
    def holds_model(self) -> bool:
        """False for saves with only bookkeeping (``step``, ``save_counter``, optimizer state)."""
        return any(root not in _BOOKKEEPING_ROOTS for root in self.roots)


def _root_of(name: str) -> str:
    """The first path component; Keras 3's model weights filed under the optimizer count as model."""
    return "model" if name.startswith(_KERAS3_MODEL_WEIGHTS) else name.split("/", 1)[0]


def _roots(names) -> dict[str, int]:
    counts = Counter(_root_of(name) for name in names if name != OBJECT_GRAPH_KEY and SLOT_MARKER not in name)
    return dict(sorted(counts.items()))


def _first_scalar(index: CheckpointIndex, keys, fs: FileSystem, problems: list[Problem]) -> int | None:
    """The first of ``keys`` that reads; a damaged one becomes a problem, never a value."""
    for key in keys:
        if key in index.entries:
            try:
                value = read_scalar(index, key, fs)
            except ChecksumMismatch:
                problems.append(Problem(
                    "checksum-mismatch", index.data_path(index.entries[key].shard_id),
                    f"{key} does not match its checksum", _DAMAGED_FIX))
                continue
            if value is not None:
                return int(value)
    return None


def _tf1_problem(prefix: str) -> Problem:
    return Problem(
        "tf1-checkpoint", prefix + ".index",
        "TF1 name-based checkpoint (no object graph): tf.train.Checkpoint and model_main_tf2 cannot restore it",
        "use a TF2 checkpoint (for the Object Detection API, one from the TF2 model zoo), "
        "or load it by name with tf.compat.v1.train.Saver", severity="warning")


def summarize_index(index: CheckpointIndex, fs: FileSystem | None = None, deep: bool = False) -> CheckpointSummary:
    """Summarise an already-read index; reads the data shards only for sizes and small values."""
    fs = fs or filesystem_for(index.prefix)
    kind = TF2 if index.is_object_based else TF1
    problems = check_shards(index, fs)
    if deep:
        problems += verify_checksums(index, fs)
    if kind == TF1:
        problems.append(_tf1_problem(index.prefix))
    scalar_problems: list[Problem] = [] if deep else problems  # --deep already reports every mismatch
    shapes = {name: entry.shape for name, entry in index.entries.items()}
    summary = CheckpointSummary(
        path=index.prefix,
        kind=kind,
        problems=problems,
        step=_first_scalar(index, _STEP_KEYS, fs, scalar_problems),
        save_counter=_first_scalar(index, (_SAVE_COUNTER_KEY,), fs, scalar_problems),
        bytes=data_bytes(index, fs),
        roots=_roots(index.entries),
        model=describe_model(shapes) if kind == TF2 else None,
        optimizer=optimizer_kind(index, fs),
        optimizer_state_tensors=state_tensor_count(index.entries),
        tensors=[(e.name, e.shape, e.dtype_name) for e in index.entries.values()],
        object_graph=read_object_graph(index, fs) if kind == TF2 else None,
    )
    identify_framework(summary)
    return summary


def summarize_prefix(prefix: str, fs: FileSystem | None = None, deep: bool = False) -> CheckpointSummary:
    """Read and summarise the TF checkpoint at ``prefix`` (raises if its index is unreadable)."""
    fs = fs or filesystem_for(prefix)
    return summarize_index(read_index(prefix, fs), fs, deep)


def summarize_keras_file(path: str, fs: FileSystem | None = None, deep: bool = False) -> CheckpointSummary:
    """Summarise a ``.weights.h5`` / ``.h5`` / ``.keras`` file (raises if it does not open)."""
    fs = fs or filesystem_for(path)
    contents = read_keras_file(path, fs, deep)
    return CheckpointSummary(
        path=path,
        kind=contents.kind,
        problems=contents.problems,
        step=contents.step,
        bytes=fs.size(path),
        roots=_roots(name for name, _, _ in contents.variables),
        optimizer=contents.optimizer,
        tensors=contents.variables,
    )
