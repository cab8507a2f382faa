"""Without TensorFlow: ``import tfckpt`` and the command line work, and everything that needs
TensorFlow says so in one line with the install command. In the suite without TensorFlow this is
the real thing; where TensorFlow is installed, the child process hides it
(``sys.modules["tensorflow"] = None`` makes ``import tensorflow`` fail as an absent one does)."""

from __future__ import annotations

import json
import subprocess
import sys

from testkit import ODAPI_REAL

HIDE_TF = 'import sys; sys.modules["tensorflow"] = None\n'

NEEDS_TF = """
import tfckpt
from tfckpt.errors import MissingDependencyError

def attempt(name, use):
    try:
        use()
    except MissingDependencyError as err:
        return err.message
    return "no error"

print(json.dumps({
    **{name: attempt(name, lambda name=name: getattr(tfckpt, name))
       for name in ("BestCheckpoint", "PeriodicCheckpoint", "EarlyStoppingRestore", "COCOMetrics")},
    "restore": attempt("restore", lambda: tfckpt.restore(None, sys.argv[1])),
    "version": tfckpt.__version__,
}))
"""


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE_TF + "import json\n" + code, *args],
                          capture_output=True, text=True, timeout=120)


def test_callbacks_coco_metrics_and_restore_name_the_install_command():
    done = run_python(NEEDS_TF, str(ODAPI_REAL / "ssd_mobilenet_v2_90cls" / "ckpt-2"))
    assert done.returncode == 0, done.stderr
    messages = json.loads(done.stdout)
    assert messages.pop("version")
    for name, message in messages.items():
        assert message.startswith("TensorFlow is needed by "), (name, message)
        assert "it is not installed in this Python" in message and "pip install 'tfckpt[tensorflow]'" in message
    assert "tfckpt.restore" in messages["restore"]


def test_the_command_line_reads_checkpoints_without_it():
    code = ("from tfckpt.cli.main import main\n"
            "code = main(['inspect', sys.argv[1], '--json'])\n"
            "sys.stdout.flush()\n"
            "print('\\nTF-LOADED' if sys.modules.get('tensorflow') else '\\nNO-TF', code)\n")
    done = run_python(code, str(ODAPI_REAL / "ssd_mobilenet_v2_90cls"))
    report, _, last = done.stdout.rstrip("\n").rpartition("\n")
    assert last == "NO-TF 1", done.stderr  # 1: the index files are real, their data files are not here
    assert json.loads(report)["latest"].endswith("ckpt-2")


def test_the_demo_names_everything_it_needs(tmp_path):
    code = ("from tfckpt.cli.main import main\n"
            "print(main(['demo', '--out', sys.argv[1]]))\n")
    done = run_python(code, str(tmp_path / "demo"))
    assert done.stdout.strip() == "3", done.stderr
    assert done.stderr.startswith("tfckpt: error: tfckpt demo trains a Keras model and needs TensorFlow")
    assert done.stderr.rstrip().endswith("install it with pip install 'tfckpt[tensorflow,coco]'")
    assert not (tmp_path / "demo").exists()  # refused before anything was written
