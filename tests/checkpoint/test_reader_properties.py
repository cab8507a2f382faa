"""Property: whatever bytes a checkpoint's ``.index``, its data shard or its ``checkpoint`` state
file hold, tfckpt's readers end in a result or a TfckptError -- never another exception, never a
hang -- seeded from real OD API files. Some indexes are damaged *with valid checksums* (written by
``sstable_writer``), so the numbers inside, not only the bytes, are what is attacked."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sstable_writer import write_table

from tfckpt.checkpoint.discover import discover
from tfckpt.checkpoint.protos import BundleEntryProto, BundleHeaderProto
from tfckpt.checkpoint.state import parse_state
from tfckpt.checkpoint.summary import summarize_prefix
from tfckpt.checkpoint.table import read_table
from tfckpt.errors import TfckptError

from testkit import ODAPI_NAMES, ODAPI_REAL

# a fixed example budget and a per-example deadline, so CI time stays bounded and a slow input fails
SETTINGS = settings(max_examples=120, deadline=timedelta(seconds=2), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
INDEXES = [(ODAPI_REAL / name / "ckpt-2.index").read_bytes() for name in ODAPI_NAMES]
STATES = [(ODAPI_REAL / name / "checkpoint").read_text() for name in ODAPI_NAMES]
PAIRS = read_table(INDEXES[1], "ssd")  # 535 pairs: the header and 534 tensors
INTS = st.one_of(st.integers(-3, 3), st.integers(-(2 ** 63), 2 ** 63 - 1), st.sampled_from([2 ** 31 - 1, 10 ** 6]))


@st.composite
def mutated_bytes(draw, seeds):
    """A real file with 1 to 4 byte-level edits: flips, deletions, insertions, truncation."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        edit = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if edit == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at:]
    return bytes(data)


def ends_well(action) -> None:
    try:
        action()
    except TfckptError as error:
        assert "\n" not in str(error) and len(str(error)) < 2000


def write_prefix(folder: Path, index: bytes, data: bytes = b"") -> str:
    (folder / "ckpt-1.index").write_bytes(index)
    (folder / "ckpt-1.data-00000-of-00001").write_bytes(data)
    return str(folder / "ckpt-1")


@SETTINGS
@given(mutated_bytes(INDEXES))
def test_any_index_bytes_give_a_summary_or_an_error(index):
    with tempfile.TemporaryDirectory() as folder:
        prefix = write_prefix(Path(folder), index)
        ends_well(lambda: summarize_prefix(prefix, deep=True))


@st.composite
def index_with_valid_checksums(draw):
    """The real SSD index, its numbers changed (sizes, offsets, dimensions, shards), re-encoded
    with correct checksums; its entries point into a small data file of random bytes."""
    chosen = draw(st.lists(st.sampled_from(range(1, len(PAIRS))), min_size=1, max_size=8, unique=True))
    header = BundleHeaderProto.FromString(PAIRS[0][1])
    header.num_shards = draw(st.sampled_from([1, 1, 1, 2]) | INTS.filter(lambda n: -2 ** 31 <= n < 2 ** 31))
    pairs, position = [(b"", header.SerializeToString())], 0
    for number in chosen:
        key, value = PAIRS[number]
        entry = BundleEntryProto.FromString(value)
        entry.offset, entry.size = position, draw(st.integers(0, 64))
        position += entry.size
        field = draw(st.sampled_from(["none", "size", "offset", "dim", "shard_id", "dtype", "crc32c"]))
        if field == "dim":
            entry.shape.dim.add().size = draw(INTS)
        elif field in ("shard_id", "dtype"):
            setattr(entry, field, draw(INTS.filter(lambda n: -2 ** 31 <= n < 2 ** 31)))
        elif field == "crc32c":
            entry.crc32c = draw(st.integers(0, 2 ** 32 - 1))
        elif field != "none":
            setattr(entry, field, draw(INTS))
        pairs.append((key, entry.SerializeToString()))
    return write_table(pairs), draw(st.binary(min_size=0, max_size=position + 8))


@SETTINGS
@given(index_with_valid_checksums())
def test_impossible_numbers_with_valid_checksums_give_a_summary_or_an_error(case):
    index, data = case
    with tempfile.TemporaryDirectory() as folder:
        prefix = write_prefix(Path(folder), index, data)
        ends_well(lambda: summarize_prefix(prefix, deep=True))
        ends_well(lambda: discover(folder))


@st.composite
def mutated_state(draw):
    """A real ``checkpoint`` state file with text edits, NUL bytes and very long paths among them."""
    text = draw(st.sampled_from(STATES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from(["\x00", "\\000", "a" * 5000, "/" * 300, "\"", "\n", ":", "ckpt-9", "0x", "{"])
                     | st.text(max_size=6))
        text = text[:at] + piece + text[at + draw(st.integers(0, 8)):]
    return text


@SETTINGS
@given(mutated_state())
def test_any_state_file_gives_a_listing_or_an_error(text):
    ends_well(lambda: parse_state(text.encode("utf-8", "surrogatepass"), "checkpoint"))
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(ODAPI_REAL / "ssd_mobilenet_v2_90cls" / "ckpt-2.index", Path(folder) / "ckpt-2.index")
        (Path(folder) / "checkpoint").write_bytes(text.encode("utf-8", "surrogatepass"))
        ends_well(lambda: discover(folder))


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_as_a_state_file_give_a_listing_or_an_error(data):
    ends_well(lambda: parse_state(data, "checkpoint"))


def test_valid_checksum_writer_round_trips():
    """The writer the properties above rely on makes tables tfckpt (and so TensorFlow) reads back."""
    assert read_table(write_table(PAIRS), "ssd") == PAIRS


@pytest.fixture(scope="module")
def real_save(tmp_path_factory):
    """The files of a real ``tf.train.Checkpoint`` save: floats, an int64 step and a string tensor."""
    tf = pytest.importorskip("tensorflow")
    folder = tmp_path_factory.mktemp("real_save")
    checkpoint = tf.train.Checkpoint(w=tf.Variable(tf.ones([4, 3])), step=tf.Variable(7, dtype=tf.int64),
                                     names=tf.Variable(["cat", "dog", ""]))
    checkpoint.write(str(folder / "ckpt-1"))
    return {suffix: (folder / f"ckpt-1{suffix}").read_bytes() for suffix in (".index", ".data-00000-of-00001")}


@SETTINGS
@given(data=st.data())
def test_any_data_shard_bytes_give_a_summary_or_an_error(real_save, data):
    """A real save whose data shard (or index) is damaged: --deep reads every tensor back."""
    suffix = data.draw(st.sampled_from([".data-00000-of-00001", ".data-00000-of-00001", ".index"]))
    damaged = data.draw(mutated_bytes([real_save[suffix]]))
    with tempfile.TemporaryDirectory() as folder:
        files = {**real_save, suffix: damaged}
        for name, content in files.items():
            (Path(folder) / f"ckpt-1{name}").write_bytes(content)
        ends_well(lambda: summarize_prefix(str(Path(folder) / "ckpt-1"), deep=True))
