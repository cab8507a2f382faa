"""Read a field by its dotted path, with the schema's default when the file does not set it.

Example:
    >>> from tfckpt.pipeline.parser import parse_text
    >>> root = parse_text("train_config {\\n  batch_size: 4\\n}\\n", "pipeline.config")
    >>> get_path(root, "train_config.batch_size", "pipeline.config")
    Located(value=4, path='train_config.batch_size', file='pipeline.config', line=2, column=3)
    >>> get_path(root, "train_config.fine_tune_checkpoint_version", "pipeline.config").value
    'V1'
    >>> get_path(root, "eval_input_reader.label_map_path", "pipeline.config")
    ()
"""

from __future__ import annotations

import difflib
import re
from typing import List, Optional, Tuple, Union

from tfckpt.pipeline.errors import FieldPathError
from tfckpt.pipeline.schema import Schema, load_schema
from tfckpt.pipeline.tree import Field, Located, Message

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


def get_path(root: Message, path: str, file: str = "<string>",
             schema: Optional[Schema] = None) -> Union[Located, Tuple[Located, ...]]:
    """The value at ``path`` below ``root``, and where it is written.

    Args:
        root: a parsed message (usually the file's top level).
        path: dotted field names; ``name[i]`` picks one element of a repeated field, e.g.
            ``"eval_input_reader[0].label_map_path"``.
        file: the file name to record in each result. Defaults to ``"<string>"``.
        schema: the schema. Defaults to the one shipped with tfckpt.

    Returns:
        One :class:`Located` -- the value written, else the field's default with ``line`` None (a
        message field not written gives an empty :class:`Message` with ``line`` None) -- or, when
        the path goes through or ends at a repeated field without an index, a tuple with one
        :class:`Located` per element found (empty when there is none).

    Raises:
        FieldPathError: a name in ``path`` is not a field there, or an index is out of range.
    """
    if not path:
        raise FieldPathError("", "the field path is empty", "name a field, e.g. model.faster_rcnn.num_classes")
    schema = schema or load_schema()
    current: List[Tuple[Message, str]] = [(root, root.path)]
    type_name, fan_out = root.type_name, False
    segments = path.split(".")
    for position, segment in enumerate(segments):
        match = _SEGMENT.fullmatch(segment)
        name, index = (match.group(1), match.group(2)) if match else (segment, None)
        fields = schema.messages[type_name].fields
        spec = fields.get(name)
        if match is None or spec is None:
            close = difflib.get_close_matches(name, list(fields), n=1)
            raise FieldPathError(path, f"{type_name} has no field '{segment}'",
                                 f"did you mean '{close[0]}'?" if close else f"its fields: {', '.join(fields)}")
        last = position == len(segments) - 1
        if not last and not spec.is_message:
            raise FieldPathError(path, f"'{name}' is a {spec.type} field, not a message", "end the path there")
        if index is not None and not spec.repeated:
            raise FieldPathError(path, f"'{name}' is not repeated: it takes no [index]", f"write {name}")
        fan_out = fan_out or (spec.repeated and index is None)
        found: List[Tuple[Field, str]] = []
        for message, where in current:
            here = f"{where}.{name}" if where else name
            written = message.get_all(name)
            if index is not None:
                if int(index) >= len(written):
                    raise FieldPathError(path, f"{where or 'the top level'} has {len(written)} '{name}'",
                                         f"use an index below {len(written)}")
                written = written[int(index):int(index) + 1]
                here = f"{here}[{index}]"
            elif not spec.repeated:
                written = written[-1:]
            for i, item in enumerate(written):
                found.append((item, f"{here}[{i}]" if spec.repeated and index is None else here))
            if not written and not spec.repeated:
                absent = Message(spec.type_name, here) if spec.is_message else spec.default
                found.append((Field(name, absent, 0, 0, spec), here))
        if last:
            results = tuple(Located(item.value, where, file, item.line or None, item.column or None)
                            for item, where in found)
            return results if fan_out else results[0]
        current = [(item.value, where) for item, where in found]
        type_name = spec.type_name
    raise AssertionError("unreachable: the last segment returns")
