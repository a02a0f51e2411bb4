"""Result formats and content negotiation: every format parsed back and compared with the answer
expected from the data (W3C protocol tests query_content_type_select/ask/describe/construct)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import SKOS

from ivig_graph.vocab import IVIG
from tests.web.answers import (
    GRAPH_TYPES,
    ROW_PARSERS,
    as_text,
    csv_rows,
    graph_of,
    json_rows,
    json_vars,
    media_type,
    xml_boolean,
)
from tests.web.conftest import GUILLAIN_BARRE, condition

SELECT = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?label WHERE { ?c skos:altLabel ?label } ORDER BY ?c"
)
EXPECTED_ROWS = [
    {"c": str(condition(0)), "label": 'Say "IVIG"\tthen\nstop'},
    {"c": str(condition(1)), "label": GUILLAIN_BARRE},
]
CONSTRUCT = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "CONSTRUCT { ?c skos:altLabel ?label } WHERE { ?c skos:altLabel ?label }"
)


def expected_graph() -> Graph:
    graph = Graph()
    graph.add((condition(0), SKOS.altLabel, Literal('Say "IVIG"\tthen\nstop', lang="en")))
    graph.add((condition(1), SKOS.altLabel, Literal(GUILLAIN_BARRE, lang="fr")))
    return graph


def assert_same_graph(actual: Graph, expected: Graph) -> None:
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(actual, expected)
        pytest.fail(
            "graphs differ\nonly in answer:\n"
            + only_actual.serialize(format="nt")
            + "\nonly expected:\n"
            + only_expected.serialize(format="nt")
        )


@pytest.mark.parametrize("accept", list(ROW_PARSERS))
def test_select_in_every_results_format(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response.content_type) == accept
    assert ROW_PARSERS[accept](response.data) == EXPECTED_ROWS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_for_links(client: FlaskClient, name: str, expected: str) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": SELECT, "format": name},
        headers={"Accept": "application/sparql-results+xml"},  # format= wins over Accept
    )
    assert media_type(response.content_type) == expected
    assert ROW_PARSERS[expected](response.data) == EXPECTED_ROWS


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        ("application/sparql-results+json", lambda body: __import__("json").loads(body)["boolean"]),
        ("application/sparql-results+xml", xml_boolean),
    ],
)
def test_ask_in_json_and_xml(client: FlaskClient, accept: str, parse: object) -> None:
    for query, expected in (("ASK { ?s a ?o }", True), ("ASK { ?s a <urn:x:none> }", False)):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert media_type(response.content_type) == accept
        assert parse(response.data) is expected  # type: ignore[operator]


@pytest.mark.parametrize("accept", GRAPH_TYPES)
def test_construct_in_every_rdf_format(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response.content_type) == accept
    assert_same_graph(graph_of(response.data, response.content_type), expected_graph())


@pytest.mark.parametrize("accept", GRAPH_TYPES)
def test_describe_is_labelled_and_parses_as_rdf(client: FlaskClient, accept: str) -> None:
    query = f"DESCRIBE <{condition(2)}>"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert media_type(response.content_type) == accept
    graph = graph_of(response.data, response.content_type)
    assert (condition(2), RDF.type, IVIG.Condition) in graph
    assert (condition(2), IVIG.mechanism, IVIG.ImmuneSuppression) in graph  # from inferred
    assert set(graph.subjects()) == {condition(2)}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("application/json", "application/sparql-results+json"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.9, application/sparql-results+xml;q=0.95", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        ("text/html, */*;q=0.8", "application/sparql-results+json"),
        ("garbage, text/tab-separated-values;q=oops, text/csv", "text/csv"),
    ],
)
def test_accept_negotiation_for_results(
    client: FlaskClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/sparql", query_string={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    assert media_type(response.content_type) == expected
    assert ROW_PARSERS[expected](response.data) == EXPECTED_ROWS


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/json", "application/ld+json"),
        ("application/xml", "application/rdf+xml"),
        ("application/n-triples;q=0.9, application/trig", "application/trig"),
    ],
)
def test_accept_negotiation_for_graphs(
    client: FlaskClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers=headers)
    assert media_type(response.content_type) == expected
    assert_same_graph(graph_of(response.data, response.content_type), expected_graph())


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (SELECT, "image/png"),
        (CONSTRUCT, "application/sparql-results+json"),
        (CONSTRUCT, "text/csv"),
        (SELECT, "application/sparql-results+json;q=0"),
    ],
)
def test_406_when_nothing_acceptable(client: FlaskClient, query: str, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "offers" in as_text(response.data)


def test_format_parameter_errors(client: FlaskClient) -> None:
    wrong_kind = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "csv"})
    assert wrong_kind.status_code == 406
    unknown = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"})
    assert unknown.status_code == 400
    assert "Unknown format" in as_text(unknown.data)


def test_select_variables_and_unbound_values(client: FlaskClient) -> None:
    query = (
        "PREFIX ivig: <https://w3id.org/ivig/ontology#> "
        "SELECT ?c ?m WHERE { VALUES ?c { <" + str(condition(2)) + "> <" + str(condition(3)) + "> }"
        " OPTIONAL { ?c ivig:mechanism ?m } } ORDER BY ?c"
    )
    response = client.get("/sparql", query_string={"query": query})
    assert json_vars(response.data) == ["c", "m"]
    assert json_rows(response.data) == [
        {"c": str(condition(2)), "m": str(IVIG.ImmuneSuppression)},
        {"c": str(condition(3))},
    ]
    csv_response = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert csv_rows(csv_response.data) == json_rows(response.data)


def test_turtle_uses_the_project_prefixes(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "turtle"})
    text = as_text(response.data)
    assert "@prefix condition: <https://w3id.org/ivig/id/condition/>" in text
    assert URIRef(str(condition(0))) in set(graph_of(response.data, "text/turtle").subjects())


def test_construct_as_jsonld_is_compacted_with_the_shipped_context(client: FlaskClient) -> None:
    """The one JSON-LD shape: the context of /context.jsonld, nodes under @graph, short keys
    (pyoxigraph alone writes expanded JSON-LD with full IRIs as keys)."""
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"}
    )
    document = json.loads(response.data)
    assert document["@context"] == json.loads(client.get("/context.jsonld").data)["@context"]
    by_id = {node["id"]: node for node in document["@graph"]}
    assert set(by_id) == {str(condition(0)), str(condition(1))}
    assert by_id[str(condition(1))]["altLabel"] == {"@language": "fr", "@value": GUILLAIN_BARRE}
    assert not any(key.startswith("http") for node in by_id.values() for key in node)
