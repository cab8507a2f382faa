"""keep-best beside a real trainer and evaluator (separate processes, interleaved step by step):
the best checkpoints survive the trainer's pruning, whole and loadable; skipped ones are
reported; MODEL_DIR is never touched. Every call below is a new KeepBest (a restart)."""

from __future__ import annotations

import json
import os

import pytest
from keep_best_helpers import load_checkpoint, snapshot

from tfckpt.keep_best import keep_best

MAP = "DetectionBoxes_Precision/mAP"


@pytest.fixture
def watch(odapi_run):
    """``watch()`` runs keep-best once (keep=2, default --into) and returns its notices as
    ``(kind, checkpoint)``; it also checks that MODEL_DIR is exactly as it was."""

    def once():
        before = snapshot(odapi_run.model_dir)
        report = keep_best(str(odapi_run.model_dir), keep=2)
        assert snapshot(odapi_run.model_dir) == before, "keep-best changed MODEL_DIR"
        return [(n.kind, n.checkpoint) for n in report.notices], report

    return once


def test_the_best_two_survive_pruning_and_skipped_ones_are_reported(odapi_run, watch, tf):
    run, into = odapi_run, odapi_run.model_dir / "best"
    assert run.save(0) == "ckpt-1"  # holds only `step`, like the OD API's first save
    assert watch()[0] == [("pinned", "ckpt-1")]
    assert run.save(1000) == "ckpt-2"
    assert watch()[0] == [("pinned", "ckpt-2")]
    assert run.evaluate(0.30) == 1000
    assert watch()[0] == [("never-scored", "ckpt-1"), ("scored", "ckpt-2"), ("kept", "ckpt-2")]

    assert run.save(2000) == "ckpt-3"
    assert watch()[0] == [("pinned", "ckpt-3")]
    assert os.stat(into / ".pinned" / "ckpt-3.index").st_nlink == 2  # a hard link, not a copy
    assert run.evaluate(0.50) == 2000
    run.save(3000)
    run.save(4000)  # the trainer's pruning deletes ckpt-3 before keep-best sees its score
    assert not (run.model_dir / "ckpt-3.index").exists()
    assert watch()[0] == [("pinned", "ckpt-4"), ("pinned", "ckpt-5"), ("scored", "ckpt-3"), ("kept", "ckpt-3")]

    assert run.evaluate(0.90, partial=True) == 4000  # the loss is there, the mAP not yet
    assert watch()[0] == []  # ckpt-4 (step 3000) stays pinned: step 4000 has no mAP yet
    assert run.evaluate(0.40) == 4000
    assert watch()[0] == [("never-scored", "ckpt-4"), ("scored", "ckpt-5"), ("dropped", "ckpt-2"),
                          ("kept", "ckpt-5")]

    run.save(5000)
    run.save(6000)
    assert run.evaluate(0.20) == 6000
    assert watch()[0] == [("never-scored", "ckpt-6"), ("scored", "ckpt-7"), ("not-kept", "ckpt-7")]
    run.save(7000)
    assert watch()[0] == [("pinned", "ckpt-8")]
    assert run.evaluate(0.60) == 7000
    notices, report = watch()
    assert notices == [("scored", "ckpt-8"), ("dropped", "ckpt-5"), ("kept", "ckpt-8")]

    assert [(k["name"], k["step"], round(k["value"], 4)) for k in report.kept] == [
        ("ckpt-3", 2000, 0.5), ("ckpt-8", 7000, 0.6)]
    assert report.never_scored == ["ckpt-1", "ckpt-4", "ckpt-6"]
    assert report.pinned == []
    assert report.best == str(into / "ckpt-8")
    assert sorted(os.listdir(run.model_dir)) == [
        "best", "checkpoint", "ckpt-7.data-00000-of-00001", "ckpt-7.index", "ckpt-8.data-00000-of-00001",
        "ckpt-8.index", "eval"]
    assert sorted(os.listdir(into)) == [
        ".pinned", "checkpoint", "ckpt-3.data-00000-of-00001", "ckpt-3.index", "ckpt-3.json",
        "ckpt-8.data-00000-of-00001", "ckpt-8.index", "ckpt-8.json", "keep-best-state.json"]
    assert os.listdir(into / ".pinned") == []

    assert tf.train.latest_checkpoint(str(into)) == str(into / "ckpt-8")
    for name, step in (("ckpt-3", 2000), ("ckpt-8", 7000)):
        loaded_step, kernel, bias = load_checkpoint(tf, str(into / name))
        assert loaded_step == step
        assert (kernel == step / 1000).all() and (bias == step / 1000).all()
        record = json.loads((into / f"{name}.json").read_text())
        assert record["step"] == step and record["metric"] == MAP
        assert set(record["metrics"]) == {"Loss/total_loss", MAP, "DetectionBoxes_Precision/mAP@.50IOU",
                                          "DetectionBoxes_Recall/AR@100"}
        assert record["source"] == str(run.model_dir / name)

    state_before = json.loads((into / "keep-best-state.json").read_text())
    assert watch()[0] == []  # a restart with nothing new does nothing and duplicates nothing
    state_after = json.loads((into / "keep-best-state.json").read_text())
    assert {k: v for k, v in state_after.items() if k != "updated"} == \
        {k: v for k, v in state_before.items() if k != "updated"}
