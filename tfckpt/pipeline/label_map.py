"""Label maps (``item { id: 1 name: 'cat' }``), parsed strictly and checked against ``num_classes``.

The OD API numbers classes from 1 (0 is the background); it silently keeps the first item of a
repeated id and the last of a repeated name. Here each of those is a
:class:`~tfckpt.pipeline.errors.ConfigError` at the item's line.

Example:
    >>> label_map = parse_label_map("item { id: 1 name: 'cat' }\\nitem { id: 2 name: 'dog' }\\n", "labels.pbtxt")
    >>> [(item.id, item.name, item.line) for item in label_map.items], label_map.max_id
    ([(1, 'cat', 1), (2, 'dog', 2)], 2)
    >>> print(check_num_classes(label_map, 3).line())
    labels.pbtxt: num_classes is 3, but the label map's ids go up to 2: the model gets 1 class it never \
sees; set num_classes: 2, or add the missing classes to the label map
    >>> parse_label_map("item { id: 0 name: 'cat' }", "labels.pbtxt")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: labels.pbtxt:1:8: item 'cat' has id 0, which is reserved for the \
background; number the classes from 1 (only an item named 'background' may have id 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

from tfckpt.checkpoint.problems import Problem
from tfckpt.pipeline.errors import ConfigError
from tfckpt.pipeline.parser import parse_text, read_text_file
from tfckpt.pipeline.schema import LABEL_MAP_ROOT
from tfckpt.pipeline.tree import Field, Located, Message

BACKGROUND = "background"


@dataclass(frozen=True)
class LabelMapItem:
    """One ``item { ... }``.

    Attributes:
        id: the class id (0 when not written).
        name: ``name`` (``""`` when not written).
        display_name: ``display_name`` (``""`` when not written).
        line: line of the ``item`` keyword.
        column: column of the ``item`` keyword.
        message: the parsed block, for the position of each field.
    """

    id: int
    name: str
    display_name: str
    line: int
    column: int
    message: Message = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """How messages name the item: its name, else its display name, else ``id N``."""
        return repr(self.name or self.display_name) if (self.name or self.display_name) else f"id {self.id}"

    def position(self, name: str) -> Tuple[int, int]:
        """``(line, column)`` of field ``name``; the item's own when the field is not written."""
        written = self.message.get(name)
        return (written.line, written.column) if written else (self.line, self.column)


@dataclass(frozen=True)
class LabelMap:
    """A label map file: its items in file order."""

    file: str
    items: Tuple[LabelMapItem, ...]

    @property
    def classes(self) -> Tuple[LabelMapItem, ...]:
        """The items that are classes: all but an ``id: 0`` background item."""
        return tuple(item for item in self.items if item.id > 0)

    @property
    def max_id(self) -> int:
        """The largest id (0 for an empty label map)."""
        return max((item.id for item in self.items), default=0)


def _item(written: Field) -> LabelMapItem:
    message: Message = written.value
    values = {name: message.get(name) for name in ("id", "name", "display_name")}
    return LabelMapItem(
        id=values["id"].value if values["id"] else 0,
        name=values["name"].value if values["name"] else "",
        display_name=values["display_name"].value if values["display_name"] else "",
        line=written.line, column=written.column, message=message)


def check_label_map(label_map: LabelMap) -> Tuple[ConfigError, ...]:
    """Every problem with the ids and names of ``label_map``, in file order (not raised).

    Problems: an item without an id or with an id below 1 (``id: 0`` is allowed only for an item
    named ``background``), an id used twice, a name used twice, an item with neither name nor
    display name, no items at all.
    """
    if not label_map.items:
        return (ConfigError(label_map.file, 0, 0, "the label map has no items",
                            "add one item { id: N name: '...' } per class, ids from 1", "label-map-empty"),)
    found: List[ConfigError] = []
    first_id: Dict[int, LabelMapItem] = {}
    first_name: Dict[str, LabelMapItem] = {}
    for item in label_map.items:
        found += _id_problems(label_map, item, first_id.get(item.id))
        found += _name_problems(label_map.file, item, first_name.get(item.name))
        first_id.setdefault(item.id, item)
        if item.name:
            first_name.setdefault(item.name, item)
    return tuple(found)


def _id_problems(label_map: LabelMap, item: LabelMapItem, same_id: Optional[LabelMapItem]) -> List[ConfigError]:
    file, (line, column) = label_map.file, item.position("id")
    if item.message.get("id") is None:
        return [ConfigError(file, line, column, f"item {item.label} has no id", f"add id: {label_map.max_id + 1}",
                            "label-map-id")]
    if item.id < 0 or (item.id == 0 and BACKGROUND not in (item.name, item.display_name)):
        problem = (f"item {item.label} has id 0, which is reserved for the background" if item.id == 0
                   else f"item {item.label} has a negative id ({item.id})")
        return [ConfigError(file, line, column, problem,
                            "number the classes from 1 (only an item named 'background' may have id 0)",
                            "label-map-id")]
    if same_id is not None:
        return [ConfigError(file, line, column, f"id {item.id} is used twice: item {item.label} and item "
                            f"{same_id.label} (line {same_id.line})",
                            "give each class its own id; the Object Detection API keeps only the first",
                            "label-map-duplicate-id")]
    return []


def _name_problems(file: str, item: LabelMapItem, same_name: Optional[LabelMapItem]) -> List[ConfigError]:
    if not (item.name or item.display_name):
        return [ConfigError(file, item.line, item.column, f"item with id {item.id} has no name",
                            "add name: '...' (the class name in your TFRecords)", "label-map-name")]
    if item.name and same_name is not None:
        return [ConfigError(file, *item.position("name"), f"name {item.name!r} is used twice: ids {same_name.id} "
                            f"(line {same_name.line}) and {item.id}",
                            "give each class its own name; the Object Detection API maps the name to the last id",
                            "label-map-duplicate-name")]
    return []


def parse_label_map(text: str, path: str = "<string>", check: bool = True) -> LabelMap:
    """Parse label map text (message ``StringIntLabelMap``).

    Args:
        text: the file's contents.
        path: the file name to put in errors. Defaults to ``"<string>"``.
        check: raise the first problem :func:`check_label_map` finds. Defaults to ``True``.

    Raises:
        ConfigError: the text does not parse, or (with ``check``) its ids or names are wrong.
    """
    root = parse_text(text, path, LABEL_MAP_ROOT)
    label_map = LabelMap(path, tuple(_item(written) for written in root.get_all("item")))
    problems = check_label_map(label_map) if check else ()
    if problems:
        raise problems[0]
    return label_map


def load_label_map(path: str, check: bool = True) -> LabelMap:
    """Read and parse the label map at ``path``; see :func:`parse_label_map`."""
    return parse_label_map(read_text_file(str(path), "label map"), str(path), check)


def check_num_classes(label_map: LabelMap, num_classes: Union[int, Located]) -> Optional[Problem]:
    """Compare a label map with the config's ``num_classes``.

    Args:
        label_map: the label map.
        num_classes: ``model.<arch>.num_classes``, an int or the config's :class:`Located` value
            (then the finding names its line).

    Returns:
        None when they agree (ids up to ``num_classes``; gaps, as in COCO's 80 ids up to 90, are
        fine; so are ``num_classes`` items numbered from 0, whose id error is check_label_map's);
        else a :class:`~tfckpt.checkpoint.problems.Problem`: code
        ``label-map-exceeds-num-classes`` (an error: ids above ``num_classes`` are not learned)
        or ``num-classes-exceeds-label-map`` (a warning: classes the model never sees).
    """
    count = num_classes.value if isinstance(num_classes, Located) else num_classes
    where = f" ({num_classes.where})" if isinstance(num_classes, Located) and num_classes.is_set else ""
    max_id, classes = label_map.max_id, len(label_map.classes)
    if max_id > count:
        above = sum(1 for item in label_map.classes if item.id > count)
        return Problem("label-map-exceeds-num-classes", label_map.file,
                       f"the label map's ids go up to {max_id}, but num_classes is {count}{where}: "
                       f"{above} class{'es' if above != 1 else ''} above {count} will not be learned",
                       f"set num_classes: {max_id}" + (f", or renumber the {classes} items 1 to {classes}"
                                                       if classes < max_id else ""))
    # count the items meant as classes, not the highest id: items numbered from 0 are a wrong
    # numbering (check_label_map says so), not a missing class
    items = sum(1 for item in label_map.items if item.id > 0 or BACKGROUND not in (item.name, item.display_name))
    needed = max(max_id, items)
    if needed < count:
        missing = count - needed
        held = f"the label map's ids go up to {max_id}" if needed == max_id else \
            f"the label map has {items} classes (ids up to {max_id})"
        return Problem("num-classes-exceeds-label-map", label_map.file,
                       f"num_classes is {count}{where}, but {held}: the model "
                       f"gets {missing} class{'es' if missing != 1 else ''} it never sees",
                       f"set num_classes: {needed}, or add the missing classes to the label map", "warning")
    return None
