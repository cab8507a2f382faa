"""Every kind of bad config and label map: the exact one-line message, with file:line:column.

Each fixture in tests/data/pipeline/bad/ is named after its mistake. The expected text follows the
file name (so each entry reads ``NAME:LINE:COLUMN: problem; fix``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tfckpt.pipeline import ConfigError, load_label_map, load_pipeline_config

BAD = Path(__file__).resolve().parents[1] / "data" / "pipeline" / "bad"

EXPECTED = {
    "angle_block_closed_with_brace.config": (
        "syntax", ":5:1: '}' cannot close the block model opened with '<' at line 1; write '>'"),
    "bom_at_start.config": (
        "byte-order-mark",
        ":1:1: the file starts with a byte-order mark (BOM), which the Object Detection API's parser rejects; save it "
        "as UTF-8 without BOM"),
    "bool_yes.config": ("wrong-type", ":2:17: 'use_bfloat16' takes true or false, not yes; write use_bfloat16: true"),
    "duplicate_num_classes.config": (
        "duplicate-field",
        ":31:5: 'num_classes' is set twice in model.faster_rcnn (first at line 3, column 5); delete one: the Object "
        "Detection API silently keeps the last"),
    "duplicate_train_config_block.config": (
        "duplicate-field",
        ":7:1: 'train_config' is set twice in the top level (first at line 1, column 1); delete one: the Object "
        "Detection API silently keeps the last"),
    "equals_instead_of_colon.config": (
        "syntax",
        ":4:29: expected ':' after 'second_stage_batch_size', found '='; write second_stage_batch_size: 32 (text "
        "format puts ':' between a name and its value)"),
    "field_in_wrong_block.config": (
        "unknown-field",
        ":4:5: unknown field 'fine_tune_checkpoint' in model.faster_rcnn (FasterRcnn); 'fine_tune_checkpoint' is a "
        "field of train_config (TrainConfig): move it there"),
    "field_one_level_too_high.config": (
        "unknown-field",
        ":6:7: unknown field 'pad_to_max_dimension' in model.ssd.image_resizer (ImageResizer); 'pad_to_max_dimension' "
        "is a field of model.ssd.image_resizer.keep_aspect_ratio_resizer (KeepAspectRatioResizer): move it there"),
    "float_for_int.config": (
        "wrong-type", ":2:15: 'batch_size' takes a whole number (uint32), not 2.0; write batch_size: 2"),
    "fraction_for_int.config": (
        "wrong-type",
        ":2:15: 'batch_size' takes a whole number (uint32), not 1.5; write a whole number, without a decimal point"),
    "int_out_of_range.config": (
        "out-of-range",
        ":4:32: 3000000000 is out of range for 'first_stage_max_proposals' (int32: -2147483648 to 2147483647); write "
        "a smaller number"),
    "label_map_duplicate_id.pbtxt": (
        "label-map-duplicate-id",
        ":10:3: id 2 is used twice: item 'bird' and item 'dog' (line 5); give each class its own id; the Object "
        "Detection API keeps only the first"),
    "label_map_duplicate_name.pbtxt": (
        "label-map-duplicate-name",
        ":7:3: name 'cat' is used twice: ids 1 (line 1) and 2; give each class its own name; the Object Detection API "
        "maps the name to the last id"),
    "label_map_empty.pbtxt": (
        "label-map-empty",
        ": the label map has no items; add one item { id: N name: '...' } per class, ids from 1"),
    "label_map_id_as_string.pbtxt": (
        "wrong-type", ":2:7: 'id' takes a whole number (int32), not a string ('1'); remove the quotes: id: 1"),
    "label_map_id_zero.pbtxt": (
        "label-map-id",
        ":2:3: item 'cat' has id 0, which is reserved for the background; number the classes from 1 (only an item "
        "named 'background' may have id 0)"),
    "label_map_missing_brace.pbtxt": (
        "unknown-field",
        ":5:1: unknown field 'item' in item (StringIntLabelMapItem); 'item' belongs at the top level: close item "
        "(opened at line 1) with '}' before this line, or move the field out of it"),
    "label_map_missing_id.pbtxt": ("label-map-id", ":5:1: item 'dog' has no id; add id: 2"),
    "label_map_missing_name.pbtxt": (
        "label-map-name",
        ":5:1: item with id 2 has no name; add name: '...' (the class name in your TFRecords)"),
    "label_map_negative_id.pbtxt": (
        "label-map-id",
        ":2:3: item 'cat' has a negative id (-1); number the classes from 1 (only an item named 'background' may have "
        "id 0)"),
    "label_map_smart_quotes.pbtxt": (
        "smart-quote",
        ":3:9: curly quote ‘ where a straight quote (') belongs (word processors and web pages turn quotes curly); "
        "write name: 'cat' with straight quotes"),
    "label_map_typo_field.pbtxt": (
        "unknown-field", ":3:3: unknown field 'nmae' in item (StringIntLabelMapItem); did you mean 'name'?"),
    "list_for_single_value.config": (
        "wrong-type",
        ":4:32: 'first_stage_max_proposals' takes one value, not a list; write first_stage_max_proposals: 300"),
    "list_missing_comma.config": (
        "syntax",
        ":5:45: expected ',' or ']' in the list of 'scales' opened at line 5, found '0.5'; separate the values with "
        "',' and end the list with ']'"),
    "lowercase_enum_value.config": (
        "unknown-enum-value",
        ":2:33: v2 is not a value of 'fine_tune_checkpoint_version' (CheckpointVersion); did you mean V2? valid "
        "values: UNKNOWN, V1, V2"),
    "message_given_value.config": (
        "wrong-type",
        ":4:20: expected '{' after 'image_resizer' (ImageResizer is a message), found \"fixed_shape_resizer\"; write "
        "image_resizer { fixed_shape_resizer { ... } }"),
    "missing_closing_brace.config": (
        "unknown-field",
        ":8:1: unknown field 'train_config' in model (DetectionModel); 'train_config' belongs at the top level: close "
        "model (opened at line 1) with '}' before this line, or move the field out of it"),
    "missing_colon.config": (
        "syntax",
        ":4:29: expected ':' after 'second_stage_batch_size', found '32'; write second_stage_batch_size: 32"),
    "negative_batch_size.config": (
        "out-of-range",
        ":2:15: 'batch_size' takes a whole number of 0 or more (uint32), not -8; write batch_size: 32"),
    "not_utf8.config": ("not-utf8", ":2:6: byte 0xe9 is not UTF-8 text; save the file as UTF-8"),
    "quoted_enum_value.config": (
        "wrong-type",
        ":2:33: 'fine_tune_checkpoint_version' takes one of UNKNOWN, V1, V2, not a string (\"V2\"); remove the "
        "quotes: fine_tune_checkpoint_version: V2"),
    "quoted_field_name.config": (
        "syntax",
        ":2:3: the field name \"batch_size\" is in quotes; write batch_size without quotes (text format is not JSON)"),
    "smart_quote_closing_only.config": (
        "unclosed-string",
        ":2:25: the string \"pretrained/checkpoint/ckpt-0” is not closed on this line; it ends with the curly quote "
        "”: replace it with a straight \""),
    "smart_quotes.config": (
        "smart-quote",
        ":2:25: curly quote “ where a straight quote (\") belongs (word processors and web pages turn quotes curly); "
        "write fine_tune_checkpoint: \"pretrained/checkpoint/ckpt-0\" with straight quotes"),
    "string_for_int.config": (
        "wrong-type",
        ":3:18: 'num_classes' takes a whole number (int32), not a string (\"3\"); remove the quotes: num_classes: 3"),
    "string_not_closed.config": (
        "unclosed-string",
        ":2:25: the string \"pretrained/checkpoint/ckpt-0 is not closed on this line; end it with \" before the end "
        "of the line"),
    "two_learning_rates_oneof.config": (
        "oneof-conflict",
        ":6:9: 'constant_learning_rate' and 'cosine_decay_learning_rate' (line 5) are both set in "
        "train_config.optimizer.momentum_optimizer.learning_rate, but only one of constant_learning_rate, "
        "exponential_decay_learning_rate, manual_step_learning_rate, cosine_decay_learning_rate may be (oneof "
        "learning_rate); keep one of them: the Object Detection API silently uses the last"),
    "two_meta_architectures_oneof.config": (
        "oneof-conflict",
        ":3:3: 'faster_rcnn' and 'ssd' (line 2) are both set in model, but only one of faster_rcnn, ssd, "
        "experimental_model, center_net may be (oneof model); keep one of them: the Object Detection API silently "
        "uses the last"),
    "two_optimizers_oneof.config": (
        "oneof-conflict",
        ":7:5: 'adam_optimizer' and 'momentum_optimizer' (line 3) are both set in train_config.optimizer, but only "
        "one of rms_prop_optimizer, momentum_optimizer, adam_optimizer may be (oneof optimizer); keep one of them: "
        "the Object Detection API silently uses the last"),
    "typo_in_wrong_block.config": (
        "unknown-field",
        ":4:5: unknown field 'fine_tune_checkpiont' in model.ssd (Ssd); did you mean 'fine_tune_checkpoint', a field "
        "of train_config (TrainConfig)?"),
    "typo_num_clases.config": (
        "unknown-field",
        ":3:5: unknown field 'num_clases' in model.faster_rcnn (FasterRcnn); did you mean 'num_classes'?"),
    "typo_top_level_block.config": (
        "unknown-field",
        ":60:1: unknown field 'train_configs' in the top level (TrainEvalPipelineConfig); did you mean "
        "'train_config'?"),
    "unclosed_brace.config": (
        "unclosed-block",
        ":88:19: the '{' of eval_input_reader is never closed (the file ends at line 93); add the missing '}' where "
        "the block ends"),
    "unexpected_closing_brace.config": (
        "unexpected-brace",
        ":6:1: unexpected '}': no block is open here; delete it: the last block, model, was closed at line 5"),
    "unexpected_end_after_colon.config": (
        "unexpected-eof",
        ":2:14: the file ends where the value of 'batch_size' should be; write batch_size: 32"),
    "unknown_enum_value.config": (
        "unknown-enum-value",
        ":4:24: SOFTMAXX is not a value of 'score_converter' (PostProcessing.ScoreConverter); did you mean SOFTMAX? "
        "valid values: IDENTITY, SIGMOID, SOFTMAX"),
    "unknown_field_newer_odapi.config": (
        "unknown-field",
        ":6:7: unknown field 'weight_decay' in train_config.optimizer.adam_optimizer (AdamOptimizer); check the "
        "spelling (or the config is for a newer Object Detection API than tfckpt knows); AdamOptimizer has "
        "learning_rate, epsilon"),
    "unquoted_checkpoint_type.config": (
        "unquoted-string",
        ":3:30: the value of 'fine_tune_checkpoint_type' must be in quotes: detection; write "
        "fine_tune_checkpoint_type: \"detection\""),
    "unquoted_colab_path.config": (
        "unquoted-string",
        ":3:17: the value of 'input_path' must be in quotes: /content/data/train.record; write input_path: "
        "\"/content/data/train.record\""),
    "unquoted_windows_path.config": (
        "unquoted-string",
        ":4:17: the value of 'input_path' must be in quotes: C:\\data\\train.record; write input_path: "
        "\"C:/data/train.record\""),
    "value_given_block.config": (
        "wrong-type", ":3:17: 'num_classes' takes a whole number (int32), not a block; write num_classes: 1"),
    "windows_path_single_backslashes.config": (
        "windows-path",
        ":2:19: the path \"C:\\data\\label_map.pbtxt\" has single backslashes, which start escapes in a quoted string "
        "('\\d' is not a valid escape); write label_map_path: \"C:/data/label_map.pbtxt\" (forward slashes work on "
        "Windows too) or double each backslash"),
    "windows_path_tab_escape.config": (
        "windows-path",
        ":2:25: the path \"D:\\train\\ckpt-0\" has single backslashes, which start escapes in a quoted string ('\\t' "
        "reads as a tab); write fine_tune_checkpoint: \"D:/train/ckpt-0\" (forward slashes work on Windows too) or "
        "double each backslash"),
    "word_for_float.config": (
        "wrong-type",
        ":4:33: 'momentum_optimizer_value' takes a number, not high; write momentum_optimizer_value: 0.9"),
}


def load(name: str):
    return load_label_map(name) if name.endswith(".pbtxt") else load_pipeline_config(name)


def test_every_fixture_has_an_expected_message():
    assert sorted(path.name for path in BAD.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gives_exact_error(name, monkeypatch):
    monkeypatch.chdir(BAD)
    code, message = EXPECTED[name]
    with pytest.raises(ConfigError) as caught:
        load(name)
    error = caught.value
    assert str(error) == name + message
    assert error.code == code
    assert "\n" not in str(error)
    assert (error.file, error.path) == (name, f"{name}:{error.line}:{error.column}" if error.line else name)
    assert isinstance(error, ValueError)
