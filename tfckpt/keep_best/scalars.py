"""The number in one ``Summary.Value``: TF1's ``simple_value``, or the scalar tensor that TF2's
``tf.summary.scalar`` writes (``float_val``, ``double_val``, ``int*_val`` or ``tensor_content``).

Images, histograms, text and tensors of more than one element are not scalars: ``None``.

Example:
    >>> from tfckpt.keep_best.event_messages import SummaryValue
    >>> scalar_value(SummaryValue(tag="DetectionBoxes_Precision/mAP", simple_value=0.5))
    0.5
"""

from __future__ import annotations

import struct

from tfckpt.keep_best.event_messages import Event

# DataType number -> little-endian struct format of one element
_CONTENT_FORMATS = {1: "f", 2: "d", 3: "i", 9: "q", 19: "e", 4: "B", 5: "h", 6: "b", 17: "H", 22: "I", 23: "Q"}
_FLOAT, _DOUBLE, _HALF, _BFLOAT16 = 1, 2, 19, 14
_NOT_SCALAR_FIELDS = ("obsolete_old_style_histogram", "image", "histo", "audio")


def _is_scalar_shape(tensor) -> bool:
    return not tensor.tensor_shape.unknown_rank and all(dim.size == 1 for dim in tensor.tensor_shape.dim)


def _half(bits: int) -> float:
    return struct.unpack("<e", struct.pack("<H", bits & 0xFFFF))[0]


def tensor_scalar(tensor) -> float | None:
    """The value of a one-element numeric ``TensorProto``, or None."""
    if not _is_scalar_shape(tensor):
        return None
    dtype = tensor.dtype
    if tensor.tensor_content:
        if dtype == _BFLOAT16 and len(tensor.tensor_content) == 2:
            return struct.unpack("<f", b"\x00\x00" + tensor.tensor_content)[0]
        fmt = "<" + _CONTENT_FORMATS.get(dtype, "")
        if len(fmt) == 1 or struct.calcsize(fmt) != len(tensor.tensor_content):
            return None
        return float(struct.unpack(fmt, tensor.tensor_content)[0])
    if dtype == _FLOAT and len(tensor.float_val) == 1:
        return float(tensor.float_val[0])
    if dtype == _DOUBLE and len(tensor.double_val) == 1:
        return float(tensor.double_val[0])
    if dtype == _HALF and len(tensor.half_val) == 1:
        return _half(tensor.half_val[0])
    if dtype == 9 and len(tensor.int64_val) == 1:
        return float(tensor.int64_val[0])
    if dtype == 3 and len(tensor.int_val) == 1:
        return float(tensor.int_val[0])
    return None


def scalar_value(value) -> float | None:
    """The number a ``Summary.Value`` holds, or None when it holds something else."""
    if value.HasField("tensor"):
        return tensor_scalar(value.tensor)
    if any(getattr(value, name) for name in _NOT_SCALAR_FIELDS):
        return None
    plugin = value.metadata.plugin_data.plugin_name if value.HasField("metadata") else ""
    if plugin and plugin != "scalars":
        return None
    return float(value.simple_value)


def scalars_of(record: bytes) -> tuple[int, float, dict[str, float]]:
    """``(step, wall_time, {tag: value})`` of one serialized ``Event`` (empty dict if none).

    Raises:
        google.protobuf.message.DecodeError: the record is not an Event.
    """
    event = Event.FromString(record)
    found = {}
    if event.HasField("summary"):
        for value in event.summary.value:
            number = scalar_value(value)
            if number is not None:
                found[value.tag] = number
    return event.step, event.wall_time, found
