"""The parsed config as a tree: messages hold fields, every field knows its line and column.

Example:
    >>> from tfckpt.pipeline.parser import parse_text
    >>> root = parse_text("model {\\n  ssd { num_classes: 3 }\\n}\\n")
    >>> ssd = root.get("model").value.get("ssd")
    >>> ssd.line, ssd.column, ssd.value.get("num_classes").value
    (2, 3, 3)
    >>> root.get("model").value.which_oneof("model").name
    'ssd'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Optional, Tuple, TypeVar, Union

from tfckpt.pipeline.schema import FieldSpec

T = TypeVar("T")
Scalar = Union[int, float, bool, str]


@dataclass(frozen=True)
class Field:
    """One ``name: value`` or ``name { ... }`` as written.

    A repeated field written as ``name: [a, b]`` gives one :class:`Field` per element, each at its
    element's position.

    Attributes:
        name: the field name.
        value: an int, float, bool or str (enum values are their names), or a :class:`Message`.
        line: 1-based line of the field name.
        column: 1-based column of the field name.
        spec: the field's schema entry.
    """

    name: str
    value: Union[Scalar, "Message"]
    line: int
    column: int
    spec: FieldSpec = field(repr=False, compare=False)

    @property
    def is_message(self) -> bool:
        return isinstance(self.value, Message)


@dataclass(frozen=True)
class Message:
    """A message as written: its fields in file order.

    Attributes:
        type_name: the message type, e.g. ``"FasterRcnn"``.
        path: dotted field path from the file's top level, e.g. ``"model.faster_rcnn"``; ``""``
            for the top level.
        fields: every field written in the block, in file order.
        line: line of the block's opening ``{`` (1 for the top level); None for a message that
            is not in the file (see :func:`tfckpt.pipeline.access.get_path`).
        column: column of the opening ``{``; None as for ``line``.
        end_line: line of the closing ``}`` (the last line for the top level); None as for ``line``.
    """

    type_name: str
    path: str
    fields: Tuple[Field, ...] = ()
    line: Optional[int] = None
    column: Optional[int] = None
    end_line: Optional[int] = None

    def get(self, name: str) -> Optional[Field]:
        """The field ``name`` (the last one, for a repeated field); None when not written."""
        for item in reversed(self.fields):
            if item.name == name:
                return item
        return None

    def get_all(self, name: str) -> Tuple[Field, ...]:
        """Every occurrence of field ``name``, in file order."""
        return tuple(item for item in self.fields if item.name == name)

    def which_oneof(self, oneof: str) -> Optional[Field]:
        """The field written for oneof ``oneof`` (``"model"``, ``"optimizer"``); None when none is."""
        for item in self.fields:
            if item.spec.oneof == oneof:
                return item
        return None


@dataclass(frozen=True)
class Located(Generic[T]):
    """A value and where it was written; ``line`` is None when the value is the schema's default.

    Attributes:
        value: the value (the default when the field is not written).
        path: the dotted field path, e.g. ``"model.faster_rcnn.num_classes"``.
        file: the file it was read from.
        line: 1-based line of the field name; None when not written.
        column: 1-based column of the field name; None when not written.

    Example:
        >>> Located(3, "model.ssd.num_classes", "pipeline.config", 4, 5).where
        'pipeline.config:4:5'
        >>> Located(32, "train_config.batch_size", "pipeline.config").where
        'pipeline.config (train_config.batch_size not set: default 32)'
    """

    value: T
    path: str
    file: str
    line: Optional[int] = None
    column: Optional[int] = None

    @property
    def is_set(self) -> bool:
        """True when the value was written in the file, False when it is the default."""
        return self.line is not None

    @property
    def where(self) -> str:
        """``file:line:column`` for a written value; says "not set" for a default."""
        if self.line is None:
            return f"{self.file} ({self.path} not set: default {self.value!r})"
        return f"{self.file}:{self.line}:{self.column}"
