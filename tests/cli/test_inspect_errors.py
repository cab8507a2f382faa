"""Every kind of bad input: one line naming the file, what is wrong and the fix; the right exit
code; no traceback."""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tfckpt.cli.main import main

INDEX_FIX = "the .index file is damaged: copy it again from where it was saved, or use another checkpoint"


def run(capsys, *argv):
    code = main(["inspect", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert err.startswith("tfckpt: error: ")
    return err[len("tfckpt: error: "):-1]


@pytest.fixture
def ssd_copy(odapi_dir):
    return odapi_dir("ssd_mobilenet_v2_90cls")


def test_folder_without_checkpoints_says_what_is_there(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "eval").mkdir()
    code, out, err = run(capsys, tmp_path)
    assert (code, out) == (3, "")
    assert one_error_line(err) == (
        f"{tmp_path}: no checkpoint here (found 1 file(s): notes.txt; subfolders: eval/); "
        "pass the folder that holds ckpt-N.index files, or a prefix such as DIR/ckpt-N")


def test_model_zoo_folder_points_at_its_checkpoint_subfolder(capsys, tmp_path, ssd_copy):
    zoo = tmp_path / "ssd_mobilenet_v2_320x320_coco17_tpu-8"
    (zoo / "checkpoint").mkdir(parents=True)
    (zoo / "pipeline.config").write_text("")
    for name in ("ckpt-2.index", "ckpt-2.data-00000-of-00001"):
        shutil.copy(ssd_copy / name, zoo / "checkpoint" / name.replace("ckpt-2", "ckpt-0"))
    code, _, err = run(capsys, zoo)
    assert code == 3
    assert one_error_line(err).endswith(f"checkpoints are in its subfolder checkpoint/: pass {zoo / 'checkpoint'}")
    assert run(capsys, zoo / "checkpoint")[0] == 0
    code, _, err = run(capsys, zoo / "ckpt-0")  # the prefix, one folder too high
    assert code == 3
    assert one_error_line(err) == (f"{zoo / 'ckpt-0'}: no checkpoint with this prefix (no ckpt-0.index); it is in the "
                                   f"subfolder checkpoint/: pass {zoo / 'checkpoint' / 'ckpt-0'}")


def test_path_that_does_not_exist(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nowhere" / "ckpt-1")
    assert code == 3
    assert one_error_line(err) == f"{tmp_path}/nowhere/ckpt-1: no such file or folder; check the path"


def test_wrong_prefix_lists_the_checkpoints_that_exist(capsys, ssd_copy):
    code, _, err = run(capsys, ssd_copy / "ckpt-3")
    assert code == 3
    assert one_error_line(err) == (
        f"{ssd_copy}/ckpt-3: no checkpoint with this prefix (no ckpt-3.index); "
        f"checkpoints in {ssd_copy}: ckpt-1, ckpt-2; pass one of them")


@pytest.mark.parametrize("content, problem", [
    (random.Random(1).randbytes(5000), "not a readable checkpoint index: not an sstable (bad magic number)"),
    (b"", "the .index file is empty (0 bytes)"),
])
def test_index_that_is_not_an_index(capsys, ssd_copy, content, problem):
    (ssd_copy / "ckpt-2.index").write_bytes(content)
    code, _, err = run(capsys, ssd_copy / "ckpt-2")
    assert code == 3
    assert one_error_line(err) == f"{ssd_copy}/ckpt-2.index: {problem}; {INDEX_FIX}"


def test_index_with_a_corrupted_block(capsys, ssd_copy):
    path = ssd_copy / "ckpt-2.index"
    data = bytearray(path.read_bytes())
    data[5000] ^= 0x55
    path.write_bytes(bytes(data))
    code, _, err = run(capsys, ssd_copy / "ckpt-2")
    assert code == 3
    assert one_error_line(err) == (
        f"{path}: not a readable checkpoint index: block checksum mismatch in the block at byte 0; {INDEX_FIX}")


def test_corrupted_index_in_a_folder_is_reported_and_the_others_still_inspected(capsys, ssd_copy):
    (ssd_copy / "ckpt-1.index").write_bytes(b"junk" * 20)
    code, out, err = run(capsys, ssd_copy)
    assert (code, err) == (3, "")
    assert "  ckpt-1  UNREADABLE\n" in out
    assert f"      ! {ssd_copy}/ckpt-1.index: not a readable checkpoint index: not an sstable (bad magic number)" in out
    assert "  ckpt-2  whole  step 100" in out


def test_missing_data_file(capsys, ssd_copy):
    (ssd_copy / "ckpt-2.data-00000-of-00001").unlink()
    code, out, err = run(capsys, ssd_copy / "ckpt-2")
    assert (code, err) == (1, "")
    assert f"  {ssd_copy}/ckpt-2  INCOMPLETE  step ?  41.7 kB  TF2 object-based\n" in out
    assert (f"      ! {ssd_copy}/ckpt-2.data-00000-of-00001: data file is missing (the index lists tensors "
            "stored in it); copy it next to the .index file, or use an earlier checkpoint\n") in out
    assert out.endswith("1 of 1 not whole: " + f"{ssd_copy}/ckpt-2\n")


def test_truncated_data_file(capsys, ssd_copy):
    data = ssd_copy / "ckpt-2.data-00000-of-00001"
    os.truncate(data, 1_000_000)
    code, out, _ = run(capsys, ssd_copy / "ckpt-2")
    assert code == 1
    assert (f"! {data}: data file is truncated: 1,000,000 bytes, the index needs at least 48,801,923; "
            "the save or copy was cut short; copy it again, or use an earlier checkpoint") in out


def test_zeroed_data(capsys, tf, tiny_checkpoint):
    """The step read for the report already fails its CRC; --deep names every damaged tensor."""
    data = Path(str(tiny_checkpoint) + ".data-00000-of-00001")
    data.write_bytes(b"\0" * data.stat().st_size)
    code, out, _ = run(capsys, tiny_checkpoint)
    assert code == 1
    assert (f"! {data}: step/.ATTRIBUTES/VARIABLE_VALUE does not match its checksum; "
            "the data file is damaged; copy it again, or use an earlier checkpoint") in out
    code, out, _ = run(capsys, tiny_checkpoint, "--deep")
    assert code == 1
    assert f"! {data}: " in out and "tensor(s) do not match their checksums" in out
    assert "the bytes are damaged; copy the file again, or use an earlier checkpoint" in out


def test_flipped_weight_byte_is_found_by_deep_only(capsys, tf, tiny_checkpoint):
    from tfckpt.checkpoint.index import read_index

    index = read_index(str(tiny_checkpoint))
    kernel = next(e for e in index.entries.values() if len(e.shape) == 2)  # a weight matrix
    data = Path(index.data_path(0))
    raw = bytearray(data.read_bytes())
    raw[kernel.offset + 1] ^= 0x40
    data.write_bytes(bytes(raw))
    assert run(capsys, tiny_checkpoint)[0] == 0
    code, out, _ = run(capsys, tiny_checkpoint, "--deep")
    assert code == 1
    assert f"! {data}: 1 tensor(s) do not match their checksums ({kernel.name}); " in out


def test_tf1_checkpoint(capsys, tf, tmp_path):
    prefix = str(tmp_path / "model.ckpt")
    with tf.Graph().as_default():
        tf.compat.v1.get_variable("FeatureExtractor/conv0/weights", [3, 3, 3, 8])
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, prefix, global_step=5)
    code, out, err = run(capsys, tmp_path)
    assert (code, err) == (1, "")
    assert f"  {tmp_path}/model.ckpt-5  whole  step ?  " in out and "TF1 name-based" in out
    assert (f"! {prefix}-5.index: TF1 name-based checkpoint (no object graph): tf.train.Checkpoint and "
            "model_main_tf2 cannot restore it; use a TF2 checkpoint (for the Object Detection API, one from the "
            "TF2 model zoo), or load it by name with tf.compat.v1.train.Saver") in out


def test_state_file_that_does_not_parse(capsys, ssd_copy):
    (ssd_copy / "checkpoint").write_text('model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: ckpt-1\n')
    code, out, err = run(capsys, ssd_copy)
    assert (code, out) == (3, "")
    assert one_error_line(err) == (
        f"{ssd_copy}/checkpoint:2:29: checkpoint state file does not parse: Expected string but found: 'ckpt-1'; "
        "fix or delete the file: TensorFlow rewrites it at the next save, and tfckpt inspect lists the "
        "checkpoints on disk without it")


def test_state_file_listing_a_deleted_checkpoint(capsys, ssd_copy):
    for name in ("ckpt-1.index", "ckpt-1.data-00000-of-00001"):
        (ssd_copy / name).unlink()
    code, out, _ = run(capsys, ssd_copy)
    assert code == 1
    assert (f"  ! {ssd_copy}/checkpoint: lists ckpt-1, but {ssd_copy}/ckpt-1.index does not exist; "
            "it was deleted or not copied; copy it back, or remove it from the state file\n") in out


def test_state_file_with_absolute_paths_of_a_moved_folder(capsys, ssd_copy):
    (ssd_copy / "checkpoint").write_text(
        'model_checkpoint_path: "/content/training/ckpt-2"\n'
        'all_model_checkpoint_paths: "/content/training/ckpt-1"\n'
        'all_model_checkpoint_paths: "/content/training/ckpt-2"\n')
    code, out, _ = run(capsys, ssd_copy)
    assert code == 1
    assert "latest ckpt-2 (from the checkpoint state file)" in out
    assert (f"  ! {ssd_copy}/checkpoint: lists /content/training/ckpt-2, which does not exist; the checkpoint of "
            "that name is here; the folder was moved or copied; tf.train.latest_checkpoint will fail until the "
            "state file uses relative paths (save once more, or edit the file)\n") in out


def test_checkpoint_missing_from_the_state_file_is_a_note(capsys, ssd_copy):
    (ssd_copy / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"\n')
    code, out, _ = run(capsys, ssd_copy)
    assert code == 0
    assert "latest ckpt-1 (from the checkpoint state file)" in out
    assert (f"  note: {ssd_copy}/ckpt-2: on disk but not listed in the checkpoint state file; "
            "tf.train.latest_checkpoint and CheckpointManager will not see it\n") in out


def _run_as_nobody(argv):
    """Run main() in a forked child without root's right to read anything."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 99
        try:
            sys.stderr = os.fdopen(write_end, "w")
            os.setgid(65534)
            os.setuid(65534)
            code = main(argv)
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        err = pipe.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), err


def test_folder_without_read_permission(ssd_copy):
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        base.chmod(0o755)
        locked = base / "locked"
        shutil.copytree(ssd_copy, locked)
        locked.chmod(0)
        argv = ["inspect", str(locked)]
        code, err = _run_as_nobody(argv) if os.geteuid() == 0 else (main(argv), None)
        assert code == 3
        if err is not None:
            assert err == (f"tfckpt: error: {locked}: permission denied; make it readable (chmod +r) "
                           "or run as its owner\n")
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["inspect"]) == 2
    assert main(["inspect", "x", "--no-such-flag"]) == 2
    assert "usage: tfckpt" in capsys.readouterr().err


def test_help_documents_the_exit_codes(capsys):
    assert main(["inspect", "--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and "3  unreadable input" in out


def test_prefix_with_only_a_meta_file(capsys, tmp_path):
    (tmp_path / "model.ckpt.meta").write_bytes(b"graph")
    code, _, err = run(capsys, tmp_path / "model.ckpt")
    assert code == 3
    assert one_error_line(err) == (
        f"{tmp_path}/model.ckpt: no .index file beside it (an old V1 checkpoint or a partial copy?); "
        "tfckpt reads V2 checkpoints: PREFIX.index with PREFIX.data-*; copy the .index file too")


@pytest.mark.parametrize("name", ["pipeline.config", "params.yaml", "label_map.pbtxt"])
def test_a_config_file_points_at_validate(capsys, tmp_path, name):
    (tmp_path / name).write_text("model {\n}\n")
    code, _, err = run(capsys, tmp_path / name)
    assert code == 3
    assert one_error_line(err) == (f"{tmp_path}/{name}: is a config file, not a checkpoint; "
                                   f"check a config with tfckpt validate {tmp_path}/{name}")


def test_saved_model_folder_points_at_its_variables(capsys, tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"pb")
    (tmp_path / "variables").mkdir()
    code, _, err = run(capsys, tmp_path)
    assert code == 3
    assert one_error_line(err).endswith(
        f"this is a SavedModel; its weights are the checkpoint {tmp_path}/variables/variables")


def test_temporaries_of_an_interrupted_save_are_a_note_not_a_checkpoint(capsys, ssd_copy):
    leftover = ssd_copy / ".tfckpt-tmp-0123456789ab-ckpt-3.index"
    leftover.write_bytes(b"partial")
    code, out, _ = run(capsys, ssd_copy)
    assert code == 0
    assert "2 checkpoints" in out
    assert (f"  note: {leftover}: 1 temporary file(s) of an interrupted save (not a checkpoint); tfckpt's "
            "callbacks delete them when training starts again; deleting them by hand is safe\n") in out
