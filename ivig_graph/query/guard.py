"""Cheap checks on SPARQL text before it reaches a query engine.

The engine's parser is recursive: a few thousand nested groups abort the whole process, and
nested collections take time that grows with the cube of their depth. Oxigraph also evaluates
``SERVICE`` by making HTTP requests. So before a query is parsed we scan its tokens
(``query/tokens.py``, which skips strings, IRIs and comments exactly as the SPARQL grammar does,
so neither can hide a keyword) to

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
from dataclasses import dataclass

from ivig_graph.errors import ForbiddenFeature, TooComplex, TooLarge, UpdateRefused
from ivig_graph.query.tokens import OPENING, Token, line_column, tokens


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
    nesting = _Nesting(text, limits.max_depth)
    cost = _Cost(text, limits)
    form = _FormReader()
    for token in tokens(text):
        cost.count(token)
        if token.kind == "bracket":
            nesting.bracket(token)
        elif token.kind == "word":
            head = _head(token.text)
            _refuse_forbidden(text, token, head)
            form.read(head)
    return QueryInfo(form=form.form, depth=nesting.deepest)


def _refuse_forbidden(text: str, token: Token, head: str) -> None:
    for keyword, reason in FORBIDDEN_KEYWORDS.items():
        if keyword in head:
            raise ForbiddenFeature(f"{reason} ({line_column(text, token.position)}).")


class _Nesting:
    """How deep the brackets nest, refused past the limit (a stray closer counts as none)."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.depth = self.deepest = 0

    def bracket(self, token: Token) -> None:
        self.depth = self.depth + 1 if token.text in OPENING else max(self.depth - 1, 0)
        if self.depth > self.limit:
            raise TooComplex(
                f"The query nests brackets more than {self.limit} deep (at "
                f"{line_column(self.text, token.position)}); flatten it."
            )
        self.deepest = max(self.deepest, self.depth)


class _FormReader:
    """The query form, from the first word after the prologue (``BASE``, ``PREFIX p: <...>``);
    an update's keyword there is refused. Later words are not read."""

    def __init__(self) -> None:
        self.form: QueryForm | None = None
        self._seen = False
        self._skip_prefix_name = False

    def read(self, head: str) -> None:
        if self._seen:
            return
        if self._skip_prefix_name:
            self._skip_prefix_name = False
            return
        if head.startswith(PROLOGUE_KEYWORDS):
            self._skip_prefix_name = head == "PREFIX"
            return
        self._seen = True
        update = next((k for k in sorted(UPDATE_KEYWORDS) if head.startswith(k)), None)
        if update:
            raise UpdateRefused(
                f"This endpoint is read-only: SPARQL Update ({update}) is not accepted."
            )
        self.form = next((f for f in QueryForm if head.startswith(f.value)), None)


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
                f"{line_column(self.text, self._position)}); this endpoint evaluates at most "
                f"{limit}. Write it with {instead}."
            )
