"""The query page at /sparql: for browsers only, pre-filled from queries/, answers as tables whose
IRIs link to our pages, downloads in every format, errors shown in place; machines unchanged."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph

from ivig_graph.resources import example_queries
from tests.ui.html import Element, parse_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
EXAMPLES = {path.name: path.read_text(encoding="utf-8") for path in example_queries()}


def title_of(text: str) -> str:
    return next(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# title:")
    )


def html(client: FlaskClient, path: str, status: int = 200) -> Element:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == status, (path, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return parse_html(response.data)


def run(client: FlaskClient, query: str, status: int = 200) -> Element:
    return html(client, "/sparql?" + urlencode({"query": query, "format": "html"}), status)


def rows(document: Element) -> list[Element]:
    return document.find("table", cls="results").find("tbody").find_all("tr")


def test_browsers_get_the_query_page(client: FlaskClient) -> None:
    assert len(EXAMPLES) >= 10
    document = html(client, "/sparql")
    first = next(iter(EXAMPLES.values()))
    assert document.find("textarea", name="query").text() == " ".join(first.split())
    options = document.find("select", name="example").find_all("option")
    assert [(o.get("value"), o.text()) for o in options] == [
        (name, title_of(text)) for name, text in EXAMPLES.items()
    ]
    form = document.by_id("query-form")
    assert form.get("method") == "get" and form.get("action") == "/sparql"
    assert form.find("input", name="format").get("value") == "html"
    assert document.find("script", src=None) is not None  # the examples, as data for query.js


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(None, "text/turtle"), ("*/*", "text/turtle"), ("application/ld+json", "application/ld+json")],
)
def test_machines_still_get_the_service_description(
    client: FlaskClient, accept: str | None, expected: str
) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == expected
    graph = Graph().parse(data=response.data, format="json-ld" if "json" in expected else "turtle")
    assert any("sparql-service-description" in str(o) for o in graph.objects())


def test_an_example_is_loaded_by_name(client: FlaskClient) -> None:
    name = "07-find-by-old-name.rq"
    document = html(client, f"/sparql?example={name}")
    assert document.find("textarea", name="query").text() == " ".join(EXAMPLES[name].split())
    assert document.find("option", selected="").get("value") == name


def test_results_are_a_table_with_links_to_our_pages(client: FlaskClient) -> None:
    document = run(client, EXAMPLES["07-find-by-old-name.rq"])
    found = rows(document)
    assert found
    links = dict(document.find("table", cls="results").links())
    assert (
        links["/id/condition/granulomatosis-with-polyangiitis"]
        == "Granulomatosis with polyangiitis"
    )
    assert f"{len(found)} row" in document.find("p", cls="meta").text()
    # The editor keeps the query, and the page says which example it is.
    assert document.find("textarea", name="query").text() == " ".join(
        EXAMPLES["07-find-by-old-name.rq"].split()
    )


def test_results_download_in_every_format(client: FlaskClient) -> None:
    query = EXAMPLES["01-fda-approved-uses.rq"]
    document = run(client, query)
    downloads = dict((text, href) for href, text in document.find("p", cls="downloads").links())
    assert set(downloads) == {
        "SPARQL Results JSON",
        "SPARQL Results XML",
        "SPARQL Results CSV",
        "SPARQL Results TSV",
    }
    for href in downloads.values():
        assert dict(parse_qsl(urlsplit(href).query))["query"] == query
        assert client.get(href).status_code == 200
    table = list(
        csv.reader(io.StringIO(client.get(downloads["SPARQL Results CSV"]).get_data(as_text=True)))
    )
    assert len(table) - 1 == len(rows(document)) == 6


def test_graph_answers_are_triple_tables(client: FlaskClient) -> None:
    document = run(client, EXAMPLES["13-describe-a-condition.rq"])
    headings = [th.text() for th in document.find("table", cls="results").find("thead").iter("th")]
    assert headings == ["subject", "predicate", "object"]
    assert all(
        href == "/id/condition/kawasaki-disease"
        for href, _ in rows(document)[0].find_all("td")[0].links()
    )
    downloads = {text for _, text in document.find("p", cls="downloads").links()}
    assert {"Turtle", "JSON-LD", "N-Triples", "RDF/XML", "N-Quads", "TriG"} == downloads


def test_ask_answers_yes_or_no(client: FlaskClient) -> None:
    document = run(client, EXAMPLES["15-is-myasthenia-gravis-suppressed.rq"])
    assert "The answer is yes" in document.find("p", cls="boolean").text()


def test_every_example_runs_on_the_page(client: FlaskClient) -> None:
    for name, text in EXAMPLES.items():
        document = run(client, text)
        assert not document.find_all("div", cls="error"), name
        assert document.find("option", selected="").get("value") == name


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("SELECT * WHERE { ?s ?p }", 400, "error at"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", 403, "read-only"),
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
        ("   ", 400, "empty"),
    ],
)
def test_errors_are_shown_in_place(client: FlaskClient, query: str, status: int, says: str) -> None:
    document = run(client, query, status)
    error = document.by_id("results").find("div", cls="error")
    assert error.get("role") == "alert"
    assert says in error.text()
    assert document.find("textarea", name="query").text() == " ".join(query.split())


def test_only_web_iris_become_links(client: FlaskClient) -> None:
    document = run(client, 'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }')
    cell = rows(document)[0].find("td")
    assert "javascript:alert(1)" in cell.text()
    assert cell.links() == []


def test_the_form_also_posts(client: FlaskClient) -> None:
    response = client.post(
        "/sparql",
        data={"query": EXAMPLES["15-is-myasthenia-gravis-suppressed.rq"], "format": "html"},
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "The answer is yes" in parse_html(response.data).find("p", cls="boolean").text()


def test_machine_answers_are_unchanged_by_the_page(client: FlaskClient) -> None:
    """A query without format=html is the protocol's, whatever the Accept."""
    query = EXAMPLES["15-is-myasthenia-gravis-suppressed.rq"]
    response = client.get(
        "/sparql?" + urlencode({"query": query}), headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert response.mimetype == "application/sparql-results+json"
    assert response.get_json() == {"head": {}, "boolean": True}
