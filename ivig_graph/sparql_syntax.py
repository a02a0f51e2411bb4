"""SPARQL syntax errors people can read, from the messages of Oxigraph's parser.

Oxigraph says ``error at 3:25: expected one of "$", "'", "(", ..., ['A' ..= 'Z' | ...], [_]``:
the position, then the tokens its grammar would have taken there, Unicode ranges included
(oxigraph/oxigraph#129 is its own issue about these messages). ``readable`` keeps the position
and says in words what could come there ("a variable, an IRI or a literal":
``sparql_expected.py``), with the line
quoted and a caret under the spot, in a few lines.

The parser reports its furthest failure, which is often the end of the query or some way past
the mistake. So the query is parsed again, one token more each time (an empty store parses in
microseconds): the first token after which the text can no longer be the beginning of a query
is the spot, and what the parser wanted after the token before it is what was expected. When
the whole text is a good beginning the query ends too early, and a bracket left open is named.
No HTTP here: the web edge answers the error with its status.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from ivig_graph.errors import QuerySyntaxError
from ivig_graph.sparql_expected import expected_words, grammar_tokens

_MESSAGE = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.S)
EXCERPT_WIDTH = 60
MAX_PROBES = 400  # pieces of a query parsed again to find the spot (each parse is ~10 us)
# Said as they are where the parser names nothing useful: at the start, and after a query
# that was complete.
FIRST_WORDS = "expected SELECT, CONSTRUCT, DESCRIBE, ASK or PREFIX"
COMPLETE_WORDS = "expected the end of the query, or GROUP BY, ORDER BY, LIMIT or OFFSET"

_OPENERS = {"{": "}", "(": ")", "[": "]"}
_PIECE = re.compile(r"[{}()\[\];,]|[^\s{}()\[\];,]+")


def readable(
    query: str,
    message: str,
    prefixes: Mapping[str, str] | None = None,
    base_iri: str | None = None,
) -> QuerySyntaxError:
    """The error to raise for ``query``, from the parser's ``message`` (the query was parsed
    with ``prefixes`` and ``base_iri``, and is parsed again with them to find the spot)."""
    found = _MESSAGE.match(message.strip())
    if found is None:
        first = message.strip().splitlines()[0] if message.strip() else "unreadable query"
        return QuerySyntaxError(f"SPARQL syntax error: {first[:200]}")
    line, column = int(found.group(1)), int(found.group(2))
    wanted = found.group(3)
    spot = _first_bad_piece(query, _Parser(prefixes, base_iri))
    if spot is not None:
        line, column, wanted = spot
    lines = query.split("\n")
    if wanted in (FIRST_WORDS, COMPLETE_WORDS):
        expected = wanted
    else:
        expected = expected_words(grammar_tokens(wanted), _prefix_before(lines, line, column))
    if _at_end(lines, line, column):
        open_bracket = unclosed_bracket(query)
        if open_bracket is not None:
            char, (open_line, open_column) = open_bracket
            expected = (
                f"the query ends before the {char!r} at line {open_line}, column "
                f"{open_column} is closed with {_OPENERS[char]!r}"
            )
        else:
            expected = f"the query ends too early; {expected}"
    text = f"SPARQL syntax error at line {line}, column {column}: {expected}.\n" + _excerpt(
        lines, line, column
    )
    return QuerySyntaxError(text, line=line, column=column)


class _Parser:
    """Oxigraph's parser on an empty store: the error message for a text, or None."""

    def __init__(self, prefixes: Mapping[str, str] | None, base_iri: str | None) -> None:
        self.store = ox.Store()
        self.prefixes = dict(prefixes or {})
        self.base_iri = base_iri

    def error(self, text: str) -> str | None:
        try:
            self.store.query(text, prefixes=self.prefixes, base_iri=self.base_iri)
        except SyntaxError as error:
            return str(error)
        except (ValueError, OSError, RuntimeError):
            return None
        return None


def _first_bad_piece(query: str, parser: _Parser) -> tuple[int, int, str] | None:
    """Line, column and the parser's wishes where the query stops being a good beginning.

    A beginning is good when it parses, or when the parser fails only at its end wanting a
    token there; after a keyword the parser often wants nothing it can name, so the spot is
    the piece after the *last* good beginning. None when the whole query is a good beginning
    (it is cut short: the parser's own message says what it wanted) or too long to probe.
    """
    pieces = list(_PIECE.finditer(query))
    if len(pieces) > MAX_PROBES:
        return None
    last_good, wishes = -1, FIRST_WORDS
    for index, piece in enumerate(pieces):
        message = parser.error(query[: piece.end()])
        found = _MESSAGE.match(message.strip()) if message is not None else None
        if message is None:
            last_good, wishes = index, COMPLETE_WORDS
        elif found is not None and _good_at_end(query[: piece.end()], found):
            last_good, wishes = index, found.group(3)
    if last_good == len(pieces) - 1:
        return None
    spot = pieces[last_good + 1]
    own = parser.error(query[: spot.end()]) or ""
    if "not found" in own or "parsing failed" in own:
        wishes = _MESSAGE.sub(r"\3", own.strip())
    line, column = _position(query, spot.start())
    return line, column, wishes or _MESSAGE.sub(r"\3", own.strip())


def _good_at_end(beginning: str, found: re.Match[str]) -> bool:
    tokens = grammar_tokens(found.group(3))
    at_its_end = (int(found.group(1)), int(found.group(2))) == _end_of(beginning)
    return at_its_end and any(t[0] == '"' for t in tokens)


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _end_of(text: str) -> tuple[int, int]:
    return _position(text, len(text))


def _at_end(lines: list[str], line: int, column: int) -> bool:
    """Whether the position is after the last character that is not a space or a comment."""
    rest = "\n".join([lines[line - 1][column - 1 :] if line <= len(lines) else "", *lines[line:]])
    return not re.sub(r"#[^\n]*", "", rest).strip()


def _prefix_before(lines: list[str], line: int, column: int) -> str | None:
    """The prefix of the prefixed name that ends at (or just before) the position."""
    if line > len(lines):
        return None
    at = re.match(r"([A-Za-z][\w.-]*)?:", lines[line - 1][column - 1 :])
    if at is not None:
        return at.group(1) or ""
    before = lines[line - 1][: column - 1]
    found = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*\s*$", before)
    if found is None:
        return None
    return found.group(1) or ""


def _excerpt(lines: list[str], line: int, column: int) -> str:
    """The line, cut to a window around the column, and a caret under the column."""
    text = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
    start = max(0, min(column - 1 - EXCERPT_WIDTH // 2, len(text) - EXCERPT_WIDTH))
    window = text[start : start + EXCERPT_WIDTH]
    lead = "..." if start > 0 else ""
    tail = "..." if start + EXCERPT_WIDTH < len(text) else ""
    caret = " " * (len(lead) + column - 1 - start) + "^"
    return f"  {lead}{window}{tail}\n  {caret}"


def unclosed_bracket(query: str) -> tuple[str, tuple[int, int]] | None:
    """The innermost ``{``, ``(`` or ``[`` never closed, and its line and column, skipping
    strings, IRIs and comments; None when every bracket is closed."""
    stack: list[tuple[str, tuple[int, int]]] = []
    for char, position in _brackets(query):
        if char in _OPENERS:
            stack.append((char, position))
        elif stack and _OPENERS[stack[-1][0]] == char:
            stack.pop()
        else:
            return None  # a stray closer: not a bracket left open
    return stack[-1] if stack else None


_SKIP = re.compile(
    r"""
      \#[^\n]*                                  # a comment
    | <[^<>"{}|^`\\\s]*>                        # an IRI
    | (?:'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\")  # a long string
    | '(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"   # a string
    """,
    re.X | re.S,
)


def _brackets(query: str) -> Iterable[tuple[str, tuple[int, int]]]:
    index, line, line_start = 0, 1, 0
    while index < len(query):
        skipped = _SKIP.match(query, index)
        if skipped is not None and skipped.end() > index:
            piece = skipped.group(0)
            if "\n" in piece:
                line += piece.count("\n")
                line_start = index + piece.rindex("\n") + 1
            index = skipped.end()
            continue
        char = query[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
        elif char in "{}()[]":
            yield char, (line, index - line_start + 1)
        index += 1
