"""Split protobuf text format into tokens that know their line and column.

Blanks are what protobuf's tokenizer skips: every Unicode white space (a no-break space too);
only ``\\n`` ends a line. The lexer never raises: a character that cannot start a token becomes a
``char`` token (a curly quote a ``smart_quote`` token) and the parser, which knows what it
expected there, explains it.
Tokens are made on demand, so text after the first error is never looked at.

Example:
    >>> lexer = Lexer('model { num_classes: 3 }  # three\\n')
    >>> [(t.kind, t.text, t.line, t.column) for t in (lexer.next() for _ in range(4))]
    [('ident', 'model', 1, 1), ('symbol', '{', 1, 7), ('ident', 'num_classes', 1, 9), ('symbol', ':', 1, 20)]
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, NamedTuple

from tfckpt.errors import SHOWN_AT_MOST, clip

__all__ = ["BYTE_ORDER_MARK", "SHOWN_AT_MOST", "SMART_QUOTES", "Lexer", "Token", "clip", "name_character"]

SMART_QUOTES = "\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2033\u2032"
BYTE_ORDER_MARK = "\ufeff"

_TOKEN = re.compile(r"""
    (?P<space>[^\S\n]+)
  | (?P<newline>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>(?:[0-9+-]|\.[0-9])[0-9A-Za-z_.+-]*)
  | (?P<string>"(?:[^"\n\\]|\\.)*"?|'(?:[^'\n\\]|\\.)*'?)
  | (?P<symbol>[{}<>\[\]:,;])
  | (?P<char>.)
""", re.VERBOSE)
_WORD_END = re.compile(r"[\s{}\[\]#,;\"']|$")


def name_character(char: str) -> str:
    """A character that cannot be seen or typed, named: ``U+200B ZERO WIDTH SPACE``.

    Printable ASCII is quoted as is (``'='``).

    Example:
        >>> name_character(chr(0x200B)), name_character(chr(0)), name_character("=")
        ('U+200B ZERO WIDTH SPACE', 'U+0000 (a control character)', "'='")
    """
    if " " < char < "\x7f":
        return f"'{char}'"
    return f"U+{ord(char):04X} {unicodedata.name(char, '') or '(a control character)'}"


class Token(NamedTuple):
    """One token.

    Attributes:
        kind: ``"ident"``, ``"number"``, ``"string"`` (quotes included, possibly unclosed),
            ``"symbol"`` (one of ``{}<>[]:,;``), ``"smart_quote"``, ``"char"`` (anything else) or
            ``"eof"``.
        text: the token as written.
        line: 1-based line.
        column: 1-based column, in characters.
        offset: index of the first character in the text.
    """

    kind: str
    text: str
    line: int
    column: int
    offset: int

    def describe(self) -> str:
        """How an error message names this token: ``'}'``, ``end of file``, ``"abc"``."""
        if self.kind == "eof":
            return "end of file"
        if self.kind == "string":
            return clip(self.text)
        if self.kind == "char":
            return name_character(self.text)
        return f"'{clip(self.text)}'"


class Lexer:
    """Tokens of ``text`` one at a time, with one token of look-ahead (:meth:`peek`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._pos = 0
        self._line = 1
        self._line_start = 0
        self._ahead: List[Token] = []

    def peek(self) -> Token:
        """The next token, without consuming it."""
        if not self._ahead:
            self._ahead.append(self._scan())
        return self._ahead[0]

    def next(self) -> Token:
        """Consume and return the next token (the ``eof`` token again and again at the end)."""
        return self._ahead.pop() if self._ahead else self._scan()

    def word_at(self, token: Token) -> str:
        """The text from ``token`` to the next blank, brace, bracket, comma, quote or comment.

        For an unquoted value such as ``C:\\data\\train.record`` this is the whole value, which
        no single token is.
        """
        end = _WORD_END.search(self.text, token.offset + 1).start()
        return self.text[token.offset:end]

    def _scan(self) -> Token:
        text = self.text
        while self._pos < len(text):
            match = _TOKEN.match(text, self._pos)
            kind, start = match.lastgroup, self._pos
            self._pos = match.end()
            if kind == "newline":
                self._line += 1
                self._line_start = self._pos
                continue
            if kind in ("space", "comment"):
                continue
            if kind == "char" and match.group() in SMART_QUOTES:
                kind = "smart_quote"
            return Token(kind, match.group(), self._line, start - self._line_start + 1, start)
        return Token("eof", "", self._line, len(text) - self._line_start + 1, len(text))
