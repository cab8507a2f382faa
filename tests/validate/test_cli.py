"""``tfckpt validate`` on the command line: golden text under NO_COLOR, the JSON document against its
schema, exit codes 0/1/2/3, colour, and the config errors that stop it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tfckpt.cli.main import main
from tfckpt.cli.validate_render import render_text, use_colour
from tfckpt.validate import validate

from validate_helpers import CKPT2

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
README = Path(__file__).resolve().parents[2] / "README.md"
REAL_CONFIG = "finetune_frcnn_irv2_3cls_momentum.config"
EVAL_INPUT = 'num_epochs: 1\n  tf_record_input_reader { input_path: "data/train.tfrecord" }'

# The --json document, as a small JSON-schema-like description checked by hand (no dependency).
FINDING_SCHEMA = {"id": str, "severity": ("error", "warning", "info"), "message": str, "file": (str, type(None)),
                  "line": (int, type(None)), "hint": str}


def check_document(document: dict) -> None:
    """Assert ``document`` is exactly ``{"schema_version": 1, "ok": bool, "findings": [...]}``."""
    assert list(document) == ["schema_version", "ok", "findings"]
    assert document["schema_version"] == 1
    assert isinstance(document["ok"], bool) and isinstance(document["findings"], list)
    for finding in document["findings"]:
        assert list(finding) == list(FINDING_SCHEMA)
        for key, allowed in FINDING_SCHEMA.items():
            value = finding[key]
            if isinstance(allowed, tuple) and isinstance(allowed[0], str):
                assert value in allowed, (key, value)
            else:
                assert isinstance(value, allowed) and not isinstance(value, bool), (key, value)
        assert finding["message"] and finding["id"]
    assert document["ok"] == all(finding["severity"] != "error" for finding in document["findings"])


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def test_real_fine_tune_config_pointing_at_ckpt_1_is_golden(capsys, workspace):
    workspace.config(name=REAL_CONFIG)
    code, out, err = run(capsys, "validate", REAL_CONFIG)
    assert (code, out) == (1, "")
    assert err == (GOLDEN / "validate_finetune_ckpt1.txt").read_text()


def test_grouped_output_with_a_resume_is_golden(capsys, workspace):
    config = workspace.config({**CKPT2, EVAL_INPUT: EVAL_INPUT.replace("train", "val")})
    code, out, err = run(capsys, "validate", config, "--model-dir", "ckpts/frcnn_irv2_90cls_momentum")
    assert (code, out) == (1, "")
    assert err == (GOLDEN / "validate_resume.txt").read_text()


def test_readme_example_is_the_real_output():
    readme = README.read_text()
    block = (GOLDEN / "validate_finetune_ckpt1.txt").read_text().replace(
        REAL_CONFIG, "pipeline.config")
    assert "$ tfckpt validate pipeline.config\n" + block in readme


@pytest.mark.parametrize("replacements, exit_code", [({}, 1), (CKPT2, 0)], ids=["errors", "clean"])
def test_json_document_matches_its_schema(capsys, workspace, replacements, exit_code):
    code, out, err = run(capsys, "validate", workspace.config(replacements), "--json")
    document = json.loads(out)
    check_document(document)
    assert (code, err, document["ok"]) == (exit_code, "", exit_code == 0)
    assert [finding["id"] for finding in document["findings"]] == (
        ["restores-nothing"] if exit_code else ["heads-start-fresh", "optimizer-not-restored"])


def test_json_finding_fields(capsys, workspace):
    _, out, _ = run(capsys, "validate", workspace.config(), "--json")
    [finding] = json.loads(out)["findings"]
    assert finding == {**validate(workspace.config()).findings[0].to_dict(), "file": "pipeline.config", "line": 78}


def test_clean_config_exits_0_and_says_so(capsys, workspace):
    code, out, err = run(capsys, "validate", workspace.config(CKPT2))
    assert (code, out) == (0, "")
    assert err.endswith("\n0 errors, 0 warnings, 2 info: no errors\n")


@pytest.mark.parametrize("argv", [["validate"], ["validate", "a.config", "b", "c"], ["validate", "--bogus", "x"]],
                         ids=["no-config", "extra-argument", "unknown-option"])
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("usage: tfckpt") and "error:" in err


@pytest.mark.parametrize("text, expected", [
    (None, "tfckpt: error: missing.config: no such file; pass the pipeline.config first, then the checkpoint\n"),
    ("model { faster_rcnn { num_clases: 3 } }\n",
     "tfckpt: error: missing.config:1:23: unknown field 'num_clases' in model.faster_rcnn (FasterRcnn); did you mean "
     "'num_classes'?\n"),
], ids=["no-such-file", "does-not-parse"])
def test_unreadable_config_is_one_line_and_exit_3(capsys, tmp_path, monkeypatch, text, expected):
    monkeypatch.chdir(tmp_path)
    if text is not None:
        (tmp_path / "missing.config").write_text(text)
    code, out, err = run(capsys, "validate", "missing.config")
    assert (code, out, err) == (3, "", expected)


def test_a_directory_given_as_config_exits_3(capsys, workspace):
    code, _, err = run(capsys, "validate", "ckpts")
    assert (code, err) == (3, "tfckpt: error: ckpts: is a directory, not a pipeline.config file; pass the file "
                              "itself, e.g. ckpts/pipeline.config\n")


def test_colour_only_on_a_terminal_without_no_color(monkeypatch, workspace):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert use_colour(Terminal()) is False  # NO_COLOR is set by the autouse fixture
    monkeypatch.delenv("NO_COLOR")
    assert use_colour(Terminal()) is True
    assert use_colour(io.StringIO()) is False
    text = render_text(validate(workspace.config()), colour=True)
    assert "\033[1;31merrors:\033[0m" in text and "\033[32mfix:\033[0m" in text


def test_help_lists_the_exit_codes(capsys):
    code, out, _ = run(capsys, "validate", "--help")
    assert code == 0
    assert "3  the config itself cannot be read or does not parse" in out


@pytest.mark.parametrize("text, problem", [
    ("", "the config is empty"),
    ("# only a comment\n", "the config is empty"),
    ("train_config { batch_size: 2 }\n", "the config has no model { ... } block"),
])
def test_a_config_without_a_model_is_an_error_finding(capsys, monkeypatch, tmp_path, text, problem):
    """The OD API's model builder cannot build anything from it; validate must not say 'no errors'."""
    monkeypatch.setenv("NO_COLOR", "1")
    config = tmp_path / "pipeline.config"
    config.write_text(text)
    code, out, err = run(capsys, "validate", str(config), "--json")
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert (finding["id"], finding["severity"], finding["file"]) == ("no-model", "error", str(config))
    assert finding["message"] == (f"{problem}: model_main_tf2 fails before training, as the Object Detection API "
                                  "cannot build a model from it (ValueError: Unknown meta architecture: None)")
