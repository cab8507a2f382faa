"""Protobuf message classes built at run time from a small table, with no generated ``_pb2``.

Generated ``_pb2`` modules refuse protobuf runtimes older than the ``protoc`` that made them
(TensorFlow 2.15 pins protobuf 4.x, 2.21 ships 6-7.x). Descriptors built from data load on both.

Example:
    >>> classes = build_messages("demo.proto", "demo", {"Point": [("x", 1, "int64")]})
    >>> classes["Point"](x=3).x
    3
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from google.protobuf import descriptor_pb2, descriptor_pool

FieldSpec = Sequence  # (name, number, type[, "repeated"]) ; type is a scalar name or a message name

_SCALAR_TYPES = {
    "double": descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE,
    "float": descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
    "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    "int64": descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
    "uint32": descriptor_pb2.FieldDescriptorProto.TYPE_UINT32,
    "uint64": descriptor_pb2.FieldDescriptorProto.TYPE_UINT64,
    "fixed32": descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "bytes": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
}


def _message_class(descriptor):
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:  # protobuf < 4.21
        from google.protobuf.message_factory import MessageFactory

        return MessageFactory().GetPrototype(descriptor)
    return GetMessageClass(descriptor)


def _add_fields(message: descriptor_pb2.DescriptorProto, package: str, fields: Iterable[FieldSpec]) -> None:
    for name, number, type_name, *label in fields:
        field = message.field.add(name=name, number=number)
        repeated = bool(label) and label[0] == "repeated"
        field.label = (
            descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
            if repeated
            else descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
        )
        if type_name in _SCALAR_TYPES:
            field.type = _SCALAR_TYPES[type_name]
        else:
            field.type = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
            field.type_name = f".{package}.{type_name}"


def build_messages(file_name: str, package: str, messages: Mapping[str, Iterable[FieldSpec]]) -> dict:
    """Build proto3 message classes named ``package.<name>`` from ``{name: [field specs]}``.

    Nested messages are written as top-level ones (``TensorShapeProto_Dim``); the wire format
    does not record where a message type was declared.
    """
    pool = descriptor_pool.DescriptorPool()
    file_proto = descriptor_pb2.FileDescriptorProto(name=file_name, package=package, syntax="proto3")
    for name, fields in messages.items():
        _add_fields(file_proto.message_type.add(name=name), package, fields)
    pool.Add(file_proto)
    return {name: _message_class(pool.FindMessageTypeByName(f"{package}.{name}")) for name in messages}
