"""Read one scalar value of a known field type from its tokens, as protobuf text format does.

Each reader returns the Python value or raises :class:`ValueProblem` naming the token at fault; the
parser turns that into a :class:`~tfckpt.pipeline.errors.ConfigError` with the file's name.

Example:
    >>> from tfckpt.pipeline.lexer import Token
    >>> from tfckpt.pipeline.schema import load_schema
    >>> spec = load_schema().messages["CosineDecayLearningRate"].fields["learning_rate_base"]
    >>> read_scalar(Token("number", "1e-4", 1, 1, 0), spec, load_schema())
    0.0001
    >>> read_string([Token("string", "'a\\\\tb'", 1, 1, 0), Token("string", '"c"', 1, 9, 8)], "name")
    'a\\tbc'
"""

from __future__ import annotations

import difflib
import re
from typing import Sequence

from tfckpt.pipeline.lexer import SMART_QUOTES, Token, clip
from tfckpt.pipeline.numbers import (LONGEST_INTEGER, OctalFloat, looks_like_integer, parse_enum_number, parse_float,
                                     parse_integer)
from tfckpt.pipeline.schema import FLOAT_TYPES, INTEGER_RANGES, FieldSpec, Schema

_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"?])|([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})"
                     r"|U([0-9a-fA-F]{8})|(.?))", re.DOTALL)
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
_ESCAPE_NAMES = {"a": "a bell character", "b": "a backspace", "f": "a form feed", "n": "a newline",
                 "r": "a carriage return", "t": "a tab", "v": "a vertical tab"}
_DRIVE = re.compile(r"[A-Za-z]:\\")
_PATH_FIELD = re.compile(r"(?:path|checkpoint|_dir)$")
_WANTED = {"float": "a number", "double": "a number", "bool": "true or false", "string": "a quoted string"}
TRUE_WORDS = ("true", "True", "t", "1")
FALSE_WORDS = ("false", "False", "f", "0")


class ValueProblem(Exception):
    """A value that cannot be read: what is wrong, the fix, a problem code, and the token at fault."""

    def __init__(self, token: Token, problem: str, fix: str, code: str = "wrong-type") -> None:
        super().__init__(problem)
        self.token, self.problem, self.fix, self.code = token, problem, fix, code


def wanted(spec: FieldSpec, schema: Schema) -> str:
    """What a field takes, for messages: ``a whole number (int32)``, ``one of CONV, FC``, ..."""
    if spec.type in INTEGER_RANGES:
        return f"a whole number ({spec.type})"
    if spec.type == "enum":
        return f"one of {', '.join(schema.enums[spec.type_name].values)}"
    if spec.is_message:
        return f"a block {{ ... }} ({spec.type_name})"
    return _WANTED.get(spec.type, spec.type)


def example(spec: FieldSpec) -> str:
    """A value to show in a fix: the field's default when it has a telling one."""
    default = spec.default
    if spec.type == "bool":
        return "true"
    if spec.type == "string":
        return f'"{default}"' if default else '"..."'
    if spec.type in FLOAT_TYPES:
        return repr(default) if default else "0.5"
    if spec.type == "enum":
        return str(default)
    return str(default) if default else "1"


def read_scalar(token: Token, spec: FieldSpec, schema: Schema):
    """The value of a non-string scalar field from its one token.

    Returns:
        an int (int32, uint32; also an enum written as a number), a float, a bool, or an enum
        value's name.

    Raises:
        ValueProblem: the token is not a value of the field's type.
    """
    if spec.type in INTEGER_RANGES:
        return _read_integer(token, spec, schema)
    if spec.type in FLOAT_TYPES:
        return _read_float(token, spec, schema)
    if spec.type == "bool":
        return _read_bool(token, spec, schema)
    return _read_enum(token, spec, schema)


def _read_integer(token: Token, spec: FieldSpec, schema: Schema) -> int:
    text, name = token.text, spec.name
    if token.kind != "number":
        raise _not_a(token, spec, schema)
    value = parse_integer(text)
    if value is None and len(text) > LONGEST_INTEGER and looks_like_integer(text):  # out of every range
        value = -(2 ** 64) if text.startswith("-") else 2 ** 64
    if value is None and _LEADING_ZERO.fullmatch(text):
        raise ValueProblem(token, f"{clip(text)} is not a number protobuf reads: a leading 0 makes it octal "
                           "(digits 0 to 7, no '+')", f"write {name}: {clip(text.lstrip('+-0') or '0')}",
                           "bad-number")
    if value is not None:
        low, high = INTEGER_RANGES[spec.type]
        if value < 0 <= low:
            raise ValueProblem(token, f"'{name}' takes a whole number of 0 or more ({spec.type}), not {clip(text)}",
                               f"write {name}: {example(spec)}", "out-of-range")
        if not low <= value <= high:
            raise ValueProblem(token, f"{clip(text)} is out of range for '{name}' ({spec.type}: {low} to {high})",
                               "write a smaller number", "out-of-range")
        return value
    try:
        number = parse_float(text)
    except OctalFloat:
        number = None
    if number is not None:
        fix = (f"write {name}: {int(number)}" if number.is_integer() and abs(number) < 1e15
               else "write a whole number, without a decimal point")
        raise ValueProblem(token, f"'{name}' takes a whole number ({spec.type}), not {clip(text)}", fix)
    raise _not_a(token, spec, schema)


def _read_float(token: Token, spec: FieldSpec, schema: Schema) -> float:
    text = token.text
    if token.kind in ("number", "ident"):
        try:
            number = parse_float(text)
        except OctalFloat:
            digits = text.lstrip("-0") or "0"
            raise ValueProblem(token, f"{clip(text)} starts with a 0 and another digit, which the Object "
                               "Detection API's parser rejects in a float (\"Invalid octal float\")",
                               f"write {spec.name}: {'-' if text.startswith('-') else ''}{clip(digits)}",
                               "octal-float") from None
        if number is not None:
            return number
    raise _not_a(token, spec, schema)


def _read_bool(token: Token, spec: FieldSpec, schema: Schema) -> bool:
    if token.kind in ("ident", "number"):
        if token.text in TRUE_WORDS:
            return True
        if token.text in FALSE_WORDS:
            return False
    raise _not_a(token, spec, schema)


def _read_enum(token: Token, spec: FieldSpec, schema: Schema):
    values = schema.enums[spec.type_name].values
    if token.kind == "ident" and token.text in values:
        return token.text
    number = parse_enum_number(token.text) if token.kind == "number" else None
    if number is not None:
        return number  # the schema has no enum numbers to check it against
    if token.kind != "ident":
        raise _not_a(token, spec, schema)
    by_upper = {value.upper(): value for value in values}
    close = difflib.get_close_matches(token.text.upper()[:100], list(by_upper), n=1, cutoff=0.6)
    guess = f"did you mean {by_upper[close[0]]}? " if close else ""
    raise ValueProblem(token, f"{clip(token.text)} is not a value of '{spec.name}' ({spec.type_name})",
                       f"{guess}valid values: {', '.join(values)}", "unknown-enum-value")


def read_string(tokens: Sequence[Token], name: str) -> str:
    """A ``string`` value: one or more adjacent quoted strings, escapes decoded, joined."""
    return "".join(_decode(token, name) for token in tokens)


def _decode(token: Token, name: str) -> str:
    if not is_closed(token.text):
        raise _unclosed(token)
    inner = token.text[1:-1]
    path_like = bool(_PATH_FIELD.search(name) or _DRIVE.match(inner))
    parts, position = bytearray(), 0
    for match in _ESCAPE.finditer(inner):
        parts += inner[position:match.start()].encode("utf-8")
        position = match.end()
        simple, octal, hexa, short, long, bad = match.groups()
        if path_like and match.group() != "\\\\":
            raise _windows_path(token, inner, match.group(), name, bad is not None)
        if bad is not None:
            raise ValueProblem(token, f"'{match.group()}' in {clip(token.text)} is not a valid escape",
                               "write a backslash as \\\\", "bad-escape")
        if simple:
            parts.append(_SIMPLE_ESCAPES[simple])
        elif octal or hexa:
            parts.append(int(octal, 8) & 0xFF if octal else int(hexa, 16))
        elif int(short or long, 16) > 0x10FFFF:
            raise ValueProblem(token, f"'{match.group()}' in {clip(token.text)} is beyond the last Unicode "
                               "character",
                               "write the character itself", "bad-escape")
        else:
            parts += chr(int(short or long, 16)).encode("utf-8", "surrogatepass")
    parts += inner[position:].encode("utf-8")
    try:
        return parts.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueProblem(token, f"{clip(token.text)} is not valid UTF-8 once its escapes are decoded",
                           "write the characters themselves, not byte escapes", "bad-escape") from None


def is_closed(text: str) -> bool:
    """Whether a string token ends with its own quote (not an escaped one)."""
    if len(text) < 2 or text[-1] != text[0]:
        return False
    backslashes = len(text[1:-1]) - len(text[1:-1].rstrip("\\"))
    return backslashes % 2 == 0


def _unclosed(token: Token) -> ValueProblem:
    curly = next((c for c in token.text if c in SMART_QUOTES), "")
    fix = (f"it ends with the curly quote {curly}: replace it with a straight {token.text[0]}" if curly
           else f"end it with {token.text[0]} before the end of the line")
    return ValueProblem(token, f"the string {token.text[:40]} is not closed on this line", fix, "unclosed-string")


def _windows_path(token: Token, inner: str, escape: str, name: str, invalid: bool) -> ValueProblem:
    meaning = _ESCAPE_NAMES.get(escape[1:2], "")
    if invalid:
        reads = f"'{escape}' is not a valid escape"
    else:
        reads = f"'{escape}' reads as {meaning}" if meaning else f"'{escape}' is read as an escape"
    slashed = re.sub(r"\\\\?", "/", inner)
    return ValueProblem(token, f"the path {clip(token.text)} has single backslashes, which start escapes in a "
                        f"quoted string ({reads})", f'write {name}: "{clip(slashed)}" (forward slashes work on '
                        'Windows too) '
                        "or double each backslash", "windows-path")


def _not_a(token: Token, spec: FieldSpec, schema: Schema) -> ValueProblem:
    """The error for a token of the wrong kind: a string, a word or a symbol where a value of
    another type was expected."""
    name, takes = spec.name, wanted(spec, schema)
    if token.kind == "string":
        if not is_closed(token.text):
            return _unclosed(token)
        inner = token.text[1:-1].strip()
        try:
            read_scalar(Token(_kind_of(inner), inner, token.line, token.column, token.offset), spec, schema)
            fix = f"remove the quotes: {name}: {clip(inner)}"
        except ValueProblem:
            fix = f"write {name}: {example(spec)}"
        return ValueProblem(token, f"'{name}' takes {takes}, not a string ({clip(token.text)})", fix)
    if token.kind == "eof":
        return ValueProblem(token, f"the file ends where the value of '{name}' should be",
                            f"write {name}: {example(spec)}", "unexpected-eof")
    if token.kind in ("symbol", "char"):
        return ValueProblem(token, f"expected the value of '{name}' ({takes}), found {token.describe()}",
                            f"write {name}: {example(spec)}", "syntax")
    return ValueProblem(token, f"'{name}' takes {takes}, not {clip(token.text)}", f"write {name}: {example(spec)}")


def _kind_of(text: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return "ident"
    return "number" if re.fullmatch(r"(?:[0-9+-]|\.[0-9])[0-9A-Za-z_.+-]*", text) else "char"
