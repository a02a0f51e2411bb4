"""The clients people use, against a real ``ivig-graph serve``: SPARQLWrapper with every return
format it offers, rdflib's SPARQLStore, and a JSON-LD processor (pyld) that may fetch nothing.

Expected answers come from the built dataset read with rdflib (another engine than the
server's), or, for DESCRIBE, from the server's own N-Triples, so that each test checks that the
client's format carries the same answer.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from typing import Any
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, GRAPHS, INFERRED_GRAPH
from tests.servers import RunningServer, call, endpoint_config

KAWASAKI = CONDITION["kawasaki-disease"]
KAWASAKI_PATH = "/id/condition/kawasaki-disease"
PREFIXES = (
    "PREFIX ivig: <https://w3id.org/ivig/ontology#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
SELECT = PREFIXES + (
    "SELECT ?c ?label WHERE { ?c a ivig:Condition ; skos:prefLabel ?label } ORDER BY ?c LIMIT 12"
)
ASK_TRUE = PREFIXES + "ASK { ?c a ivig:Condition }"
ASK_FALSE = PREFIXES + "ASK { ivig:Condition a ivig:Condition }"
CONSTRUCT = PREFIXES + (
    "CONSTRUCT { ?c skos:prefLabel ?label } WHERE { ?c a ivig:Condition ; skos:prefLabel ?label }"
)
DESCRIBE = f"DESCRIBE <{KAWASAKI}>"
METHODS = {
    "GET": (GET, URLENCODED),
    "POST": (POST, URLENCODED),
    "POST direct": (POST, POSTDIRECTLY),
}


@pytest.fixture(scope="module")
def server(live_server: RunningServer) -> RunningServer:
    """tests/conftest.py's ``ivig-graph serve`` over the real build."""
    return live_server


def base(server: RunningServer) -> str:
    return f"http://{server.host}:{server.port}"


def wrapper(server: RunningServer, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(base(server) + "/sparql")
    http_method, request_method = METHODS[method]
    client.setMethod(http_method)
    client.setRequestMethod(request_method)
    client.setReturnFormat(fmt)
    client.setQuery(query)
    return client


def union_graph(built: BuiltDataset) -> Graph:
    dataset = built.rdflib_dataset()
    union = Graph()
    for name in GRAPHS:
        union += dataset.graph(name)
    return union


@pytest.fixture(scope="module")
def union(built: BuiltDataset) -> Graph:
    return union_graph(built)


@pytest.fixture(scope="module")
def expected_rows(union: Graph) -> list[tuple[str, str]]:
    rows = [(str(row[0]), str(row[1])) for row in union.query(SELECT)]  # type: ignore[index]
    assert len(rows) == 12
    return rows


# ---------------------------------------------------------------- SPARQLWrapper: SELECT, ASK


def rows_from(fmt: str, converted: Any) -> list[tuple[str, str]]:
    """(condition IRI, label) from what ``convert()`` gave, read as each format is written."""
    if fmt == JSON:
        assert converted["head"]["vars"] == ["c", "label"]
        return [(b["c"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]]
    if fmt == XML:
        assert isinstance(converted, Document)
        rows = []
        for result in converted.getElementsByTagName("result"):
            cells = {
                binding.getAttribute("name"): binding.firstChild.firstChild.data  # type: ignore[union-attr]
                for binding in result.getElementsByTagName("binding")
            }
            rows.append((cells["c"], cells["label"]))
        return rows
    if fmt == CSV:
        reader = csv.reader(io.StringIO(converted.decode("utf-8"), newline=""))
        header, *rest = list(reader)
        assert header == ["c", "label"]
        return [(c, label) for c, label in rest]
    assert fmt == TSV
    solutions = ox.parse_query_results(converted, format=ox.QueryResultsFormat.TSV)
    assert [v.value for v in solutions.variables] == ["c", "label"]
    return [(s["c"].value, s["label"].value) for s in solutions]  # type: ignore[union-attr]


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(
    server: RunningServer, expected_rows: list[tuple[str, str]], fmt: str, method: str
) -> None:
    converted = wrapper(server, SELECT, fmt, method).query().convert()
    assert rows_from(fmt, converted) == expected_rows


def boolean_from(fmt: str, converted: Any) -> bool:
    if fmt == JSON:
        value = converted["boolean"]
        assert isinstance(value, bool)
        return value
    if fmt == XML:
        (element,) = converted.getElementsByTagName("boolean")
        return {"true": True, "false": False}[element.firstChild.data]
    text = converted.decode("utf-8").strip().lower()  # CSV and TSV: the word alone
    return {"true": True, "false": False}[text]


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_ask(server: RunningServer, fmt: str, method: str) -> None:
    assert boolean_from(fmt, wrapper(server, ASK_TRUE, fmt, method).query().convert()) is True
    assert boolean_from(fmt, wrapper(server, ASK_FALSE, fmt, method).query().convert()) is False


# ---------------------------------------------------------------- SPARQLWrapper: graphs


def graph_from(fmt: str, converted: Any) -> Graph:
    """The triples ``convert()`` gave: bytes for Turtle and N3, else a Graph (SPARQLWrapper
    reads the answer's Content-Type: JSON asked for a graph is JSON-LD)."""
    if fmt in (TURTLE, N3):
        assert isinstance(converted, bytes)
        return Graph().parse(data=converted, format="turtle")
    assert isinstance(converted, Graph), type(converted)
    graph = Graph()
    for triple in converted.triples((None, None, None)):
        graph.add(triple)
    return graph


def assert_same(got: Graph, expected: Graph) -> None:
    if isomorphic(got, expected):
        return
    _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
    pytest.fail(
        f"graphs differ\nonly in the answer:\n{only_got.serialize(format='nt')}\n"
        f"only expected:\n{only_expected.serialize(format='nt')}"
    )


GRAPH_FORMATS = [TURTLE, N3, RDFXML, XML, JSONLD, JSON]


def sparqlwrapper_graph(server: RunningServer, query: str, fmt: str, method: str) -> Graph:
    """The graph SPARQLWrapper converts a CONSTRUCT or DESCRIBE answer to."""
    with warnings.catch_warnings():
        # Asked for JSON, not a graph format, SPARQLWrapper warns that it sends Accept: */*.
        warnings.filterwarnings("ignore", "Sending Accept header '\\*/\\*'", RuntimeWarning)
        converted = wrapper(server, query, fmt, method).query().convert()
    return graph_from(fmt, converted)


@pytest.fixture(scope="module")
def expected_construct(union: Graph) -> Graph:
    graph = union.query(CONSTRUCT).graph
    assert graph is not None and len(graph) > 100
    return graph


@pytest.fixture(scope="module")
def expected_describe(server: RunningServer) -> Graph:
    answer = call(
        server,
        "GET",
        "/sparql?" + _encoded({"query": DESCRIBE}),
        headers={"Accept": "application/n-triples"},
    )
    assert answer.status == 200, answer.text
    graph = Graph().parse(data=answer.body, format="nt")
    assert (URIRef(KAWASAKI), None, None) in graph
    return graph


def _encoded(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_sparqlwrapper_construct(
    server: RunningServer, expected_construct: Graph, fmt: str, method: str
) -> None:
    assert_same(sparqlwrapper_graph(server, CONSTRUCT, fmt, method), expected_construct)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_sparqlwrapper_describe(
    server: RunningServer, expected_describe: Graph, fmt: str, method: str
) -> None:
    assert_same(sparqlwrapper_graph(server, DESCRIBE, fmt, method), expected_describe)


def test_sparqlwrapper_syntax_error_is_a_short_readable_400(server: RunningServer) -> None:
    client = wrapper(server, PREFIXES + "SELECT ?c WHERE { ?c a }", JSON, "GET")
    with pytest.raises(QueryBadFormed) as raised:
        client.query()
    message = str(raised.value)
    assert "line 3, column" in message
    assert "u{" not in message  # no Unicode ranges from the grammar


def test_conflicting_format_parameters_are_refused_naming_them(server: RunningServer) -> None:
    answer = call(
        server, "GET", "/sparql?" + _encoded({"query": SELECT, "format": "json"}) + "&output=csv"
    )
    assert answer.status == 400
    assert "format='json'" in answer.text and "output='csv'" in answer.text


def test_output_parameter_alone_is_honoured(server: RunningServer) -> None:
    answer = call(server, "GET", "/sparql?" + _encoded({"query": SELECT, "output": "tsv"}))
    assert answer.status == 200
    assert answer.media_type == "text/tab-separated-values"


# ---------------------------------------------------------------- rdflib's SPARQLStore


@pytest.fixture(scope="module")
def store(server: RunningServer) -> SPARQLStore:
    return SPARQLStore(base(server) + "/sparql")  # its default: XML results, RDF/XML graphs


def test_sparqlstore_select_ask_construct(
    store: SPARQLStore, expected_rows: list[tuple[str, str]], expected_construct: Graph
) -> None:
    graph = Graph(store=store)
    rows = [(str(row[0]), str(row[1])) for row in graph.query(SELECT)]  # type: ignore[index]
    assert rows == expected_rows
    assert graph.query(ASK_TRUE).askAnswer is True
    assert graph.query(ASK_FALSE).askAnswer is False
    constructed = graph.query(CONSTRUCT).graph
    assert constructed is not None
    assert_same(constructed, expected_construct)


def test_sparqlstore_len_is_the_union_then_each_named_graph(
    store: SPARQLStore, union: Graph, built: BuiltDataset
) -> None:
    assert len(Graph(store=store)) == len(union)
    dataset = built.rdflib_dataset()
    for name in (ASSERTED_GRAPH, INFERRED_GRAPH):
        named = Graph(store=store, identifier=URIRef(str(name)))
        assert len(named) == len(dataset.graph(name)) > 0, name
    contexts = {str(identifier) for identifier in store.contexts()}
    assert contexts == {str(name) for name in GRAPHS}


def test_sparqlstore_select_as_json(server: RunningServer, expected_rows: list) -> None:
    graph = Graph(store=SPARQLStore(base(server) + "/sparql", returnFormat="json"))
    assert [(str(r[0]), str(r[1])) for r in graph.query(SELECT)] == expected_rows  # type: ignore[index]


def test_sparqlstore_init_bindings(store: SPARQLStore, union: Graph) -> None:
    query = PREFIXES + "SELECT ?label WHERE { ?c skos:prefLabel ?label }"
    bindings = {"c": URIRef(KAWASAKI)}
    got = {str(row[0]) for row in Graph(store=store).query(query, initBindings=bindings)}  # type: ignore[index]
    expected = {str(row[0]) for row in union.query(query, initBindings=bindings)}  # type: ignore[index]
    assert got == expected and len(expected) == 1


# ---------------------------------------------------------------- JSON-LD with pyld


def refuse_fetch(url: str, options: dict[str, Any] | None = None) -> Any:
    raise AssertionError(f"the JSON-LD processor tried to fetch {url}")


def test_pyld_expands_an_entity_offline_to_the_same_triples_as_nquads(
    server: RunningServer,
) -> None:
    document = call(server, "GET", KAWASAKI_PATH, headers={"Accept": "application/ld+json"})
    assert document.status == 200 and document.media_type == "application/ld+json"
    loader = {"documentLoader": refuse_fetch}
    expanded = jsonld.expand(json.loads(document.body), loader)
    assert expanded, "the expanded document is empty"
    nquads = jsonld.to_rdf(expanded, {**loader, "format": "application/n-quads"})
    from_jsonld = _triples(nquads.encode("utf-8"))
    quads = call(server, "GET", KAWASAKI_PATH, headers={"Accept": "application/n-quads"})
    assert quads.status == 200 and quads.media_type == "application/n-quads"
    from_nquads = _triples(quads.body)
    assert len(from_nquads) > 5
    assert_same(from_jsonld, from_nquads)


def _triples(nquads: bytes) -> Graph:
    """The triples of an N-Quads document, whatever graph each was in."""
    graph = Graph()
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        graph.add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    return graph


def _term(node: Any) -> Any:
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    return Literal(node.value, datatype=URIRef(node.datatype.value))


# ---------------------------------------------------------------- linked data and CORS


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [("application/xml", "application/rdf+xml"), ("text/n3", "text/turtle")],
)
def test_entity_aliases_as_on_sparql(server: RunningServer, accept: str, media_type: str) -> None:
    answer = call(server, "GET", KAWASAKI_PATH, headers={"Accept": accept})
    assert answer.status == 200 and answer.media_type == media_type
    graph = Graph().parse(data=answer.body, format="xml" if "xml" in media_type else "turtle")
    assert (URIRef(KAWASAKI), None, None) in graph


def route_paths(built: BuiltDataset) -> list[str]:
    """A concrete path for every route of the app (built here only to read its URL map)."""
    from ivig_graph.web.app import create_app

    class NoPool:
        ready = True

        def close(self) -> None:
            pass

    app = create_app(built, endpoint_config(None), pool=NoPool())  # type: ignore[arg-type]
    samples = {"rest": "condition/kawasaki-disease", "suffix": "ttl", "name": "x.rq"}
    paths = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", samples.get(argument, "x"))
            path = path.replace(f"<path:{argument}>", samples.get(argument, "x"))
        paths.append(path)
    assert {"/sparql", KAWASAKI_PATH, "/ontology"} <= set(paths)
    return sorted(set(paths))


def test_cors_preflight_on_every_route(server: RunningServer, built: BuiltDataset) -> None:
    paths = route_paths(built)
    assert len(paths) >= 8
    for path in paths:
        answer = call(
            server,
            "OPTIONS",
            path,
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "accept, content-type, x-requested-with",
            },
        )
        assert answer.status == 204, (path, answer.status, answer.text)
        assert answer.headers["access-control-allow-origin"] == "*", path
        allowed = {
            h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")
        }
        assert {"accept", "content-type", "x-requested-with"} <= allowed, path
        assert "GET" in answer.headers["access-control-allow-methods"], path
