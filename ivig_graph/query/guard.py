"""Cheap checks on SPARQL text before it reaches a query engine.

The engine's parser is recursive: a few thousand nested groups abort the whole process, and
nested collections take time that grows with the cube of their depth. Oxigraph also evaluates
``SERVICE`` by making HTTP requests. So before a query is parsed we scan its tokens (skipping
strings, IRIs and comments exactly as the SPARQL grammar does, so neither can hide a keyword) to

* refuse text longer than a limit, or nested deeper than a limit;
* refuse ``SERVICE`` anywhere in the query;
* tell an update (``INSERT``, ``LOAD``, ``CLEAR`` ...) from a query, and name the query form.

The scan errs on the side of refusing: the parser needs no space between keywords
(``SERVICEex:endpoint`` and ``trueSERVICE<...>`` both parse), so ``SERVICE`` is refused wherever
it appears, in any case, in a word outside a string, IRI or comment, or in the prefix of a
prefixed name (a prefix such as ``myservice:`` is refused too: rename it).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ivig_graph.errors import ForbiddenFeature, TooComplex, TooLarge, UpdateRefused


class QueryForm(enum.Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
PROLOGUE_KEYWORDS = ("BASE", "PREFIX")
FORBIDDEN_KEYWORDS = {"SERVICE": "SERVICE (federated query) is not allowed on this endpoint"}
OPENING = "({["
CLOSING = ")}]"


@dataclass(frozen=True)
class GuardLimits:
    max_length: int = 65_536
    max_depth: int = 64


@dataclass(frozen=True)
class QueryInfo:
    """What the scan learned: the query form (None if the text is not recognisably a query)."""

    form: QueryForm | None
    depth: int


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


def _line_column(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"


def _head(word: str) -> str:
    """The part of a word that could be keywords glued together (the parser needs no space
    between ``SERVICE`` and an IRI, a prefixed name or ``SILENT``): all of a bare word, or the
    prefix of a prefixed name."""
    return word.split(":", 1)[0].upper()


def inspect_query(text: str, limits: GuardLimits | None = None) -> QueryInfo:
    """Check ``text`` against the limits and the endpoint's rules; name its form.

    Raises ``TooLarge``, ``TooComplex``, ``ForbiddenFeature`` or ``UpdateRefused``.
    """
    limits = limits or GuardLimits()
    if len(text) > limits.max_length:
        raise TooLarge(
            f"The query is {len(text)} characters long; this endpoint accepts at most "
            f"{limits.max_length}."
        )
    depth = max_depth = 0
    form: QueryForm | None = None
    seen_form = False
    skip_prefix_name = False
    for token in tokens(text):
        if token.kind == "bracket":
            depth = depth + 1 if token.text in OPENING else max(depth - 1, 0)
            if depth > limits.max_depth:
                raise TooComplex(
                    f"The query nests brackets more than {limits.max_depth} deep (at "
                    f"{_line_column(text, token.position)}); flatten it."
                )
            max_depth = max(max_depth, depth)
            continue
        if token.kind != "word":
            continue
        head = _head(token.text)
        for keyword, reason in FORBIDDEN_KEYWORDS.items():
            if keyword in head:
                raise ForbiddenFeature(f"{reason} ({_line_column(text, token.position)}).")
        if seen_form:
            continue
        if skip_prefix_name:
            skip_prefix_name = False
            continue
        if head.startswith(PROLOGUE_KEYWORDS):
            skip_prefix_name = head == "PREFIX"
            continue
        seen_form = True
        update = next((k for k in sorted(UPDATE_KEYWORDS) if head.startswith(k)), None)
        if update:
            raise UpdateRefused(
                f"This endpoint is read-only: SPARQL Update ({update}) is not accepted."
            )
        form = next((f for f in QueryForm if head.startswith(f.value)), None)
    return QueryInfo(form=form, depth=max_depth)
