"""Talk to a running endpoint over HTTP, ask the embedded one in-process, and compare answers
as data: solutions as multisets (and in order where the query orders them), graphs
isomorphically, both with RDF 1.1's "x" = "x"^^xsd:string."""

from __future__ import annotations

import io
import re
from collections import Counter
from urllib.parse import urlencode

from flask.testing import FlaskClient
from rdflib import XSD, BNode, Graph, Literal
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.query import Result
from rdflib.term import Identifier

from tests.servers import Answer, RunningServer, call
from tests.web.answers import RDFLIB_FORMATS


def get(
    server: RunningServer, params: dict[str, str] | list[tuple[str, str]], **kw: object
) -> Answer:
    return call(server, "GET", "/sparql?" + urlencode(params), **kw)  # type: ignore[arg-type]


def embedded(
    client: FlaskClient,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    response = client.open(path, method=method, data=body, headers=headers or {})
    found = {k.lower(): v for k, v in response.headers.items()}
    return Answer(response.status_code, found, response.get_data())


# ---------------------------------------------------------------- answers as data

Row = tuple[tuple[str, Identifier | None], ...]
RESULT_FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


def _term(term: Identifier | None) -> Identifier | None:
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    if isinstance(term, BNode):
        return BNode("b")  # engines label blank nodes as they like
    return term


def rows(answer: Answer) -> list[Row]:
    """SELECT solutions in the order given, or [(("ask", true/false),)] for ASK."""
    result = Result.parse(io.BytesIO(answer.body), format=RESULT_FORMATS[answer.media_type])
    if result.type == "ASK":
        return [(("ask", Literal(bool(result.askAnswer))),)]
    names = [str(v) for v in result.vars or []]
    parsed = ({str(k): v for k, v in b.items()} for b in result.bindings)
    return [tuple((name, _term(row.get(name))) for name in names) for row in parsed]


def graph(answer: Answer) -> Graph:
    parsed = Graph().parse(data=answer.body, format=RDFLIB_FORMATS[answer.media_type])
    normalized = Graph()
    for s, p, o in parsed:
        normalized.add((s, p, _term(o) if not isinstance(o, BNode) else o))
    return normalized


def order_keys(query: str) -> list[str]:
    """The variables of a query's ORDER BY clause (enough for the queries these tests send)."""
    match = re.search(r"ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|$)", query, re.IGNORECASE | re.DOTALL)
    return re.findall(r"[?$](\w+)", match.group(1)) if match else []


def assert_same_rows(
    ours: Answer, reference: Answer, query: str = "", string_prefix: int | None = None
) -> None:
    """The same solutions, and where the query orders them the same sequence of ORDER BY keys
    (SPARQL leaves ties in any order, and engines break them differently).

    ``string_prefix``: the engine orders strings by their first characters only (Virtuoso), so
    keys are compared on those.
    """
    mine, theirs = rows(ours), rows(reference)
    assert Counter(mine) == Counter(theirs), f"ours:\n{mine}\nembedded:\n{theirs}"
    keys = order_keys(query)
    if keys:
        assert _keys(mine, keys, string_prefix) == _keys(theirs, keys, string_prefix)


def _keys(
    solutions: list[Row], keys: list[str], string_prefix: int | None
) -> list[tuple[object, ...]]:
    def key(term: Identifier | None) -> object:
        if string_prefix is not None and isinstance(term, Literal):
            return str(term)[:string_prefix]
        return term

    return [tuple(key(dict(row).get(name)) for name in keys) for row in solutions]


def assert_same_graph(ours: Graph, reference: Graph) -> None:
    if isomorphic(ours, reference):
        return
    _, missing, extra = graph_diff(to_isomorphic(reference), to_isomorphic(ours))
    raise AssertionError(
        f"graphs differ: {len(missing)} missing, {len(extra)} extra\n"
        f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}"
    )
