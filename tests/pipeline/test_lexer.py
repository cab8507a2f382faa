"""The lexer: tokens with 1-based line and column; any character becomes a token, none raises."""

from __future__ import annotations

import pytest

from tfckpt.pipeline.lexer import Lexer


def tokens(text: str):
    lexer, found = Lexer(text), []
    while True:
        token = lexer.next()
        found.append((token.kind, token.text, token.line, token.column))
        if token.kind == "eof":
            return found


def test_kinds_lines_and_columns():
    text = 'model {  # comment: ignored\n\tnum_classes: -3\n  name: "a b" \'c\' }\n'
    assert tokens(text) == [
        ("ident", "model", 1, 1), ("symbol", "{", 1, 7),
        ("ident", "num_classes", 2, 2), ("symbol", ":", 2, 13), ("number", "-3", 2, 15),
        ("ident", "name", 3, 3), ("symbol", ":", 3, 7), ("string", '"a b"', 3, 9), ("string", "'c'", 3, 15),
        ("symbol", "}", 3, 19), ("eof", "", 4, 1),
    ]


@pytest.mark.parametrize("text, kind", [
    ("1e-4", "number"), ("-inf", "number"), (".5", "number"), ("0x1F", "number"), ("1.0f", "number"),
    ("inf", "ident"), ("V2", "ident"), ('"unclosed', "string"), ('"a\\"b"', "string"),
    ("\u201c", "smart_quote"), ("\u2019", "smart_quote"), ("/", "char"), ("=", "char"), ("\x00", "char"),
    ("\ufeff", "char"), ("é", "char"),
])
def test_single_token_kinds(text, kind):
    assert tokens(text)[0][:2] == (kind, text)


def test_strings_stop_at_the_end_of_the_line():
    assert tokens('"abc\nd"')[:2] == [("string", '"abc', 1, 1), ("ident", "d", 2, 1)]


def test_word_at_spans_an_unquoted_path():
    lexer = Lexer("input_path: C:\\data\\train.record }")
    for _ in range(2):
        lexer.next()
    assert lexer.word_at(lexer.next()) == "C:\\data\\train.record"


def test_peek_does_not_consume_and_eof_repeats():
    lexer = Lexer("a")
    assert lexer.peek() is lexer.peek()
    assert lexer.next().text == "a"
    assert lexer.next().kind == lexer.next().kind == "eof"


def test_crlf_line_endings():
    assert tokens("a: 1\r\nb: 2\r\n")[3] == ("ident", "b", 2, 1)
