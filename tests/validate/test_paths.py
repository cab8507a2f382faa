"""The files a run reads: checkpoints (missing, short, TF1, a file or folder for a prefix), the
``--model-dir`` state, label maps and input records. Each finding's text is checked."""

from __future__ import annotations

import os
import shutil

import pytest

from tfckpt.validate import validate

from validate_helpers import CKPT2, OK_INFO, only, summary

IRV2 = "ckpts/frcnn_irv2_90cls_momentum"


# --- checkpoints ---------------------------------------------------------------------------


def test_truncated_data_shard(workspace):
    data = f"{IRV2}/ckpt-2.data-00000-of-00001"
    os.truncate(data, 1000)
    finding = only(validate(workspace.config(CKPT2)), "checkpoint-data-truncated")
    assert (finding.severity, finding.where) == ("error", data)
    assert finding.message == (
        "data file is truncated: 1,000 bytes, the index needs at least 480,714,241: tf.train.list_variables still "
        f'works, but restoring {IRV2}/ckpt-2 fails ("Read less bytes than requested")')


def test_tf1_checkpoint_under_a_tf2_config(workspace, built):
    report = validate(workspace.config({f"{IRV2}/ckpt-1": str(built["tf1"])}))
    assert summary(report) == [("error", "tf1-checkpoint", "pipeline.config:78")]
    assert report.findings[0].message == (
        f'fine_tune_checkpoint "{built["tf1"]}" is a TF1 name-based checkpoint (no object graph): model_main_tf2 '
        'refuses it ("Checkpoint is expected to be an object-based checkpoint")')


@pytest.mark.parametrize("replacement, state, line, fix", [
    ("", "is not set, and its default is V1", 78, "add fine_tune_checkpoint_version: V2 to train_config"),
    ("fine_tune_checkpoint_version: V1", "is V1", 80, "change it to fine_tune_checkpoint_version: V2"),
], ids=["version-not-set", "version-V1"])
def test_fine_tune_checkpoint_version_must_be_v2(workspace, replacement, state, line, fix):
    report = validate(workspace.config({**CKPT2, "fine_tune_checkpoint_version: V2": replacement}))
    finding = only(report, "checkpoint-version")
    assert (finding.severity, finding.where) == ("error", f"pipeline.config:{line}")
    assert finding.message == (f"fine_tune_checkpoint_version {state}: model_main_tf2 refuses to fine-tune "
                               '("Checkpoint version should be V2")')
    assert finding.hint == fix


def test_no_checkpoint_with_that_prefix_lists_the_ones_there(workspace):
    report = validate(workspace.config({"ckpt-1": "ckpt-3"}))
    assert summary(report) == [("error", "checkpoint-not-found", "pipeline.config:78")]
    assert report.findings[0].message == (f'fine_tune_checkpoint "{IRV2}/ckpt-3": no checkpoint with this prefix '
                                          "(no ckpt-3.index), so model_main_tf2 fails to restore it")
    assert report.findings[0].hint == f"checkpoints in {IRV2}: ckpt-1, ckpt-2; pass one of them"


def test_path_relative_to_the_config_folder_is_found_and_reported(workspace):
    os.mkdir("configs")
    shutil.move("ckpts", "configs/ckpts")
    report = validate(workspace.config(CKPT2, name="configs/pipeline.config"))
    finding = only(report, "checkpoint-not-found")
    assert finding.where == "configs/pipeline.config:78"
    assert finding.message == (f'fine_tune_checkpoint "{IRV2}/ckpt-2" does not exist from the working directory: '
                               "model_main_tf2 fails to restore it")
    assert finding.hint == (f"it exists relative to the config's folder: write \"configs/{IRV2}/ckpt-2\", or run "
                            "model_main_tf2 from the config's folder (relative paths are resolved from the folder "
                            "model_main_tf2 runs in)")
    assert "heads-start-fresh" in [f.id for f in report.findings]  # the checkpoint found there is still checked


def test_index_file_name_instead_of_prefix(workspace):
    report = validate(workspace.config({"ckpt-1": "ckpt-2.index"}))
    assert summary(report) == [("error", "checkpoint-names-file", "pipeline.config:78")] + OK_INFO
    assert report.findings[0].message == (
        f'fine_tune_checkpoint "{IRV2}/ckpt-2.index" names a file of the checkpoint, not its prefix: TensorFlow reads '
        'it as an empty TF1 checkpoint and model_main_tf2 fails ("Checkpoint is expected to be an object-based '
        'checkpoint")')
    assert report.findings[0].hint == f'write fine_tune_checkpoint: "{IRV2}/ckpt-2"'


def test_keras_weights_file_is_not_a_checkpoint(workspace):
    open("model.weights.h5", "wb").close()
    report = validate(workspace.config({f"{IRV2}/ckpt-1": "model.weights.h5"}))
    assert summary(report) == [("error", "checkpoint-keras-file", "pipeline.config:78")]


def test_ckpt_argument_folder_is_resolved_to_its_latest(workspace):
    report = validate(workspace.config(CKPT2), checkpoint=IRV2)
    assert summary(report) == OK_INFO
    assert report.input.fine_tune.prefix == f"{IRV2}/ckpt-2"


def test_ckpt_argument_other_than_the_configs_is_noted(workspace):
    report = validate(workspace.config(), checkpoint=f"{IRV2}/ckpt-2")
    finding = only(report, "checkpoint-not-in-config")
    assert (finding.severity, finding.where) == ("info", "pipeline.config:78")
    assert finding.message == (f'checked {IRV2}/ckpt-2, but training restores fine_tune_checkpoint "{IRV2}/ckpt-1"')


def test_ckpt_argument_with_a_config_that_restores_nothing(workspace):
    report = validate(workspace.config(base="frcnn_irv2_90cls_momentum.config"), checkpoint=f"{IRV2}/ckpt-2")
    assert summary(report) == [("error", "checkpoint-version", "pipeline.config:60"),
                               ("error", "restores-nothing", "pipeline.config:60"),
                               ("info", "checkpoint-not-in-config", "pipeline.config:60"),
                               ("info", "optimizer-not-restored", "pipeline.config:64")]
    assert report.findings[1].message.startswith('fine_tune_checkpoint_type (not set, so "classification") restores ')
    assert report.findings[1].hint == ('it is a Faster R-CNN detection checkpoint: use fine_tune_checkpoint_type: '
                                       '"detection"')
    assert report.findings[2].message == (f"checked {IRV2}/ckpt-2, but the config has no fine_tune_checkpoint: "
                                          "training restores nothing")


def test_gs_paths_are_not_checked(workspace):
    report = validate(workspace.config({f"{IRV2}/ckpt-1": "gs://bucket/ckpt-0"}))
    finding = only(report, "checkpoint-not-checked")
    assert finding.severity == "info"
    assert "needs TensorFlow" in finding.message


# --- --model-dir ---------------------------------------------------------------------------


def test_model_dir_that_does_not_exist_starts_fresh(workspace):
    report = validate(workspace.config(CKPT2), model_dir="runs/new")
    assert only(report, "model-dir-missing").message == ("--model-dir runs/new does not exist: training starts there "
                                                         "at step 0")


def test_model_dir_without_state_file_does_not_resume(workspace):
    os.remove(f"{IRV2}/checkpoint")
    report = validate(workspace.config(CKPT2), model_dir=IRV2)
    finding = only(report, "model-dir-no-state-file")
    assert (finding.severity, finding.where) == ("warning", f"{IRV2}/checkpoint")
    assert finding.message == (f"--model-dir {IRV2} has no checkpoint state file: tf.train.latest_checkpoint finds "
                               f"nothing, so model_main_tf2 does not resume from {IRV2}/ckpt-2 and starts again at "
                               "step 0")
    assert finding.hint == 'write a checkpoint state file with model_checkpoint_path: "ckpt-2" to resume'


def test_resume_into_a_config_with_another_class_count(workspace):
    report = validate(workspace.config(CKPT2), model_dir=IRV2)
    finding = only(report, "num-classes-mismatch")
    assert finding.message == (
        f"checkpoint class head has 90 classes, config num_classes is 3: resuming from --model-dir ({IRV2}/ckpt-2) "
        "restores the heads, and fails (ValueError: Received incompatible tensor with shape ... when attempting to "
        "restore variable)")
    assert finding.hint == "use a new --model-dir for 3 classes, or set num_classes: 90"


def test_resume_of_a_run_whose_latest_save_holds_only_the_step(workspace):
    with open(f"{IRV2}/checkpoint", "w") as state:
        state.write('model_checkpoint_path: "ckpt-1"\n')
    report = validate(workspace.config(CKPT2), model_dir=IRV2)
    assert ("info", "resume-step-only", f"{IRV2}/ckpt-1") in summary(report)


def test_resume_into_another_meta_architecture_restores_no_weights(workspace):
    report = validate(workspace.config(CKPT2), model_dir="ckpts/ssd_mobilenet_v2_90cls")
    finding = only(report, "restores-nothing")
    assert finding.message == (
        "the latest checkpoint of --model-dir, ckpts/ssd_mobilenet_v2_90cls/ckpt-2: its model is SSD, the config's "
        "is Faster R-CNN: resuming restores its step but none of the model's weights, and nothing says so")


# --- label maps and input files ------------------------------------------------------------


def test_missing_label_map_and_input_files(workspace):
    os.remove("data/label_map_3.pbtxt")
    os.remove("data/train.tfrecord")
    report = validate(workspace.config(CKPT2))
    assert summary(report) == [("error", "label-map-missing", "pipeline.config:87"),
                               ("error", "input-missing", "pipeline.config:88")] + OK_INFO
    assert report.findings[0].message == ('label_map_path "data/label_map_3.pbtxt" does not exist: training fails when '
                                          "it builds its input")
    assert report.findings[0].hint.endswith("; the same path is on line 92")  # the eval reader's: fix both at once
    assert report.findings[1].message == ('input_path "data/train.tfrecord" matches no file: training fails ("Did not '
                                          'find any input files matching the glob pattern")')


def test_input_glob_matches_and_eval_only_paths_are_warnings(workspace):
    for shard in ("train-00000-of-00002.tfrecord", "train-00001-of-00002.tfrecord"):
        open(f"data/{shard}", "wb").close()
    report = validate(workspace.config({**CKPT2, 'tf_record_input_reader { input_path: "data/train.tfrecord" }\n}\n'
                                        'eval_config': 'tf_record_input_reader { input_path: "data/train-*.tfrecord" }'
                                        '\n}\neval_config',
                                        'input_path: "data/train.tfrecord" }\n}\n': 'input_path: "data/val.tfrecord" }'
                                        '\n}\n'}))
    assert summary(report) == [("warning", "input-missing", "pipeline.config:95")] + OK_INFO
    assert report.findings[0].message == 'input_path "data/val.tfrecord" matches no file: evaluation fails'


def test_label_map_problems_and_class_count(workspace):
    with open("data/label_map_3.pbtxt", "a") as label_map:
        label_map.write("item {\n  id: 3\n  name: 'class_4'\n}\nitem {\n  id: 5\n  name: 'class_5'\n}\n")
    report = validate(workspace.config(CKPT2))
    # neither stops training: the OD API keeps one class of the id, and one-hot encodes ids above
    # num_classes as nothing, so both are silent losses (warnings)
    assert summary(report)[:2] == [("warning", "label-map-duplicate-id", "data/label_map_3.pbtxt:14"),
                                   ("warning", "label-map-exceeds-num-classes", "data/label_map_3.pbtxt")]
    assert report.findings[1].message == ("the label map's ids go up to 5, but num_classes is 3 (pipeline.config:3:5): "
                                          "1 class above 3 will not be learned")


def test_train_reader_without_input_path(workspace):
    report = validate(workspace.config({**CKPT2, 'label_map_path: "data/label_map_3.pbtxt"\n  tf_record_input_reader '
                                        '{ input_path: "data/train.tfrecord" }': 'label_map_path: '
                                        '"data/label_map_3.pbtxt"\n  tf_record_input_reader { }'}))
    assert ("error", "input-not-set", "pipeline.config:88") in summary(report)
