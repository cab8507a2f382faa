"""``tfckpt demo`` as the README runs it: a real process, default settings, checked from its output
and from the folder it leaves."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.demo.shapes import MAX_OBJECTS, make_shapes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    result = subprocess.run([sys.executable, "-m", "tfckpt", "demo", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=900)
    return result, out


def test_demo_learns_and_keeps_the_best(demo_run):
    result, out = demo_run
    assert result.returncode == 0, result.stderr[-2000:]
    curve = [float(v) for v in re.search(r"val mAP@\[\.5:\.95\] by epoch: ([\d. ]+)", result.stdout).group(1).split()]
    best_epoch, best_map = re.search(r"best: epoch (\d+), val_mAP ([\d.]+)", result.stdout).groups()
    assert float(best_map) >= 0.3 and float(best_map) > curve[0] + 0.2  # it visibly learns
    assert float(best_map) == pytest.approx(max(curve), abs=1e-2)
    restored = float(re.search(r"holds the best weights again: val_mAP ([\d.]+)", result.stdout).group(1))
    assert restored == pytest.approx(float(best_map), abs=1e-4)
    best = inspect_path(str(out / "best"))
    assert best.exit_code == 0 and len(best.checkpoints) == 2
    assert any(f"best-{int(best_epoch):03d}-" in c.path for c in best.checkpoints)
    assert len(inspect_path(str(out / "last")).checkpoints) == 2
    assert "pruned best-001-" in result.stdout  # retention deleted the early ones


def test_demo_rejects_too_few_epochs():
    result = subprocess.run([sys.executable, "-m", "tfckpt", "demo", "--epochs", "1"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.strip() == "tfckpt: error: --epochs must be at least 2 (received 1)"


def test_synthetic_shapes_are_inside_the_image_and_do_not_overlap():
    images, boxes, classes = make_shapes(50, seed=4)
    assert images.min() >= 0 and images.max() <= 1
    for image_boxes, image_classes in zip(boxes, classes):
        real = image_boxes[image_classes > 0]
        assert 1 <= len(real) <= MAX_OBJECTS and set(image_classes[image_classes > 0]) <= {1, 2, 3}
        assert (real[:, :2] >= 0).all() and (real[:, 2:] <= 1).all() and (real[:, 2:] > real[:, :2]).all()
        for i in range(len(real)):
            for j in range(i + 1, len(real)):
                overlap = np.minimum(real[i, 2:], real[j, 2:]) - np.maximum(real[i, :2], real[j, :2])
                assert (overlap <= 0).any()


def test_a_second_run_replaces_the_first_and_other_folders_are_refused(demo_run, tmp_path):
    from tfckpt.demo.run import prepare_out_dir
    from tfckpt.errors import OutputFolderError

    _, out = demo_run
    again = tmp_path / "again"
    shutil.copytree(out, again)  # an earlier demo run: best/ and last/ written by tfckpt
    assert prepare_out_dir(str(again)) is True and list(again.iterdir()) == []
    (again / "notes.txt").write_text("mine")
    result = subprocess.run([sys.executable, "-m", "tfckpt", "demo", "--out", str(again)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"tfckpt: error: {again}: holds files that are not an earlier demo run "
                                     "(notes.txt); pass --out with a new or empty folder")
    assert (again / "notes.txt").read_text() == "mine"
    with pytest.raises(OutputFolderError):
        prepare_out_dir(str(again))
