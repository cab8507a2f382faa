"""`tfckpt inspect` as users run it: a real process, no TensorFlow imported, and gfile paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.cli.main import main

REPO = Path(__file__).parent.parent.parent


def run_module(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfckpt", *map(str, argv)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_python_dash_m_runs_the_cli(odapi_dir):
    folder = odapi_dir("frcnn_irv2_90cls_momentum")
    result = run_module("inspect", folder, "--json")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["checkpoints"][1]["step"] == 100


def test_inspect_never_imports_tensorflow(odapi_dir):
    folder = odapi_dir("ssd_mobilenet_v2_90cls")
    probe = (
        "import sys\n"
        "from tfckpt.cli.main import main\n"
        f"code = main(['inspect', {str(folder)!r}, '--deep', '--variables'])\n"
        "print('LOADED' if any(m == 'tensorflow' or m.startswith(('tensorflow.', 'keras')) for m in sys.modules)"
        " else 'CLEAN', code)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "CLEAN 1"  # 1: the sparse data fail the deep CRC check


def test_error_exit_code_and_single_line_from_a_real_process(tmp_path):
    result = run_module("inspect", tmp_path / "missing")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == f"tfckpt: error: {tmp_path}/missing: no such file or folder; check the path\n"


def test_ram_filesystem_goes_through_gfile(tf, capsys):
    """ram:// lives inside this process, so the check runs in-process."""
    checkpoint = tf.train.Checkpoint(step=tf.Variable(42, dtype=tf.int64), w=tf.Variable(tf.ones([5, 2])))
    manager = tf.train.CheckpointManager(checkpoint, "ram://tfckpt-test/run", max_to_keep=3)
    manager.save()
    manager.save()
    report = inspect_path("ram://tfckpt-test/run", deep=True)
    assert [c.path for c in report.checkpoints] == ["ram://tfckpt-test/run/ckpt-1", "ram://tfckpt-test/run/ckpt-2"]
    assert report.latest == "ram://tfckpt-test/run/ckpt-2"
    assert [c.complete for c in report.checkpoints] == [True, True]
    assert [c.step for c in report.checkpoints] == [42, 42]
    assert report.exit_code == 0
    tf.io.gfile.remove("ram://tfckpt-test/run/ckpt-2.data-00000-of-00001")
    assert main(["inspect", "ram://tfckpt-test/run"]) == 1
    assert "ram://tfckpt-test/run/ckpt-2.data-00000-of-00001: data file is missing" in capsys.readouterr().out
