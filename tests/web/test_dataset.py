"""The RDF dataset a query sees: the union by default; FROM / FROM NAMED; the protocol's
default-graph-uri / named-graph-uri overriding them; graphs we do not hold are empty and are
never fetched or read from disk; relative IRIs resolve against the endpoint (W3C protocol tests
query_dataset_default_graphs_*, query_dataset_named_graphs_*, query_dataset_full,
query_multiple_dataset)."""

from __future__ import annotations

import socket

import pytest
from flask.testing import FlaskClient

from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH
from tests.web.answers import as_text, count_of, json_rows, values
from tests.web.conftest import assert_never_contacted, canary_url

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def count(client: FlaskClient, query: str, **params: object) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data
    return count_of(response.data)


def graph_triples(small_built: object, name: object) -> int:
    stats = small_built.manifest["graphs"][str(name)]  # type: ignore[attr-defined]
    return int(stats["triples"])


def test_default_graph_is_the_union_of_the_named_graphs(
    client: FlaskClient, small_built: object
) -> None:
    total = sum(graph_triples(small_built, name) for name in GRAPHS)
    assert count(client, COUNT) == total


def test_the_three_named_graphs(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": GRAPH_NAMES})
    assert values(json_rows(response.data), "g") == sorted(str(g) for g in GRAPHS)


def test_default_graph_uri_selects_the_default_graph(
    client: FlaskClient, small_built: object
) -> None:
    assert count(client, COUNT, **{"default-graph-uri": str(INFERRED_GRAPH)}) == graph_triples(
        small_built, INFERRED_GRAPH
    )
    both = [str(INFERRED_GRAPH), str(ONTOLOGY_GRAPH)]
    expected = graph_triples(small_built, INFERRED_GRAPH) + graph_triples(
        small_built, ONTOLOGY_GRAPH
    )
    assert count(client, COUNT, **{"default-graph-uri": both}) == expected


def test_default_graph_uri_in_the_url_of_a_direct_post(
    client: FlaskClient, small_built: object
) -> None:
    response = client.post(
        "/sparql",
        query_string={"default-graph-uri": str(INFERRED_GRAPH)},
        data=COUNT.encode(),
        content_type="application/sparql-query",
    )
    assert count_of(response.data) == graph_triples(small_built, INFERRED_GRAPH)


def test_named_graph_uri_limits_graph_and_empties_the_default(client: FlaskClient) -> None:
    params = {"named-graph-uri": str(ASSERTED_GRAPH)}
    response = client.get("/sparql", query_string={"query": GRAPH_NAMES, **params})
    assert values(json_rows(response.data), "g") == [str(ASSERTED_GRAPH)]
    # With only named graphs given, the default graph is empty (protocol section 2.1.4).
    assert count(client, COUNT, **params) == 0


def test_full_protocol_dataset_in_a_form_post(client: FlaskClient, small_built: object) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    body = {
        "query": query,
        "default-graph-uri": str(ONTOLOGY_GRAPH),
        "named-graph-uri": [str(INFERRED_GRAPH), str(ASSERTED_GRAPH)],
    }
    response = client.post("/sparql", data=body)
    rows = {row["g"]: int(row["n"]) for row in json_rows(response.data)}
    assert rows == {
        str(INFERRED_GRAPH): graph_triples(small_built, INFERRED_GRAPH),
        str(ASSERTED_GRAPH): graph_triples(small_built, ASSERTED_GRAPH),
    }


def test_from_and_from_named_in_the_query(client: FlaskClient, small_built: object) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert count(client, query) == graph_triples(small_built, INFERRED_GRAPH)
    query = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert values(json_rows(response.data), "g") == [str(ONTOLOGY_GRAPH)]


def test_protocol_dataset_overrides_from(client: FlaskClient, small_built: object) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}"
    params = {"default-graph-uri": str(ONTOLOGY_GRAPH)}
    assert count(client, query, **params) == graph_triples(small_built, ONTOLOGY_GRAPH)


def test_graphs_we_do_not_hold_are_empty_and_never_fetched(
    client: FlaskClient, canary: socket.socket
) -> None:
    url = canary_url(canary)
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{url}> {{ ?s ?p ?o }}") == 0
    named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count(client, named) == 0
    assert count(client, COUNT, **{"default-graph-uri": url}) == 0
    assert count(client, COUNT, **{"named-graph-uri": url}) == 0
    assert_never_contacted(canary)


@pytest.mark.parametrize("path", ["file:///etc/passwd", "file:///etc/hostname", "/etc/passwd"])
def test_from_never_reads_a_local_file(client: FlaskClient, path: str) -> None:
    query = f"SELECT ?s ?p ?o FROM <{path}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert json_rows(response.data) == []
    assert b"root" not in response.data


def test_invalid_graph_iri_parameter_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": "a b"})
    assert response.status_code == 400
    assert "default-graph-uri" in as_text(response.data)


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT (<data1.rdf> AS ?x) (<../up> AS ?y) {}"},
        base_url="http://example.org",
    )
    rows = json_rows(response.data)
    assert rows == [{"x": "http://example.org/data1.rdf", "y": "http://example.org/up"}]


def test_relative_iris_in_from_resolve_and_the_protocol_dataset_wins(
    client: FlaskClient,
) -> None:
    # query_multiple_dataset: FROM <relative> resolves against the endpoint's IRI, and the
    # protocol's default-graph-uri overrides the FROM.
    query = "ASK FROM <asserted> { ?s a <https://w3id.org/ivig/ontology#Condition> }"
    elsewhere = client.get("/sparql", query_string={"query": query})
    assert elsewhere.json == {"head": {}, "boolean": False}  # http://localhost/asserted
    base = "https://w3id.org/ivig/graph/"  # the endpoint is then .../graph/sparql
    resolved = client.get("/sparql", query_string={"query": query}, base_url=base)
    assert resolved.json == {"head": {}, "boolean": True}
    overridden = client.get(
        "/sparql",
        query_string={"query": query, "default-graph-uri": str(ONTOLOGY_GRAPH)},
        base_url=base,
    )
    assert overridden.json == {"head": {}, "boolean": False}
