"""The parse tree: every field's line and column, every text-format form the OD API's parser accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfckpt.pipeline import ConfigError, Message, parse_text
from tfckpt.pipeline.parser import read_text_file

FORMS = """# every form of text format
model: {
  ssd <
    num_classes: 3;
    feature_extractor { type: 'ssd_mobilenet_v2_keras', depth_multiplier: 1e0 }
  >
}
eval_config {
  metrics_set: ["coco_detection_metrics", 'coco_mask_metrics']
  keypoint_edge: [{ start: 0 end: 1 }, < start: 1, end: 2 >]
  keypoint_edge { start: 2 end: 0 }
  export_path: "exports/"
               'run-1'  # one string in two pieces
}
"""


@pytest.fixture
def root() -> Message:
    return parse_text(FORMS, "forms.config")


def test_top_level(root):
    assert (root.type_name, root.path, root.line, root.column, root.end_line) == (
        "TrainEvalPipelineConfig", "", 1, 1, 15)
    assert [field.name for field in root.fields] == ["model", "eval_config"]


def test_angle_brackets_colons_and_separators(root):
    model = root.get("model")
    assert (model.line, model.column, model.value.line, model.value.column, model.value.end_line) == (2, 1, 2, 8, 7)
    ssd = model.value.get("ssd")
    assert (ssd.value.path, ssd.value.line, ssd.value.column, ssd.value.end_line) == ("model.ssd", 3, 7, 6)
    assert ssd.value.get("num_classes").value == 3
    extractor = ssd.value.get("feature_extractor").value
    assert [(f.name, f.value, f.line, f.column) for f in extractor.fields] == [
        ("type", "ssd_mobilenet_v2_keras", 5, 25), ("depth_multiplier", 1.0, 5, 57)]


def test_lists_give_one_field_per_element_at_its_position(root):
    eval_config = root.get("eval_config").value
    assert [(f.value, f.line, f.column) for f in eval_config.get_all("metrics_set")] == [
        ("coco_detection_metrics", 9, 17), ("coco_mask_metrics", 9, 43)]
    edges = eval_config.get_all("keypoint_edge")
    line_10 = FORMS.split("\n")[9]
    assert [(f.line, f.column, f.value.get("start").value, f.value.get("end").value) for f in edges] == [
        (10, line_10.index("{") + 1, 0, 1), (10, line_10.index("<") + 1, 1, 2), (11, 3, 2, 0)]
    assert eval_config.get("keypoint_edge") is edges[-1]


def test_adjacent_strings_join(root):
    export = root.get("eval_config").value.get("export_path")
    assert (export.value, export.line, export.column) == ("exports/run-1", 12, 3)


def test_which_oneof(root):
    assert root.get("model").value.which_oneof("model").name == "ssd"
    assert root.get("eval_config").value.which_oneof("model") is None
    assert root.get("train_config") is None


def test_empty_text_is_an_empty_config():
    root = parse_text("# nothing yet\n")
    assert (root.fields, root.end_line) == ((), 2)


def test_label_map_root():
    root = parse_text("item { id: 1 name: 'a' }", root="StringIntLabelMap")
    assert root.get("item").value.type_name == "StringIntLabelMapItem"


def test_read_text_file_passes_os_errors_through(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text_file(str(tmp_path / "missing.config"))


@pytest.mark.parametrize("text, message", [
    ("model { ssd { num_classes: 3 } } }", "<string>:1:34: unexpected '}': no block is open here; delete it: the "
     "last block, model, was closed at line 1"),
    ("}", "<string>:1:1: unexpected '}': no block is open here; delete it, or add the '{' it should close"),
    ("model {", "<string>:1:7: the '{' of model is never closed (the file ends at line 1); add the missing '}' "
     "where the block ends"),
    ("model", "<string>:1:6: expected '{' after 'model' (DetectionModel is a message), found end of file; write "
     "model { ... }"),
    ("model { ssd: 3 }", "<string>:1:14: expected '{' after 'ssd' (Ssd is a message), found '3'; write ssd { ... }"),
    ("model { ssd [ ] }", "<string>:1:13: expected '{' after 'ssd' (Ssd is a message), found '['; write ssd { ... }"),
    ("eval_config { keypoint_edge: [{ start: 0 }, 3] }",
     "<string>:1:45: expected '{' in the list of 'keypoint_edge', found '3'; write keypoint_edge: [{ ... }, { ... }]"),
    ("eval_config { metrics_set: ['a', ] }", "<string>:1:34: expected the value of 'metrics_set' (a quoted string), "
     "found ']'; write metrics_set: \"...\""),
    ("eval_config { metrics_set: ['a'", "<string>:1:32: expected ',' or ']' in the list of 'metrics_set' opened at "
     "line 1, found end of file; separate the values with ',' and end the list with ']'"),
    ("model { , }", "<string>:1:9: expected a field name in model (DetectionModel), found ','; write name: value or "
     "name { ... }"),
    ("model { ssd { num_classes: 3,, } }", "<string>:1:30: expected a field name in model.ssd (Ssd), found ','; "
     "write name: value or name { ... }"),
    ("[ext.field] { }", "<string>:1:1: expected a field name in the top level (TrainEvalPipelineConfig), found '['; "
     "write name: value or name { ... }"),
    ("model { ssd { similarity_calculator { iou_similarity { x: 1 } } } }", "<string>:1:56: unknown field 'x' in "
     "model.ssd.similarity_calculator.iou_similarity (IouSimilarity); IouSimilarity has no fields: write "
     "iou_similarity {}"),
    ("train_config { \u2018batch_size\u2019: 1 }", "<string>:1:16: curly quote \u2018 where a straight quote (') "
     "belongs (word processors and web pages turn quotes curly); replace it with a straight quote '"),
    ("model { ssd { num_classes: 3 } }\nmodel { faster_rcnn { num_classes: 3 } }", "<string>:2:1: 'model' is set "
     "twice in the top level (first at line 1, column 1); delete one: the Object Detection API silently keeps the "
     "last"),
])
def test_structure_errors(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_text(text)
    assert str(caught.value) == message


def test_not_utf8_error_names_line_and_column(tmp_path):
    path = tmp_path / "latin1.config"
    path.write_bytes(b"model {\n  ssd { num_classes: 3 }  # \xe9t\xe9\n}\n")
    with pytest.raises(ConfigError) as caught:
        read_text_file(str(path))
    assert (caught.value.line, caught.value.column, caught.value.code) == (2, 29, "not-utf8")
    assert Path(caught.value.file) == path
