"""Read a LevelDB-format table (SSTable), the container of a checkpoint's ``.index`` file.

Layout: data blocks, an index block that points at them, and a 48-byte footer ending in a magic
number. Each block is followed by a compression byte and a masked CRC-32C, which are checked.
The messages echo TensorFlow's own ("bad magic number", "block checksum mismatch") so they
can be searched for.

Example:
    >>> entries = read_table(open("ckpt-2.index", "rb").read(), "ckpt-2.index")  # doctest: +SKIP
    >>> next(iter(entries))  # doctest: +SKIP
    b''
"""

from __future__ import annotations

import struct
from typing import Iterator

from tfckpt.checkpoint.crc import crc32c, unmask
from tfckpt.errors import CorruptCheckpointError

FOOTER_SIZE = 48
TABLE_MAGIC = 0xDB4775248B80FB57
_BLOCK_TRAILER_SIZE = 5  # 1 byte compression type + 4 bytes masked CRC
_FIX = "the .index file is damaged: copy it again from where it was saved, or use another checkpoint"


class _Corrupt(Exception):
    """Internal: raised while decoding, turned into CorruptCheckpointError with the path."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise _Corrupt("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Corrupt("malformed varint")


def _block_handle(data: bytes, pos: int) -> tuple[int, int, int]:
    offset, pos = _varint(data, pos)
    size, pos = _varint(data, pos)
    return offset, size, pos


def _read_block(table: bytes, offset: int, size: int) -> bytes:
    end = offset + size
    if end + _BLOCK_TRAILER_SIZE > len(table):
        raise _Corrupt(f"block at byte {offset} runs past the end of the file (truncated?)")
    contents = table[offset:end]
    compression = table[end]
    (stored_crc,) = struct.unpack_from("<I", table, end + 1)
    if crc32c(table[offset : end + 1]) != unmask(stored_crc):
        raise _Corrupt(f"block checksum mismatch in the block at byte {offset}")
    if compression != 0:
        raise _Corrupt(f"block at byte {offset} is compressed (type {compression}), which tfckpt cannot read")
    return contents


def _block_entries(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise _Corrupt("block too short")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise _Corrupt("bad restart count in block")
    key = b""
    pos = 0
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_length, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + value_length > limit:
            raise _Corrupt("bad entry in block")
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + value_length]
        pos += value_length


def iter_table(table: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield ``(key, value)`` pairs in key order; raises ``_Corrupt`` on damage."""
    if len(table) < FOOTER_SIZE:
        raise _Corrupt(f"file is too short to be an sstable ({len(table)} bytes, at least {FOOTER_SIZE} needed)")
    footer = table[-FOOTER_SIZE:]
    (magic,) = struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)
    if magic != TABLE_MAGIC:
        raise _Corrupt("not an sstable (bad magic number)")
    _, _, pos = _block_handle(footer, 0)  # metaindex block: unused by checkpoints
    index_offset, index_size, _ = _block_handle(footer, pos)
    next_free = 0
    for _, handle in _block_entries(_read_block(table, index_offset, index_size)):
        offset, size, _ = _block_handle(handle, 0)
        if offset < next_free:  # blocks follow each other; re-reading one would multiply the work
            raise _Corrupt(f"the index points twice into the block at byte {offset}")
        next_free = offset + size + _BLOCK_TRAILER_SIZE
        yield from _block_entries(_read_block(table, offset, size))


def read_table(table: bytes, path: str) -> list[tuple[bytes, bytes]]:
    """All ``(key, value)`` pairs of the table in ``table`` (the bytes of file ``path``).

    Raises:
        CorruptCheckpointError: the bytes are not a whole, undamaged table.
    """
    if not table:
        raise CorruptCheckpointError(path, "the .index file is empty (0 bytes)", _FIX)
    try:
        return list(iter_table(table))
    except _Corrupt as err:
        raise CorruptCheckpointError(path, f"not a readable checkpoint index: {err}", _FIX) from None
