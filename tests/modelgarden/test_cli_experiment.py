"""``tfckpt validate`` and ``tfckpt diff`` on Model Garden experiment files, as users run them: real
processes that import neither TensorFlow nor tf-models-official, exit codes, JSON, and errors."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mg_data import materialise

REPO = Path(__file__).resolve().parents[2]
PARAMS = REPO / "tests" / "data" / "modelgarden_params"
EXPERIMENT = "retinanet_resnetfpn_coco"
MODULES = ["tfckpt.config_kind"] + sorted(
    f"tfckpt.modelgarden.{path.stem}" for path in (REPO / "tfckpt" / "modelgarden").glob("*.py")
    if path.stem not in ("__init__",))


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tfckpt", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1"))


@pytest.fixture
def run_dir(tmp_path):
    """A model_dir with the params.yaml train.py wrote for a 4-class fine-tune, pointed at a real
    91-class RetinaNet training checkpoint."""
    prefix = materialise("retinanet_r50_c91_trainer", tmp_path / "pretrained")
    folder = tmp_path / "run"
    folder.mkdir()
    text = (PARAMS / "retinanet_finetune_4.params.yaml").read_text()
    (folder / "params.yaml").write_text(text.replace("pretrained/retinanet/ckpt-1", str(prefix)))
    return folder


def test_validate_a_params_yaml_never_imports_tensorflow(run_dir):
    probe = ("import sys\n"
             "from tfckpt.cli.main import main\n"
             "code = main(['validate', 'params.yaml', '--json'])\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras', 'official')]\n"
             "print('LOADED' if loaded else 'CLEAN', code, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=run_dir, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.stderr.splitlines()[-1] == "CLEAN 0"
    report = json.loads(result.stdout)
    assert report["ok"] and [(f["id"], f["line"]) for f in report["findings"]] == [("heads-start-fresh", 100)]


def test_validate_text_report_names_the_run(run_dir):
    result = run("validate", "params.yaml", cwd=run_dir)
    assert result.returncode == 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == ("params.yaml: RetinaNet (retinanet_resnetfpn_coco, read as a complete params.yaml), "
                        "resnet-50, fpn, 4 classes (background included)")
    assert lines[1].endswith("ckpt-1000: RetinaNet, trainer layout, resnet-50, 91 classes")
    assert lines[2] == "  model_dir . (params.yaml folder): no checkpoint yet"
    assert lines[-1] == "0 errors, 0 warnings, 1 info: no errors"


def test_validate_an_override_with_errors_exits_1(tmp_path):
    (tmp_path / "my.yaml").write_text("task:\n  init_checkpoint: ''\ntrainer:\n  best_checkpoint_export_subdir: b\n"
                                      "  best_checkpoint_eval_metric: mAP\n")
    result = run("validate", "my.yaml", "--experiment", EXPERIMENT, "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert [f["id"] for f in json.loads(result.stdout)["findings"]] == ["best-metric-unknown", "no-init-checkpoint"]


@pytest.mark.parametrize("args, code, message", [
    (("validate", "my.yaml"), 3, "tfckpt: error: my.yaml: not a complete params.yaml"),
    (("validate", "my.yaml", "--experiment", "retina"), 2, "tfckpt: error: --experiment retina: not an experiment"),
    (("validate", "typo.yaml", "--experiment", EXPERIMENT), 3,
     "tfckpt: error: typo.yaml:3:5: the key 'num_class' does not exist in task.model"),
    (("validate", "pipeline.config", "--experiment", EXPERIMENT), 2, "tfckpt: error: --experiment is for Model"),
    (("diff", "my.yaml", "pipeline.config"), 2, "tfckpt: error: my.yaml: is a Model Garden experiment YAML"),
    (("diff", "my.yaml", "typo.yaml"), 2, "tfckpt: error: my.yaml: not a complete params.yaml"),
])
def test_user_errors_are_one_line_without_traceback(tmp_path, args, code, message):
    (tmp_path / "my.yaml").write_text("task:\n  init_checkpoint: ''\n")
    (tmp_path / "typo.yaml").write_text("task:\n  model:\n    num_class: 4\n")
    (tmp_path / "pipeline.config").write_text("model {\n  ssd {\n    num_classes: 3\n  }\n}\n")
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1, result.stderr


def test_diff_of_two_params_yaml(tmp_path):
    result = run("diff", PARAMS / "retinanet_resnetfpn_coco.params.yaml", PARAMS / "retinanet_finetune_4.params.yaml",
                 "--json", cwd=tmp_path)
    assert result.returncode == 1
    diff = json.loads(result.stdout)
    assert diff["restore"]["restored"] == ["backbone", "decoder"]
    changes = {change["path"]: (change["a"], change["b"], change["effect"]) for change in diff["changes"]}
    assert changes["task.model.num_classes"] == (91, 4, "heads-start-fresh")
    assert changes["task.init_checkpoint_modules"] == (["backbone"], ["backbone", "decoder"], "restore-setting")
    assert changes["task.model.input_size"][2] == "harmless"


def test_diff_under_all_breaks_the_full_restore(tmp_path):
    (tmp_path / "a.yaml").write_text("task:\n  model:\n    num_classes: 91\n")
    (tmp_path / "b.yaml").write_text("task:\n  model:\n    num_classes: 4\n    backbone:\n      resnet:\n"
                                     "        model_id: 101\n  init_checkpoint: m/ckpt-1\n"
                                     "  init_checkpoint_modules: all\n")
    result = run("diff", "a.yaml", "b.yaml", "--experiment", EXPERIMENT, "--json", cwd=tmp_path)
    effects = {change["path"]: change["effect"] for change in json.loads(result.stdout)["changes"]}
    assert effects["task.model.num_classes"] == "breaks-full-restore"
    assert effects["task.model.backbone.resnet.model_id"] == "breaks-restore"


def test_identical_files_diff_clean(tmp_path):
    params = PARAMS / "maskrcnn_resnetfpn_coco.params.yaml"
    result = run("diff", params, params, cwd=tmp_path)
    assert result.returncode == 0 and "no differences" in result.stdout


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    failures, _ = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert failures == 0
