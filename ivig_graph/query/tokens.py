"""SPARQL's tokens, as the guard and the query engine need them.

``tokens`` yields the words (keywords and prefixed names), brackets and other characters of a
query text, and skips what can hide a keyword: strings, IRIs, comments, variables and language
tags, each by the lexical rules of the SPARQL grammar. The guard decides on these tokens
(``query/guard.py``); the engine looks for a dataset clause with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

OPENING = "({["
CLOSING = ")}]"

# The lexical rules that decide where code stops and a string, IRI or comment starts, from the
# SPARQL 1.1 grammar (section 19.8). IRIREF is exactly the grammar's: anything looser could hide
# code inside what the scanner takes for an IRI.
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_LONG_STRING = {'"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)}
_LONG_STRING["'''"] = re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.DOTALL)
_SHORT_STRING = {
    '"': re.compile(r'(?:[^"\\\n\r]|\\.)*(?:"|(?=[\n\r])|$)'),
    "'": re.compile(r"(?:[^'\\\n\r]|\\.)*(?:'|(?=[\n\r])|$)"),
}
_WORD = re.compile(r"[A-Za-z_:\u00C0-\U000EFFFF][\w\-.:%\\\u00B7\u00C0-\U000EFFFF]*")
_VARIABLE = re.compile(r"[?$][\w\u00B7\u00C0-\U000EFFFF]*")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_COMMENT = re.compile(r"#[^\n\r]*")


@dataclass(frozen=True)
class Token:
    kind: str  # "word" (a keyword, or a prefixed name if it has a colon), "bracket", "other"
    text: str
    position: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` that matter to the guard; strings, IRIs and comments are skipped."""
    position = 0
    end = len(text)
    while position < end:
        char = text[position]
        if char in " \t\r\n":
            position += 1
            continue
        if char == "#":
            match = _COMMENT.match(text, position)
            position = match.end() if match else end
            continue
        if char in "\"'":
            position = _skip_string(text, position)
            continue
        if char == "<":
            match = _IRIREF.match(text, position)
            if match:
                position = match.end()
                continue
        if char in "?$":
            match = _VARIABLE.match(text, position)
            position = match.end() if match else position + 1
            continue
        if char == "@":
            match = _LANGTAG.match(text, position)
            if match:
                position = match.end()
                continue
        if char in OPENING or char in CLOSING:
            yield Token("bracket", char, position)
            position += 1
            continue
        match = _WORD.match(text, position)
        if match:
            yield Token("word", match.group(), position)
            position = match.end()
            continue
        yield Token("other", char, position)
        position += 1


def _skip_string(text: str, position: int) -> int:
    quote = text[position]
    triple = quote * 3
    if text.startswith(triple, position):
        match = _LONG_STRING[triple].match(text, position + 3)
        # An unterminated long string is a syntax error; stop scanning, the parser will say so.
        return match.end() if match else len(text)
    match = _SHORT_STRING[quote].match(text, position + 1)
    return match.end() if match else len(text)


def line_column(text: str, position: int) -> str:
    """Where ``position`` is in ``text``, as people count: ``line 2, column 7``."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"
