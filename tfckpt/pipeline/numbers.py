"""Numbers in protobuf text format, read by the rules of protobuf's own parser, in linear time.

The OD API reads configs with ``google.protobuf.text_format``; these functions accept exactly the
number tokens it accepts and give the same values:

* integers: ``int(text, 0)`` after ``-010`` is turned into octal, so ``0x1F``, ``0b11``, ``0o7``,
  ``1_000`` and ``010`` (8) are numbers, while ``09`` and ``+010`` are not;
* floats: the installed protobuf's own ``text_format.ParseFloat`` (linear: Python's ``float``,
  then ``inf``/``nan`` spellings with an ``f``, then a trailing ``f`` removed). Versions differ:
  protobuf 5 and later refuse ``05`` ("Invalid octal float") and strip ``F`` too, protobuf 4
  (TF 2.15) reads ``05`` as 5.0; following the installed one agrees with the OD API beside it.

Unlike protobuf, an integer token longer than :data:`LONGEST_INTEGER` characters is never
converted (it is out of range of every field type anyway), so Python's 4,300-digit limit on
``int()`` cannot be reached, and nothing here backtracks.

Example:
    >>> parse_integer("0x10"), parse_integer("010"), parse_integer("09")
    (16, 8, None)
    >>> parse_float("1e-4f"), parse_float("nanf") != parse_float("nanf")
    (0.0001, True)
    >>> parse_float("1_000"), parse_float("0x10")
    (1000.0, None)
"""

from __future__ import annotations

import re
from typing import Optional

from google.protobuf import text_format

LONGEST_INTEGER = 80  # characters: more than any in-range int64 written in binary with a sign and '0b'
_C_OCTAL = re.compile(r"(-?)0(\d+)")
_DIGITS = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[bBoO][0-9_]+|[0-9_]+)")
_OCTAL_FLOAT = re.compile(r"-?0[0-9]+")


class OctalFloat(ValueError):
    """A float written with a leading zero and another digit (``05``), which protobuf rejects."""


def looks_like_integer(text: str) -> bool:
    """Digits (decimal, hex, octal or binary) with an optional sign, however many."""
    return _DIGITS.fullmatch(text) is not None


def parse_integer(text: str) -> Optional[int]:
    """The value of an integer token as protobuf reads it, or None if it is not one (or longer
    than :data:`LONGEST_INTEGER` characters; see :func:`looks_like_integer` to tell those apart)."""
    if len(text) > LONGEST_INTEGER:
        return None
    octal = _C_OCTAL.fullmatch(text)
    if octal:
        text = f"{octal.group(1)}0o{octal.group(2)}"
    try:
        return int(text, 0)
    except ValueError:
        return None


def parse_enum_number(text: str) -> Optional[int]:
    """An enum written as a number (protobuf: ``int(text, 0)``, no octal), else None."""
    if len(text) > LONGEST_INTEGER:
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def parse_float(text: str) -> Optional[float]:
    """The value of a float token as the installed protobuf reads it (its own ``ParseFloat``, the
    function ``text_format.Merge`` calls), or None if it is not a number.

    Raises:
        OctalFloat: a leading zero followed by a digit (``05``, ``-00.5``), which protobuf 5 and
            later reject ("Invalid octal float"); protobuf 4 (TF 2.15) reads 5.0.
    """
    try:
        return text_format.ParseFloat(text)
    except ValueError:
        if _OCTAL_FLOAT.match(text):
            raise OctalFloat(text) from None
        return None
