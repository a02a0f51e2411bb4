"""Cheap checks on SPARQL text before it reaches a query engine.

The engine's parser is recursive: a few thousand nested groups abort the whole process, and
nested collections take time that grows with the cube of their depth. Oxigraph also evaluates
``SERVICE`` by making HTTP requests. So before a query is parsed we scan its tokens (skipping
strings, IRIs and comments exactly as the SPARQL grammar does, so neither can hide a keyword) to

* refuse text longer than a limit, or nested deeper than a limit;
* refuse what is cheap to send and expensive to parse or run (``TooComplex``): a property path
  of too many steps, too many ``OPTIONAL``s, too many triple patterns, too many operators in one
  expression. Each held a worker for most of the time budget (a 1.5 KB path of 500 steps, 2,000
  chained ``OPTIONAL``s, an object list of 10,000 objects, ``1+1+...`` 30,000 times); the limits
  are far above what the example queries and any query of a sensible size use;
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
    max_path_steps: int = 64
    max_optionals: int = 128
    max_triple_patterns: int = 1024
    max_expression_terms: int = 512

    @classmethod
    def lenient(cls, text: str) -> GuardLimits:
        """Limits that ``text`` cannot exceed: to learn its form once the real limits held."""
        most = len(text) + 1
        return cls(most, most, most, most, most, most)


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
    cost = _Cost(text, limits)
    for token in tokens(text):
        cost.count(token)
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


# Operators of expressions and property paths (``||`` and ``&&`` count as two).
_OPERATORS = frozenset("+-*/|&=!<>^")
_PATH_OPERATORS = frozenset("/|^")
# Where one triple pattern, or one expression, ends.
_SEPARATORS = frozenset(".;,")
_EXPRESSION_ENDS = frozenset(".;{}")


class _Cost:
    """Counts what makes a query expensive to parse or evaluate, and refuses past the limits.

    The counts are lexical, so they are bounds rather than exact figures: a path step is a
    ``/``, ``|`` or ``^`` (a division counts as one too), and the operators of one expression are
    those since the last ``.``, ``;``, ``{``, ``}`` or ``AS``; triple patterns are the ``.``,
    ``;`` and ``,`` that separate them (not the point of a decimal number).
    """

    def __init__(self, text: str, limits: GuardLimits) -> None:
        self.text = text
        self.limits = limits
        self.optionals = self.patterns = self.operators = self.path_steps = 0
        self._position = 0

    def count(self, token: Token) -> None:
        text, limits = token.text, self.limits
        self._position = token.position
        if token.kind == "word":
            head = text.upper()
            if head == "OPTIONAL":
                self.optionals += 1
                self._check(
                    self.optionals, limits.max_optionals, "OPTIONAL clauses", "fewer OPTIONALs"
                )
            elif head == "AS":
                self.operators = self.path_steps = 0
            return
        if text in _EXPRESSION_ENDS:
            self.operators = self.path_steps = 0
        if text in _SEPARATORS and not self._decimal_point(token):
            self.patterns += 1
            self._check(
                self.patterns,
                limits.max_triple_patterns,
                "triple patterns",
                "fewer triple patterns, or several smaller queries",
            )
        elif text in _OPERATORS:
            self.operators += 1
            self._check(
                self.operators,
                limits.max_expression_terms,
                "operators in one expression",
                "shorter expressions",
            )
            if text in _PATH_OPERATORS and not self._logical_or(token):
                self.path_steps += 1
                self._check(
                    self.path_steps,
                    limits.max_path_steps,
                    "property path steps (/, | or ^) in one triple pattern or expression",
                    "a shorter path, or a path with + or *",
                )

    def _logical_or(self, token: Token) -> bool:
        """``||`` is an operator of expressions; a single ``|`` separates alternative paths."""
        text, position = self.text, token.position
        return token.text == "|" and "||" in (
            text[position : position + 2],
            text[position - 1 : position + 1],
        )

    def _decimal_point(self, token: Token) -> bool:
        """A ``.`` before a digit is part of a number (DECIMAL: ``[0-9]* '.' [0-9]+``)."""
        after = token.position + 1
        return token.text == "." and after < len(self.text) and self.text[after].isdigit()

    def _check(self, count: int, limit: int, what: str, instead: str) -> None:
        if count > limit:
            raise TooComplex(
                f"The query has more than {limit} {what} (the limit is reached at "
                f"{_line_column(self.text, self._position)}); this endpoint evaluates at most "
                f"{limit}. Write it with {instead}."
            )
