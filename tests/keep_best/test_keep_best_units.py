"""The parts of keep-best that need no TensorFlow: ranking, backoff, options, state, messages,
and the link-or-copy writer."""

from __future__ import annotations

import doctest
import importlib
import json
import math
import os
import threading
import time
from pathlib import Path

import pytest

from tfckpt.errors import CorruptCheckpointError
from tfckpt.io.atomic import TEMP_MARKER, link_or_copy
from tfckpt.keep_best import KeepBestOptions
from tfckpt.keep_best import report as say
from tfckpt.keep_best.polling import Backoff, poll_until
from tfckpt.keep_best.ranking import Scored, choose
from tfckpt.keep_best.state import STATE_NAME, KeepBestState, Kept, Pinned, load_state, save_state


def names(items):
    return [item.name for item in items]


@pytest.mark.parametrize("mode, kept, dropped", [
    ("max", ["b", "c"], ["a", "d"]),  # kept: worst first, best last
    ("min", ["d", "a"], ["b", "c"]),
])
def test_choose_keeps_the_best_worst_first(mode, kept, dropped):
    candidates = [Scored("a", 1, 0.1), Scored("b", 2, 0.3), Scored("c", 3, 0.5), Scored("d", 4, 0.2)]
    keep, drop = choose(candidates, mode=mode, keep=2)
    assert (names(keep), sorted(names(drop))) == (kept, dropped)


def test_a_tie_keeps_the_earlier_step_and_nan_is_never_kept():
    keep, drop = choose([Scored("late", 9, 0.5), Scored("early", 3, 0.5), Scored("nan", 5, math.nan)],
                        mode="max", keep=2)
    assert names(keep) == ["late", "early"]  # both kept; the earlier counts as the better
    keep, drop = choose([Scored("late", 9, 0.5), Scored("early", 3, 0.5), Scored("nan", 5, math.nan)],
                        mode="max", keep=1)
    assert (names(keep), names(drop)) == (["early"], ["late", "nan"])


def test_backoff_doubles_while_idle_and_resets_on_change():
    backoff = Backoff(1.0, 30.0)
    assert [backoff.next(False) for _ in range(6)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff.next(True) == 1.0


def test_an_idle_watcher_waits_longer_and_longer():
    calls = []
    stop = threading.Event()

    def poll():
        calls.append(time.monotonic())
        if len(calls) == 6:
            stop.set()
        return False

    poll_until(poll, Backoff(0.01, 0.08), stop)
    gaps = [later - earlier for earlier, later in zip(calls, calls[1:])]
    assert len(calls) == 6
    assert all(gap >= 0.95 * wanted for gap, wanted in zip(gaps, [0.02, 0.04, 0.08, 0.08, 0.08])), gaps


def test_setting_stop_ends_the_wait_at_once():
    stop = threading.Event()
    polled = threading.Event()

    def poll():
        polled.set()
        return False

    worker = threading.Thread(target=poll_until, args=(poll, Backoff(60.0, 60.0), stop))
    worker.start()
    assert polled.wait(10)
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()


@pytest.mark.parametrize("arguments, message", [
    ({"mode": "best"}, "mode must be 'max' or 'min'. Received: mode='best'"),
    ({"keep": 0}, "keep must be an integer of at least 1. Received: keep=0"),
    ({"metric": ""}, "metric must be a non-empty tag name. Received: metric=''"),
    ({"min_poll": 5.0, "max_poll": 1.0}, "min_poll must be > 0 and max_poll >= min_poll. "
                                         "Received: min_poll=5.0, max_poll=1.0"),
])
def test_bad_options_say_what_was_received(arguments, message):
    with pytest.raises(ValueError) as raised:
        KeepBestOptions(**arguments)
    assert str(raised.value) == message


def test_state_round_trips(tmp_path):
    state = KeepBestState(model_dir="m", metric="x", mode="min", keep=2,
                          event_offsets={"m/eval/e": {"offset": 10, "size": 12}},
                          scores={1000: {"wall_time": 1.0, "scalars": {"x": 0.5}}},
                          pinned={"ckpt-4": Pinned("ckpt-4", 3000, "step", ["ckpt-4.index"], "link", "m/ckpt-4", 2.0)},
                          kept=[Kept("ckpt-2", 1000, 0.5, ["ckpt-2.index"], "m/ckpt-2", 3.0)],
                          done={"ckpt-1": {"outcome": "never-scored", "step": 0}}, garbage=["ckpt-9.index"])
    save_state(str(tmp_path), state)
    assert load_state(str(tmp_path)) == state
    assert [n for n in os.listdir(tmp_path) if TEMP_MARKER in n] == []


def test_a_damaged_state_file_is_an_error_naming_it(tmp_path):
    (tmp_path / STATE_NAME).write_text('{"schema_version": 1, "model_dir": ')
    with pytest.raises(CorruptCheckpointError) as raised:
        load_state(str(tmp_path))
    assert raised.value.message.startswith(f"{tmp_path / STATE_NAME}: keep-best state is damaged (")
    assert raised.value.message.endswith("; restore it from a backup, or pass a new --into folder "
                                         "(this one still holds the kept checkpoints)")


def test_messages():
    assert say.pinned("ckpt-3", 2000, "link").text == "pinned ckpt-3 (step 2000) by hard link"
    assert say.pinned("ckpt-3", 2000, "copy").text == "pinned ckpt-3 (step 2000) by copy"
    assert say.never_scored("ckpt-5", 5000, 6000).text == \
        "ckpt-5 (step 5000) was never scored: the evaluator went on to step 6000; unpinned"
    assert say.scored("ckpt-3", 2000, "mAP", 0.41234).text == "scored ckpt-3 (step 2000): mAP = 0.4123"
    assert say.kept("ckpt-3", 2000, 1, 2, "run/best").text == "kept ckpt-3 (step 2000) in run/best: the best so far"
    assert say.kept("ckpt-3", 2000, 2, 3, "run/best").text == "kept ckpt-3 (step 2000) in run/best: number 2 of 3"
    assert say.dropped("ckpt-2", 1000, 2).text == "removed ckpt-2 (step 1000) from the kept: no longer among the best 2"
    assert say.unpinned("ckpt-4", 3000, "mAP", 0.2, 2).text == \
        "unpinned ckpt-4 (step 3000): mAP = 0.2000 is not among the best 2"
    assert say.unpinned("ckpt-4", 3000, "mAP", 0.2, 2, pinned=False).text == \
        "ckpt-4 (step 3000) not pinned: mAP = 0.2000 is not among the best 2"
    assert say.step_fallback("ckpt-3", "name", 3).text == \
        "ckpt-3 has no `step` variable; matching it to eval results by its number (3)"
    assert say.gone("ckpt-3").text == \
        "ckpt-3 was deleted by the trainer before it could be pinned; it cannot be kept"
    assert say.metric_missing("mAP", ["Loss/a", "Loss/b"]).text == \
        "the eval results have no 'mAP' yet; tags seen: Loss/a, Loss/b; if the metric is named otherwise, " \
        "pass it with --metric"


def test_errors_are_one_line_with_the_fix():
    assert say.model_dir_missing("runs/x").message == \
        "runs/x: no such folder; pass the --model_dir that model_main_tf2.py trains into"
    assert say.foreign_into("runs/x/best", ["a", "b", "c", "d"]).message == \
        "runs/x/best: the folder holds files keep-best did not create (a, b, c, ...); pass a new or empty folder " \
        "with --into"
    assert say.into_is_model_dir("runs/x").message == \
        "runs/x: --into is MODEL_DIR itself, where the trainer deletes checkpoints; pass another folder " \
        "(the default is MODEL_DIR/best)"
    assert say.settings_changed("b/keep-best-state.json", "--mode", "max", "min").message == \
        "b/keep-best-state.json: this folder keeps the best by --mode 'max', not 'min'; pass --mode 'max', " \
        "or a new --into folder"


def test_link_or_copy_links_on_one_disk(tmp_path):
    (tmp_path / "a").write_bytes(b"checkpoint bytes")
    assert link_or_copy(str(tmp_path / "a"), str(tmp_path / "b")) == "link"
    assert os.stat(tmp_path / "b").st_ino == os.stat(tmp_path / "a").st_ino
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]


def test_link_or_copy_copies_across_devices(tmp_path):
    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another device than the temporary folder")
    source = other / f"tfckpt-test-{os.getpid()}"
    source.write_bytes(b"checkpoint bytes")
    try:
        assert link_or_copy(str(source), str(tmp_path / "b")) == "copy"
    finally:
        source.unlink()
    assert (tmp_path / "b").read_bytes() == b"checkpoint bytes"
    assert os.listdir(tmp_path) == ["b"]


def test_link_or_copy_of_a_vanished_file_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        link_or_copy(str(tmp_path / "gone"), str(tmp_path / "b"))
    assert os.listdir(tmp_path) == []


def test_report_json_has_a_schema_version():
    report = say.KeepBestReport(into="b", metric="m", mode="max",
                                kept=[{"name": "ckpt-2", "step": 1, "value": 0.5, "path": "b/ckpt-2"}])
    body = json.loads(json.dumps(report.to_dict()))
    assert body["schema_version"] == 1 and body["best"] == "b/ckpt-2"


@pytest.mark.parametrize("module", ["api", "event_messages", "events", "folder", "keeper", "options", "polling",
                                    "ranking", "report", "results", "scalars", "source", "state"])
def test_docstring_examples_run(module):
    failed, _ = doctest.testmod(importlib.import_module(f"tfckpt.keep_best.{module}"), optionflags=doctest.ELLIPSIS)
    assert failed == 0
