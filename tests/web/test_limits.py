"""Hardening: size limits (413), depth (400), the row cap with an explicit signal, SERVICE
refused with no outbound request, and a query that exhausts a worker answered, not crashed."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_graph.serve.spool import TRUNCATION_LINK
from tests.web.answers import (
    SRX,
    as_text,
    count_of,
    csv_rows,
    graph_of,
    json_rows,
    no_internals,
    tsv_rows,
)
from tests.web.conftest import CONDITIONS, AppFactory, assert_never_contacted

ALL_CONDITIONS = (
    "PREFIX ivig: <https://w3id.org/ivig/ontology#> "
    "SELECT ?c WHERE { ?c a ivig:Condition } ORDER BY ?c"
)
MAX_ROWS = 50


@pytest.fixture(scope="module")
def capped(make_app: AppFactory) -> Flask:
    return make_app(max_rows=MAX_ROWS, max_body_bytes=4096, max_query_length=1000, max_depth=16)


def test_body_larger_than_the_limit_is_413(capped: Flask) -> None:
    client = capped.test_client()
    body = b"ASK {}" + b" " * 5000
    response = client.post("/sparql", data=body, content_type="application/sparql-query")
    assert response.status_code == 413
    assert no_internals(response.data)
    form = client.post("/sparql", data={"query": "ASK {}", "pad": "x" * 5000})
    assert form.status_code == 413


def test_query_longer_than_the_limit_is_413(capped: Flask) -> None:
    client = capped.test_client()
    query = "ASK {}" + "#" * 1000
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 413
    assert "at most 1000" in as_text(response.data)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * " + "{" * 5000 + "}" * 5000,
        "SELECT * { FILTER(" + "(" * 400 + "1" + ")" * 400 + ") }",
        "SELECT * { ?s ?p " + "(" * 300 + ")" * 300 + " }",
        "SELECT * { ?s ?p " + "[ ?p " * 200 + "1" + "]" * 200 + " }",
        "SELECT * { ?s ?p " + "{" * 200,
    ],
)
def test_deep_nesting_is_400_not_a_crash(client: FlaskClient, query: str) -> None:
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 400
    assert "nests brackets more than 64 deep" in as_text(response.data)
    assert count_of(client.get("/sparql", query_string={"query": "SELECT (1 AS ?x) {}"}).data) == 1


def test_rows_are_capped_with_a_signal_in_json(capped: Flask) -> None:
    response = capped.test_client().get("/sparql", query_string={"query": ALL_CONDITIONS})
    assert response.status_code == 200
    assert response.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)
    assert "truncated" in response.headers["Warning"]
    data = json.loads(response.data)
    assert data["head"]["link"] == [TRUNCATION_LINK]
    assert len(json_rows(response.data)) == MAX_ROWS


def test_rows_are_capped_with_a_signal_in_xml(capped: Flask) -> None:
    response = capped.test_client().get(
        "/sparql", query_string={"query": ALL_CONDITIONS, "format": "xml"}
    )
    head = ET.fromstring(response.data).find(f"{SRX}head")
    assert head is not None
    assert [link.attrib["href"] for link in head.findall(f"{SRX}link")] == [TRUNCATION_LINK]
    assert len(ET.fromstring(response.data).findall(f".//{SRX}result")) == MAX_ROWS


@pytest.mark.parametrize(("name", "parse"), [("csv", csv_rows), ("tsv", tsv_rows)])
def test_rows_are_capped_in_csv_and_tsv_with_the_header_signal(
    capped: Flask, name: str, parse: object
) -> None:
    response = capped.test_client().get(
        "/sparql", query_string={"query": ALL_CONDITIONS, "format": name}
    )
    assert response.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)
    rows = parse(response.data)  # type: ignore[operator]
    assert len(rows) == MAX_ROWS


def test_construct_is_capped_too(capped: Flask) -> None:
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    response = capped.test_client().get("/sparql", query_string={"query": query})
    assert response.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)
    assert len(graph_of(response.data, response.content_type)) == MAX_ROWS


def test_no_signal_when_nothing_was_cut(capped: Flask, client: FlaskClient) -> None:
    exactly = capped.test_client().get(
        "/sparql", query_string={"query": ALL_CONDITIONS + f" LIMIT {MAX_ROWS}"}
    )
    assert "X-SPARQL-MaxRows" not in exactly.headers
    assert "link" not in json.loads(exactly.data)["head"]
    full = client.get("/sparql", query_string={"query": ALL_CONDITIONS})
    assert "X-SPARQL-MaxRows" not in full.headers
    assert len(json_rows(full.data)) == CONDITIONS


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX ex: <{url}> SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s ?p ?o . trueSERVICE <{url}> {{ }} }}",
        "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_and_nothing_goes_out(
    client: FlaskClient,
    canary: socket.socket,
    template: str,
) -> None:
    host, port = canary.getsockname()
    query = template.format(url=f"http://{host}:{port}/sparql")
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE (federated query) is not allowed" in as_text(response.data)
    assert_never_contacted(canary)


def test_a_query_exhausting_worker_memory_is_answered_and_the_worker_replaced(
    make_app: AppFactory,
) -> None:
    app = make_app(workers=1, worker_memory_mb=600, queue_wait=10.0, timeout=20.0)
    client = app.test_client()
    hungry = "SELECT ?a ?d ?g { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g LIMIT 1"
    response = client.get("/sparql", query_string={"query": hungry})
    assert response.status_code == 503
    assert "memory" in as_text(response.data)
    assert no_internals(response.data)
    after = client.get("/sparql", query_string={"query": "SELECT (2 AS ?x) {}"})
    assert count_of(after.data) == 2
    assert app.extensions["ivig_graph"].pool.restarts == 1
