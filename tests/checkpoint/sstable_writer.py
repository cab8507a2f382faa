"""Write a checkpoint ``.index`` (a LevelDB table) from key/value pairs, with valid checksums.

Tests use it to give tfckpt's reader indexes whose bytes are intact but whose numbers are not:
what a bug in a writer, or a deliberately crafted file, would produce.
"""

from __future__ import annotations

import struct

from tfckpt.checkpoint.crc import crc32c, mask
from tfckpt.checkpoint.table import FOOTER_SIZE, TABLE_MAGIC


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _block(pairs) -> bytes:
    """A block with every key written whole (one restart point per entry)."""
    body, restarts = bytearray(), []
    for key, value in pairs:
        restarts.append(len(body))
        body += _varint(0) + _varint(len(key)) + _varint(len(value)) + key + value
    for restart in restarts:
        body += struct.pack("<I", restart)
    return bytes(body + struct.pack("<I", len(restarts)))


def _with_trailer(block: bytes) -> bytes:
    return block + b"\x00" + struct.pack("<I", mask(crc32c(block + b"\x00")))


def write_table(pairs) -> bytes:
    """The bytes of a table holding ``pairs`` (sorted by key) in one data block."""
    data = _block(sorted(pairs))
    handle = _varint(0) + _varint(len(data))
    out = _with_trailer(data)
    meta = _block([])
    meta_handle = _varint(len(out)) + _varint(len(meta))
    out += _with_trailer(meta)
    last_key = max(key for key, _ in pairs) if pairs else b""
    index = _block([(last_key, handle)])
    index_handle = _varint(len(out)) + _varint(len(index))
    out += _with_trailer(index)
    footer = (meta_handle + index_handle).ljust(FOOTER_SIZE - 8, b"\x00") + struct.pack("<Q", TABLE_MAGIC)
    return out + footer
