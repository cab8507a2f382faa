"""The TensorFlow messages found in checkpoint files, described from their published field numbers.

``BundleHeaderProto`` and ``BundleEntryProto`` are the values of a ``.index`` table;
``TrackableObjectGraph`` is the value of the ``_CHECKPOINTABLE_OBJECT_GRAPH`` tensor of a TF2
checkpoint; ``CheckpointState`` is the text of the ``checkpoint`` state file. Enums are read as integers
(same wire format), so an unknown dtype decodes rather than fails.
"""

from __future__ import annotations

from tfckpt.proto_messages import build_messages

_MESSAGES = build_messages(
    "tfckpt/tensorflow_checkpoint.proto",
    "tensorflow",
    {
        "TensorShapeProto_Dim": [("size", 1, "int64"), ("name", 2, "string")],
        "TensorShapeProto": [("dim", 2, "TensorShapeProto_Dim", "repeated"), ("unknown_rank", 3, "bool")],
        "VersionDef": [
            ("producer", 1, "int32"),
            ("min_consumer", 2, "int32"),
            ("bad_consumers", 3, "int32", "repeated"),
        ],
        "TensorSliceProto_Extent": [("start", 1, "int64"), ("length", 2, "int64")],
        "TensorSliceProto": [("extent", 1, "TensorSliceProto_Extent", "repeated")],
        "BundleHeaderProto": [
            ("num_shards", 1, "int32"),
            ("endianness", 2, "int32"),
            ("version", 3, "VersionDef"),
        ],
        "BundleEntryProto": [
            ("dtype", 1, "int32"),
            ("shape", 2, "TensorShapeProto"),
            ("shard_id", 3, "int32"),
            ("offset", 4, "int64"),
            ("size", 5, "int64"),
            ("crc32c", 6, "fixed32"),
            ("slices", 7, "TensorSliceProto", "repeated"),
        ],
        "TrackableObjectGraph_ObjectReference": [("node_id", 1, "int32"), ("local_name", 2, "string")],
        "TrackableObjectGraph_SerializedTensor": [
            ("name", 1, "string"),
            ("full_name", 2, "string"),
            ("checkpoint_key", 3, "string"),
        ],
        "TrackableObjectGraph_SlotVariableReference": [
            ("original_variable_node_id", 1, "int32"),
            ("slot_name", 2, "string"),
            ("slot_variable_node_id", 3, "int32"),
        ],
        "TrackableObjectGraph_TrackableObject": [
            ("children", 1, "TrackableObjectGraph_ObjectReference", "repeated"),
            ("attributes", 2, "TrackableObjectGraph_SerializedTensor", "repeated"),
            ("slot_variables", 3, "TrackableObjectGraph_SlotVariableReference", "repeated"),
        ],
        "TrackableObjectGraph": [("nodes", 1, "TrackableObjectGraph_TrackableObject", "repeated")],
        "CheckpointState": [
            ("model_checkpoint_path", 1, "string"),
            ("all_model_checkpoint_paths", 2, "string", "repeated"),
            ("all_model_checkpoint_timestamps", 3, "double", "repeated"),
            ("last_preserved_timestamp", 4, "double"),
        ],
    },
)

BundleHeaderProto = _MESSAGES["BundleHeaderProto"]
BundleEntryProto = _MESSAGES["BundleEntryProto"]
CheckpointState = _MESSAGES["CheckpointState"]
TrackableObjectGraph = _MESSAGES["TrackableObjectGraph"]
BIG_ENDIAN = 1
