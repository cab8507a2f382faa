"""Scalar values as protobuf text format reads them, and the errors for values of the wrong type."""

from __future__ import annotations

import math

import pytest
from google.protobuf import text_format

from tfckpt.pipeline import ConfigError, parse_text


def value(message: str, field: str, text: str):
    """Parse ``field: text`` inside ``message`` (a block path such as "train_config") and return it."""
    blocks = message.split(".")
    source = " ".join(f"{block} {{" for block in blocks) + f" {field}: {text} " + "}" * len(blocks)
    node = parse_text(source)
    for block in blocks:
        node = node.get(block).value
    found = node.get_all(field)
    return found[0].value if len(found) == 1 else [item.value for item in found]


NMS = "model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression"
FRCNN = "model.faster_rcnn"


@pytest.mark.parametrize("text, expected", [
    ("0.5", 0.5), ("1e-4", 1e-4), ("-1", -1.0), ("3", 3.0), (".5", 0.5), ("5.", 5.0), ("1.0f", 1.0), ("2F", 2.0),
    ("1E+3", 1000.0), ("inf", math.inf), ("-inf", -math.inf), ("Infinity", math.inf), ("-infinityf", -math.inf),
    ("inff", math.inf),
])
def test_floats(text, expected):
    try:  # '2F' is a float from protobuf 5 on; protobuf 4 (TF 2.15) strips only a lowercase 'f'
        text_format.ParseFloat(text)
    except ValueError:
        with pytest.raises(ConfigError, match="takes a number"):
            value(NMS, "score_threshold", text)
        return
    assert value(NMS, "score_threshold", text) == expected


def test_nan():
    assert math.isnan(value(NMS, "score_threshold", "nan"))


@pytest.mark.parametrize("text, expected", [
    ("300", 300), ("-1", -1), ("0x12C", 300), ("0454", 300), ("0", 0), ("+7", 7), ("2147483647", 2 ** 31 - 1),
    ("-2147483648", -(2 ** 31)),
])
def test_int32(text, expected):
    assert value(FRCNN, "first_stage_max_proposals", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("True", True), ("t", True), ("1", True), ("false", False), ("False", False), ("f", False),
    ("0", False),
])
def test_bools(text, expected):
    assert value("train_config", "use_bfloat16", text) is expected


@pytest.mark.parametrize("text, expected", [
    ('"a"', "a"), ("'a'", "a"), ('"a" \'b\'', "ab"), ('"a"\n  "b"', "ab"), ('"it\'s"', "it's"),
    ("'say \"hi\"'", 'say "hi"'),
    (r'"tab\there"', "tab\there"), (r'"\x41\101\u00e9\U0001F600"', "AAé\U0001F600"), (r'"\\\"\?"', '\\"?'),
    ('"caf\u00e9"', "café"), (r'"\303\251"', "é"), ('""', ""), ('"# not a comment"', "# not a comment"),
])
def test_strings(text, expected):
    assert value("eval_config", "eval_master", text) == expected


def test_enum_by_name_and_by_number():
    assert value("train_config", "fine_tune_checkpoint_version", "V2") == "V2"
    assert value("train_config", "fine_tune_checkpoint_version", "2") == 2  # numbers are kept; not checked


@pytest.mark.parametrize("text, expected", [
    ("[1, 2.5]", [1.0, 2.5]), ("[]", []), ("[ 0.25 ,0.5 ]", [0.25, 0.5]),
])
def test_repeated_lists(text, expected):
    assert value("model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator", "scales", text) == expected


def test_repeated_on_several_lines_and_lists_mix():
    text = "eval_config { metrics_set: 'a' metrics_set: ['b', 'c'] metrics_set: 'd' }"
    assert [f.value for f in parse_text(text).get("eval_config").value.get_all("metrics_set")] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("message, field, text, error", [
    (FRCNN, "first_stage_max_proposals", "1e3", "'first_stage_max_proposals' takes a whole number (int32), not 1e3"),
    (FRCNN, "first_stage_max_proposals", "08", "08 is not a number protobuf reads: a leading 0 makes it octal"),
    (FRCNN, "first_stage_max_proposals", "inf", "'first_stage_max_proposals' takes a whole number (int32), not inf"),
    (FRCNN, "first_stage_max_proposals", "2147483648", "2147483648 is out of range for 'first_stage_max_proposals'"),
    ("train_config", "batch_size", "4294967296",
     "4294967296 is out of range for 'batch_size' (uint32: 0 to 4294967295)"),
    (NMS, "score_threshold", "1.2.3", "'score_threshold' takes a number, not 1.2.3"),
    (NMS, "score_threshold", "'0.5'", "'score_threshold' takes a number, not a string ('0.5'); remove the quotes"),
    (NMS, "score_threshold", "- 1", "'score_threshold' takes a number, not -"),
    (NMS, "score_threshold", "}", "expected the value of 'score_threshold' (a number), found '}'"),
    ("train_config", "use_bfloat16", "2", "'use_bfloat16' takes true or false, not 2"),
    ("train_config", "use_bfloat16", "'true'", "not a string ('true'); remove the quotes: use_bfloat16: true"),
    ("train_config", "fine_tune_checkpoint_version", "1.5", "takes one of UNKNOWN, V1, V2, not 1.5"),
    ("eval_config", "eval_master", r'"\q"', r"""'\q' in "\q" is not a valid escape; write a backslash as \\"""),
    ("eval_config", "eval_master", r'"\xff"', "is not valid UTF-8 once its escapes are decoded"),
    ("eval_config", "eval_master", r'"\U00110000"', "is beyond the last Unicode character"),
    ("eval_config", "eval_master", r'"\ud800"', "is not valid UTF-8 once its escapes are decoded"),
    ("eval_config", "eval_master", '"a\\"', "is not closed on this line"),
    ("eval_config", "eval_master", "[1]", "'eval_master' takes one value, not a list"),
])
def test_value_errors(message, field, text, error):
    with pytest.raises(ConfigError) as caught:
        value(message, field, text)
    assert error in str(caught.value)


@pytest.mark.parametrize("field, text, error", [
    ("export_path", r'"runs\x41"', r"""the path "runs\x41" has single backslashes, which start escapes in a quoted """
     r"""string ('\x41' is read as an escape); write export_path: "runs/x41" (forward slashes work on Windows """
     "too) or double each backslash"),
    ("export_path", r'"C:\new"', r"""('\n' reads as a newline); write export_path: "C:/new" """),
    ("visualization_export_dir", r'"out\images"', r"""('\i' is not a valid escape); write """
     r"""visualization_export_dir: "out/images" """),
])
def test_backslashes_in_paths(field, text, error):
    with pytest.raises(ConfigError) as caught:
        value("eval_config", field, text)
    assert error.strip() in str(caught.value)
    assert caught.value.code == "windows-path"


def test_doubled_backslashes_in_paths_are_fine():
    assert value("eval_config", "export_path", r'"C:\\data\\out"') == "C:\\data\\out"
