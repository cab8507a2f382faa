"""The experiment YAML reader: lines and columns, Model Garden's scalars, and hostile files.

Property: any bytes, and any damage to a real params.yaml, end in a tree or a ConfigError that
points inside the file -- never another exception, and in bounded time (the limits cap the work)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfckpt.modelgarden.config import parse_experiment_config
from tfckpt.modelgarden.yaml_reader import MAX_BYTES, MAX_DEPTH, find, read_yaml, read_yaml_file
from tfckpt.pipeline.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "modelgarden_params"
REAL = sorted(DATA.glob("*.params.yaml"))
TEXTS = [path.read_text(encoding="utf-8") for path in REAL]
PIECES = [":", "- ", "[", "]", "{", "}", "&a ", "*a", "<<: *a", "!!python/object:os.system ", "!!binary ", "\t",
          "\n", "  ", "'", '"', "#", "---\n", "...\n", "? ", "1e-4", ".inf", "null", "~", "0x1f", "2001-01-01", "\x00",
          "\ufeff", "é", "num_classes: ", "task:\n", "model:", "[[[[", "%YAML 1.1\n", "!!map ", "!!seq ", "!!str "]
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_real_params_yaml_keeps_lines():
    tree = read_yaml_file(str(DATA / "retinanet_finetune_4.params.yaml"))
    lines = (DATA / "retinanet_finetune_4.params.yaml").read_text().splitlines()
    classes = find(tree, "task.model.num_classes")
    assert classes.value == 4
    assert lines[classes.line - 1].strip() == "num_classes: 4"
    modules = find(tree, "task.init_checkpoint_modules")
    assert [item.value for item in modules.value] == ["backbone", "decoder"]


@pytest.mark.parametrize("text, value", [("a: 1e-4\n", 1e-4), ("a: 1.5\n", 1.5), ("a: 1_000\n", 1000),
                                         ("a: null\n", None), ("a: yes\n", True), ("a: '4'\n", "4"),
                                         ("a: 2001-01-01\n", "2001-01-01")])
def test_scalars_read_as_model_garden_reads_them(text, value):
    assert read_yaml(text).items["a"].value == value


@pytest.mark.parametrize("text, code", [
    ("- 1\n", "not-a-mapping"),
    ("4\n", "not-a-mapping"),
    ("", "empty"),
    ("a: 1\n---\nb: 2\n", "syntax"),
    ("a: &a [*a]\n", "recursive-alias"),
    ("a: &a {<<: *a}\n", "recursive-alias"),
    ("a: 1\na: 2\n", "duplicate-key"),
    ("1: a\n", "bad-key"),
    ("? [1]\n: 2\n", "bad-key"),
    ("x: !!python/object:os.system a\n", "unsupported-value"),
    ("x: !!python/tuple [1]\n", "unsupported-tag"),
    ("a: " + "[" * 5000, "too-deep"),
    ("a:" + " [" * (MAX_DEPTH + 2) + " ]" * (MAX_DEPTH + 2) + "\n", "too-deep"),
])
def test_hostile_and_wrong_documents_are_config_errors(text, code):
    with pytest.raises(ConfigError) as caught:
        read_yaml(text, "x.yaml")
    assert caught.value.code == code
    assert str(caught.value).startswith("x.yaml")


def test_alias_bomb_stops_at_the_value_limit():
    lines = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    with pytest.raises(ConfigError) as caught:
        read_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert caught.value.code == "too-many-values"


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: 1\n" + b"# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ConfigError) as caught:
        read_yaml_file(str(path))
    assert caught.value.code == "too-large"


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:2: byte 0xff is not UTF-8"):
        read_yaml_file(str(path))


def _points_inside(error: ConfigError, text: str) -> None:
    assert "\n" not in str(error) and error.problem and error.code
    if error.line:
        assert 1 <= error.line <= text.count("\n") + 2


@st.composite
def damaged(draw):
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 16)))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=4))
        text = text[:start] + piece + text[end:]
    return text


@SETTINGS
@given(damaged())
def test_damaged_params_yaml_gives_a_config_or_a_config_error(text):
    try:
        parse_experiment_config(text, "params.yaml")
    except ConfigError as error:
        _points_inside(error, text)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_give_a_tree_or_a_config_error(data):
    text = data.decode("utf-8", "replace")
    try:
        read_yaml(text, "x.yaml")
    except ConfigError as error:
        _points_inside(error, text)
