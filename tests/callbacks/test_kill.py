"""SIGKILL a real training process at random moments (often mid-save); after each kill the
kept checkpoints must be whole and loadable, and a restart must resume and finish."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfckpt.checkpoint.inspect import inspect_path

TARGET = Path(__file__).with_name("kill_target.py")
REPO = Path(__file__).parent.parent.parent


def start(folder: Path, epochs: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, str(TARGET), str(folder), str(epochs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def kill_after_steps(process: subprocess.Popen, steps: int, extra_seconds: float) -> None:
    seen = 0
    for line in process.stdout:
        seen += line.startswith("step")
        if seen >= steps:
            break
    time.sleep(extra_seconds)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)  # reap it and close its pipes


def assert_folder_is_sound(folder: Path) -> None:
    index = json.loads((folder / "tfckpt-index.json").read_text())
    report = inspect_path(str(folder))
    assert report.exit_code == 0, [p.line() for c in report.checkpoints for p in c.problems]
    on_disk = {Path(c.path).name for c in report.checkpoints}
    assert {k["name"] for k in index["kept"]} <= on_disk


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_then_resume(tmp_path, seed):
    rng = random.Random(seed)
    process = start(tmp_path, epochs=50)
    kill_after_steps(process, steps=rng.randint(3, 12), extra_seconds=rng.uniform(0, 0.05))
    for sub in ("last", "best"):
        if (tmp_path / sub / "tfckpt-index.json").exists():
            assert_folder_is_sound(tmp_path / sub)
    assert (tmp_path / "last" / "tfckpt-index.json").exists(), "no save happened before the kill"
    before = json.loads((tmp_path / "last" / "tfckpt-index.json").read_text())["kept"][-1]["step"]
    finisher = start(tmp_path, epochs=before // 8 + 2)
    out, err = finisher.communicate(timeout=300)
    assert finisher.returncode == 0, err[-2000:]
    assert out.rstrip().endswith("done")
    assert_folder_is_sound(tmp_path / "last")
    after = json.loads((tmp_path / "last" / "tfckpt-index.json").read_text())["kept"][-1]["step"]
    assert after > before
    assert not [p for p in (tmp_path / "last").iterdir() if ".tfckpt-tmp-" in p.name]
