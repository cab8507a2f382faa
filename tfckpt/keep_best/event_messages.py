"""The TensorBoard messages in ``events.out.tfevents.*`` files, described from their published
field numbers (``tensorflow/core/util/event.proto``, ``framework/summary.proto``,
``framework/tensor.proto``). Only the fields keep-best reads are declared; the rest are kept
as unknown fields by the parser.

``Summary.Value`` keeps its ``oneof`` members that are not scalars (``image``, ``histo``,
``audio``) as ``bytes`` (same wire type), only to tell "no ``simple_value``" from ``0.0``.

Example:
    >>> event = Event.FromString(Event(step=7, file_version="brain.Event:2").SerializeToString())
    >>> event.step, event.file_version
    (7, 'brain.Event:2')
"""

from __future__ import annotations

from tfckpt.proto_messages import build_messages

_MESSAGES = build_messages(
    "tfckpt/tensorboard_event.proto",
    "tensorboard",
    {
        "TensorShapeProto_Dim": [("size", 1, "int64"), ("name", 2, "string")],
        "TensorShapeProto": [("dim", 2, "TensorShapeProto_Dim", "repeated"), ("unknown_rank", 3, "bool")],
        "TensorProto": [
            ("dtype", 1, "int32"),  # enum DataType, read as its number
            ("tensor_shape", 2, "TensorShapeProto"),
            ("tensor_content", 4, "bytes"),
            ("float_val", 5, "float", "repeated"),
            ("double_val", 6, "double", "repeated"),
            ("int_val", 7, "int32", "repeated"),
            ("int64_val", 10, "int64", "repeated"),
            ("half_val", 13, "int32", "repeated"),
        ],
        "SummaryMetadata_PluginData": [("plugin_name", 1, "string"), ("content", 2, "bytes")],
        "SummaryMetadata": [("plugin_data", 1, "SummaryMetadata_PluginData"), ("display_name", 2, "string")],
        "Summary_Value": [
            ("tag", 1, "string"),
            ("simple_value", 2, "float"),
            ("obsolete_old_style_histogram", 3, "bytes"),
            ("image", 4, "bytes"),
            ("histo", 5, "bytes"),
            ("audio", 6, "bytes"),
            ("node_name", 7, "string"),
            ("tensor", 8, "TensorProto"),
            ("metadata", 9, "SummaryMetadata"),
        ],
        "Summary": [("value", 1, "Summary_Value", "repeated")],
        "Event": [
            ("wall_time", 1, "double"),
            ("step", 2, "int64"),
            ("file_version", 3, "string"),
            ("graph_def", 4, "bytes"),
            ("summary", 5, "Summary"),
        ],
    },
)

Event = _MESSAGES["Event"]
Summary = _MESSAGES["Summary"]
SummaryValue = _MESSAGES["Summary_Value"]
TensorProto = _MESSAGES["TensorProto"]
