"""A damaged .index is an error naming the file and the damage, never a crash or a partial read."""

from __future__ import annotations

import random
import shutil

import pytest

from tfckpt.checkpoint.index import read_index
from tfckpt.errors import CorruptCheckpointError

from testkit import ODAPI_REAL

FIX = "the .index file is damaged: copy it again from where it was saved, or use another checkpoint"


@pytest.fixture
def index_copy(tmp_path):
    target = tmp_path / "ckpt-2.index"
    shutil.copy(ODAPI_REAL / "ssd_mobilenet_v2_90cls" / "ckpt-2.index", target)
    return target


def read_error(prefix) -> str:
    with pytest.raises(CorruptCheckpointError) as caught:
        read_index(str(prefix))
    return str(caught.value)


def test_random_bytes(tmp_path):
    (tmp_path / "x.index").write_bytes(random.Random(0).randbytes(4096))
    assert read_error(tmp_path / "x") == (
        f"{tmp_path}/x.index: not a readable checkpoint index: not an sstable (bad magic number); {FIX}")


def test_empty_file(tmp_path):
    (tmp_path / "x.index").write_bytes(b"")
    assert read_error(tmp_path / "x") == f"{tmp_path}/x.index: the .index file is empty (0 bytes); {FIX}"


def test_too_short(tmp_path):
    (tmp_path / "x.index").write_bytes(b"\x00" * 20)
    assert read_error(tmp_path / "x") == (
        f"{tmp_path}/x.index: not a readable checkpoint index: file is too short to be an sstable "
        f"(20 bytes, at least 48 needed); {FIX}")


def test_flipped_byte_in_a_block(index_copy):
    data = bytearray(index_copy.read_bytes())
    data[1000] ^= 0xFF
    index_copy.write_bytes(bytes(data))
    message = read_error(index_copy.with_suffix(""))
    assert message == (
        f"{index_copy}: not a readable checkpoint index: block checksum mismatch in the block at byte 0; {FIX}")


def test_truncated_index(index_copy):
    index_copy.write_bytes(index_copy.read_bytes()[:-100])
    assert "not an sstable (bad magic number)" in read_error(index_copy.with_suffix(""))


def test_tensorflow_agrees_the_damaged_index_is_unreadable(tf, index_copy):
    """Our error cases are TensorFlow's error cases (the same corruption, the same verdict)."""
    data = bytearray(index_copy.read_bytes())
    data[1000] ^= 0xFF
    index_copy.write_bytes(bytes(data))
    with pytest.raises(tf.errors.OpError, match="block checksum mismatch"):
        tf.train.list_variables(str(index_copy.with_suffix("")))
