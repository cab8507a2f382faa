"""Read a checkpoint's ``PREFIX.index`` without TensorFlow: every tensor's name, dtype, shape
and where its bytes are.

Example:
    >>> index = read_index("runs/frcnn/ckpt-2")  # doctest: +SKIP
    >>> index.entries["step/.ATTRIBUTES/VARIABLE_VALUE"].shape  # doctest: +SKIP
    ()
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError

from tfckpt.checkpoint.dtypes import dtype_name
from tfckpt.checkpoint.protos import BIG_ENDIAN, BundleEntryProto, BundleHeaderProto
from tfckpt.checkpoint.table import read_table
from tfckpt.errors import CheckpointNotFoundError, CorruptCheckpointError
from tfckpt.io.fs import FileSystem, filesystem_for

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_FIX = "the .index file is damaged: copy it again from where it was saved, or use another checkpoint"


@dataclass(frozen=True)
class TensorEntry:
    """Where one saved tensor lives. ``sliced`` tensors (partitioned variables) keep their
    bytes in per-slice entries, so their own ``size`` is 0."""

    name: str
    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int
    sliced: bool = False

    @property
    def dtype_name(self) -> str:
        return dtype_name(self.dtype)


@dataclass(frozen=True)
class CheckpointIndex:
    """The decoded ``.index`` of one checkpoint ``prefix``."""

    prefix: str
    num_shards: int
    entries: dict[str, TensorEntry]
    index_bytes: int

    @property
    def is_object_based(self) -> bool:
        """True for TF2 ``tf.train.Checkpoint`` saves (they carry an object graph)."""
        return OBJECT_GRAPH_KEY in self.entries

    def data_path(self, shard_id: int) -> str:
        """The data file of one shard: ``PREFIX.data-00000-of-00001``."""
        return f"{self.prefix}.data-{shard_id:05d}-of-{self.num_shards:05d}"


def _entry(name: str, value: bytes) -> TensorEntry:
    proto = BundleEntryProto.FromString(value)
    return TensorEntry(
        name=name,
        dtype=proto.dtype,
        shape=tuple(dim.size for dim in proto.shape.dim),
        shard_id=proto.shard_id,
        offset=proto.offset,
        size=proto.size,
        crc32c=proto.crc32c,
        sliced=len(proto.slices) > 0,
    )


def _impossible(entry: TensorEntry, num_shards: int) -> str:
    """What about an entry no file can hold (TensorFlow's reader refuses it too), or ``""``."""
    if entry.size < 0 or entry.offset < 0:
        return f"tensor {entry.name!r} has a negative {'size' if entry.size < 0 else 'offset'}"
    if any(dim < 0 for dim in entry.shape):
        return f"tensor {entry.name!r} has a negative dimension (shape {list(entry.shape)})"
    if not 0 <= entry.shard_id < num_shards:
        return f"tensor {entry.name!r} is in data shard {entry.shard_id}, but the header says {num_shards} shard(s)"
    return ""


def decode_index(table: bytes, prefix: str, index_path: str) -> CheckpointIndex:
    """Decode the bytes of ``index_path``; raises :class:`CorruptCheckpointError` on damage.

    Besides bytes that do not decode, an index whose numbers no checkpoint on disk could have is
    damaged, even when its checksums match: a negative size, offset or dimension, a tensor in a
    shard the header does not count, or more data shards than tensors (each shard TensorFlow
    writes holds at least one). So nothing later loops or allocates by a number the files cannot
    back.
    """
    pairs = read_table(table, index_path)
    if not pairs or pairs[0][0] != b"":
        raise CorruptCheckpointError(index_path, "the index has no bundle header (key '')", _FIX)
    try:
        header = BundleHeaderProto.FromString(pairs[0][1])
        entries = {}
        for key, value in pairs[1:]:
            name = key.decode("utf-8")
            entries[name] = _entry(name, value)
    except (DecodeError, UnicodeDecodeError) as err:
        raise CorruptCheckpointError(index_path, f"an index entry does not decode ({err})", _FIX) from None
    if header.endianness == BIG_ENDIAN:
        raise CorruptCheckpointError(index_path, "big-endian checkpoints are not supported",
                                     "convert it on a big-endian machine")
    if not 1 <= header.num_shards <= max(1, len(entries)):
        raise CorruptCheckpointError(index_path, f"the header says {header.num_shards:,} data shards for "
                                     f"{len(entries):,} tensor(s)", _FIX)
    for entry in entries.values():
        problem = _impossible(entry, header.num_shards)
        if problem:
            raise CorruptCheckpointError(index_path, problem, _FIX)
    return CheckpointIndex(prefix=prefix, num_shards=header.num_shards, entries=entries, index_bytes=len(table))


def read_index(prefix: str, fs: FileSystem | None = None) -> CheckpointIndex:
    """Read ``prefix + ".index"``.

    Raises:
        CheckpointNotFoundError: there is no ``.index`` file for this prefix.
        CorruptCheckpointError: the file is not a valid checkpoint index.
        UnreadablePathError: it exists but cannot be read.
    """
    fs = fs or filesystem_for(prefix)
    index_path = prefix + ".index"
    try:
        table = fs.read(index_path)
    except FileNotFoundError:
        raise CheckpointNotFoundError(index_path, "no such file",
                                      "pass an existing checkpoint prefix or its folder") from None
    return decode_index(table, prefix, index_path)
