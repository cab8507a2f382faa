"""Reading event files written by TensorFlow's own summary writer: whole files, files cut in the
middle of a record (as while the evaluator writes), damaged records, and every scalar encoding."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from testkit import tensorflow_or_skip

tensorflow_or_skip(module_level=True)  # the event files are written with tf.summary

from odapi_roles import write_scalar  # noqa: E402

from tfckpt.keep_best.event_messages import Event  # noqa: E402
from tfckpt.keep_best.events import read_records_from_bytes  # noqa: E402
from tfckpt.keep_best.results import EvalResults  # noqa: E402
from tfckpt.keep_best.scalars import scalars_of, tensor_scalar  # noqa: E402
from tfckpt.keep_best.event_messages import TensorProto  # noqa: E402

MAP = "DetectionBoxes_Precision/mAP"
VALUES = {1000: 0.25, 2000: 0.5, 3000: 0.375}


@pytest.fixture(scope="module")
def event_bytes(tf, tmp_path_factory):
    """The bytes of a real event file: file_version, then one mAP and one loss per step."""
    folder = tmp_path_factory.mktemp("written")
    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        for step, value in VALUES.items():
            write_scalar(MAP, value, step)
            write_scalar("Loss/total_loss", 2 - value, step)
    writer.close()
    (path,) = folder.iterdir()
    return path.read_bytes()


def record_starts(data: bytes) -> list[int]:
    """Byte offsets where each record starts (read from the length fields)."""
    starts, position = [], 0
    while position < len(data):
        starts.append(position)
        (length,) = struct.unpack("<Q", data[position:position + 8])
        position += 16 + length
    return starts


def results_for(folder) -> EvalResults:
    return EvalResults([str(folder)])


def test_every_scalar_of_a_real_event_file_is_read(event_bytes, tmp_path):
    (tmp_path / "events.out.tfevents.1.host").write_bytes(event_bytes)
    results = results_for(tmp_path)
    found = results.poll()
    assert found.changed_steps == set(VALUES) and found.problems == []
    for step, value in VALUES.items():
        assert results.value(step, MAP) == value  # exact: these values are exact in float32
        assert results.value(step, "Loss/total_loss") == pytest.approx(2 - value, abs=1e-6)
    first = Event.FromString(read_records_from_bytes(event_bytes, 0).records[0])
    assert first.file_version == "brain.Event:2"


def test_files_that_did_not_change_are_not_read_again(event_bytes, tmp_path):
    (tmp_path / "events.out.tfevents.1.host").write_bytes(event_bytes)
    results = results_for(tmp_path)
    assert results.poll().read_bytes == len(event_bytes)
    again = results.poll()
    assert (again.read_bytes, again.changed_steps) == (0, set())


@pytest.mark.parametrize("cut", ["in the header", "in the data", "before the footer"])
def test_a_half_written_last_record_is_read_once_complete(event_bytes, tmp_path, cut):
    last = record_starts(event_bytes)[-1]
    keep = last + {"in the header": 5, "in the data": 20, "before the footer": len(event_bytes) - last - 2}[cut]
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(event_bytes[:keep])
    results = results_for(tmp_path)
    found = results.poll()
    assert found.problems == []
    assert results.value(3000, "Loss/total_loss") is None  # the cut record: not read, not an error
    assert results.value(3000, MAP) == 0.375
    assert results.offsets[str(path)]["offset"] == last
    with open(path, "ab") as handle:
        handle.write(event_bytes[keep:])
    found = results.poll()
    assert found.read_bytes == len(event_bytes) - last  # resumed at the cut record, not at 0
    assert found.changed_steps == {3000}
    assert results.value(3000, "Loss/total_loss") == pytest.approx(1.625)


def test_a_record_with_a_bad_checksum_is_reported_and_skipped(event_bytes, tmp_path):
    starts = record_starts(event_bytes)
    damaged = bytearray(event_bytes)
    damaged[starts[3] + 14] ^= 0xFF  # inside the data of step 2000's mAP record
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(bytes(damaged))
    results = results_for(tmp_path)
    found = results.poll()
    assert found.problems == [f"{path}: damaged record at byte {starts[3]:,} (checksum mismatch), skipped"]
    assert results.value(2000, MAP) is None
    assert results.value(3000, MAP) == 0.375


def test_a_damaged_length_stops_the_file_there_and_is_reported(event_bytes, tmp_path):
    starts = record_starts(event_bytes)
    damaged = bytearray(event_bytes)
    damaged[starts[3] + 1] ^= 0x01
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(bytes(damaged))
    results = results_for(tmp_path)
    found = results.poll()
    assert found.problems == [f"{path}: damaged record header at byte {starts[3]:,}: "
                              "the records after it cannot be found"]
    assert results.value(1000, MAP) == 0.25 and results.value(3000, MAP) is None
    assert results.poll().problems == []  # not reported again while the file stays the same


def test_event_files_are_found_in_eval_subfolders_only(event_bytes, tmp_path):
    for sub in ("eval/coco", "train", "eval_side"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "events.out.tfevents.1.host.v2").write_bytes(event_bytes)
    results = EvalResults(model_dir=str(tmp_path))
    assert results.poll().files == 2
    assert sorted(results.offsets) == [str(tmp_path / "eval" / "coco" / "events.out.tfevents.1.host.v2"),
                                       str(tmp_path / "eval_side" / "events.out.tfevents.1.host.v2")]


@pytest.mark.parametrize("value", [
    np.float32(0.25), np.float64(0.125), np.float16(0.5), np.int64(7), np.int32(-3),
    np.array([0.75], np.float32), np.array([[0.625]], np.float64),
], ids=lambda v: f"{v.dtype}{list(np.shape(v))}")
def test_scalar_tensors_decode_as_tensorflow_decodes_them(tf, value):
    proto = tf.make_tensor_proto(value)
    ours = tensor_scalar(TensorProto.FromString(proto.SerializeToString()))
    assert ours == float(tf.make_ndarray(proto).reshape(()))


@pytest.mark.parametrize("value", [np.array([0.5, 0.25], np.float32), np.array(b"text")], ids=["vector", "string"])
def test_other_tensors_are_not_scalars(tf, value):
    assert tensor_scalar(TensorProto.FromString(tf.make_tensor_proto(value).SerializeToString())) is None


def test_tf1_simple_values_count_and_images_do_not(tf):
    summary = tf.compat.v1.Summary(value=[
        tf.compat.v1.Summary.Value(tag="zero", simple_value=0.0),
        tf.compat.v1.Summary.Value(tag="mAP", simple_value=0.5),
        tf.compat.v1.Summary.Value(tag="image", image=tf.compat.v1.Summary.Image(height=1, width=1)),
    ])
    event = tf.compat.v1.Event(step=42, wall_time=7.0, summary=summary)
    assert scalars_of(event.SerializeToString()) == (42, 7.0, {"zero": 0.0, "mAP": 0.5})
