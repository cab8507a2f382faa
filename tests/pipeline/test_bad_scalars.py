"""Numbers, blanks and odd characters in configs and label maps: read as protobuf's text format
reads them (the OD API's parser, run here as the oracle), with errors that stay one short line
however long the token, and files past the size limit refused before they are parsed."""

from __future__ import annotations

import math
import struct
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protobuf_oracle import build_classes, merge

from tfckpt.pipeline import ConfigError, load_label_map, load_pipeline_config, parse_label_map, parse_text
from tfckpt.pipeline.parser import MAX_TEXT_BYTES

ROOT = "TrainEvalPipelineConfig"
FLOAT = "train_config {{ optimizer {{ adam_optimizer {{ learning_rate {{ constant_learning_rate {{ learning_rate: {} " \
        "}} }} }} }} }}"
UINT32 = "train_config {{ batch_size: {} }}"
INT32 = "model {{ faster_rcnn {{ first_stage_max_proposals: {} }} }}"
SETTINGS = settings(max_examples=200, deadline=timedelta(seconds=2), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def classes():
    return build_classes()


def tfckpt_value(text: str):
    """The one scalar in ``text`` as tfckpt reads it, or the ConfigError."""
    try:
        tree = parse_text(text, "pipeline.config")
    except ConfigError as error:
        return error
    while tree.fields and not isinstance(tree.fields[0].value, (int, float)):
        tree = tree.fields[0].value
    return tree.fields[0].value


def protobuf_value(classes, text: str):
    result = merge(classes, ROOT, text)
    if isinstance(result, Exception):
        return result
    message = result
    while True:
        fields = message.ListFields()
        value = fields[0][1]
        if isinstance(value, (int, float)):
            return value
        message = value


def as_float32(value: float) -> float:
    """What a protobuf ``float`` field stores: float32, so 5e79 becomes inf (tfckpt keeps the
    value as written, a double; the OD API sees the float32)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def same(ours, theirs) -> bool:
    if isinstance(ours, Exception) or isinstance(theirs, Exception):
        return isinstance(ours, Exception) and isinstance(theirs, Exception)
    if isinstance(ours, float) and math.isnan(ours):
        return math.isnan(theirs)
    if isinstance(ours, float):
        ours = as_float32(ours)
    return ours == pytest.approx(theirs, rel=1e-6) or (math.isinf(ours) and ours == theirs)


FLOAT_FORMS = ["nanf", "NaN", "-nanf", "nanff", "inf", "inff", "-infinityf", "Infinity", "+inf", "05", "-05",
               "+05", "5e79", "-3.5e38", "00", "0", "0.5", "-0.5", "1_0", "1.5f", "1.5ff", "1e-4", "1e400", ".5",
               "5.", "0x1", "1e", "+05.5", "1" * 400 + "x", "0e5"]
INT_FORMS = ["0x1F", "0b11", "0o7", "1_000", "+010", "-010", "010", "09", "-0", "+5", "0", "4294967295",
             "4294967296", "1" * 5000, "1.0", "1e3", "nan"]


@pytest.mark.parametrize("token", FLOAT_FORMS)
def test_float_forms_agree_with_protobuf(classes, token):
    text = FLOAT.format(token)
    assert same(tfckpt_value(text), protobuf_value(classes, text)), token


@pytest.mark.parametrize("token", INT_FORMS, ids=lambda token: token[:12])
@pytest.mark.parametrize("template", [UINT32, INT32], ids=["uint32", "int32"])
def test_integer_forms_agree_with_protobuf(classes, template, token):
    text = template.format(token)
    assert same(tfckpt_value(text), protobuf_value(classes, text)), token


NUMBER_TOKENS = (st.from_regex(r"\A(?:[0-9+-]|\.[0-9])[0-9a-fA-FxXoObBnNiItTyY_.+-]{0,10}\Z")
                 | st.from_regex(r"\A(?:inf|nan|infinity|Inf|NaN)[fF]{0,2}\Z"))


@SETTINGS
@given(NUMBER_TOKENS, st.sampled_from([FLOAT, UINT32, INT32]))
def test_any_number_token_reads_as_protobuf_reads_it(classes, token, template):
    text = template.format(token)
    ours, theirs = tfckpt_value(text), protobuf_value(classes, text)
    assert same(ours, theirs), (token, ours, theirs)


def test_an_integer_past_pythons_digit_limit_is_out_of_range():
    error = tfckpt_value(UINT32.format("1" * 5000))
    assert isinstance(error, ConfigError) and error.code == "out-of-range"
    assert str(error).startswith("pipeline.config:1:28: " + "1" * 60 + "... (5,000 characters) is out of range")


def test_a_long_run_of_digits_and_a_letter_is_an_error_of_one_short_line():
    """The old float pattern backtracked over every split of the digits (40,000 digits: 40 s)."""
    error = tfckpt_value(FLOAT.format("1" * 40_000 + "x"))
    assert isinstance(error, ConfigError)
    assert "(40,001 characters)" in str(error) and len(str(error)) < 300


def test_a_float_with_a_leading_zero_is_read_as_the_installed_protobuf_reads_it(classes):
    """protobuf 5 and later reject it ("Invalid octal float"); protobuf 4 (TF 2.15) reads 5.0."""
    error = tfckpt_value(FLOAT.format("05"))
    theirs = protobuf_value(classes, FLOAT.format("05"))
    if not isinstance(theirs, Exception):
        assert error == theirs == 5.0
        return
    assert str(error) == ('pipeline.config:1:101: 05 starts with a 0 and another digit, which the Object Detection '
                          'API\'s parser rejects in a float ("Invalid octal float"); write learning_rate: 5')


def test_a_no_break_space_is_a_blank_as_for_protobuf(classes):
    text = "train_config {\u00a0batch_size:\u00a01 }"
    assert tfckpt_value(text) == protobuf_value(classes, text) == 1


@pytest.mark.parametrize("char, named", [("\u200b", "U+200B ZERO WIDTH SPACE"),
                                         ("\x00", "U+0000 (a control character)"), ("\u2060", "U+2060 WORD JOINER")])
def test_an_invisible_character_is_named(classes, char, named):
    text = f"train_config {{{char}batch_size: 1 }}"
    error = tfckpt_value(text)
    assert isinstance(protobuf_value(classes, text), Exception)
    assert str(error) == (f"pipeline.config:1:15: expected a field name in train_config (TrainConfig), found {named}; "
                          "write name: value or name { ... }")


def test_a_long_unknown_field_name_is_clipped():
    with pytest.raises(ConfigError) as caught:
        parse_text("x" * 100_000 + ": 1", "pipeline.config")
    assert "... (100,000 characters)" in str(caught.value) and len(str(caught.value)) < 600


@pytest.mark.parametrize("load, name", [(load_pipeline_config, "pipeline.config"), (load_label_map, "label map")])
def test_a_file_past_the_size_limit_is_refused_before_parsing(tmp_path, load, name):
    path = tmp_path / "big.txt"
    path.write_bytes(b"#" * (MAX_TEXT_BYTES + 1))
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert caught.value.code == "file-too-large"
    assert str(caught.value) == (
        f"{path}: is 1,048,577 bytes; tfckpt reads a {name} of at most 1,048,576 bytes (1 MiB), far more than any "
        f"real one; check that this is the {name} you meant (a TFRecord or a log written over it?)")


def test_a_file_at_the_size_limit_is_read(tmp_path):
    item = "item { id: 1 name: 'cat' }\n"
    path = tmp_path / "labels.pbtxt"
    path.write_text(item + "#" * (MAX_TEXT_BYTES - len(item) - 1) + "\n")
    assert [entry.name for entry in load_label_map(str(path)).items] == ["cat"]
    assert parse_label_map(item, "labels.pbtxt").max_id == 1
