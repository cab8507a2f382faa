"""`tfckpt diff` as a command: exact output, JSON, exit codes as diff(1), one-line errors, no TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diff_helpers import DATA, GOLDEN, REAL
from tfckpt.cli.main import main
from tfckpt.odapi.change_effects import EFFECTS

HEADLINE = ("frcnn_irv2_90cls_momentum.config", "finetune_frcnn_irv2_3cls_momentum.config")
ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(["diff", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_headline_text_is_golden(capsys, monkeypatch):
    monkeypatch.chdir(REAL)
    code, out, err = run(capsys, *HEADLINE)
    assert (code, err) == (1, "")
    assert out == (GOLDEN / "diff_frcnn_finetune.txt").read_text(encoding="utf-8")


def test_headline_json(capsys, monkeypatch):
    monkeypatch.chdir(REAL)
    code, out, err = run(capsys, *HEADLINE, "--json")
    report = json.loads(out)
    assert (code, err) == (1, "")
    assert list(report) == ["schema_version", "a", "b", "restore", "changes"]
    assert (report["schema_version"], report["a"], report["b"]) == (1, *HEADLINE)
    assert report["restore"] == {
        "kind": "detection", "restored": ["backbone"], "warnings": [],
        "summary": "B's fine_tune_checkpoint_type \"detection\" restores the two feature extractors of model "
                   "(_feature_extractor_for_*), not the heads"}
    for change in report["changes"]:
        assert list(change) == ["path", "a", "b", "a_line", "b_line", "kind", "effect", "note"]
        assert change["kind"] in ("changed", "added", "removed", "oneof") and change["effect"] in EFFECTS
    assert report["changes"][0] == {
        "path": "model.faster_rcnn.num_classes", "a": 90, "b": 3, "a_line": 3, "b_line": 3, "kind": "changed",
        "effect": "heads-start-fresh",
        "note": "the heads' widths follow num_classes (Faster R-CNN: num_classes + 1 class outputs, 4 box outputs "
                "per class)"}
    assert report["changes"][3] == {
        "path": "train_config.fine_tune_checkpoint_version", "a": "V1", "b": "V2", "a_line": None, "b_line": 80,
        "kind": "added", "effect": "restore-setting",
        "note": "a TF2 checkpoint needs V2; the default V1 fails under model_main_tf2"}
    assert [c["effect"] for c in report["changes"]] == ["heads-start-fresh"] + ["restore-setting"] * 3 + \
        ["harmless"] * 2


def test_no_differences_exit_0(capsys):
    a, b = REAL / "frcnn_irv2_90cls_momentum.config", DATA / "diff" / "frcnn_irv2_90cls_reformatted.config"
    code, out, err = run(capsys, a, b)
    assert (code, err) == (0, "")
    assert out == (f"A  {a}\nB  {b}\nno differences (comments, formatting, field order and values written equal to "
                   "their defaults do not count)\n")
    code, out, _ = run(capsys, a, b, "--json")
    assert code == 0 and json.loads(out)["changes"] == []


def test_a_oneof_switch_in_text(capsys, tmp_path):
    a, b = tmp_path / "a.config", tmp_path / "b.config"
    a.write_text("train_config {\n  optimizer { momentum_optimizer { momentum_optimizer_value: 0.9 } }\n}\n")
    b.write_text("train_config {\n  optimizer {\n    adam_optimizer { epsilon: 1e-7 }\n  }\n}\n")
    code, out, _ = run(capsys, a, b)
    assert code == 1
    assert out.splitlines()[2:] == [
        "restore: B sets no fine_tune_checkpoint: a checkpoint trained with A is restored only by resuming its "
        "--model_dir, which restores the model, the optimizer and the step",
        "1 difference, by what each does to that restore of a checkpoint trained with A:",
        "",
        "optimizer-state-dropped (1): a --model_dir resume drops the optimizer state (a fine-tune never restores it)",
        "  train_config.optimizer: momentum_optimizer {1 value} → adam_optimizer {1 value}  [A:2 B:3]",
        "      oneof optimizer switches member; another optimizer kind: its state (slots) is not in the checkpoint "
        "and the old state is dropped",
    ]


def test_a_restore_warning_is_shown(capsys, tmp_path):
    a, b = tmp_path / "a.config", tmp_path / "b.config"
    a.write_text("model { ssd { num_classes: 90 } }\n")
    b.write_text('model { ssd { num_classes: 90 } }\ntrain_config { fine_tune_checkpoint: "m/ckpt-0" }\n')
    _, out, _ = run(capsys, a, b)
    assert out.splitlines()[2:4] == [
        "restore: B's fine_tune_checkpoint_type (not set, so read as \"classification\") restores a classification "
        "backbone under the root feature_extractor, not the heads",
        "warning: a checkpoint trained with A keeps its model under the root model/, where classification finds "
        "nothing to restore (AssertionError); use detection",
    ]


@pytest.mark.parametrize("which", ["a", "b"])
def test_a_file_that_does_not_parse_is_one_line_and_exit_2(capsys, tmp_path, which):
    good, bad = REAL / HEADLINE[0], tmp_path / "bad.config"
    bad.write_text("model {\n  faster_rcnn {\n    num_clases: 3\n  }\n}\n")
    code, out, err = run(capsys, *((bad, good) if which == "a" else (good, bad)))
    assert (code, out) == (2, "")
    assert err == (f"tfckpt: error: {bad}:3:5: unknown field 'num_clases' in model.faster_rcnn (FasterRcnn); "
                   "did you mean 'num_classes'?\n")


def test_a_missing_file_exit_2(capsys, tmp_path):
    code, out, err = run(capsys, tmp_path / "nope.config", REAL / HEADLINE[0])
    assert (code, out) == (2, "")
    assert err == f"tfckpt: error: {tmp_path / 'nope.config'}: no such file; pass the path of a pipeline.config\n"


def test_a_folder_exit_2_names_the_config_inside(capsys, tmp_path):
    (tmp_path / "pipeline.config").write_text("")
    code, _, err = run(capsys, REAL / HEADLINE[0], tmp_path)
    assert code == 2
    assert err == (f"tfckpt: error: {tmp_path}: is a folder, not a config file; "
                   f"pass {tmp_path / 'pipeline.config'}\n")


def test_usage_error_exit_2(capsys):
    code, out, err = run(capsys, REAL / HEADLINE[0])
    assert (code, out) == (2, "")
    assert "the following arguments are required: B.config" in err


def _process(*argv: str, **env: str) -> subprocess.CompletedProcess:
    code = ("import sys\nfrom tfckpt.cli.main import main\ncode = main(sys.argv[1:])\n"
            "assert 'tensorflow' not in sys.modules, 'tfckpt diff imported TensorFlow'\nsys.exit(code)\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=REAL,
                          env=environment, timeout=120)


def test_a_whole_process_imports_no_tensorflow():
    done = _process("diff", *HEADLINE)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == (GOLDEN / "diff_frcnn_finetune.txt").read_text(encoding="utf-8")


def test_a_terminal_that_cannot_show_the_arrow_gets_ascii():
    done = _process("diff", *HEADLINE, PYTHONIOENCODING="ascii")
    assert done.returncode == 1
    assert "  model.faster_rcnn.num_classes: 90 -> 3  [A:3 B:3]\n" in done.stdout
