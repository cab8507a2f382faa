"""protobuf's own text-format parser, run on tfckpt's schema, as an oracle for tfckpt's parser.

The OD API reads configs with ``google.protobuf.text_format.Merge`` into its generated classes.
Here the same classes are built at run time, as proto2 descriptors, from tfckpt's schema data
(names, numbers, labels, types, oneofs; enum numbers are not in the schema, so each enum is
numbered from 0 -- text format writes enums by name, so that changes nothing). Each enum sits in
a wrapper message of its own, since proto scoping would clash on value names such as ``NONE``.
"""

from __future__ import annotations

import struct
import warnings

from google.protobuf import descriptor_pb2, descriptor_pool, text_format

from tfckpt.pipeline.schema import Schema, load_schema
from tfckpt.pipeline.tree import Message

PACKAGE = "oracle"
_TYPES = {
    "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    "uint32": descriptor_pb2.FieldDescriptorProto.TYPE_UINT32,
    "float": descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "enum": descriptor_pb2.FieldDescriptorProto.TYPE_ENUM,
    "message": descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
}


def _local(name: str) -> str:
    return name.replace(".", "_")


def _enum_type(name: str) -> str:
    return f".{PACKAGE}.Enum_{_local(name)}.Values"


def build_classes(schema: Schema | None = None) -> dict:
    """Message classes by schema name, in a pool of their own."""
    schema = schema or load_schema()
    file_proto = descriptor_pb2.FileDescriptorProto(name="oracle.proto", package=PACKAGE, syntax="proto2")
    for enum in schema.enums.values():
        wrapper = file_proto.message_type.add(name=f"Enum_{_local(enum.name)}")
        values = wrapper.enum_type.add(name="Values")
        for number, value in enumerate(enum.values):
            values.value.add(name=value, number=number)
    for message in schema.messages.values():
        proto = file_proto.message_type.add(name=_local(message.name))
        oneofs = list(message.oneofs)
        for name in oneofs:
            proto.oneof_decl.add(name=name)
        for spec in message.fields.values():
            field = proto.field.add(name=spec.name, number=spec.number, type=_TYPES[spec.type])
            field.label = (descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED if spec.repeated
                           else descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
            if spec.type == "message":
                field.type_name = f".{PACKAGE}.{_local(spec.type_name)}"
            elif spec.type == "enum":
                field.type_name = _enum_type(spec.type_name)
            if spec.oneof:
                field.oneof_index = oneofs.index(spec.oneof)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:  # protobuf < 4.21
        from google.protobuf.message_factory import MessageFactory

        GetMessageClass = MessageFactory(pool).GetPrototype
    return {name: GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{_local(name)}"))
            for name in schema.messages}


def merge(classes: dict, root: str, text: str):
    """``text_format.Merge`` as the OD API calls it; the message, or the ParseError raised."""
    message = classes[root]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Python's unicode_escape warns on invalid escapes
        try:
            text_format.Merge(text, message)
        except text_format.ParseError as err:
            return err
    return message


def _float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def proto_as_dict(message) -> dict:
    """Every set field of a protobuf message, as ``{name: value or [values]}`` (floats as float32)."""
    result = {}
    for descriptor, value in message.ListFields():
        def convert(item, descriptor=descriptor):
            if descriptor.type == descriptor.TYPE_MESSAGE:
                return proto_as_dict(item)
            if descriptor.type == descriptor.TYPE_ENUM:
                return descriptor.enum_type.values_by_number[item].name
            return _float32(item) if descriptor.type == descriptor.TYPE_FLOAT else item
        is_repeated = getattr(descriptor, "is_repeated", None)
        repeated = is_repeated if isinstance(is_repeated, bool) else descriptor.label == descriptor.LABEL_REPEATED
        result[descriptor.name] = [convert(item) for item in value] if repeated else convert(value)
    return result


def tree_as_dict(message: Message) -> dict:
    """The same for tfckpt's tree."""
    result: dict = {}
    for field in message.fields:
        value = field.value
        if isinstance(value, Message):
            value = tree_as_dict(value)
        elif field.spec.type == "float":
            value = _float32(value)
        if field.spec.repeated:
            result.setdefault(field.name, []).append(value)
        else:
            result[field.name] = value
    return result
