"""`tfckpt keep-best` as users run it: a real process beside a real trainer and evaluator,
stopped with Ctrl-C and started again; its errors; and no TensorFlow import."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from keep_best_helpers import REPO, Process, load_checkpoint, snapshot

from tfckpt.cli.main import main


def start_cli(*argv) -> Process:
    return Process([sys.executable, "-m", "tfckpt", "keep-best", *map(str, argv)], read="stderr")


def test_watch_stop_with_ctrl_c_and_restart(odapi_run, tf):
    run = odapi_run
    into = run.model_dir / "kept"
    watcher = start_cli(run.model_dir, "--keep", "2", "--into", into, "--poll", "0.05", "--max-poll", "0.2")
    try:
        assert watcher.wait_for("watching").startswith(f"keep-best: watching {run.model_dir}, keeping the best 2 "
                                                       "by DetectionBoxes_Precision/mAP (max) in ")
        run.save(0)
        watcher.wait_for("pinned ckpt-1")
        run.save(1000)
        watcher.wait_for("pinned ckpt-2")
        run.evaluate(0.30)
        assert watcher.wait_for("kept ckpt-2") == f"keep-best: kept ckpt-2 (step 1000) in {into}: the best so far"
        run.save(2000)
        watcher.wait_for("pinned ckpt-3")
        run.evaluate(0.50)
        watcher.wait_for("kept ckpt-3")
        run.save(3000)
        run.save(4000)  # the trainer prunes ckpt-2 and ckpt-3; their pins are already in INTO
        watcher.wait_for("pinned ckpt-5")
        before = snapshot(run.model_dir, skip="kept")
        watcher.popen.send_signal(signal.SIGINT)
        assert watcher.popen.wait(timeout=30) == 0
        lines = [watcher.next_line() for _ in range(2)]
        assert lines[0] == f"keep-best: stopped; state saved in {into}"
        assert lines[1] == (f"keep-best: 2 kept in {into}; best ckpt-3 (step 2000, DetectionBoxes_Precision/mAP "
                            "0.5000); 2 pinned, waiting for scores; 1 never scored")
    finally:
        watcher.close()
    assert snapshot(run.model_dir, skip="kept") == before
    assert run.evaluate(0.70) == 4000  # while keep-best is down

    again = subprocess.run([sys.executable, "-m", "tfckpt", "keep-best", str(run.model_dir), "--keep", "2",
                            "--into", str(into), "--once", "--json"], capture_output=True, text=True, cwd=REPO,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines() == [
        "keep-best: ckpt-4 (step 3000) was never scored: the evaluator went on to step 4000; unpinned",
        "keep-best: scored ckpt-5 (step 4000): DetectionBoxes_Precision/mAP = 0.7000",
        "keep-best: removed ckpt-2 (step 1000) from the kept: no longer among the best 2",
        f"keep-best: kept ckpt-5 (step 4000) in {into}: the best so far",
        f"keep-best: 2 kept in {into}; best ckpt-5 (step 4000, DetectionBoxes_Precision/mAP 0.7000); "
        "0 pinned, waiting for scores; 2 never scored",
    ]
    report = json.loads(again.stdout)
    assert report["schema_version"] == 1
    assert report["best"] == str(into / "ckpt-5")
    assert [(k["name"], k["step"]) for k in report["kept"]] == [("ckpt-3", 2000), ("ckpt-5", 4000)]
    assert report["never_scored"] == ["ckpt-1", "ckpt-4"]
    assert tf.train.latest_checkpoint(str(into)) == str(into / "ckpt-5")
    assert load_checkpoint(tf, str(into / "ckpt-3"))[0] == 2000
    assert load_checkpoint(tf, str(into / "ckpt-5"))[0] == 4000


def test_a_missing_model_dir_is_one_line_and_exit_3(tmp_path, capsys):
    assert main(["keep-best", str(tmp_path / "missing"), "--once"]) == 3
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"tfckpt: error: {tmp_path}/missing: no such folder; pass the "
                                                "--model_dir that model_main_tf2.py trains into\n")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("argv, message", [
    (["--keep", "0"], "argument --keep: must be at least 1, got 0"),
    (["--poll", "-1"], "argument --poll: must be more than 0, got -1"),
    (["--mode", "best"], "argument --mode: invalid choice: 'best' (choose from"),
])
def test_usage_errors_exit_2(tmp_path, capsys, argv, message):
    assert main(["keep-best", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_max_poll_shorter_than_poll_is_a_usage_error(tmp_path, capsys):
    assert main(["keep-best", str(tmp_path), "--poll", "5", "--max-poll", "1"]) == 2
    assert capsys.readouterr().err == ("tfckpt: error: --max-poll (1.0) is shorter than --poll (5.0); "
                                       "pass a --max-poll of at least --poll\n")


def test_the_command_never_imports_tensorflow(tmp_path, tf):
    model_dir = tmp_path / "model_dir"
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(5, dtype=tf.int64)), str(model_dir), 2)
    manager.save()
    probe = (
        "import sys\n"
        "from tfckpt.cli.main import main\n"
        f"code = main(['keep-best', {str(model_dir)!r}, '--once'])\n"
        "print('LOADED' if any(m == 'tensorflow' or m.startswith(('tensorflow.', 'keras')) for m in sys.modules)"
        " else 'CLEAN', code)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "CLEAN 0", result.stderr
    assert "pinned ckpt-1 (step 5) by hard link" in result.stderr


@pytest.mark.parametrize("content, detail", [
    ("[]", "it holds a list, not an object"),
    ('{"schema_version": 1, "model_dir": "m", "metric": "m", "mode": "max", "keep": 3, "event_offsets": {}, '
     '"scores": [], "pinned": [], "kept": [], "done": {}, "garbage": []}', "'scores' holds a list, not an object"),
    ('{"schema_version": 1}', "the file has no 'model_dir'"),
    ('{"schema_version": 1, "model_dir": "m", "metric": "m", "mode": "max", "keep": 3, "event_offsets": {}, '
     '"scores": {}, "pinned": [], "kept": [{"name": "ckpt-1"}], "done": {}, "garbage": []}', "'kept'[0] has no 'step'"),
    ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
])
def test_a_damaged_keep_best_state_is_one_line_and_exit_3(tmp_path, capsys, content, detail):
    model_dir = tmp_path / "run"
    (model_dir / "best").mkdir(parents=True)
    state = model_dir / "best" / "keep-best-state.json"
    state.write_text(content)
    assert main(["keep-best", str(model_dir), "--once"]) == 3
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"tfckpt: error: {state}: keep-best state is damaged ({detail}); "
                                                "restore it from a backup, or pass a new --into folder (this one "
                                                "still holds the kept checkpoints)\n")
