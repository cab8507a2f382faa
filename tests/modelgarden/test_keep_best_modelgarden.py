"""keep-best on Model Garden runs: checkpoints in the trainer's layout (global_step, model, optimizer
and the checkpoint items, saved by a CheckpointManager that keeps 5, named by global_step), COCO
metrics in MODEL_DIR/validation written with tf.summary, and a real RetinaNet checkpoint."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from mg_data import materialise

from tfckpt.cli.main import main
from tfckpt.keep_best import KeepBest, KeepBestOptions, keep_best

KEEP_BEST_TESTS = Path(__file__).parent.parent / "keep_best"


def write_scalar(tag: str, value: float, step: int) -> None:
    """TensorBoard's ``tf.summary.scalar``, or the record it writes (odapi_roles imports TensorFlow,
    so it is loaded only here: this module collects without TensorFlow)."""
    if str(KEEP_BEST_TESTS) not in sys.path:
        sys.path.insert(0, str(KEEP_BEST_TESTS))
    from odapi_roles import write_scalar as write

    write(tag, value, step)


COCO_TAGS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "ARmax1", "ARmax10", "ARmax100")


class ModelGardenRun:
    """Orbit's way of saving, on a three-part stand-in model (no tf-models-official needed)."""

    def __init__(self, tf, model_dir: Path) -> None:
        self.tf, self.model_dir = tf, model_dir
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / "params.yaml").write_text("task:\n  model:\n    num_classes: 4\n")  # train.py writes it first
        parts = {name: tf.Module() for name in ("backbone", "decoder", "head")}
        for index, part in enumerate(parts.values()):
            part.kernel = tf.Variable(tf.zeros([3, 2 + index]))
        self.model = tf.Module()
        self.model.backbone, self.model.decoder, self.model.head = parts.values()
        self.global_step = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.optimizer = tf.keras.optimizers.SGD(0.1, momentum=0.9)
        variables = [part.kernel for part in parts.values()]
        self.optimizer.apply_gradients(zip([tf.zeros_like(v) for v in variables], variables))
        checkpoint = tf.train.Checkpoint(global_step=self.global_step, model=self.model, optimizer=self.optimizer,
                                         **parts)
        self.manager = tf.train.CheckpointManager(checkpoint, str(model_dir), max_to_keep=5,
                                                  step_counter=self.global_step, checkpoint_interval=100)
        self.writer = tf.summary.create_file_writer(str(model_dir / "validation"))

    def save(self, step: int) -> str:
        self.global_step.assign(step)
        return os.path.basename(self.manager.save(checkpoint_number=self.global_step))

    def evaluate(self, step: int, ap: float) -> None:
        with self.writer.as_default():
            for tag in COCO_TAGS:
                write_scalar(tag, ap if tag == "AP" else ap / 2, step)
            write_scalar("validation_loss", 1 - ap, step)
        self.writer.flush()


@pytest.fixture
def mg_run(tf, tmp_path):
    return ModelGardenRun(tf, tmp_path / "model_dir")


def test_the_best_two_by_ap_survive_the_trainers_pruning(mg_run, tf):
    keeper = KeepBest(str(mg_run.model_dir), KeepBestOptions(keep=2))
    scores = {100: 0.10, 200: 0.35, 300: 0.20, 400: 0.30, 500: 0.15, 600: 0.05, 700: 0.25, 800: 0.12}
    for step, ap in scores.items():
        assert mg_run.save(step) == f"ckpt-{step}"
        keeper.poll_once()
        mg_run.evaluate(step, ap)
        keeper.poll_once()
    report = keeper.report()
    assert (report.metric, [k["name"] for k in report.kept]) == ("AP", ["ckpt-400", "ckpt-200"])
    assert sorted(n for n in os.listdir(mg_run.model_dir) if n.endswith(".index")) == [
        f"ckpt-{s}.index" for s in (400, 500, 600, 700, 800)]  # the trainer kept its last 5
    into = mg_run.model_dir / "best"
    assert tf.train.latest_checkpoint(str(into)) == str(into / "ckpt-200")
    assert int(tf.train.load_variable(str(into / "ckpt-200"), "global_step/.ATTRIBUTES/VARIABLE_VALUE")) == 200
    record = json.loads((into / "ckpt-200.json").read_text())
    assert (record["metric"], record["value"], record["step_source"]) == ("AP", pytest.approx(0.35), "global_step")
    assert record["metrics"]["AP50"] == pytest.approx(0.175)
    assert not [n for n in report.notices if n.kind == "no-step"]  # global_step is the native step


def test_a_real_retinanet_checkpoint_is_told_apart_and_kept(tf, tmp_path):
    model_dir = tmp_path / "model_dir"
    materialise("retinanet_r50_c91_trainer", model_dir)  # ckpt-1000, no params.yaml, no validation/ yet
    keeper = KeepBest(str(model_dir))
    assert [n.kind for n in keeper.poll_once()] == ["pinned"]
    assert keeper.options.framework == "modelgarden" and keeper.options.metric == "AP"
    with tf.summary.create_file_writer(str(model_dir / "validation")).as_default() as writer:
        write_scalar("AP", 0.4, 1000)
        writer.flush()
    notices = keeper.poll_once()
    assert [(n.kind, n.checkpoint) for n in notices] == [("scored", "ckpt-1000"), ("kept", "ckpt-1000")]
    assert notices[0].text == "scored ckpt-1000 (step 1000): AP = 0.4000"


def test_an_empty_model_dir_waits_until_it_shows_the_framework(tf, tmp_path):
    model_dir = tmp_path / "model_dir"
    model_dir.mkdir()
    keeper = KeepBest(str(model_dir))
    (notice,) = keeper.poll_once()
    assert notice.kind == "waiting" and "--framework" in notice.text
    assert keeper.poll_once() == [] and not (model_dir / "best").exists()
    (model_dir / "params.yaml").write_text("runtime: {}\n")
    keeper.poll_once()
    assert keeper.options.metric == "AP" and (model_dir / "best").is_dir()


def test_cli_once_json_on_a_model_garden_run(mg_run, capsys):
    for step, ap in ((100, 0.2), (200, 0.3)):
        mg_run.save(step)
        mg_run.evaluate(step, ap)
    code = main(["keep-best", str(mg_run.model_dir), "--once", "--keep", "1", "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 0
    assert (report["metric"], [k["name"] for k in report["kept"]]) == ("AP", ["ckpt-200"])
    assert "1 kept in" in err and "AP 0.3000" in err


def test_a_metric_the_validation_logs_lack_gets_the_tags_seen(mg_run):
    for step in (100, 200, 300):
        mg_run.save(step)
        mg_run.evaluate(step, 0.1)
    report = keep_best(str(mg_run.model_dir), metric="mAP")
    (hint,) = [n.text for n in report.notices if n.kind == "metric-missing"]
    assert hint.startswith("the eval results have no 'mAP' yet; tags seen: AP, AP50, AP75, APl, APm, APs, ARmax1")
    assert hint.endswith("pass it with --metric; did you mean 'AP'?")


def test_framework_given_reads_validation_even_beside_an_eval_folder(mg_run):
    (mg_run.model_dir / "eval").mkdir()
    mg_run.save(100)
    mg_run.evaluate(100, 0.5)
    report = keep_best(str(mg_run.model_dir), framework="modelgarden")
    assert [k["name"] for k in report.kept] == ["ckpt-100"]


def test_an_unknown_framework_is_refused_with_what_was_received():
    with pytest.raises(ValueError) as raised:
        KeepBestOptions(framework="tf-models")
    assert str(raised.value) == "framework must be 'odapi' or 'modelgarden'. Received: framework='tf-models'"


def test_cli_refuses_an_unknown_framework(tmp_path, capsys):
    assert main(["keep-best", str(tmp_path), "--framework", "garden"]) == 2
    assert "invalid choice: 'garden'" in capsys.readouterr().err


def test_a_restart_continues_with_the_metric_it_chose(mg_run):
    mg_run.save(100)
    first = KeepBest(str(mg_run.model_dir))
    assert [n.kind for n in first.poll_once()] == ["pinned"]  # then killed: nothing more happens in it
    mg_run.evaluate(100, 0.3)
    (mg_run.model_dir / "params.yaml").unlink()  # nothing but the state and the checkpoints tell now
    second = KeepBest(str(mg_run.model_dir))
    assert [n.kind for n in second.poll_once()] == ["scored", "kept"]
    assert second.report().metric == "AP" and second.report().best.endswith("ckpt-100")
