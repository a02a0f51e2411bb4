"""Ask a store's SPARQL 1.1 Protocol query endpoint over HTTP, and read its answer as rdflib's."""

from __future__ import annotations

import io
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable

from rdflib import XSD, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Identifier

RESULTS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
GRAPH_FORMATS = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle"}

# Virtuoso 7.2 answers ASK as a one-row table with this variable (1 or 0), not as a boolean.
VIRTUOSO_ASK_VARIABLE = "__ASK_RETVAL"

Row = tuple[tuple[str, Identifier | None], ...]


def ask_endpoint(
    query_url: str,
    text: str,
    graphs: Iterable[URIRef],
    *,
    answers_graph: bool = False,
    timeout: float = 30.0,
) -> Result | Graph:
    """POST the query over our dataset as it is in the store: a SELECT/ASK Result or a Graph.

    ``answers_graph`` for CONSTRUCT and DESCRIBE (asked for as RDF; Virtuoso would answer JSON).

    ``default-graph-uri`` and ``named-graph-uri`` name our graphs, so the query's default graph is
    their merge and GRAPH sees each of them, as in the built dataset, on any engine.
    """
    names = [str(g) for g in graphs]
    form = [
        ("query", text),
        *(("default-graph-uri", name) for name in names),
        *(("named-graph-uri", name) for name in names),
    ]
    request = urllib.request.Request(
        query_url,
        data=urllib.parse.urlencode(form).encode("ascii"),
        headers={
            "Accept": GRAPH_ACCEPT if answers_graph else RESULTS_ACCEPT,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        media_type = answer.headers.get_content_type()
        body = answer.read()
    if media_type in GRAPH_FORMATS:
        return Graph().parse(data=body, format=GRAPH_FORMATS[media_type])
    return Result.parse(io.BytesIO(body), format="json")


def _term(term: Identifier | None) -> Identifier | None:
    # RDF 1.1: a plain literal is an xsd:string; engines differ in which one they write.
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def solutions(result: Result) -> Counter[Row]:
    """A SELECT or ASK result as a multiset of rows: order (and ties within ORDER BY) aside."""
    variables = [str(v) for v in result.vars or []]
    if result.type == "ASK":
        return Counter({(("ask", Literal(bool(result.askAnswer))),): 1})
    if variables == [VIRTUOSO_ASK_VARIABLE]:
        (binding,) = result.bindings
        answer = binding[Variable(VIRTUOSO_ASK_VARIABLE)]
        assert isinstance(answer, Literal)
        return Counter({(("ask", Literal(bool(answer.toPython()))),): 1})
    rows = ({str(k): v for k, v in binding.items()} for binding in result.bindings)
    return Counter(tuple((name, _term(row.get(name))) for name in variables) for row in rows)
