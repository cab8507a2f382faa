"""CRC-32C as TensorFlow stores it: "masked" so that a CRC of data holding CRCs stays strong.

Example:
    >>> unmask(mask(crc32c(b"abc"))) == crc32c(b"abc")
    True
"""

from __future__ import annotations

import google_crc32c

_MASK_DELTA = 0xA282EAD8


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C of ``data``, continuing from ``crc`` for data read in pieces."""
    return google_crc32c.extend(crc, data) if crc else google_crc32c.value(data)


def mask(crc: int) -> int:
    """TensorFlow's and LevelDB's masking: rotate right by 15 bits, add a constant."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    """Undo :func:`mask`."""
    rotated = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF
