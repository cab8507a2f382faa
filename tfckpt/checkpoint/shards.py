"""The data side of a checkpoint: are all ``.data`` shards there and long enough, do the bytes
match their checksums, and what are the values of small tensors such as ``step``.

``tf.train.list_variables`` reads only the index, so it succeeds on a checkpoint whose data is
missing or cut short; these checks catch both from the index alone.

Example:
    >>> index = read_index("runs/frcnn/ckpt-2")  # doctest: +SKIP
    >>> check_shards(index)  # doctest: +SKIP
    []
"""

from __future__ import annotations

import struct
from tfckpt.checkpoint.crc import crc32c, unmask
from tfckpt.checkpoint.dtypes import STRING, STRUCT_FORMATS
from tfckpt.checkpoint.index import CheckpointIndex, TensorEntry
from tfckpt.checkpoint.problems import Problem
from tfckpt.io.fs import FileSystem, filesystem_for

_CHUNK = 16 << 20
_SMALL_TENSOR_BYTES = 1 << 16


def required_shard_sizes(index: CheckpointIndex) -> dict[int, int]:
    """The least size of each data shard: its furthest ``offset + size``.

    Every shard counted in the header is there (at least 0 bytes); :func:`decode_index` has made
    sure there are no more shards than tensors.
    """
    needed = {shard: 0 for shard in range(index.num_shards)}
    for entry in index.entries.values():
        end = entry.offset + entry.size
        if end > needed.get(entry.shard_id, 0):
            needed[entry.shard_id] = end
    return needed


def check_shards(index: CheckpointIndex, fs: FileSystem | None = None) -> list[Problem]:
    """Problems with the data shards: missing, or shorter than the index says they are."""
    fs = fs or filesystem_for(index.prefix)
    problems = []
    for shard, needed in sorted(required_shard_sizes(index).items()):
        path = index.data_path(shard)
        try:
            actual = fs.size(path)
        except FileNotFoundError:
            problems.append(Problem(
                "missing-data", path, "data file is missing (the index lists tensors stored in it)",
                "copy it next to the .index file, or use an earlier checkpoint"))
            continue
        if actual < needed:
            problems.append(Problem(
                "truncated-data", path,
                f"data file is truncated: {actual:,} bytes, the index needs at least {needed:,}",
                "the save or copy was cut short; copy it again, or use an earlier checkpoint"))
    return problems


def data_bytes(index: CheckpointIndex, fs: FileSystem | None = None) -> int:
    """Total size on disk of the index and the data shards that exist."""
    fs = fs or filesystem_for(index.prefix)
    total = index.index_bytes
    for shard in range(index.num_shards):
        try:
            total += fs.size(index.data_path(shard))
        except FileNotFoundError:
            pass
    return total


def _entry_crc(index: CheckpointIndex, entry: TensorEntry, fs: FileSystem) -> int | None:
    """The CRC-32C TensorFlow computes for an entry, or None when its bytes cannot be read."""
    path = index.data_path(entry.shard_id)
    if entry.dtype == STRING:
        raw = fs.read(path, entry.offset, entry.size)
        if len(raw) != entry.size:
            return None
        try:
            return _decode_strings(raw, _num_elements(entry.shape))[2]
        except ValueError:
            return None
    crc, position, end = 0, entry.offset, entry.offset + entry.size
    while position < end:
        chunk = fs.read(path, position, min(_CHUNK, end - position))
        if not chunk:
            return None
        crc = crc32c(chunk, crc)
        position += len(chunk)
    return crc


def _whole_shards(index: CheckpointIndex, fs: FileSystem) -> set[int]:
    whole = set()
    for shard, needed in required_shard_sizes(index).items():
        try:
            if fs.size(index.data_path(shard)) >= needed:
                whole.add(shard)
        except FileNotFoundError:
            pass
    return whole


def verify_checksums(index: CheckpointIndex, fs: FileSystem | None = None) -> list[Problem]:
    """Read every tensor and compare its CRC-32C with the index (catches zeroed or flipped bytes).

    Shards that are missing or short (see :func:`check_shards`) are not read.
    """
    fs = fs or filesystem_for(index.prefix)
    whole = _whole_shards(index, fs)
    bad: dict[int, list[str]] = {}
    ordered = sorted(index.entries.values(), key=lambda e: (e.shard_id, e.offset))
    for entry in ordered:
        if entry.shard_id not in whole or entry.size == 0:
            continue
        if _entry_crc(index, entry, fs) != unmask(entry.crc32c):
            bad.setdefault(entry.shard_id, []).append(entry.name)
    problems = []
    for shard, names in sorted(bad.items()):
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        problems.append(Problem(
            "checksum-mismatch", index.data_path(shard),
            f"{len(names)} tensor(s) do not match their checksums ({shown})",
            "the bytes are damaged; copy the file again, or use an earlier checkpoint"))
    return problems


class ChecksumMismatch(ValueError):
    """The bytes of a tensor that was read do not match the CRC-32C in the index."""


def read_scalar(index: CheckpointIndex, name: str, fs: FileSystem | None = None) -> int | float | bool | None:
    """The value of a small numeric scalar such as ``step``, or None if it is absent or its
    data file is missing or short.

    Raises:
        ChecksumMismatch: the bytes are there but damaged (a damaged value is never returned).
    """
    entry = index.entries.get(name)
    if entry is None or entry.shape != () or entry.dtype not in STRUCT_FORMATS or entry.size > _SMALL_TENSOR_BYTES:
        return None
    fs = fs or filesystem_for(index.prefix)
    try:
        raw = fs.read(index.data_path(entry.shard_id), entry.offset, entry.size)
    except (FileNotFoundError, OSError):
        return None
    fmt = "<" + STRUCT_FORMATS[entry.dtype]
    if len(raw) != entry.size or len(raw) != struct.calcsize(fmt):
        return None
    if crc32c(raw) != unmask(entry.crc32c):
        raise ChecksumMismatch(name)
    return struct.unpack(fmt, raw)[0]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise ValueError("truncated varint")


def _decode_strings(raw: bytes, count: int) -> tuple[list[int], int, int]:
    """Lengths, where the bytes start, and the CRC TensorFlow computes for a string tensor.

    Layout: ``count`` varint lengths, a 4-byte masked CRC of the lengths, then the bytes. The
    CRC covers each length as a little-endian uint32 (not as its varint), those 4 bytes, and
    the string bytes.
    """
    if not 0 <= count <= len(raw):  # each length takes at least one byte
        raise ValueError(f"{count} strings cannot fit in {len(raw)} bytes")
    lengths, pos = [], 0
    for _ in range(count):
        length, pos = _varint(raw, pos)
        lengths.append(length)
    if any(length > 0xFFFFFFFF for length in lengths):
        raise ValueError("a string longer than 4 GiB")
    crc = crc32c(struct.pack(f"<{count}I", *lengths)) if count else 0
    crc = crc32c(raw[pos:], crc)
    return lengths, pos + 4, crc


def _num_elements(shape: tuple[int, ...]) -> int:
    if 0 in shape:
        return 0
    count = 1
    for dim in shape:
        count *= dim
        if count > 1 << 63:  # no tensor has more; stop before the product grows without bound
            break
    return count


def read_string_scalar(index: CheckpointIndex, name: str, fs: FileSystem | None = None,
                       max_bytes: int = 64 << 20) -> bytes | None:
    """The bytes of a scalar string tensor (such as the object graph), or None if unreadable.

    Its checksum is verified, so damaged bytes are never returned.
    """
    entry = index.entries.get(name)
    if entry is None or entry.shape != () or entry.dtype != STRING or entry.size > max_bytes:
        return None
    fs = fs or filesystem_for(index.prefix)
    try:
        raw = fs.read(index.data_path(entry.shard_id), entry.offset, entry.size)
        if len(raw) != entry.size:
            return None
        (length,), start, crc = _decode_strings(raw, 1)
    except (OSError, ValueError):
        return None
    if crc != unmask(entry.crc32c) or start + length != len(raw):
        return None
    return raw[start:]
