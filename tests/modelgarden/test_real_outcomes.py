"""Each Model Garden validate prediction against what the real library did on the same case.

The real outcomes (tests/data/modelgarden_outcomes.json) were recorded by real_outcomes.py with
TensorFlow 2.15.1 and tf-models-official 2.15.0: the strict override, params.validate(), the model
build, task.initialize as the trainer's CheckpointManager calls it, and the best-checkpoint exporter.
Every suite checks validate's prediction on the same files, using the real checkpoints' index files
(tests/data/modelgarden). Where tf-models-official is installed (or TFCKPT_REQUIRE_MODELGARDEN is
set, as in CI's Model Garden suite) the cases are also run live and compared there."""

from __future__ import annotations

import json
import os

import pytest

import real_outcomes as ro
from mg_data import materialise
from mg_library import official_vision

RECORDED = json.loads(ro.OUTCOMES.read_text())["cases"]


def agrees(case: ro.Case, real: dict, severity: str, ids) -> bool:
    """Whether validate's prediction ``(worst severity, finding ids)`` says what the real run did."""
    named = case.predicted in ids if case.predicted else True
    if real["outcome"] == ro.FAILS:
        return severity in ("error", "refused") and named
    if real["outcome"] == ro.LOADS_NOTHING:  # the init checkpoint is never loaded: counted as a failure
        return severity == "error" and named and not any(real["restored"].values())
    if real["outcome"] == ro.NO_EXPORTER:  # the run goes on without the best-checkpoint export: a silent loss
        return severity == "warning" and named
    if case.predicted == "heads-start-fresh" and (real["restored"]["heads"] or not real["restored"]["backbone"]):
        return False  # the prediction says the backbone is restored and the heads start fresh
    if case.predicted == "init-skipped" and real["init_called"]:
        return False  # the prediction says the resume skips task.initialize
    return severity not in ("error", "refused") and named


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """The real checkpoints the cases name, from their index files (sparse data files)."""
    folder = tmp_path_factory.mktemp("mg_checkpoints")
    return {name: str(materialise(name, folder / name)) for name in ro.needed_checkpoints()}


def test_every_case_is_recorded():
    assert sorted(RECORDED) == sorted(case.id for case in ro.CASES)


@pytest.mark.parametrize("case", ro.CASES, ids=lambda case: case.id)
def test_prediction_matches_the_recorded_real_outcome(case, checkpoints, tmp_path):
    config_path, model_dir = ro.case_files(case, checkpoints, str(tmp_path))
    severity, ids = ro.predicted_outcome(case, config_path, model_dir)
    real = RECORDED[case.id]["real"]
    assert agrees(case, real, severity, ids), (real, severity, ids)


def test_predictions_match_the_real_library_live():
    """Run every case on the real library now (a few minutes: small models at 128x128)."""
    official_vision()  # skips, or fails where TFCKPT_REQUIRE_MODELGARDEN is set and the library is missing
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    results = ro.record(out=None)
    wrong = {key: value for key, value in results.items()
             if not agrees(ro.Case(**value["case"]), value["real"], *value["predicted"])}
    assert not wrong, wrong
    for key, value in results.items():
        assert value["real"]["outcome"] == RECORDED[key]["real"]["outcome"], (key, value["real"])
