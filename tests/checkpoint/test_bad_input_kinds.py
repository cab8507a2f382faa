"""The smallest input of each kind that once crashed or stalled a checkpoint reader: now each is
a one-line TfckptError naming the file (issue 13, sections 2 to 4)."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from sstable_writer import write_table

from tfckpt.checkpoint.discover import discover
from tfckpt.checkpoint.protos import BundleEntryProto, BundleHeaderProto
from tfckpt.checkpoint.summary import summarize_keras_file, summarize_prefix
from tfckpt.errors import CorruptCheckpointError

from testkit import ODAPI_REAL, build_tiny_model

FIX = "the .index file is damaged: copy it again from where it was saved, or use another checkpoint"
STATE_FIX = "fix or delete it: TensorFlow writes it again at the next save"


def one_tensor_index(tmp_path, num_shards=1, **fields) -> str:
    """A checkpoint of one float tensor ``t`` whose entry has ``fields``, with valid checksums."""
    entry = BundleEntryProto(**{"dtype": 1, "size": 4, **{k: v for k, v in fields.items() if k != "dims"}})
    for size in fields.get("dims", ()):
        entry.shape.dim.add().size = size
    header = BundleHeaderProto(num_shards=num_shards)
    (tmp_path / "ckpt-1.index").write_bytes(write_table([(b"", header.SerializeToString()),
                                                         (b"t", entry.SerializeToString())]))
    (tmp_path / "ckpt-1.data-00000-of-00001").write_bytes(b"\0" * 4)
    return str(tmp_path / "ckpt-1")


def error_of(action) -> str:
    with pytest.raises(CorruptCheckpointError) as caught:
        action()
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize("fields, problem", [
    ({"size": -4}, "tensor 't' has a negative size"),
    ({"offset": -1}, "tensor 't' has a negative offset"),
    ({"dims": [2, -3]}, "tensor 't' has a negative dimension (shape [2, -3])"),
    ({"shard_id": 5}, "tensor 't' is in data shard 5, but the header says 1 shard(s)"),
])
def test_impossible_numbers_with_valid_checksums(tmp_path, fields, problem):
    prefix = one_tensor_index(tmp_path, **fields)
    assert error_of(lambda: summarize_prefix(prefix, deep=True)) == f"{prefix}.index: {problem}; {FIX}"


def test_a_string_tensor_with_a_negative_dimension_under_deep(tmp_path):
    prefix = one_tensor_index(tmp_path, dtype=7, dims=[-1])
    assert "has a negative dimension (shape [-1])" in error_of(lambda: summarize_prefix(prefix, deep=True))


def test_a_header_claiming_millions_of_shards(tmp_path):
    prefix = one_tensor_index(tmp_path, num_shards=3_000_000)
    assert error_of(lambda: summarize_prefix(prefix)) == (
        f"{prefix}.index: the header says 3,000,000 data shards for 1 tensor(s); {FIX}")


@pytest.fixture
def run_folder(tmp_path):
    for name in ("ckpt-2.index",):
        shutil.copy(ODAPI_REAL / "ssd_mobilenet_v2_90cls" / name, tmp_path / name)
    return tmp_path


def test_state_file_with_a_nul_byte_in_a_path(run_folder):
    text = 'model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt\\0002"\n'
    (run_folder / "checkpoint").write_text(text)
    assert error_of(lambda: discover(str(run_folder))) == (
        f"{run_folder}/checkpoint:2: checkpoint state file lists a path with a NUL byte (\\000), which no file name "
        "can hold; fix or delete the file: TensorFlow rewrites it at the next save, and tfckpt inspect lists the "
        "checkpoints on disk without it")


def test_state_file_with_a_path_longer_than_the_system_allows(run_folder):
    (run_folder / "checkpoint").write_text(f'model_checkpoint_path: "{"a" * 5000}"\n')
    assert error_of(lambda: discover(str(run_folder))) == (
        f"{run_folder}/checkpoint: lists a path no checkpoint can have: the path is too long for this system "
        f"({len(str(run_folder)) + 5007:,} characters; a name may have at most 255 bytes, a path about 4,096); "
        f"{STATE_FIX}")


def test_state_file_that_is_a_folder_beside_checkpoints(run_folder):
    (run_folder / "checkpoint").mkdir()
    assert error_of(lambda: discover(str(run_folder))) == (
        f"{run_folder}/checkpoint: is a folder where TensorFlow keeps its `checkpoint` state file, so "
        "tf.train.latest_checkpoint finds nothing and the next save fails; rename or move the folder; the state "
        "file is written again at the next save")


@pytest.fixture
def keras():
    """The Keras ``model.fit`` users of this TensorFlow get; these tests skip where there is none."""
    return pytest.importorskip("tensorflow").keras


@pytest.fixture
def keras_archive(keras, tmp_path):
    path = tmp_path / "model.keras"
    build_tiny_model(keras).save(str(path))
    return path


def rewritten(path, member: str, content: bytes, compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", compression) as target:
        for name in source.namelist():
            target.writestr(name, content if name == member else source.read(name))
    return out.getvalue()


@pytest.mark.parametrize("json_text, kind", [(b'"adam"', "str"), (b"[1, 2]", "list"), (b"3", "int")])
def test_keras_archive_whose_json_is_not_an_object(tmp_path, keras_archive, json_text, kind):
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(rewritten(keras_archive, "config.json", json_text))
    assert error_of(lambda: summarize_keras_file(str(damaged))) == (
        f"{damaged}: not a readable Keras zip archive (config.json holds a JSON {kind}, not an object); the file is "
        "damaged or cut short; save it again, or copy it again from where it was saved")


def test_keras_archive_with_a_damaged_member(tmp_path, keras_archive):
    data = bytearray(rewritten(keras_archive, "config.json", b'{"compile_config": {}}'))
    data[data.index(b'{"compile_config"') + 3] ^= 0x20  # the member's bytes, not its header
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(bytes(data))
    assert "Bad CRC-32 for file 'config.json'" in error_of(lambda: summarize_keras_file(str(damaged)))


def test_weights_h5_with_flipped_bytes(keras, tmp_path):
    """Flips across the HDF5 headers: h5py raises RuntimeError, TypeError, OverflowError, ... on
    some; every one is a CorruptCheckpointError, or (a flip in unused bytes) a summary."""
    whole = tmp_path / "whole.weights.h5"
    build_tiny_model(keras).save_weights(str(whole))
    data, errors = whole.read_bytes(), 0
    damaged = tmp_path / "damaged.weights.h5"
    for at in range(0, min(len(data), 4096), 13):
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        damaged.write_bytes(bytes(flipped))
        try:
            summarize_keras_file(str(damaged), deep=True)
        except CorruptCheckpointError as error:
            assert str(error).startswith(f"{damaged}: not a readable Keras HDF5 file (")
            errors += 1
    assert errors > 0
