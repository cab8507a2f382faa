"""`tfckpt inspect` on real Model Garden checkpoints (index files and object graphs written by
tf-models-official 2.15.0): exact text for both layouts, JSON fields against the manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mg_data import CASES, DATA, MANIFEST, materialise

from tfckpt.cli.main import main

GOLDEN = Path(__file__).parent.parent / "data" / "golden"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case, shown_as", [
    ("retinanet_r50_c91_trainer", "model_dir"),
    ("mask_rcnn_r50_c91_model_only", "exported"),
])
def test_text_is_golden(capsys, tmp_path, case, shown_as):
    folder = tmp_path / shown_as
    materialise(case, folder)
    code, out, err = run(capsys, "inspect", str(folder))
    assert (code, err) == (0, "")
    assert out.replace(str(folder), shown_as) == (GOLDEN / f"inspect_mg_{case}.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_json_has_the_model_garden_fields(capsys, tmp_path, case):
    expected = MANIFEST[case]
    prefix = materialise(case, tmp_path)
    code, out, _ = run(capsys, "inspect", str(prefix), "--json")
    (checkpoint,) = json.loads(out)["checkpoints"]
    found = checkpoint["model_garden"]
    assert code == 0 and checkpoint["framework"] == "modelgarden"
    for name in ("layout", "architecture", "backbone", "model_id", "decoder", "num_classes", "optimizer",
                 "global_step"):
        assert found[name] == expected[name], name
    if expected["layout"] == "trainer":
        assert found["aliases"]["backbone"] == "model" and "model" in found["roots"]
        assert checkpoint["step"] == expected["global_step"]
    else:
        assert found["aliases"] == {} and found["roots"] == ["model", "save_counter"]


def test_a_folder_of_several_runs_reports_each(capsys, tmp_path):
    materialise("retinanet_r50_c4_trainer", tmp_path)
    materialise("retinanet_r101_c4_trainer", tmp_path, name="ckpt-300")
    code, out, _ = run(capsys, "inspect", str(tmp_path))
    assert code == 0
    assert "model: Model Garden RetinaNet, ResNet-50 backbone, FPN decoder, 4 classes" in out
    assert "model: Model Garden RetinaNet, ResNet-101 backbone, FPN decoder, 4 classes" in out


def test_index_without_data_is_incomplete_and_still_named(capsys, tmp_path):
    source = DATA / MANIFEST["faster_rcnn_r50_c91_trainer"]["prefix"]
    shutil.copy(str(source) + ".index", tmp_path / "ckpt-1000.index")
    code, out, _ = run(capsys, "inspect", str(tmp_path / "ckpt-1000"))
    assert code == 1
    assert "INCOMPLETE" in out
    assert "model: Model Garden Faster R-CNN, ResNet-50 backbone, FPN decoder, 91 classes" in out
    assert "note: the object graph (in the data file) cannot be read" in out


def test_readme_example_is_the_real_output():
    readme = (Path(__file__).parent.parent.parent / "README.md").read_text()
    block = (GOLDEN / "inspect_mg_retinanet_r50_c91_trainer.txt").read_text()
    assert "$ tfckpt inspect model_dir\n" + block in readme
