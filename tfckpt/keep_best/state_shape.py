"""The shape of ``keep-best-state.json``, checked before any of it is used, so a damaged file is
one clear error ("'kept'[0].step holds a string, not a whole number") and never a crash later.

Example:
    >>> check_shape({"keep": "3"}, Obj({"keep": int}))
    Traceback (most recent call last):
    ...
    ValueError: 'keep' holds a string, not a whole number
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMBER = (int, float)
MAYBE_INT = (int, type(None))
_NAMES = {dict: "an object", list: "a list", str: "a string", int: "a whole number", float: "a number",
          bool: "true or false", type(None): "null"}


@dataclass(frozen=True)
class Obj:
    """A JSON object with these keys (``optional`` ones may be left out; no others allowed)."""

    required: dict
    optional: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Map:
    """A JSON object of any keys whose values all have shape ``values``."""

    values: Any


def _name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(_NAMES.get(k, k.__name__) for k in kinds))


def check_shape(value, shape, where: str = "") -> None:
    """Raise ``ValueError`` naming the first place where ``value`` does not have ``shape``.

    A shape is a type (or tuple of types), ``[shape]`` for a list, :class:`Obj` or :class:`Map`.
    """
    if isinstance(shape, list):
        _expect(value, list, where)
        for number, item in enumerate(value):
            check_shape(item, shape[0], f"{where}[{number}]")
    elif isinstance(shape, (Obj, Map)):
        _expect(value, dict, where)
        if isinstance(shape, Map):
            for key, item in value.items():
                check_shape(item, shape.values, f"{where}.{key}" if where else repr(key))
            return
        for key in value:
            if key not in shape.required and key not in shape.optional:
                raise ValueError(f"{where or 'the file'} has an unexpected key {str(key)[:40]!r}")
        for key, inner in {**shape.required, **shape.optional}.items():
            if key in value:
                check_shape(value[key], inner, f"{where}.{key}" if where else repr(key))
            elif key in shape.required:
                raise ValueError(f"{where or 'the file'} has no {key!r}")
    elif shape in (int, MAYBE_INT) and isinstance(value, float):
        raise ValueError(f"{where} holds a number with a fraction, not a whole number")
    else:
        _expect(value, shape, where)


def _expect(value, kind, where: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise ValueError(f"{where or 'it'} holds {_NAMES.get(type(value), 'a value')}, not {_name(kind)}")
