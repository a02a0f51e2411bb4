"""What Oxigraph's parser says it expected, in words.

Its messages list the tokens its grammar would have taken (``"$", "'", "(", ...,
['A' ..= 'Z' | ...], [_]``, Unicode ranges included). ``grammar_tokens`` splits that list;
``expected_words`` says what the tokens mean ("a variable, an IRI or a literal") in a few words.
``sparql_syntax.readable`` puts the words in the error it raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKEN = re.compile(
    r"""
      "(?:[^"\\]|\\.)*"                # a literal token: "{", "\"", "true"
    | \[(?:'[^']*'|[^\]'])*\]          # a character class: ['0'..='9'], [_]
    | [A-Za-z][A-Za-z0-9_ ]*[A-Za-z0-9_]  # a keyword or a phrase: FILTER, Prefix not found
    | [A-Za-z]
    """,
    re.X,
)
MAX_WORDS = 4  # things named at most, in one message

# The keywords of a query's structure; another word the parser wants (a function name) means
# an expression could come there.
STRUCTURE = frozenset(
    (
        "SELECT",
        "CONSTRUCT",
        "DESCRIBE",
        "ASK",
        "WHERE",
        "FROM",
        "NAMED",
        "PREFIX",
        "BASE",
        "DISTINCT",
        "REDUCED",
        "FILTER",
        "OPTIONAL",
        "VALUES",
        "BIND",
        "GRAPH",
        "MINUS",
        "UNION",
        "SERVICE",
        "LATERAL",
        "GROUP",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "HAVING",
        "AS",
        "IN",
        "NOT",
        "UNDEF",
    )
)
PUNCTUATION = ("}", ")", "]", ".", ";", ",", "{", "(")
COMPARISONS = frozenset({"=", "!=", "<", ">", "<=", ">=", "&&", "||"})


def grammar_tokens(wanted: str) -> list[str]:
    """The tokens in the parser's list of what it wanted (after ``expected one of``)."""
    return _TOKEN.findall(wanted)


def expected_words(tokens: list[str], prefix: str | None) -> str:
    """What the tokens the grammar wanted mean, in words."""
    phrases = [t for t in tokens if " " in t and t[0].isalpha()]
    if "Prefix not found" in phrases:
        name = f"{prefix}:" if prefix is not None else "this prefix"
        return f"the prefix {name!r} is not declared (add PREFIX {name} <...>)"
    quoted = {t[1:-1].replace('\\"', '"').replace("\\\\", "\\") for t in tokens if t[0] == '"'}
    words = [t for t in tokens if t[0] not in '"[' and " " not in t]
    if "IRI parsing failed" in phrases:
        return "a valid IRI (between < and >, without spaces)"
    wanted: list[str] = []
    if "a" in quoted and "^" in quoted:
        wanted.append("a property (an IRI, a variable or 'a')")
    else:
        if quoted & {"?", "$"}:
            wanted.append("a variable")
        if "<" in quoted and quoted & {":", "?", '"'}:
            wanted.append("an IRI")
        if quoted & {'"', "'", "true", "false"}:
            wanted.append("a literal")
        if not wanted and quoted & {"[", "_:"}:
            wanted.append("a blank node")
    functions = [w for w in words if w.upper() not in STRUCTURE and w != "a"]
    if functions:
        wanted.append("an expression")
    if len(quoted & COMPARISONS) >= 2:
        wanted.append("an operator")
    if not wanted:  # beside terms, the few keywords the parser names are a random sample
        wanted.extend(w for w in words if w.upper() in STRUCTURE)
    terms = bool(wanted)  # "(", "[" and "." (".5") can start a term: not named beside terms
    wanted.extend(repr(p) for p in PUNCTUATION if p in quoted and not (terms and p in "([."))
    wanted.extend(p[0].lower() + p[1:] for p in phrases if "not found" not in p)
    if not wanted:
        return "something else here"
    return "expected " + either(wanted[:MAX_WORDS])


def either(items: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c`` (each item once, in order)."""
    listed = list(dict.fromkeys(items))
    if len(listed) == 1:
        return listed[0]
    return ", ".join(listed[:-1]) + " or " + listed[-1]
