"""Compare and show config values: floats as the float32 they become, text as it is written.

Example:
    >>> from tfckpt.pipeline.schema import load_schema
    >>> spec = load_schema().messages["CosineDecayLearningRate"].fields["learning_rate_base"]
    >>> same_value(spec, 0.1, 0.10000000149011612), value_text(spec, 0.08)
    (True, '0.08')
    >>> version = load_schema().messages["TrainConfig"].fields["fine_tune_checkpoint_version"]
    >>> value_text(version, "V2"), absent_text(version)
    ('V2', 'V1 (default)')
"""

from __future__ import annotations

import json
import struct
from typing import Dict, Sequence

from tfckpt.pipeline.schema import FieldSpec
from tfckpt.pipeline.tree import Message

NOT_SET = "(not set)"


def same_value(spec: FieldSpec, a: object, b: object) -> bool:
    """True when two values of field ``spec`` are equal as the OD API reads them (float as float32)."""
    if spec.type == "float" and isinstance(a, float) and isinstance(b, float):
        return _float32(a) == _float32(b)
    return a == b


def same_values(spec: FieldSpec, a: Sequence[object], b: Sequence[object]) -> bool:
    """The same for the elements of a repeated field, in order."""
    return len(a) == len(b) and all(same_value(spec, x, y) for x, y in zip(a, b))


def _float32(value: float) -> object:
    try:
        return struct.pack("<f", value)
    except OverflowError:  # beyond float32: it reads as +-inf
        return struct.pack("<f", float("inf") if value > 0 else float("-inf"))


def value_text(spec: FieldSpec, value: object) -> str:
    """A value as it would be written in a config: strings quoted, enums bare, bools lower case."""
    if value is None:  # YAML's null (Model Garden); protobuf fields are never None
        return "null"
    if spec.type in ("string", "bytes"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def values_text(spec: FieldSpec, values: Sequence[object]) -> str:
    """A repeated field's values: ``[0.25, 0.5, 1.0]``; :data:`NOT_SET` when there are none."""
    if not values:
        return NOT_SET
    return "[" + ", ".join(value_text(spec, value) for value in values) + "]"


def absent_text(spec: FieldSpec) -> str:
    """What a field not written reads as: its default (``V1 (default)``), or :data:`NOT_SET`."""
    if spec.default is None or spec.default == "":
        return NOT_SET
    return f"{value_text(spec, spec.default)} (default)"


def count_values(message: Message) -> int:
    """How many scalar values are written in ``message`` and the messages inside it."""
    return sum(count_values(item.value) if item.is_message else 1 for item in message.fields)


def message_text(message: Message) -> str:
    """A message in one word: ``{}`` (nothing written inside), ``{1 value}``, ``{4 values}``."""
    count = count_values(message)
    return "{}" if not count else f"{{{count} value{'' if count == 1 else 's'}}}"


def flatten(message: Message) -> Dict[str, object]:
    """The values written in ``message`` by relative path, for JSON.

    A repeated scalar gives a list; a repeated message gives ``name[i].field`` keys; an empty
    message gives its path with ``{}``.

    Example:
        >>> from tfckpt.pipeline.parser import parse_text
        >>> root = parse_text('train_input_reader { tf_record_input_reader { input_path: ["a", "b"] } }')
        >>> flatten(root.get("train_input_reader").value)
        {'tf_record_input_reader.input_path': ['a', 'b']}
    """
    flat: Dict[str, object] = {}
    counts: Dict[str, int] = {}
    for item in message.fields:
        name = item.name
        if item.spec.repeated and item.is_message:
            name = f"{item.name}[{counts.get(item.name, 0)}]"
            counts[item.name] = counts.get(item.name, 0) + 1
        if item.is_message:
            inner = flatten(item.value)
            flat.update({f"{name}.{key}": value for key, value in inner.items()} if inner else {name: {}})
        elif item.spec.repeated:
            flat.setdefault(name, []).append(item.value)
        else:
            flat[name] = item.value
    return flat
