"""Property: whatever bytes a ``.keras`` archive or a ``.weights.h5`` file holds, reading it (also
with ``--deep``) ends in a summary or a TfckptError, never an h5py or zipfile exception. Seeds are
files real Keras writes in this test; the same files with their JSON replaced by other JSON values
and their zip members damaged are among the cases."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfckpt.checkpoint.summary import summarize_keras_file
from tfckpt.errors import TfckptError

from testkit import build_tiny_model

SETTINGS = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """The bytes of a ``.keras`` archive and a ``.weights.h5`` file that real Keras wrote."""
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    model = build_tiny_model(keras)
    folder = tmp_path_factory.mktemp("keras_seeds")
    model.save(str(folder / "model.keras"))
    model.save_weights(str(folder / "model.weights.h5"))
    return {suffix: (folder / f"model{suffix}").read_bytes() for suffix in (".keras", ".weights.h5")}


def summary_or_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_bytes(data)
        for deep in (False, True):
            try:
                summarize_keras_file(str(path), deep=deep)
            except TfckptError as error:
                assert "\n" not in str(error) and len(str(error)) < 2000


def damage(data: bytes, edits) -> bytes:
    damaged = bytearray(data)
    for at, bit, cut in edits:
        at %= len(damaged)
        damaged[at] ^= 1 << bit
        if cut:
            del damaged[at:at + cut]
    return bytes(damaged)


EDITS = st.lists(st.tuples(st.integers(0, 2 ** 31), st.integers(0, 7), st.sampled_from([0, 0, 0, 1, 100])),
                 min_size=1, max_size=3)


@SETTINGS
@given(suffix=st.sampled_from([".keras", ".weights.h5"]), edits=EDITS)
def test_damaged_keras_files_give_a_summary_or_an_error(seeds, suffix, edits):
    summary_or_error(damage(seeds[suffix], edits), suffix)


@SETTINGS
@given(member=st.sampled_from(["config.json", "metadata.json"]), value=JSON_VALUES, weights_edits=st.none() | EDITS)
def test_keras_archive_with_other_json_or_damaged_weights(seeds, member, value, weights_edits):
    import json

    rebuilt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seeds[".keras"])) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == member:
                content = json.dumps(value).encode()
            elif name == "model.weights.h5" and weights_edits:
                content = damage(content, weights_edits)
            target.writestr(name, content)
    summary_or_error(rebuilt.getvalue(), ".keras")
