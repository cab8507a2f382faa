"""Wholeness from the index alone (missing or short shards), CRCs with --deep, small values."""

from __future__ import annotations

import pytest

from tfckpt.checkpoint.index import read_index
from tfckpt.checkpoint.shards import (
    ChecksumMismatch, check_shards, read_scalar, read_string_scalar, verify_checksums)


def data_file(prefix):
    return prefix.parent / (prefix.name + ".data-00000-of-00001")


def test_whole_checkpoint_has_no_problems(tiny_checkpoint):
    index = read_index(str(tiny_checkpoint))
    assert check_shards(index) == []
    assert verify_checksums(index) == []


def test_missing_data_file(tf, tiny_checkpoint):
    data_file(tiny_checkpoint).unlink()
    tf.train.list_variables(str(tiny_checkpoint))  # TensorFlow does not notice
    [problem] = check_shards(read_index(str(tiny_checkpoint)))
    assert problem.code == "missing-data"
    assert problem.line() == (
        f"{data_file(tiny_checkpoint)}: data file is missing (the index lists tensors stored in it); "
        "copy it next to the .index file, or use an earlier checkpoint")


def test_truncated_data_file(tf, tiny_checkpoint):
    path = data_file(tiny_checkpoint)
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size - 10])
    tf.train.list_variables(str(tiny_checkpoint))  # TensorFlow does not notice
    [problem] = check_shards(read_index(str(tiny_checkpoint)))
    assert problem.code == "truncated-data"
    assert problem.message == f"data file is truncated: {size - 10:,} bytes, the index needs at least {size:,}"


def test_zeroed_data_is_found_only_by_the_deep_check(tf, tiny_checkpoint):
    path = data_file(tiny_checkpoint)
    index = read_index(str(tiny_checkpoint))
    original = path.read_bytes()
    nonzero = [e for e in index.entries.values() if any(original[e.offset:e.offset + e.size])]
    path.write_bytes(b"\x00" * len(original))
    assert check_shards(index) == []
    [problem] = verify_checksums(index)
    assert problem.code == "checksum-mismatch"
    assert problem.message.startswith(f"{len(nonzero)} tensor(s) do not match their checksums (")
    with pytest.raises(tf.errors.OpError, match="Checksum does not match"):
        tf.train.load_checkpoint(str(tiny_checkpoint)).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")


def test_one_flipped_byte_names_the_tensor(tf, tmp_path):
    prefix = tf.train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable([3.0])).write(str(tmp_path / "c"))
    index = read_index(prefix)
    entry = index.entries["b/.ATTRIBUTES/VARIABLE_VALUE"]
    data = tmp_path / "c.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[entry.offset] ^= 1
    data.write_bytes(bytes(raw))
    [problem] = verify_checksums(index)
    assert problem.message == "1 tensor(s) do not match their checksums (b/.ATTRIBUTES/VARIABLE_VALUE)"


def test_reads_step_and_save_counter(tiny_checkpoint):
    index = read_index(str(tiny_checkpoint))
    assert read_scalar(index, "step/.ATTRIBUTES/VARIABLE_VALUE") == 7
    assert read_scalar(index, "save_counter/.ATTRIBUTES/VARIABLE_VALUE") == 1


def test_scalar_values_match_tensorflow(tf, tmp_path):
    values = {"f": tf.Variable(2.5), "d": tf.Variable(2.25, dtype=tf.float64), "i": tf.Variable(-4),
              "q": tf.Variable(2**40, dtype=tf.int64), "b": tf.Variable(True), "h": tf.Variable(1.5, dtype=tf.float16)}
    index = read_index(tf.train.Checkpoint(**values).write(str(tmp_path / "s")))
    for name, variable in values.items():
        assert read_scalar(index, f"{name}/.ATTRIBUTES/VARIABLE_VALUE") == variable.numpy().item()


def test_damaged_scalar_is_not_reported_as_a_value(tiny_checkpoint):
    path = data_file(tiny_checkpoint)
    path.write_bytes(b"\x00" * path.stat().st_size)
    with pytest.raises(ChecksumMismatch):
        read_scalar(read_index(str(tiny_checkpoint)), "step/.ATTRIBUTES/VARIABLE_VALUE")


def test_object_graph_string_matches_tensorflow(tf, tiny_checkpoint):
    index = read_index(str(tiny_checkpoint))
    expected = tf.train.load_checkpoint(str(tiny_checkpoint)).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH")
    assert read_string_scalar(index, "_CHECKPOINTABLE_OBJECT_GRAPH") == expected
