"""TensorFlow ``DataType`` numbers, as written in ``BundleEntryProto.dtype``.

Example:
    >>> DTYPE_NAMES[1], STRUCT_FORMATS[9]
    ('float32', 'q')
"""

DTYPE_NAMES = {
    1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
    8: "complex64", 9: "int64", 10: "bool", 11: "qint8", 12: "quint8", 13: "qint32",
    14: "bfloat16", 15: "qint16", 16: "quint16", 17: "uint16", 18: "complex128", 19: "float16",
    20: "resource", 21: "variant", 22: "uint32", 23: "uint64", 24: "float8_e5m2",
    25: "float8_e4m3fn", 26: "float8_e4m3fnuz", 27: "float8_e4m3b11fnuz", 28: "float8_e5m2fnuz",
    29: "int4", 30: "uint4",
}

# struct format characters (little-endian) of the dtypes whose values tfckpt decodes itself
STRUCT_FORMATS = {
    1: "f", 2: "d", 3: "i", 4: "B", 5: "h", 6: "b", 9: "q", 10: "?", 17: "H", 19: "e", 22: "I", 23: "Q",
}
STRING = 7


def dtype_name(number: int) -> str:
    """``"float32"`` for 1; ``"dtype_99"`` for a number this table does not know."""
    return DTYPE_NAMES.get(number, f"dtype_{number}")
