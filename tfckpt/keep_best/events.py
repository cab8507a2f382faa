"""Read the TFRecord framing of event files from a byte offset, as they grow.

Each record is ``uint64 length``, ``uint32 masked CRC-32C of the length``, ``length`` bytes,
``uint32 masked CRC-32C of the bytes`` (little-endian). A record not yet wholly written stops
the read cleanly: the next read starts again at its first byte. A damaged record is reported,
never returned: a bad data CRC skips that record; a bad length CRC stops the file there (the
next record cannot be found), until the file changes.

Example:
    >>> import struct
    >>> from tfckpt.checkpoint.crc import crc32c, mask
    >>> length = struct.pack("<Q", 2)
    >>> record = length + struct.pack("<I", mask(crc32c(length))) + b"hi" + struct.pack("<I", mask(crc32c(b"hi")))
    >>> read_records_from_bytes(record + record[:5], 0)
    Records(records=[b'hi'], next_offset=18, problems=[])
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from tfckpt.checkpoint.crc import crc32c, unmask
from tfckpt.io.fs import FileSystem

HEADER_BYTES = 12
FOOTER_BYTES = 4
_CHUNK = 4 << 20


@dataclass
class RecordProblem:
    """A damaged record at byte ``offset``; ``fatal``: the rest of the file cannot be read."""

    offset: int
    message: str
    fatal: bool = False


@dataclass
class Records:
    """What one read found: whole records, where to start next time, damage seen."""

    records: list[bytes] = field(default_factory=list)
    next_offset: int = 0
    problems: list[RecordProblem] = field(default_factory=list)


def _parse(buffer: bytes, start: int, base: int, out: Records) -> tuple[int, int | None]:
    """Parse whole records in ``buffer[start:]`` (``base`` = file offset of ``buffer[0]``).

    Returns the position after the last whole record, and the total size of the next record
    when it is cut off by the end of ``buffer`` (None when its header is cut off or the file
    cannot be read further).
    """
    position = start
    while True:
        if len(buffer) - position < HEADER_BYTES:
            return position, None
        length_bytes = buffer[position:position + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        (length_crc,) = struct.unpack("<I", buffer[position + 8:position + HEADER_BYTES])
        if crc32c(length_bytes) != unmask(length_crc):
            out.problems.append(RecordProblem(
                base + position, f"damaged record header at byte {base + position:,}: "
                "the records after it cannot be found", fatal=True))
            return position, None
        total = HEADER_BYTES + length + FOOTER_BYTES
        if len(buffer) - position < total:
            return position, total
        data = buffer[position + HEADER_BYTES:position + HEADER_BYTES + length]
        (data_crc,) = struct.unpack("<I", buffer[position + HEADER_BYTES + length:position + total])
        if crc32c(data) == unmask(data_crc):
            out.records.append(bytes(data))
        else:
            out.problems.append(RecordProblem(
                base + position, f"damaged record at byte {base + position:,} (checksum mismatch), skipped"))
        position += total


def read_records_from_bytes(data: bytes, offset: int) -> Records:
    """The whole records in ``data``, which starts at file offset ``offset``."""
    out = Records()
    end, _ = _parse(data, 0, offset, out)
    out.next_offset = offset + end
    return out


def read_records(fs: FileSystem, path: str, offset: int, size: int) -> Records:
    """The whole records of ``path`` between ``offset`` and ``size`` (its current size).

    Reads in chunks of 4 MiB, or one record's size when a record is bigger (an image summary).

    Raises:
        FileNotFoundError: the file is gone.
    """
    out = Records(next_offset=offset)
    position = offset
    while position < size:
        buffer = fs.read(path, position, min(_CHUNK, size - position))
        if not buffer:
            break
        end, cut_total = _parse(buffer, 0, position, out)
        if out.problems and out.problems[-1].fatal:
            position += end
            break
        if end == 0 and cut_total is not None and position + cut_total <= size:
            buffer = fs.read(path, position, cut_total)  # one big record
            end, _ = _parse(buffer, 0, position, out)
        if end == 0:
            break
        position += end
    out.next_offset = position
    return out
