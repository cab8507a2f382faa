"""Field cases rebuilt as small inputs (issue 11, item 3): a model-zoo folder where a checkpoint or a
``--model_dir`` belongs (FACTS.md section 8), a label map numbered from 0, ``--config-only`` on a
config that names a checkpoint, and a checkpoint both fine-tuned from and resumed.

The model-zoo folder is laid out as the zoo's tarballs unpack: ``checkpoint/`` (the real OD API
index, sparse data, a state file), ``saved_model/`` and the ``pipeline.config`` it was trained with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tfckpt.cli.main import main
from tfckpt.validate import validate

from validate_helpers import CKPT2, only, summary

REPO = Path(__file__).resolve().parents[2]
REAL_CONFIGS = REPO / "tests" / "data" / "pipeline" / "real"
IRV2 = "frcnn_irv2_90cls_momentum"
TEMPLATES = sorted((REPO / "pipeline_configs").glob("*.config"))


@pytest.fixture
def zoo(workspace) -> str:
    """``zoo/``: an unpacked model-zoo folder holding the real IRV2 checkpoint as ``ckpt-0``."""
    inside = workspace.root / "zoo" / "checkpoint"
    inside.mkdir(parents=True)
    (workspace.root / "zoo" / "saved_model").mkdir()
    for path in (workspace.root / "ckpts" / IRV2).glob("ckpt-2.*"):
        shutil.copyfile(path, inside / path.name.replace("ckpt-2", "ckpt-0"))
    (inside / "checkpoint").write_text('model_checkpoint_path: "ckpt-0"\nall_model_checkpoint_paths: "ckpt-0"\n')
    shutil.copyfile(REAL_CONFIGS / "frcnn_irv2_90cls_momentum.config", workspace.root / "zoo" / "pipeline.config")
    return "zoo"


def test_a_model_zoo_folder_as_model_dir_fails_at_the_first_save(workspace, zoo):
    report = validate(workspace.config(CKPT2), model_dir=zoo)
    finding = only(report, "model-dir-is-model-zoo")
    assert (finding.severity, finding.where, report.exit_code) == ("error", "zoo/checkpoint", 1)
    assert finding.message == (
        "--model-dir zoo is an unpacked model-zoo folder: its sub-folder zoo/checkpoint/ stands where model_main_tf2 "
        "writes its checkpoint state file, so it ignores that folder and its first save fails "
        '("FailedPreconditionError: zoo/checkpoint.tmp...; Is a directory")')
    assert finding.hint == ("give --model_dir a new, empty folder for this run, and put the model-zoo checkpoint in "
                            'the config: fine_tune_checkpoint: "zoo/checkpoint/ckpt-0"')
    assert "model-dir-empty" not in [f.id for f in report.findings]


def test_fine_tune_checkpoint_naming_the_zoo_folder_quotes_what_tensorflow_raises_there(workspace, zoo):
    report = validate(workspace.config({f"ckpts/{IRV2}/ckpt-1": zoo}))
    finding = only(report, "checkpoint-is-directory")
    assert finding.message == (
        'fine_tune_checkpoint "zoo" is a model-zoo folder, not a checkpoint prefix: model_main_tf2 fails before '
        "restoring (\"ValueError: Couldn't find 'checkpoint' file or checkpoints in given directory zoo\")")
    assert finding.hint == 'write fine_tune_checkpoint: "zoo/checkpoint/ckpt-0" (the checkpoint in its checkpoint/ ' \
        "sub-folder)"
    report = validate(workspace.config({f"ckpts/{IRV2}/ckpt-1": "zoo/checkpoint"}))
    assert 'the restore fails ("Unable to open table file zoo/checkpoint: ... Is a directory")' in \
        only(report, "checkpoint-is-directory").message


def test_label_map_numbered_from_zero_is_one_id_error_not_a_class_count_change(workspace):
    (workspace.root / "data" / "label_map_3.pbtxt").write_text("".join(
        f"item {{\n  id: {number}\n  name: 'class_{number}'\n}}\n" for number in range(37)))
    report = validate(workspace.config({**CKPT2, "num_classes: 3": "num_classes: 37"}))
    assert [(f.severity, f.id) for f in report.findings if f.file == "data/label_map_3.pbtxt"] == \
        [("error", "label-map-id")]
    assert "number the classes from 1" in only(report, "label-map-id").hint


def test_label_map_with_fewer_items_than_num_classes_counts_its_items(workspace):
    (workspace.root / "data" / "label_map_3.pbtxt").write_text("".join(
        f"item {{\n  id: {number}\n  name: 'class_{number}'\n}}\n" for number in range(36)))
    finding = only(validate(workspace.config({**CKPT2, "num_classes: 3": "num_classes: 37"})),
                   "num-classes-exceeds-label-map")
    assert finding.message.endswith("but the label map has 36 classes (ids up to 35): the model gets 1 class it "
                                    "never sees")
    assert finding.hint.startswith("set num_classes: 36")


@pytest.mark.parametrize("path", TEMPLATES, ids=[path.stem for path in TEMPLATES])
def test_config_only_says_the_checkpoint_is_set_and_not_read(capsys, path):
    main(["validate", str(path), "--config-only"])
    header = capsys.readouterr().err.splitlines()[1]
    assert header.endswith(": set, not read (--config-only reads only the config)")
    assert "starts from scratch" not in header


def test_a_checkpoint_both_fine_tuned_from_and_resumed_gives_each_finding_once(workspace):
    shutil.copyfile(REAL_CONFIGS / "frcnn_irv2_90cls_momentum.config", workspace.root / "ckpts" / IRV2 /
                    "pipeline.config")
    report = validate(workspace.config(CKPT2), model_dir=f"ckpts/{IRV2}")
    ids = [finding.id for finding in report.findings]
    assert ids.count("trained-config-differs") == 1 and len(set(summary(report))) == len(summary(report))


def test_keep_best_refuses_a_model_zoo_folder_as_its_model_dir(capsys, zoo):
    assert main(["keep-best", zoo, "--once"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("tfckpt: error: zoo: an unpacked model-zoo folder, not a training --model_dir: its "
                          "checkpoint/ sub-folder stands where model_main_tf2 writes its checkpoint state file")
    assert len(err.splitlines()) == 1 and not (Path(zoo) / "best").exists()
