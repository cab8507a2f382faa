"""`tfckpt inspect` on real Object Detection API folders: exact text, JSON, --variables."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tfckpt.cli.main import main

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
README = Path(__file__).parent.parent.parent / "README.md"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_frcnn_folder_text_is_golden(capsys, odapi_dir):
    folder = odapi_dir("frcnn_irv2_90cls_momentum")
    code, out, err = run(capsys, "inspect", str(folder))
    assert (code, err) == (0, "")
    assert out.replace(str(folder), "models/frcnn") == (GOLDEN / "inspect_frcnn.txt").read_text()


def test_readme_example_is_the_real_output():
    block = (GOLDEN / "inspect_frcnn.txt").read_text()
    assert "$ tfckpt inspect models/frcnn\n" + block in README.read_text()


def test_ssd_folder_text_is_golden(capsys, odapi_dir):
    folder = odapi_dir("ssd_mobilenet_v2_90cls")
    code, out, _ = run(capsys, "inspect", str(folder))
    assert code == 0
    assert out.replace(str(folder), "models/ssd") == (GOLDEN / "inspect_ssd.txt").read_text()


def test_json_report(capsys, odapi_dir):
    folder = odapi_dir("frcnn_irv2_90cls_momentum")
    code, out, _ = run(capsys, "inspect", str(folder), "--json")
    report = json.loads(out)
    assert code == report["exit_code"] == 0
    assert report["schema_version"] == 1
    assert report["latest"] == str(folder / "ckpt-2")
    first, second = report["checkpoints"]
    assert (first["step"], first["holds_model"], first["model"], first["optimizer"]) == (0, False, None, None)
    assert second["prefix"] == str(folder / "ckpt-2")
    assert (second["complete"], second["problems"], second["kind"]) == (True, [], "tf2-object-based")
    assert (second["step"], second["save_counter"]) == (100, 2)
    assert second["bytes"] == 480_714_241 + 110_758
    assert second["model"] == {"meta_architecture": "faster_rcnn",
                               "feature_extractor": "faster_rcnn_inception_resnet_v2_keras",
                               "num_classes": 90, "notes": []}
    assert second["optimizer"] == "momentum"
    assert "variables" not in second


def test_variables_glob_lists_the_latest_checkpoints_matches(capsys, odapi_dir):
    folder = odapi_dir("frcnn_irv2_90cls_momentum")
    code, out, _ = run(capsys, "inspect", str(folder), "--variables", "*_class_prediction_head*/kernel/.ATTRIBUTES*")
    assert code == 0
    assert "ckpt-2: 1 of 1410 tensors match '*_class_prediction_head*/kernel/.ATTRIBUTES*'\n" in out
    assert re.search(r"\n  model/_mask_rcnn_box_predictor/_class_prediction_head/_class_predictor_layers/1/kernel/"
                     r"\.ATTRIBUTES/VARIABLE_VALUE  \[1536, 91\]  float32\n", out)


def test_variables_in_json(capsys, odapi_dir):
    prefix = odapi_dir("ssd_mobilenet_v2_90cls") / "ckpt-2"
    _, out, _ = run(capsys, "inspect", str(prefix), "--json", "--variables", "step*")
    [checkpoint] = json.loads(out)["checkpoints"]
    assert checkpoint["variables"] == [{"name": "step/.ATTRIBUTES/VARIABLE_VALUE", "shape": [], "dtype": "int64"}]


def test_prefix_given_as_index_or_data_file_name(capsys, odapi_dir):
    folder = odapi_dir("ssd_mobilenet_v2_90cls")
    for name in ("ckpt-2.index", "ckpt-2.data-00000-of-00001"):
        code, out, _ = run(capsys, "inspect", str(folder / name))
        assert code == 0
        assert f"\n  {folder / 'ckpt-2'}  whole  step 100  48.8 MB  TF2 object-based\n" in out


def test_deep_check_of_a_whole_real_size_checkpoint(capsys, odapi_dir):
    """The sparse data files hold zeros, so --deep must find the damage TensorFlow would."""
    folder = odapi_dir("ssd_mobilenet_v2_90cls")
    code, out, _ = run(capsys, "inspect", str(folder / "ckpt-2"), "--deep")
    assert code == 1
    assert "tensor(s) do not match their checksums" in out
