"""Property: however a valid config or label map is damaged, parsing it either succeeds or raises a
ConfigError -- never another exception -- that points inside the file, on one line."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfckpt.pipeline import ConfigError, parse_label_map, parse_pipeline_config

DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"
SOURCES = sorted((DATA / "real").iterdir()) + sorted((DATA / "valid").iterdir())
TEXTS = [(path.suffix == ".pbtxt", path.read_text(encoding="utf-8")) for path in SOURCES]
PIECES = ["{", "}", "<", ">", "[", "]", ":", ",", ";", '"', "'", "#", "\\", "\n", " ", "-", ".", "0", "1e", "x",
          "\u201c", "\u201d", "\u2018", "\ufeff", "\x00", "é", "num_classes", "train_config", "model", "ssd {",
          "faster_rcnn", "item", "id: 0", "true", "inf", "nan", "V2", "'a\\tb'", '"\\x"', "\\U0011ffff", "0x", "09",
          "-", "[]", "{}", "batch_size: 1.5", "label_map_path: C:\\data\\x"]
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def damaged(draw):
    """A real or valid file with 1 to 4 random edits: deletions, insertions, replacements, moved tokens."""
    is_label_map, text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 12)))
        edit = draw(st.sampled_from(["delete", "insert", "replace", "move"]))
        if edit == "delete":
            text = text[:start] + text[end:]
        elif edit == "move":
            source = draw(st.integers(0, max(0, len(text) - 1)))
            text = text[:start] + text[source:source + draw(st.integers(1, 20))] + text[start:]
        else:
            piece = draw(st.sampled_from(PIECES) | st.text(max_size=4))
            text = text[:start] + piece + text[end if edit == "replace" else start:]
    return is_label_map, text


def check_error_points_inside(error: ConfigError, text: str) -> None:
    lines = text.split("\n")
    assert "\n" not in str(error)
    assert error.problem and error.code
    if error.line == 0:  # a finding about the whole file
        assert error.column == 0
        return
    assert 1 <= error.line <= len(lines), (error.line, len(lines))
    assert 1 <= error.column <= len(lines[error.line - 1]) + 1, (error.column, lines[error.line - 1])


@SETTINGS
@given(damaged())
def test_damaged_files_give_config_errors_only(case):
    is_label_map, text = case
    try:
        if is_label_map:
            parse_label_map(text, "labels.pbtxt")
        else:
            config = parse_pipeline_config(text, "pipeline.config")
            assert config.meta_architecture.path
    except ConfigError as error:
        check_error_points_inside(error, text)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_gives_a_config_error_or_a_config(text):
    try:
        parse_pipeline_config(text, "pipeline.config")
    except ConfigError as error:
        check_error_points_inside(error, text)
