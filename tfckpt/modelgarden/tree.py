"""An experiment YAML as the line-numbered tree the pipeline parser gives, with a schema to match.

Model Garden configs are Python dataclasses, not protobuf messages, so there is no schema file to
read: the schema is built from the trees themselves (the experiment's defaults first, so fields
keep the defaults' order). Each mapping is a message whose type name is its dotted path
(``"task.model.backbone"``); a list of scalars is a repeated field (one
:class:`~tfckpt.pipeline.tree.Field` per element, each at its own line); a list of mappings is a
repeated message field; anything else (a list of lists, a path that is a mapping in one file and a
number in another) is one value of type ``"any"``, held as a tuple.

With the shared tree, :func:`tfckpt.pipeline.access.get_path` reads values with their lines and
:func:`tfckpt.diff.walk.compare_configs` walks two experiment files.

Example:
    >>> from tfckpt.modelgarden.yaml_reader import read_yaml
    >>> tree = read_yaml("task:\\n  model:\\n    num_classes: 4\\n  init_checkpoint_modules: [backbone, decoder]\\n")
    >>> schema = build_schema([tree])
    >>> root = to_message(tree, schema)
    >>> model = root.get("task").value.get("model")
    >>> model.line, model.value.type_name, model.value.get("num_classes").value
    (2, 'task.model', 4)
    >>> [item.value for item in root.get("task").value.get_all("init_checkpoint_modules")]
    ['backbone', 'decoder']
    >>> schema.messages["task"].fields["init_checkpoint_modules"].repeated
    True
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from tfckpt.modelgarden.yaml_reader import YamlMap, YamlValue, plain
from tfckpt.pipeline.schema import FieldSpec, MessageSpec, Schema
from tfckpt.pipeline.tree import Field, Message

ROOT = "experiment"
MESSAGE, ANY = "message", "any"
_SCALAR_TYPES = ((bool, "bool"), (int, "int64"), (float, "double"), (str, "string"), (type(None), "null"))


def type_name_of(path: str) -> str:
    """The message type name of the mapping at ``path``: the path itself, :data:`ROOT` for the top."""
    return path or ROOT


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _scalar_type(value: object) -> str:
    for python_type, name in _SCALAR_TYPES:
        if isinstance(value, python_type):
            return name
    return ANY


def _kind(value: object) -> Tuple[str, bool]:
    """``(type, repeated)`` of one written value."""
    if isinstance(value, YamlMap):
        return MESSAGE, False
    if isinstance(value, list):
        inner = {_kind(item.value) for item in value}
        if not inner:
            return "", True  # an empty list: repeated, of a type other files may tell
        if len(inner) == 1 and not next(iter(inner))[1]:
            return next(iter(inner))[0], True
        numbers = {kind for kind, repeated in inner if not repeated}
        if not any(repeated for _, repeated in inner) and numbers <= {"int64", "double"}:
            return "double", True
        return ANY, False
    return _scalar_type(value), False


def _merge_kind(old: Tuple[str, bool], new: Tuple[str, bool]) -> Tuple[str, bool]:
    if old == new or not new[0] and new[1] and old[1]:
        return old
    if not old[0] and old[1] and new[1]:
        return new
    types = {old[0], new[0]}
    if MESSAGE in types or ANY in types:
        return ANY, False
    if "null" in types:  # None beside a value: a field left unset in one file
        types.discard("null")
    if types <= {"int64", "double"} and len(types) == 2:
        return "double", old[1] or new[1]
    if len(types) == 1:
        return types.pop(), old[1] or new[1]
    return ANY, old[1] or new[1]


def build_schema(trees: Sequence[YamlMap], defaults: Optional[YamlMap] = None) -> Schema:
    """A schema that describes every path of ``trees``.

    Args:
        trees: parsed experiment files; the first one's order of keys comes first.
        defaults: the experiment's default values, if known: a field's ``default`` is its value
            there (so a value written equal to its default is no change in a diff).

    Returns:
        A :class:`~tfckpt.pipeline.schema.Schema` whose messages are named by their paths.
    """
    kinds: Dict[str, Dict[str, Tuple[str, bool]]] = {}
    for tree in ([defaults] if defaults is not None else []) + list(trees):
        _collect(tree, "", kinds)
    messages = {}
    for type_name, fields in kinds.items():
        specs = {}
        for number, (name, (kind, repeated)) in enumerate(fields.items(), 1):
            kind = kind or "string"
            path = _join("" if type_name == ROOT else type_name, name)
            default = _default(defaults, path) if kind not in (MESSAGE, ANY) and not repeated else None
            specs[name] = FieldSpec(name, number, repeated, kind, path if kind == MESSAGE else "", "", default)
        messages[type_name] = MessageSpec(type_name, specs, {})
    return Schema(messages, {})


def _collect(tree: YamlMap, path: str, kinds: Dict[str, Dict[str, Tuple[str, bool]]]) -> None:
    fields = kinds.setdefault(type_name_of(path), {})
    for name, item in tree.items.items():
        kind = _kind(item.value)
        fields[name] = _merge_kind(fields[name], kind) if name in fields else kind
        here = _join(path, name)
        if isinstance(item.value, YamlMap):
            _collect(item.value, here, kinds)
        elif isinstance(item.value, list):
            for element in item.value:
                if isinstance(element.value, YamlMap):
                    _collect(element.value, here, kinds)


def _default(defaults: Optional[YamlMap], path: str) -> object:
    current: Optional[YamlValue] = YamlValue(defaults, 0, 0) if defaults is not None else None
    for name in path.split("."):
        if current is None or not isinstance(current.value, YamlMap):
            return None
        current = current.value.items.get(name)
    if current is None or isinstance(current.value, (YamlMap, list)):
        return None
    return current.value


def _frozen(value: object) -> object:
    """A plain value made hashable: lists become tuples, dicts tuples of pairs."""
    if isinstance(value, dict):
        return tuple((key, _frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def to_message(tree: YamlMap, schema: Schema, path: str = "") -> Message:
    """The :class:`~tfckpt.pipeline.tree.Message` for ``tree`` under ``schema``.

    Values at line 0 (an experiment's defaults under an override) are not in the user's file:
    :func:`~tfckpt.pipeline.access.get_path` reads them as not set.

    Args:
        tree: a parsed mapping.
        schema: a schema that covers ``tree`` (:func:`build_schema`).
        path: the mapping's dotted path. Defaults to the top level.
    """
    spec = schema.messages[type_name_of(path)]
    fields: List[Field] = []
    for name, item in tree.items.items():
        field_spec = spec.fields[name]
        here = _join(path, name)
        line, column = item.line, item.column
        if field_spec.type == ANY:
            fields.append(Field(name, _frozen(plain(item.value)), line, column, field_spec))
        elif isinstance(item.value, list):
            for element in item.value:
                value = to_message(element.value, schema, here) if isinstance(element.value, YamlMap) \
                    else element.value
                fields.append(Field(name, value, element.line, element.column, field_spec))
        elif isinstance(item.value, YamlMap):
            fields.append(Field(name, to_message(item.value, schema, here), line, column, field_spec))
        else:
            fields.append(Field(name, item.value, line, column, field_spec))
    return Message(type_name_of(path), path, tuple(fields), tree.line or None, tree.column or None, None)
