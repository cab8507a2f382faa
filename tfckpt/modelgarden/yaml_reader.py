"""Read a Model Garden experiment YAML file (``params.yaml`` or an override) safely, keeping lines.

PyYAML's node API (:func:`yaml.compose`) gives every value its line and column; this module turns
the nodes into a small tree of :class:`YamlValue` (a scalar, a list, or a :class:`YamlMap`), which
:mod:`tfckpt.modelgarden.tree` turns into the line-numbered tree the pipeline parser gives.

Hostile files end in a :class:`~tfckpt.pipeline.errors.ConfigError` in bounded time: files over
:data:`MAX_BYTES`, documents nested deeper than :data:`MAX_DEPTH`, anchors and aliases that expand
past :data:`MAX_VALUES` values (a "billion laughs"), an alias that contains itself, several
documents, a document that is not a mapping, keys that are not strings, keys written twice, and tags
that ask for Python objects.

Scalars resolve as Model Garden's loader resolves them: YAML 1.1 as PyYAML's safe loader does, plus
floats written without a dot (``1e-4``), which Model Garden's ``params_dict`` adds.

Example:
    >>> tree = read_yaml("task:\\n  model:\\n    num_classes: 91\\n  init_checkpoint_modules: [backbone]\\n", "p.yaml")
    >>> classes = tree.items["task"].value.items["model"].value.items["num_classes"]
    >>> classes.value, classes.line, classes.column
    (91, 3, 5)
    >>> [item.value for item in tree.items["task"].value.items["init_checkpoint_modules"].value]
    ['backbone']
    >>> read_yaml("a: &x [1]\\nb: *x\\nc: 1e-4\\n", "p.yaml").items["c"].value
    0.0001
    >>> read_yaml("- 1\\n", "p.yaml")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: p.yaml:1:1: the document is a list, not a mapping of keys to values; \
an experiment file starts with keys such as 'task:' and 'trainer:'
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Union

import yaml

from tfckpt.errors import BadPathError, UnreadablePathError
from tfckpt.io.checked import read_regular_file
from tfckpt.pipeline.errors import ConfigError

MAX_BYTES = 1024 * 1024  # a complete params.yaml is about 10 kB; PyYAML reads about 1 MB/s
MAX_DEPTH = 64  # a params.yaml nests about 8 deep
MAX_VALUES = 50_000  # values after expanding aliases; a params.yaml holds about 1,000

_FLOAT_WITHOUT_DOT = re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Loader(yaml.SafeLoader):
    """The safe loader with the float resolver Model Garden adds (``1e-4`` is a float, not a string)."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it: ~10x faster
    """The same, parsed by libyaml."""


for _loader in (_Loader, _FastLoader):
    _loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_WITHOUT_DOT, list("-+0123456789"))
# libyaml composes nested flow collections ([[[...) by C recursion: beyond this many brackets the
# pure-Python parser (which stops at Python's recursion limit) reads the file instead
_FAST_MOST_BRACKETS = 2000

Plain = Union[int, float, bool, str, None]


@dataclass(frozen=True)
class YamlValue:
    """One value as written, and where.

    Attributes:
        value: an int, float, bool, str or None; a :class:`YamlMap`; or a list of :class:`YamlValue`.
        line: 1-based line of the value (for a mapping entry, of its key).
        column: 1-based column, the same way.
    """

    value: Union[Plain, "YamlMap", List["YamlValue"]]
    line: int
    column: int


@dataclass(frozen=True)
class YamlMap:
    """A mapping as written: keys in file order, each with its :class:`YamlValue` (at the key's line)."""

    items: Dict[str, YamlValue]
    line: int
    column: int


def read_yaml_file(path: str) -> YamlMap:
    """Read ``path`` with :func:`read_yaml`; a :class:`ConfigError` when it cannot be read.

    Raises:
        ConfigError: the file is missing, a folder, unreadable, too large, not UTF-8, or not a valid
            experiment YAML (see :func:`read_yaml`).
    """
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(path)
        data = read_regular_file(path, length=MAX_BYTES + 1)  # refuses a pipe, a link loop, a NUL byte
    except FileNotFoundError:
        raise ConfigError(path, 0, 0, "no such file", "check the path", "config-not-found") from None
    except IsADirectoryError:
        raise ConfigError(path, 0, 0, "is a folder, not a YAML file",
                          "pass the file itself, e.g. MODEL_DIR/params.yaml", "config-not-found") from None
    except (BadPathError, UnreadablePathError) as err:
        raise ConfigError(err.path, 0, 0, err.problem, err.fix, "config-unreadable") from None
    except OSError as err:
        raise ConfigError(path, 0, 0, f"cannot be read ({err.strerror or err})",
                          "check the path and its permissions", "config-unreadable") from None
    _check_size(len(data), path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ConfigError(path, line, 0, f"byte 0x{data[err.start]:02x} is not UTF-8 text",
                          "save the file as UTF-8", "not-utf8") from None
    return read_yaml(text, path)


def _check_size(size: int, path: str) -> None:
    if size > MAX_BYTES:
        raise ConfigError(path, 0, 0, f"is over {MAX_BYTES // 1024} KiB: not an experiment config "
                          "(a complete params.yaml is about 10 kB)", "pass the params.yaml or your override file",
                          "too-large")


def read_yaml(text: str, path: str = "<string>") -> YamlMap:
    """Parse one YAML document that is a mapping, with lines and columns.

    Args:
        text: the file's contents.
        path: the file name for errors. Defaults to ``"<string>"``.

    Returns:
        The top-level :class:`YamlMap`.

    Raises:
        ConfigError: the text is not YAML, not one mapping, or hostile (see the module doc).
    """
    _check_size(len(text.encode("utf-8", "surrogatepass")), path)
    try:
        node = yaml.compose(text, Loader=_loader_for(text))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise _syntax_error(path, mark, err.problem or err.context or "not valid YAML") from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        raise ConfigError(path, line, column, f"character #x{err.character:04x} is not allowed in YAML",
                          "delete it, or write it as an escape inside a double-quoted string", "syntax") from None
    except yaml.YAMLError as err:
        raise ConfigError(path, 0, 0, f"not valid YAML ({_one_line(str(err))})", "fix the YAML syntax",
                          "syntax") from None
    except RecursionError:
        raise ConfigError(path, 0, 0, "nests too deeply to be an experiment config",
                          f"an experiment config nests about 8 levels (at most {MAX_DEPTH})", "too-deep") from None
    if node is None:
        raise ConfigError(path, 0, 0, "is empty", "write the experiment's keys (task:, trainer:, runtime:)", "empty")
    if not isinstance(node, yaml.MappingNode):
        kind = "list" if isinstance(node, yaml.SequenceNode) else "single value"
        raise ConfigError(path, node.start_mark.line + 1, node.start_mark.column + 1,
                          f"the document is a {kind}, not a mapping of keys to values",
                          "an experiment file starts with keys such as 'task:' and 'trainer:'", "not-a-mapping")
    try:
        return _Converter(path).mapping(node, 0)
    except RecursionError:  # merge keys chained through many anchors
        raise ConfigError(path, 0, 0, "its '<<' merge keys chain too deeply", "write the values out",
                          "too-deep") from None


def _loader_for(text: str) -> type:
    """libyaml for ordinary files; the pure-Python parser for files with many flow brackets (block
    nesting is bounded by the file size: each level needs one more space on one more line)."""
    return _FastLoader if text.count("[") + text.count("{") <= _FAST_MOST_BRACKETS else _Loader


def load_plain(text: str) -> object:
    """A trusted YAML text (tfckpt's own data) as plain Python, read as Model Garden reads YAML."""
    return yaml.load(text, Loader=_FastLoader)  # noqa: S506 (a safe loader)


def from_plain(value: object) -> Union[Plain, "YamlMap", List["YamlValue"]]:
    """Plain Python (dicts, lists, scalars) as :class:`YamlValue` values at line 0 (not in a user's file)."""
    if isinstance(value, dict):
        return YamlMap({str(key): YamlValue(from_plain(item), 0, 0) for key, item in value.items()}, 0, 0)
    if isinstance(value, list):
        return [YamlValue(from_plain(item), 0, 0) for item in value]
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _syntax_error(path: str, mark, problem: str) -> ConfigError:
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    return ConfigError(path, line, column, f"not valid YAML: {_one_line(problem)}", "fix the YAML syntax at this place",
                       "syntax")


class _Converter:
    """Nodes to :class:`YamlValue` trees, counting values so aliases cannot expand without bound."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values = 0
        self.open: set = set()  # ids of the collection nodes being converted: an alias back to one is a cycle
        self.constructor = _Loader("")

    def error(self, node, problem: str, fix: str, code: str) -> ConfigError:
        return ConfigError(self.path, node.start_mark.line + 1, node.start_mark.column + 1, problem, fix, code)

    def count(self, node) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.error(node, f"holds over {MAX_VALUES} values once anchors and aliases are expanded",
                             "write the values out without aliases (an experiment config holds about 600)",
                             "too-many-values")

    def value(self, node, depth: int) -> Union[Plain, YamlMap, List[YamlValue]]:
        self.count(node)
        if depth > MAX_DEPTH:
            raise self.error(node, f"nests more than {MAX_DEPTH} levels deep", "an experiment config nests about 8",
                             "too-deep")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.open:
            raise self.error(node, "an alias refers to the collection that contains it", "remove the alias",
                             "recursive-alias")
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, depth)
            return [YamlValue(self.value(item, depth + 1), item.start_mark.line + 1, item.start_mark.column + 1)
                    for item in self.sequence_items(node)]
        finally:
            self.open.discard(id(node))

    def sequence_items(self, node) -> list:
        if node.tag != _SEQ:
            raise self.error(node, f"the tag {node.tag} asks for an object Model Garden does not read",
                             "remove the tag", "unsupported-tag")
        return node.value

    def scalar(self, node) -> Plain:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            raise self.error(node, f"cannot read {node.value[:40]!r}: "
                             f"{_one_line(str(getattr(err, 'problem', None) or err))}",
                             "remove the tag, or quote the value", "unsupported-value") from None
        except (ValueError, OverflowError) as err:
            raise self.error(node, f"cannot read {node.value[:40]!r} ({err})", "quote the value", "unsupported-value")
        if isinstance(value, (datetime.date, datetime.datetime, bytes)):
            return node.value  # a date or binary read as text: no experiment field holds one
        if isinstance(value, (dict, list, set)):
            raise self.error(node, f"the tag {node.tag} asks for a collection", "remove the tag", "unsupported-tag")
        return value

    def mapping(self, node, depth: int) -> YamlMap:
        if node.tag != _MAP:
            raise self.error(node, f"the tag {node.tag} asks for an object Model Garden does not read",
                             "remove the tag", "unsupported-tag")
        items: Dict[str, YamlValue] = {}
        for key, value in _merged_pairs(node, self):
            name = self.key(key)
            if name in items:
                raise self.error(key, f"'{name}' is written twice in this mapping (first at line "
                                 f"{items[name].line})", "delete one: YAML readers silently keep the last",
                                 "duplicate-key")
            items[name] = YamlValue(self.value(value, depth + 1), key.start_mark.line + 1, key.start_mark.column + 1)
        return YamlMap(items, node.start_mark.line + 1, node.start_mark.column + 1)

    def key(self, node) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a collection"
            raise self.error(node, f"the key {str(shown)[:40]!r} is not a name", "keys are field names such as "
                             "num_classes; quote a key that is meant as text", "bad-key")
        return node.value


def _merged_pairs(node, converter: _Converter) -> list:
    """The mapping's pairs, with ``<<`` merge keys expanded (before the keys written here)."""
    pairs: list = []
    for key, value in node.value:
        if key.tag == "tag:yaml.org,2002:merge":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise converter.error(source, "a '<<' merge key needs a mapping", "merge an anchored mapping",
                                          "bad-merge")
                converter.count(source)
                if id(source) in converter.open:
                    raise converter.error(source, "a '<<' merge refers to the mapping that contains it",
                                          "remove the merge", "recursive-alias")
                converter.open.add(id(source))
                try:
                    written = {k.value for k, _ in node.value} | {k.value for k, _ in pairs}
                    pairs += [pair for pair in _merged_pairs(source, converter) if pair[0].value not in written]
                finally:
                    converter.open.discard(id(source))
        else:
            pairs.append((key, value))
    return pairs


def plain(value: Union[Plain, YamlMap, List[YamlValue]]) -> object:
    """A :class:`YamlValue`'s value as plain Python (dicts, lists, scalars), without lines.

    Example:
        >>> plain(read_yaml("a: {b: [1, 2]}").items["a"].value)
        {'b': [1, 2]}
    """
    if isinstance(value, YamlMap):
        return {key: plain(item.value) for key, item in value.items.items()}
    if isinstance(value, list):
        return [plain(item.value) for item in value]
    return value


def find(tree: YamlMap, path: str) -> Optional[YamlValue]:
    """The value at a dotted ``path`` (``"task.model.num_classes"``); None when not written."""
    current: Optional[YamlValue] = YamlValue(tree, tree.line, tree.column)
    for name in path.split("."):
        if current is None or not isinstance(current.value, YamlMap):
            return None
        current = current.value.items.get(name)
    return current
