"""The Object Detection API's config schema, loaded from a data file shipped with tfckpt.

``tfckpt/odapi/pipeline_schema.tsv`` lists every message, field and enum that ``pipeline.config``
(``TrainEvalPipelineConfig``) and label maps (``StringIntLabelMap``) may hold: field names, numbers,
types, labels, oneofs and defaults. Holding it as data, not as generated ``_pb2`` modules, means no
protobuf version can refuse it and the OD API need not be installed. It loads once, in about 2 ms.

Example:
    >>> schema = load_schema()
    >>> field = schema.messages["FasterRcnn"].fields["first_stage_max_proposals"]
    >>> field.type, field.default, field.repeated
    ('int32', 300, False)
    >>> schema.messages["TrainConfig"].fields["fine_tune_checkpoint_version"].default
    'V1'
    >>> schema.messages["Optimizer"].oneofs["optimizer"]
    ('rms_prop_optimizer', 'momentum_optimizer', 'adam_optimizer')
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Dict, Tuple

PIPELINE_ROOT = "TrainEvalPipelineConfig"
LABEL_MAP_ROOT = "StringIntLabelMap"
DATA_PACKAGE = "tfckpt.odapi"
DATA_FILE = "pipeline_schema.tsv"

INTEGER_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "uint32": (0, 2 ** 32 - 1),
                  "int64": (-(2 ** 63), 2 ** 63 - 1), "uint64": (0, 2 ** 64 - 1)}
FLOAT_TYPES = frozenset({"float", "double"})
_ZERO_DEFAULTS = {"bool": False, "string": "", "bytes": ""}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a message.

    Attributes:
        name: the field name, as written in a config.
        number: the field number.
        repeated: True for a repeated field (written on several lines or as ``[a, b]``).
        type: ``"int32"``, ``"uint32"``, ``"float"``, ``"bool"``, ``"string"``, ``"enum"`` or
            ``"message"``.
        type_name: the message or enum a message or enum field holds (``"FasterRcnn"``); ``""``.
        oneof: the oneof the field belongs to (``"optimizer"``); ``""`` when none.
        default: the value a reader sees when the field is not written (proto2 rules: the
            explicit default, else 0, 0.0, false, ``""`` or the enum's first value); None for
            message and repeated fields.
    """

    name: str
    number: int
    repeated: bool
    type: str
    type_name: str = ""
    oneof: str = ""
    default: object = None

    @property
    def is_message(self) -> bool:
        return self.type == "message"


@dataclass(frozen=True)
class MessageSpec:
    """One message: its fields in declaration order and its oneofs (name -> member field names)."""

    name: str
    fields: Dict[str, FieldSpec]
    oneofs: Dict[str, Tuple[str, ...]]


@dataclass(frozen=True)
class EnumSpec:
    """One enum: its value names in declaration order (the first is the default)."""

    name: str
    values: Tuple[str, ...]


@dataclass(frozen=True)
class Schema:
    """All messages and enums, by the name they have in package ``object_detection.protos``."""

    messages: Dict[str, MessageSpec]
    enums: Dict[str, EnumSpec]
    _below: Dict[str, Tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def field_names_below(self, start: str) -> Tuple[str, ...]:
        """Every field name of message ``start`` and of the messages below it, sorted."""
        if start not in self._below:
            seen, todo, names = {start}, [start], set()
            while todo:
                for spec in self.messages[todo.pop()].fields.values():
                    names.add(spec.name)
                    if spec.is_message and spec.type_name not in seen:
                        seen.add(spec.type_name)
                        todo.append(spec.type_name)
            self._below[start] = tuple(sorted(names))
        return self._below[start]

    def find_field_below(self, start: str, field_name: str) -> Tuple[Tuple[str, ...], ...]:
        """The shortest chains of field names from message ``start`` (itself included) to a field ``field_name``.

        Returns:
            Every chain of the least length, in schema order, e.g.
            ``(("image_resizer", "keep_aspect_ratio_resizer", "pad_to_max_dimension"),)`` for
            ``("FasterRcnn", "pad_to_max_dimension")``; ``()`` when no message below has that field.
            Each message type is entered once, by its first chain.
        """
        seen = {start}
        level = [(start, ())]
        while level:
            found = tuple(chain + (field_name,) for name, chain in level if field_name in self.messages[name].fields)
            if found:
                return found
            following = []
            for name, chain in level:
                for spec in self.messages[name].fields.values():
                    if spec.is_message and spec.type_name not in seen:
                        seen.add(spec.type_name)
                        following.append((spec.type_name, chain + (spec.name,)))
            level = following
        return ()


def _zero_default(field_type: str, type_name: str, enums: Dict[str, EnumSpec]) -> object:
    if field_type == "enum":
        return enums[type_name].values[0]
    if field_type in FLOAT_TYPES:
        return 0.0
    return _ZERO_DEFAULTS.get(field_type, 0)


def _default(field_type: str, type_name: str, literal: str, enums: Dict[str, EnumSpec]) -> object:
    if not literal:
        return _zero_default(field_type, type_name, enums)
    if field_type in FLOAT_TYPES:
        return float(literal)
    if field_type == "bool":
        return literal == "true"
    if field_type == "string":
        return json.loads(literal)
    if field_type == "enum":
        return literal
    return int(literal)


def parse_schema(text: str) -> Schema:
    """Build a :class:`Schema` from the data file's text (format: see the file's header)."""
    enums: Dict[str, EnumSpec] = {}
    fields: Dict[str, Dict[str, FieldSpec]] = {}
    oneofs: Dict[str, Dict[str, list]] = {}
    rows = []
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        cells = line.split("\t")
        if cells[0] == "@enum":
            enums[cells[1]] = EnumSpec(cells[1], tuple(cells[2].split(",")))
        elif cells[0] == "@empty":
            fields[cells[1]] = {}
        else:
            rows.append(cells)
    for message, name, number, label, field_type, type_name, oneof, literal in rows:
        repeated = label == "r"
        default = None if repeated or field_type == "message" else _default(field_type, type_name, literal, enums)
        fields.setdefault(message, {})[name] = FieldSpec(
            name, int(number), repeated, field_type, type_name, oneof, default)
        if oneof:
            oneofs.setdefault(message, {}).setdefault(oneof, []).append(name)
    messages = {
        name: MessageSpec(name, members, {o: tuple(f) for o, f in oneofs.get(name, {}).items()})
        for name, members in fields.items()
    }
    return Schema(messages, enums)


@functools.lru_cache(maxsize=None)
def load_schema() -> Schema:
    """The schema shipped with tfckpt, read once per process."""
    from importlib import resources  # here, not at the top: it takes longer to import than the file to read

    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_schema(text)
