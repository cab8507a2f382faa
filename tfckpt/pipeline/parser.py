"""A strict protobuf text-format parser that checks every field against the OD API schema.

Stricter than ``google.protobuf.text_format.Merge``, which the OD API uses: a field written twice
is an error (Merge silently keeps the last), and so are two members of one oneof. Every error is a
:class:`~tfckpt.pipeline.errors.ConfigError` naming ``file:line:column``, what is wrong and the fix.

Example:
    >>> root = parse_text("train_config { batch_size: 2 }", "pipeline.config")
    >>> root.get("train_config").value.get("batch_size").value
    2
    >>> parse_text("train_config { batch_size: 2 batch_size: 4 }", "pipeline.config")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: pipeline.config:1:30: 'batch_size' is set twice in train_config \
(first at line 1, column 16); delete one: the Object Detection API silently keeps the last
"""

from __future__ import annotations

import errno
import os
import re
from typing import Dict, List, Optional, Tuple

from tfckpt.errors import BadPathError, FileTooLargeError, UnreadablePathError
from tfckpt.io.checked import read_regular_file
from tfckpt.pipeline.errors import ConfigError
from tfckpt.pipeline.hints import Block, describe_block, explain_unknown_field
from tfckpt.pipeline.lexer import BYTE_ORDER_MARK, Lexer, Token, clip
from tfckpt.pipeline.scalars import ValueProblem, example, read_scalar, read_string, wanted
from tfckpt.pipeline.schema import PIPELINE_ROOT, FieldSpec, Schema, load_schema
from tfckpt.pipeline.tree import Field, Message

# A real pipeline.config is a few KB; the largest label maps the OD API ships (a few thousand
# classes) are a few hundred KB. Past this size a file is something else written over it, and
# parsing it would take seconds (about 1.2 s of CPU per MiB of label map on the development VM).
MAX_TEXT_BYTES = 1 << 20
_CLOSERS = {"{": "}", "<": ">"}
_WORD = re.compile(r"[ \t]*([^\s{}#]*)")
_STRAIGHT = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"'}


def parse_text(text: str, path: str = "<string>", root: str = PIPELINE_ROOT,
               schema: Optional[Schema] = None) -> Message:
    """Parse protobuf text format as message ``root`` of the schema.

    Args:
        text: the file's contents.
        path: the file name to put in errors. Defaults to ``"<string>"``.
        root: the message type of the whole text. Defaults to ``"TrainEvalPipelineConfig"``.
        schema: the schema. Defaults to the one shipped with tfckpt.

    Returns:
        The top-level :class:`~tfckpt.pipeline.tree.Message` (path ``""``).

    Raises:
        ConfigError: at the first problem.
    """
    if text.startswith(BYTE_ORDER_MARK):
        raise ConfigError(path, 1, 1, "the file starts with a byte-order mark (BOM), which the Object Detection "
                          "API's parser rejects", "save it as UTF-8 without BOM", "byte-order-mark")
    return _Parser(text, path, schema or load_schema()).parse(root)


def read_text_file(path: str, what: str = "pipeline.config") -> str:
    """The contents of ``path`` as text; a :class:`ConfigError` at the first byte that is not UTF-8.

    A file larger than :data:`MAX_TEXT_BYTES`, or a path that is not a regular file (a named pipe,
    a device, a link loop), is refused before it is read: a :class:`ConfigError` for the whole
    file (line 0). ``FileNotFoundError`` and ``IsADirectoryError`` pass through.
    """
    if os.path.isdir(path):  # callers name the file to pass inside it
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
    try:
        data = read_regular_file(path, max_bytes=MAX_TEXT_BYTES, what=what)
    except (BadPathError, FileTooLargeError, UnreadablePathError) as err:
        code = "file-too-large" if isinstance(err, FileTooLargeError) else "unreadable"
        raise ConfigError(err.path, 0, 0, err.problem, err.fix, code) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        column = len(data[line_start:err.start].decode("utf-8", "replace")) + 1
        raise ConfigError(path, data.count(b"\n", 0, err.start) + 1, column,
                          f"byte 0x{data[err.start]:02x} is not UTF-8 text",
                          "save the file as UTF-8", "not-utf8") from None


class _Parser:
    def __init__(self, text: str, file: str, schema: Schema) -> None:
        self.lexer = Lexer(text)
        self.file = file
        self.schema = schema
        self.blocks: List[Block] = []
        self.last_closed: Optional[Tuple[Block, int]] = None

    def error(self, token: Token, problem: str, fix: str, code: str = "syntax") -> ConfigError:
        return ConfigError(self.file, token.line, token.column, problem, fix, code)

    def parse(self, root: str) -> Message:
        self.blocks.append(Block("", root, 1, 1))
        fields, end = self.body(root, None)
        return Message(root, "", fields, 1, 1, end.line)

    def body(self, type_name: str, closer: Optional[str]) -> Tuple[Tuple[Field, ...], Token]:
        """The fields of one block, up to its closing symbol (or the end of the file at the top)."""
        spec = self.schema.messages[type_name]
        fields: List[Field] = []
        first: Dict[str, Token] = {}
        oneofs: Dict[str, Token] = {}
        while True:
            token = self.lexer.next()
            if token.kind == "eof" or (token.kind == "symbol" and token.text in "}>"):
                return tuple(fields), self.end_of_block(token, closer)
            if token.kind != "ident":
                raise self.not_a_field_name(token)
            field_spec = spec.fields.get(token.text)
            if field_spec is None:
                raise self.error(token, *explain_unknown_field(self.schema, self.blocks, token.text), "unknown-field")
            self.check_once(field_spec, token, first, oneofs)
            fields.extend(self.field(field_spec, token))
            following = self.lexer.peek()
            if following.kind == "symbol" and following.text in ",;":
                self.lexer.next()

    def end_of_block(self, token: Token, closer: Optional[str]) -> Token:
        block = self.blocks[-1]
        if closer is None and token.kind != "eof":
            if self.last_closed:
                closed, line = self.last_closed
                fix = f"delete it: the last block, {closed.path}, was closed at line {line}"
            else:
                fix = "delete it, or add the '{' it should close"
            raise self.error(token, f"unexpected '{token.text}': no block is open here", fix, "unexpected-brace")
        if closer is not None and token.kind == "eof":
            raise ConfigError(self.file, block.line, block.column,
                              f"the '{{' of {block.path} is never closed (the file ends at line {token.line})",
                              "add the missing '}' where the block ends", "unclosed-block")
        if closer is not None and token.text != closer:
            raise self.error(token, f"'{token.text}' cannot close the block {block.path} opened with "
                             f"'{_opener(closer)}' at line {block.line}", f"write '{closer}'")
        return token

    def check_once(self, spec: FieldSpec, token: Token, first: Dict[str, Token],
                   oneofs: Dict[str, Token]) -> None:
        """A non-repeated field written twice, or two members of one oneof, is an error."""
        where = self.blocks[-1].path or "the top level"
        if not spec.repeated:
            if spec.name in first:
                before = first[spec.name]
                raise self.error(token, f"'{spec.name}' is set twice in {where} (first at line {before.line}, "
                                 f"column {before.column})",
                                 "delete one: the Object Detection API silently keeps the last", "duplicate-field")
            first[spec.name] = token
        if spec.oneof:
            other = oneofs.get(spec.oneof)
            if other is not None and other.text != spec.name:
                members = self.schema.messages[self.blocks[-1].type_name].oneofs[spec.oneof]
                raise self.error(token, f"'{spec.name}' and '{other.text}' (line {other.line}) are both set in "
                                 f"{where}, but only one of {', '.join(members)} may be (oneof {spec.oneof})",
                                 "keep one of them: the Object Detection API silently uses the last",
                                 "oneof-conflict")
            oneofs[spec.oneof] = token

    def field(self, spec: FieldSpec, name: Token) -> List[Field]:
        """The value(s) after a field name: one Field, or one per element of a ``[...]`` list."""
        colon = self.accept(":")
        following = self.lexer.peek()
        opens_block = following.kind == "symbol" and following.text in _CLOSERS
        if following.kind == "symbol" and following.text == "[" and colon:
            return self.list_of(spec, name)
        if spec.is_message:
            if opens_block:
                return [self.message(spec, name, self.lexer.next())]
            raise self.block_expected(spec, following)
        if opens_block:
            raise self.error(following, f"'{spec.name}' takes {wanted(spec, self.schema)}, not a block",
                             f"write {spec.name}: {example(spec)}", "wrong-type")
        if not colon:
            raise self.missing_colon(spec, following)
        return [Field(spec.name, self.scalar(spec), name.line, name.column, spec)]

    def block_expected(self, spec: FieldSpec, following: Token) -> ConfigError:
        """A value where a message block belongs, e.g. ``image_resizer: "fixed_shape_resizer"``."""
        word = following.text.strip("'\"")[:200]
        inner = f"{word} {{ ... }}" if word in self.schema.messages[spec.type_name].fields else "..."
        return self.error(following, f"expected '{{' after '{spec.name}' ({spec.type_name} is a message), found "
                          f"{following.describe()}", f"write {spec.name} {{ {inner} }}",
                          "unexpected-eof" if following.kind == "eof" else "wrong-type")

    def missing_colon(self, spec: FieldSpec, following: Token) -> ConfigError:
        shown, note = example(spec), ""
        if following.kind in ("number", "ident", "string"):
            shown = clip(following.text)
        elif following.text == "=":
            shown = clip(_WORD.match(self.lexer.text, following.offset + 1).group(1)) or shown
            note = " (text format puts ':' between a name and its value)"
        return self.error(following, f"expected ':' after '{spec.name}', found {following.describe()}",
                          f"write {spec.name}: {shown}{note}")

    def list_of(self, spec: FieldSpec, name: Token) -> List[Field]:
        """``name: [a, b]`` (scalars) or ``name: [{...}, {...}]`` (messages); ``[]`` is allowed."""
        opening = self.lexer.next()
        if not spec.repeated:
            raise self.error(opening, f"'{spec.name}' takes one value, not a list",
                             f"write {spec.name}: {example(spec)}" if not spec.is_message
                             else f"write {spec.name} {{ ... }}", "wrong-type")
        items: List[Field] = []
        if self.accept("]"):
            return items
        while True:
            element = self.lexer.peek()
            if spec.is_message:
                if not (element.kind == "symbol" and element.text in _CLOSERS):
                    raise self.error(element, f"expected '{{' in the list of '{spec.name}', found "
                                     f"{element.describe()}", f"write {spec.name}: [{{ ... }}, {{ ... }}]")
                items.append(self.message(spec, element, self.lexer.next()))
            else:
                items.append(Field(spec.name, self.scalar(spec), element.line, element.column, spec))
            token = self.lexer.next()
            if token.kind == "symbol" and token.text == "]":
                return items
            if not (token.kind == "symbol" and token.text == ","):
                raise self.error(token, f"expected ',' or ']' in the list of '{spec.name}' opened at line "
                                 f"{opening.line}, found {token.describe()}", "separate the values with ','"
                                 " and end the list with ']'", "unexpected-eof" if token.kind == "eof" else "syntax")

    def message(self, spec: FieldSpec, name: Token, opening: Token) -> Field:
        parent = self.blocks[-1].path
        path = f"{parent}.{spec.name}" if parent else spec.name
        block = Block(path, spec.type_name, opening.line, opening.column)
        self.blocks.append(block)
        fields, end = self.body(spec.type_name, _CLOSERS[opening.text])
        self.blocks.pop()
        self.last_closed = (block, end.line)
        value = Message(spec.type_name, path, fields, opening.line, opening.column, end.line)
        return Field(spec.name, value, name.line, name.column, spec)

    def scalar(self, spec: FieldSpec):
        token = self.lexer.next()
        if token.kind == "smart_quote":
            raise self.smart_quote(token, spec.name)
        if spec.type != "string":
            try:
                return read_scalar(token, spec, self.schema)
            except ValueProblem as problem:
                raise self.value_error(problem) from None
        if token.kind != "string":
            raise self.unquoted(token, spec)
        tokens = [token]
        while self.lexer.peek().kind == "string":
            tokens.append(self.lexer.next())
        try:
            return read_string(tokens, spec.name)
        except ValueProblem as problem:
            raise self.value_error(problem) from None

    def unquoted(self, token: Token, spec: FieldSpec) -> ConfigError:
        if token.kind in ("eof", "symbol"):
            return self.error(token, f"expected the value of '{spec.name}' (a quoted string), found "
                              f"{token.describe()}", f"write {spec.name}: {example(spec)}",
                              "unexpected-eof" if token.kind == "eof" else "syntax")
        word = clip(self.lexer.word_at(token))
        return self.error(token, f"the value of '{spec.name}' must be in quotes: {word}",
                          f'write {spec.name}: "{word.replace(chr(92), "/")}"', "unquoted-string")

    def smart_quote(self, token: Token, name: str = "") -> ConfigError:
        straight = _STRAIGHT.get(token.text, "'")
        text = self.lexer.text
        end = min((i for i in (text.find(c, token.offset + 1) for c in "\u201c\u201d\u2018\u2019\n") if i > 0),
                  default=len(text))
        inner = clip(text[token.offset + 1:end])
        fix = (f"write {name}: {straight}{inner}{straight} with straight quotes" if name and "\n" not in inner
               else f"replace it with a straight quote {straight}")
        return self.error(token, f"curly quote {token.text} where a straight quote ({straight}) belongs "
                          "(word processors and web pages turn quotes curly)", fix, "smart-quote")

    def not_a_field_name(self, token: Token) -> ConfigError:
        if token.kind == "smart_quote":
            return self.smart_quote(token)
        here = self.blocks[-1]
        if token.kind == "string" and token.text[1:-1] in self.schema.messages[here.type_name].fields:
            return self.error(token, f"the field name {token.text} is in quotes",
                              f"write {token.text[1:-1]} without quotes (text format is not JSON)")
        return self.error(token, f"expected a field name in {describe_block(here.path, here.type_name)}, "
                          f"found {token.describe()}", "write name: value or name { ... }")

    def value_error(self, problem: ValueProblem) -> ConfigError:
        return self.error(problem.token, problem.problem, problem.fix, problem.code)

    def accept(self, symbol: str) -> bool:
        token = self.lexer.peek()
        if token.kind == "symbol" and token.text == symbol:
            self.lexer.next()
            return True
        return False


def _opener(closer: str) -> str:
    return "{" if closer == "}" else "<"
