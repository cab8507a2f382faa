"""Property: whatever a ``keep-best-state.json`` holds -- a real one with its JSON values replaced,
or any bytes -- keep-best starts and polls, or stops with a TfckptError; never another exception."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfckpt.errors import TfckptError
from tfckpt.keep_best.keeper import KeepBest
from tfckpt.keep_best.options import KeepBestOptions
from tfckpt.keep_best.state import STATE_NAME, KeepBestState, Kept, Pinned, load_state

SETTINGS = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SEED = json.loads(KeepBestState(
    model_dir="run", metric="DetectionBoxes_Precision/mAP", mode="max", keep=3,
    event_offsets={"eval/events.out.tfevents.1": {"offset": 120, "size": 120}},
    scores={1000: {"wall_time": 1.0, "scalars": {"DetectionBoxes_Precision/mAP": 0.31}}},
    pinned={"ckpt-3": Pinned("ckpt-3", 3000, "step", ["ckpt-3.index"], "link", "run/ckpt-3", 5.0)},
    kept=[Kept("ckpt-1", 1000, 0.31, ["ckpt-1.index"], "run/ckpt-1", 4.0)],
    done={"ckpt-2": {"outcome": "never-scored", "step": 2000}},
    garbage=["old.index"]).to_json())
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=6)


@st.composite
def damaged_state(draw) -> bytes:
    """The seed with one to three values (at any depth) replaced by other JSON, or any bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=64))
    document = json.loads(json.dumps(SEED))
    for _ in range(draw(st.integers(1, 3))):
        holder = document
        while True:
            keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if isinstance(holder[key], (dict, list)) and holder[key] and draw(st.booleans()):
                holder = holder[key]
                continue
            holder[key] = draw(JSON)
            break
    return json.dumps(document).encode()


def poll(model_dir: Path, content: bytes) -> None:
    (model_dir / "best").mkdir(parents=True)
    (model_dir / "best" / STATE_NAME).write_bytes(content)
    keeper = KeepBest(str(model_dir), KeepBestOptions(metric=SEED["metric"]))
    try:
        keeper.poll_once()
        keeper.report()
    except TfckptError as error:
        assert "\n" not in str(error) and len(str(error)) < 2000


@SETTINGS
@given(damaged_state())
def test_any_keep_best_state_starts_or_is_an_error(content):
    with tempfile.TemporaryDirectory() as folder:
        poll(Path(folder) / "run", content)


def test_the_seed_itself_loads_so_the_mutations_start_from_a_valid_state(tmp_path):
    (tmp_path / STATE_NAME).write_text(json.dumps(SEED))
    assert load_state(str(tmp_path)).kept[0].name == "ckpt-1"


@pytest.mark.parametrize("key, path", [("garbage", "../../home/user/notes.txt"), ("garbage", "/etc/passwd"),
                                       ("kept", "")])
def test_a_damaged_state_cannot_name_files_outside_into(tmp_path, key, path):
    """keep-best deletes what its state lists: a damaged state must not reach outside INTO."""
    document = json.loads(json.dumps(SEED))
    if key == "garbage":
        document["garbage"].append(path)
    else:
        document["kept"][0]["name"] = path
    (tmp_path / STATE_NAME).write_text(json.dumps(document))
    with pytest.raises(TfckptError) as caught:
        load_state(str(tmp_path))
    assert "which is not a file inside the --into folder" in str(caught.value)
