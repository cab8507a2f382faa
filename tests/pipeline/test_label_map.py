"""Label maps: items with positions, every id and name problem found, and the num_classes comparison."""

from __future__ import annotations

import pytest

from tfckpt.pipeline import Located, check_label_map, check_num_classes, parse_label_map

MANY_PROBLEMS = """item { id: 1 name: 'cat' }
item { id: 0 name: 'dog' }
item { id: 1 name: 'bird' }
item { id: 3 name: 'cat' }
item { id: 4 }
"""


def test_items_and_properties():
    label_map = parse_label_map("item { id: 0 name: 'background' }\nitem {\n  id: 5\n  display_name: 'Cat'\n}\n")
    assert [(i.id, i.name, i.display_name, i.line, i.column) for i in label_map.items] == [
        (0, "background", "", 1, 1), (5, "", "Cat", 2, 1)]
    assert (label_map.max_id, [item.id for item in label_map.classes]) == (5, [5])
    assert label_map.items[1].position("id") == (3, 3)
    assert label_map.items[1].position("name") == (2, 1)


def test_check_finds_every_problem_in_file_order():
    label_map = parse_label_map(MANY_PROBLEMS, "labels.pbtxt", check=False)
    assert [str(error) for error in check_label_map(label_map)] == [
        "labels.pbtxt:2:8: item 'dog' has id 0, which is reserved for the background; number the classes from 1 "
        "(only an item named 'background' may have id 0)",
        "labels.pbtxt:3:8: id 1 is used twice: item 'bird' and item 'cat' (line 1); give each class its own id; "
        "the Object Detection API keeps only the first",
        "labels.pbtxt:4:14: name 'cat' is used twice: ids 1 (line 1) and 3; give each class its own name; the "
        "Object Detection API maps the name to the last id",
        "labels.pbtxt:5:1: item with id 4 has no name; add name: '...' (the class name in your TFRecords)",
    ]
    assert [error.to_problem().code for error in check_label_map(label_map)] == [
        "label-map-id", "label-map-duplicate-id", "label-map-duplicate-name", "label-map-name"]


def test_parse_raises_the_first_problem():
    with pytest.raises(ValueError, match="labels.pbtxt:2:8: item 'dog' has id 0"):
        parse_label_map(MANY_PROBLEMS, "labels.pbtxt")


def labels(*ids: int):
    return parse_label_map("".join(f"item {{ id: {i} name: 'c{i}' }}\n" for i in ids), "labels.pbtxt")


@pytest.mark.parametrize("ids, num_classes", [((1, 2, 3), 3), ((1, 3), 3), ((3, 1, 2), 3)])
def test_num_classes_agree(ids, num_classes):
    assert check_num_classes(labels(*ids), num_classes) is None


def test_background_item_is_not_a_class():
    label_map = parse_label_map("item { id: 0 name: 'background' } item { id: 1 name: 'a' }")
    assert check_num_classes(label_map, 1) is None


def test_ids_above_num_classes():
    problem = check_num_classes(labels(1, 2, 5), Located(2, "model.ssd.num_classes", "pipeline.config", 3, 5))
    assert problem.line() == (
        "labels.pbtxt: the label map's ids go up to 5, but num_classes is 2 (pipeline.config:3:5): 1 class above 2 "
        "will not be learned; set num_classes: 5, or renumber the 3 items 1 to 3")
    assert problem.severity == "error"


def test_num_classes_above_ids():
    problem = check_num_classes(labels(1, 2), Located(3, "model.ssd.num_classes", "pipeline.config"))
    assert (problem.code, problem.severity) == ("num-classes-exceeds-label-map", "warning")
    assert problem.message == (
        "num_classes is 3, but the label map's ids go up to 2: the model gets 1 class it never sees")
