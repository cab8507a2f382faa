"""``tfckpt validate`` as users run it: a real process that never imports TensorFlow, the docstring
examples of the new modules, and the restore knowledge table."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfckpt.odapi import restore_rules
from tfckpt.odapi.restore_rules import RESTORE_RULES, checkpoint_types, restore_rule

REPO = Path(__file__).resolve().parents[2]
MODULES = ["tfckpt.odapi.restore_rules", "tfckpt.cli.validate_render", "tfckpt.cli.validate_command"] + sorted(
    f"tfckpt.validate.{path.stem}" for path in (REPO / "tfckpt" / "validate").glob("*.py") if path.stem != "__init__")


def test_python_dash_m_validate_never_imports_tensorflow(workspace):
    config = workspace.config({"ckpt-1": "ckpt-2"})
    probe = ("import sys\n"
             "from tfckpt.cli.main import main\n"
             f"code = main(['validate', {config!r}, '--model-dir', 'ckpts/frcnn_irv2_90cls_momentum', '--json'])\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')]\n"
             "print('LOADED' if loaded else 'CLEAN', code, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=workspace.root, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.stderr.splitlines()[-1] == "CLEAN 1"
    assert [f["id"] for f in json.loads(result.stdout)["findings"]][0] == "num-classes-mismatch"


def test_real_process_exit_code_and_streams(workspace):
    result = subprocess.run([sys.executable, "-m", "tfckpt", "validate", workspace.config()], cwd=workspace.root,
                            capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1"))
    assert (result.returncode, result.stdout) == (1, "")
    assert "[restores-nothing]" in result.stderr


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failed, _ = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_every_meta_architecture_has_full_and_a_backbone_type():
    for meta in ("faster_rcnn", "ssd", "center_net"):
        assert "full" in checkpoint_types(meta)
        assert restore_rule(meta, "full").restores_heads
    assert len({(rule.meta_architecture, rule.checkpoint_type) for rule in RESTORE_RULES}) == len(RESTORE_RULES)
    assert restore_rule("faster_rcnn", "fine_tune") is None


def test_resume_restores_everything_and_fine_tune_never_the_optimizer():
    assert restore_rules.resume_rule("ssd").parts == ("backbone", "heads", "optimizer", "step")
    assert all("optimizer" not in rule.parts for rule in RESTORE_RULES)


def test_tfckpt_validate_is_the_function_even_after_the_subpackage_is_imported():
    import tfckpt
    import tfckpt.validate.registry  # noqa: F401  (binds the subpackage as an attribute of tfckpt, if lazy)

    if "validate" not in tfckpt.__all__:
        pytest.skip("tfckpt/__init__.py does not export validate yet")
    assert callable(tfckpt.validate) and tfckpt.validate.__module__ == "tfckpt.validate.api"
