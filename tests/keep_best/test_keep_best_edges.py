"""keep-best on the awkward cases, with checkpoints and event files written by TensorFlow in this
process: half-written checkpoints, files vanishing under it, a kill between its steps, folders
it did not make, a run without a `step` variable, copies where links are impossible, ram://."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from testkit import tensorflow_or_skip

tensorflow_or_skip(module_level=True)  # the stand-in trainer and evaluator are TensorFlow programs

from keep_best_helpers import load_checkpoint  # noqa: E402
from odapi_roles import TinyDetector, write_scalar  # noqa: E402

from tfckpt.errors import TfckptError  # noqa: E402
from tfckpt.io.atomic import TEMP_MARKER  # noqa: E402
from tfckpt.keep_best import KeepBest, keep_best  # noqa: E402
from tfckpt.keep_best.folder import IntoFolder  # noqa: E402

MAP = "DetectionBoxes_Precision/mAP"


class InProcessRun:
    """A trainer and an evaluator inside the test process (for paths like ram://)."""

    def __init__(self, tf, model_dir: str, with_step: bool = True) -> None:
        self.tf = tf
        self.model_dir = model_dir
        self.step = tf.Variable(0, dtype=tf.int64)
        self.model = TinyDetector()
        objects = {"step": self.step, "model": self.model} if with_step else {"model": self.model}
        self.manager = tf.train.CheckpointManager(tf.train.Checkpoint(**objects), model_dir, max_to_keep=2)
        self.writer = tf.summary.create_file_writer(model_dir + "/eval")

    def save(self, step: int) -> str:
        self.step.assign(step)
        for variable in self.model.trainable_variables:
            variable.assign(self.tf.fill(variable.shape, step / 1000))
        return os.path.basename(self.manager.save())

    def evaluate(self, step: int, value: float, tag: str = MAP) -> None:
        with self.writer.as_default():
            write_scalar(tag, value, step)
        self.writer.flush()


@pytest.fixture
def local_run(tf, tmp_path):
    return InProcessRun(tf, str(tmp_path / "model_dir"))


def kinds(report):
    return [(notice.kind, notice.checkpoint) for notice in report.notices]


def test_a_checkpoint_with_a_short_data_file_waits_until_it_is_whole(local_run):
    name = local_run.save(1000)
    data = Path(local_run.model_dir, f"{name}.data-00000-of-00001")
    whole = data.read_bytes()
    data.write_bytes(whole[: len(whole) // 2])
    report = keep_best(local_run.model_dir)
    assert kinds(report) == [("incomplete", "ckpt-1")]
    assert "data file is truncated" in report.notices[0].text
    assert os.listdir(Path(local_run.model_dir, "best", ".pinned")) == []
    data.write_bytes(whole)
    assert kinds(keep_best(local_run.model_dir)) == [("pinned", "ckpt-1")]


def test_an_incomplete_checkpoint_that_the_trainer_deletes_is_reported_once(local_run):
    name = local_run.save(1000)
    Path(local_run.model_dir, f"{name}.data-00000-of-00001").unlink()
    keeper = KeepBest(local_run.model_dir)
    assert [n.kind for n in keeper.poll_once()] == ["incomplete"]
    assert keeper.poll_once() == []
    Path(local_run.model_dir, f"{name}.index").unlink()
    assert [(n.kind, n.text) for n in keeper.poll_once()] == [
        ("gone", "ckpt-1 was deleted by the trainer before it could be pinned; it cannot be kept")]


def test_pinning_a_checkpoint_deleted_midway_leaves_nothing_behind(local_run):
    name = local_run.save(1000)
    folder = IntoFolder(str(Path(local_run.model_dir, "best")))
    folder.prepare()
    Path(local_run.model_dir, f"{name}.index").unlink()  # the trainer prunes it between listing and linking
    with pytest.raises(FileNotFoundError):
        folder.pin(local_run.model_dir, [f"{name}.data-00000-of-00001", f"{name}.index"])
    assert os.listdir(folder.pins) == []


def test_a_kill_between_deciding_and_moving_is_finished_at_the_next_start(local_run, tf):
    """The state is written before files move; simulate the kill by writing exactly that state."""
    into = Path(local_run.model_dir, "best")
    local_run.save(1000)
    keep_best(local_run.model_dir)  # pins ckpt-1
    state_path = into / "keep-best-state.json"
    state = json.loads(state_path.read_text())
    pin = state["pinned"].pop()
    state["kept"] = [{"name": pin["name"], "step": pin["step"], "value": 0.5, "files": pin["files"],
                      "source": pin["source"], "kept_at": 1.0, "step_source": "step"}]
    Path(into, ".pinned", "ckpt-9.index").write_bytes(b"pinned just before a kill")
    Path(into, ".pinned", TEMP_MARKER + "x-ckpt-9.data").write_bytes(b"temporary")
    Path(into, ".pinned", "notes.txt").write_text("not keep-best's")
    state["garbage"] = [".pinned/ckpt-9.index"]
    state_path.write_text(json.dumps(state))
    local_run.evaluate(1000, 0.5)
    assert keep_best(local_run.model_dir).best == str(into / "ckpt-1")
    assert sorted(os.listdir(into / ".pinned")) == ["notes.txt"]
    assert tf.train.latest_checkpoint(str(into)) == str(into / "ckpt-1")
    assert load_checkpoint(tf, str(into / "ckpt-1"))[0] == 1000
    assert json.loads((into / "ckpt-1.json").read_text())["value"] == 0.5


def test_a_kept_checkpoint_deleted_by_hand_is_reported_and_forgotten(local_run):
    local_run.save(1000)
    local_run.evaluate(1000, 0.5)
    into = Path(local_run.model_dir, "best")
    assert keep_best(local_run.model_dir).best == str(into / "ckpt-1")
    (into / "ckpt-1.data-00000-of-00001").unlink()
    report = keep_best(local_run.model_dir)
    assert [(n.kind, n.text) for n in report.notices] == [
        ("lost", "kept ckpt-1 lost its file ckpt-1.data-00000-of-00001 (deleted by someone else); no longer kept")]
    assert report.kept == [] and not (into / "checkpoint").exists() and not (into / "ckpt-1.json").exists()


def test_a_folder_it_did_not_make_is_refused(local_run, tmp_path):
    local_run.save(1000)
    into = tmp_path / "elsewhere"
    into.mkdir()
    (into / "checkpoint").write_text('model_checkpoint_path: "mine"\n')
    with pytest.raises(TfckptError) as raised:
        keep_best(local_run.model_dir, into=str(into))
    assert raised.value.message == (f"{into}: the folder holds files keep-best did not create (checkpoint); "
                                    "pass a new or empty folder with --into")
    with pytest.raises(TfckptError, match="--into is MODEL_DIR itself"):
        keep_best(local_run.model_dir, into=local_run.model_dir + "/")
    assert sorted(os.listdir(into)) == ["checkpoint"]


def test_a_restart_with_another_mode_is_refused_and_a_smaller_keep_applies(local_run):
    for step, value in ((1000, 0.3), (2000, 0.5)):
        local_run.save(step)
        keep_best(local_run.model_dir, keep=2)
        local_run.evaluate(step, value)
    assert [k["name"] for k in keep_best(local_run.model_dir, keep=2).kept] == ["ckpt-1", "ckpt-2"]
    with pytest.raises(TfckptError, match="keeps the best by --mode 'max', not 'min'"):
        keep_best(local_run.model_dir, keep=2, mode="min")
    report = keep_best(local_run.model_dir, keep=1)
    assert [(k["name"], k["step"]) for k in report.kept] == [("ckpt-2", 2000)]
    assert sorted(os.listdir(Path(local_run.model_dir, "best"))) == [
        ".pinned", "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index", "ckpt-2.json", "keep-best-state.json"]


def test_events_written_elsewhere_are_read_from_the_folder_given(tf, tmp_path):
    run = InProcessRun(tf, str(tmp_path / "model_dir"))
    run.writer = tf.summary.create_file_writer(str(tmp_path / "evaluations" / "coco"))
    run.save(1000)
    run.evaluate(1000, 0.5)
    assert keep_best(run.model_dir).kept == []  # not in MODEL_DIR/eval*
    report = keep_best(run.model_dir, events=[str(tmp_path / "evaluations")])
    assert [(k["name"], k["value"]) for k in report.kept] == [("ckpt-1", 0.5)]


def test_mode_min_keeps_the_lowest_loss(local_run):
    for step, loss in ((1000, 0.9), (2000, 0.4), (3000, 0.7)):
        local_run.save(step)
        keep_best(local_run.model_dir, metric="Loss/total_loss", mode="min", keep=1)
        local_run.evaluate(step, loss, tag="Loss/total_loss")
    report = keep_best(local_run.model_dir, metric="Loss/total_loss", mode="min", keep=1)
    assert [k["name"] for k in report.kept] == ["ckpt-2"]


def test_without_a_step_variable_the_checkpoint_number_is_used_and_said(tf, tmp_path):
    run = InProcessRun(tf, str(tmp_path / "model_dir"), with_step=False)
    run.save(1000)
    report = keep_best(run.model_dir)
    assert [(n.kind, n.text) for n in report.notices][0] == (
        "no-step", "ckpt-1 has no `step` variable; matching it to eval results by its number (1)")
    run.evaluate(1, 0.5)
    assert keep_best(run.model_dir).best == str(tmp_path / "model_dir" / "best" / "ckpt-1")


def test_hints_when_there_are_no_eval_results_or_no_such_metric(local_run):
    keeper = KeepBest(local_run.model_dir)
    local_run.save(1000)
    local_run.save(2000)
    assert [n.kind for n in keeper.poll_once()] == ["pinned", "pinned"]  # the first eval takes time
    local_run.save(3000)
    notices = keeper.poll_once()
    assert [n.kind for n in notices] == ["pinned", "no-events"]
    assert notices[1].text == (f"no eval results in {local_run.model_dir}/eval* yet; 3 checkpoint(s) pinned, "
                               "waiting for scores: is the evaluator running (model_main_tf2.py "
                               "--checkpoint_dir=MODEL_DIR)?")
    local_run.evaluate(1000, 0.5, tag="DetectionBoxes_Precision/mAP_typo")
    assert keeper.poll_once() == []  # one step without the metric: maybe it is not flushed yet
    local_run.evaluate(3000, 0.5, tag="DetectionBoxes_Precision/mAP_typo")
    assert [n.kind for n in keeper.poll_once()] == ["metric-missing"]
    assert keeper.poll_once() == []  # said once


def test_across_devices_checkpoints_are_copied(tf, tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another device than the temporary folder")
    model_dir = shm / f"tfckpt-keep-best-{os.getpid()}"
    try:
        run = InProcessRun(tf, str(model_dir))
        run.save(1000)
        into = tmp_path / "best"
        assert [n.text for n in keep_best(str(model_dir), into=str(into)).notices] == [
            "pinned ckpt-1 (step 1000) by copy"]
        run.evaluate(1000, 0.5)
        assert keep_best(str(model_dir), into=str(into)).best == str(into / "ckpt-1")
        assert load_checkpoint(tf, str(into / "ckpt-1"))[0] == 1000
    finally:
        for path in sorted(model_dir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        model_dir.rmdir()


def test_ram_filesystem_pins_by_copy_and_keeps_the_best(tf):
    """ram:// lives inside one process, so TensorFlow writes and keep-best reads in this one."""
    model_dir = f"ram://keep-best-{os.getpid()}/run"
    run = InProcessRun(tf, model_dir)
    for step, value in ((1000, 0.3), (2000, 0.6), (3000, 0.4)):
        run.save(step)
        assert [n.kind for n in keep_best(model_dir, keep=2).notices][:1] == ["pinned"]
        run.evaluate(step, value)
    report = keep_best(model_dir, keep=2)
    into = model_dir + "/best"
    assert [(k["name"], k["path"]) for k in report.kept] == [("ckpt-3", into + "/ckpt-3"), ("ckpt-2", into + "/ckpt-2")]
    assert tf.train.latest_checkpoint(into) == into + "/ckpt-2"
    assert load_checkpoint(tf, into + "/ckpt-2")[0] == 2000
    assert sorted(tf.io.gfile.listdir(into)) == [
        ".pinned", "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index", "ckpt-2.json",
        "ckpt-3.data-00000-of-00001", "ckpt-3.index", "ckpt-3.json", "keep-best-state.json"]
    assert sorted(tf.io.gfile.listdir(model_dir)) == [
        "best", "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index", "ckpt-3.data-00000-of-00001",
        "ckpt-3.index", "eval"]
