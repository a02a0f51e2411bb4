"""Every IRI resolves: content negotiation, suffixes, Vary, 404s, and the statements themselves.

The machine-readable answer for a resource is compared with the dataset read independently
(rdflib, the session's build): its statements in the asserted and in the inferred graph.
"""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH
from tests.ui.html import parse_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
GPA = "granulomatosis-with-polyangiitis"
SUFFIXES = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
    "trig": ("application/trig", "trig"),
    "nq": ("application/n-quads", "nquads"),
}
TRIPLE_FORMATS = ("ttl", "jsonld", "nt", "rdf")  # a description is a graph about the resource


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip()


def statements(dataset: Dataset, graph: URIRef, subject: URIRef) -> Graph:
    """The subject's statements in one named graph (no blank nodes hang off conditions)."""
    result = Graph()
    for triple in dataset.graph(graph).triples((subject, None, None)):
        result.add(triple)
    return result


def expected_description(dataset: Dataset, subject: URIRef) -> Graph:
    return statements(dataset, ASSERTED_GRAPH, subject) + statements(
        dataset, INFERRED_GRAPH, subject
    )


def assert_same_graph(found: Graph, expected: Graph, what: str) -> None:
    if not isomorphic(found, expected):
        _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
        raise AssertionError(
            f"{what} differs from the dataset.\nonly in the answer:\n"
            f"{only_found.serialize(format='nt')}\nonly in the dataset:\n"
            f"{only_expected.serialize(format='nt')}"
        )


def conditions(dataset: Dataset) -> list[URIRef]:
    found = sorted(
        s
        for s in dataset.graph(ASSERTED_GRAPH).subjects(RDF.type, IVIG.Condition)
        if isinstance(s, URIRef)
    )
    assert len(found) == 102, "expected the article's 102 uses"
    return found


def path_of(iri: URIRef) -> str:
    return "/id/" + str(iri).removeprefix("https://w3id.org/ivig/id/")


def test_every_condition_iri_dereferences_as_turtle(client: FlaskClient, dataset: Dataset) -> None:
    for condition in conditions(dataset):
        response = client.get(path_of(condition), headers={"Accept": "text/turtle"})
        assert response.status_code == 200, condition
        assert media_type(response.content_type) == "text/turtle"
        assert "Accept" in response.vary
        found = Graph().parse(data=response.data, format="turtle")
        assert_same_graph(
            found, expected_description(dataset, condition), f"<{condition}> as Turtle"
        )


def test_turtle_says_which_statements_are_inferred(client: FlaskClient, dataset: Dataset) -> None:
    """The Turtle lists the inferred statements under their own comment; each part parses alone."""
    subject = CONDITION[GPA]
    text = client.get(f"/id/condition/{GPA}.ttl").get_data(as_text=True)
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    asserted_part, marker, inferred_part = text.partition(f"in graph <{INFERRED_GRAPH}>")
    assert marker, "no section for the inferred graph"
    assert f"in graph <{ASSERTED_GRAPH}>" in asserted_part
    inferred = Graph().parse(data=prefixes + inferred_part, format="turtle")
    assert_same_graph(
        inferred, statements(dataset, INFERRED_GRAPH, subject), "the inferred section"
    )
    assert (subject, IVIG.mechanism, IVIG.ImmuneSuppression) in inferred


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_suffixes_answer_each_format(client: FlaskClient, dataset: Dataset, suffix: str) -> None:
    subject = CONDITION[GPA]
    response = client.get(f"/id/condition/{GPA}.{suffix}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    wanted, parser = SUFFIXES[suffix]
    assert media_type(response.content_type) == wanted
    assert "Accept" not in response.vary, "a suffixed URL names one format: it does not vary"
    if suffix in TRIPLE_FORMATS:
        found = Graph().parse(data=response.data, format=parser)
        assert_same_graph(found, expected_description(dataset, subject), f".{suffix}")
        return
    # The dataset formats keep asserted and inferred apart.
    parsed = Dataset()
    parsed.parse(data=response.data, format=parser)
    for graph in (ASSERTED_GRAPH, INFERRED_GRAPH):
        assert_same_graph(
            parsed.graph(graph), statements(dataset, graph, subject), f".{suffix} {graph}"
        )
    assert len(parsed.graph(ONTOLOGY_GRAPH)) == 0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        (BROWSER, "text/html"),
        ("text/html", "text/html"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("application/n-quads", "application/n-quads"),
        ("text/html;q=0.5, text/turtle", "text/turtle"),
        ("text/turtle;q=0.5, text/html", "text/html"),
        ("text/html;q=0, */*", "text/turtle"),
    ],
)
def test_content_negotiation(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    for path in (f"/id/condition/{GPA}", "/id/category/blood-disorders", "/ontology"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, accept)
        assert media_type(response.content_type) == expected, (path, accept)
        assert "Accept" in response.vary, path
        if expected != "text/html":
            suffix = next(s for s, (m, _) in SUFFIXES.items() if m == expected)
            assert response.headers["Content-Location"] == f"{path}.{suffix}"


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get(f"/id/condition/{GPA}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_every_resource_kind_resolves(client: FlaskClient, dataset: Dataset) -> None:
    """Categories, sources, indications and the category scheme: HTML and Turtle."""
    paths = [
        "/id/category/blood-disorders",
        "/id/source/article",
        "/id/source/fda-approved-uses",
        f"/id/indication/{GPA}",
        "/id/scheme/categories",
    ]
    for path in paths:
        subject = URIRef("https://w3id.org/ivig/id/" + path.removeprefix("/id/"))
        page = client.get(path, headers={"Accept": BROWSER})
        assert page.status_code == 200, path
        assert media_type(page.content_type) == "text/html"
        document = parse_html(page.data)
        assert document.find("h1").text(), path
        assert document.find("link", rel="canonical").get("href") == str(subject)
        turtle = client.get(path + ".ttl")
        found = Graph().parse(data=turtle.data, format="turtle")
        assert_same_graph(found, expected_description(dataset, subject), path)


def test_html_links_its_alternates(client: FlaskClient) -> None:
    response = client.get(f"/id/condition/{GPA}", headers={"Accept": BROWSER})
    document = parse_html(response.data)
    alternates = {
        link.get("type"): link.get("href") for link in document.find_all("link", rel="alternate")
    }
    for suffix, (wanted, _) in SUFFIXES.items():
        assert alternates[wanted] == f"/id/condition/{GPA}.{suffix}"
        assert client.get(alternates[wanted]).status_code == 200
    assert (
        f'</id/condition/{GPA}.ttl>; rel="alternate"; type="text/turtle"'
        in response.headers["Link"]
    )


def test_ontology_resolves_to_its_graph(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get("/ontology.trig")
    parsed = Dataset()
    parsed.parse(data=response.data, format="trig")
    assert_same_graph(parsed.graph(ONTOLOGY_GRAPH), dataset.graph(ONTOLOGY_GRAPH), "/ontology")
    # ... and what the data graphs say about its terms: the therapy's facts, inferred classes.
    assert (IVIG.IVIG, IVIG.donorCountLowerBound, None) in parsed.graph(ASSERTED_GRAPH)
    assert len(parsed.graph(INFERRED_GRAPH)) > 0
    for subject in parsed.graph(INFERRED_GRAPH).subjects():
        assert str(subject).startswith(str(IVIG._NS)), subject


def test_jsonld_is_a_graph_about_the_resource(client: FlaskClient, dataset: Dataset) -> None:
    """One node for the condition, compacted with the shipped context, no named graphs: read
    as a plain graph it gives the resource's statements (it gave none when split by graph)."""
    subject = CONDITION[GPA]
    response = client.get(f"/id/condition/{GPA}", headers={"Accept": "application/ld+json"})
    assert media_type(response.content_type) == "application/ld+json"
    found = Graph().parse(data=response.data, format="json-ld")
    assert_same_graph(found, expected_description(dataset, subject), "the JSON-LD description")
    document = json.loads(response.data)
    assert document["@context"] == json.loads(client.get("/context.jsonld").data)["@context"]
    (node,) = [node for node in document["@graph"] if node["id"] == str(subject)]
    assert "@graph" not in node
    assert node["prefLabel"] == {"@language": "en", "@value": "Granulomatosis with polyangiitis"}
    assert {"approvalStatus", "category", "mechanism", "sourceLine"} <= set(node)


def test_the_context_is_served_at_its_own_url(client: FlaskClient) -> None:
    response = client.get("/context.jsonld", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert media_type(response.content_type) == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    context = json.loads(response.data)["@context"]
    assert context["prefLabel"] == {"@id": "skos:prefLabel"}
    assert context["skos"] == "http://www.w3.org/2004/02/skos/core#"
    again = client.get("/context.jsonld", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("accept", ["application/xml", "text/xml"])
def test_xml_aliases_answer_rdf_xml(client: FlaskClient, dataset: Dataset, accept: str) -> None:
    """As on /sparql for a CONSTRUCT: application/xml and text/xml name RDF/XML."""
    response = client.get(f"/id/condition/{GPA}", headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response.content_type) == "application/rdf+xml"
    found = Graph().parse(data=response.data, format="xml")
    assert_same_graph(found, expected_description(dataset, CONDITION[GPA]), accept)


def test_n3_is_answered_with_turtle(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get(f"/id/condition/{GPA}", headers={"Accept": "text/n3"})
    assert response.status_code == 200
    assert media_type(response.content_type) == "text/turtle"
    found = Graph().parse(data=response.data, format="n3")
    assert_same_graph(found, expected_description(dataset, CONDITION[GPA]), "text/n3")


@pytest.mark.parametrize(
    "path",
    [
        "/id/condition/no-such-condition",
        "/id/condition/wegener",
        "/id/category/nope",
        "/id/nothing",
        "/id/condition/granulomatosis-with-polyangiitis/extra",
    ],
)
def test_unknown_resources_are_404_with_a_helpful_page(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert media_type(page.content_type) == "text/html"
    document = parse_html(page.data)
    assert "Nothing here" in document.find("h1").text()
    form = document.find("form", role="search")
    assert form.get("action") == "/conditions"
    assert any(href == "/conditions" for href, _ in document.links())
    machine = client.get(path, headers={"Accept": "text/turtle"})
    assert machine.status_code == 404
    assert media_type(machine.content_type) == "text/plain"
    assert client.get(path + ".ttl").status_code == 404


@pytest.mark.parametrize(
    "slug", ["granulomatosis-polyangiitis", "wegeners", "wegener-granulomatosis"]
)
def test_a_near_miss_is_suggested(client: FlaskClient, slug: str) -> None:
    """A misspelt slug, or an old name in its place."""
    page = client.get(f"/id/condition/{slug}", headers={"Accept": BROWSER})
    assert page.status_code == 404
    links = parse_html(page.data).links()
    assert (f"/id/condition/{GPA}", "Granulomatosis with polyangiitis") in links


def test_the_condition_container_is_the_list(client: FlaskClient) -> None:
    for path in ("/id/condition", "/id/condition/"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"] == "/conditions"


def test_conditional_requests(client: FlaskClient) -> None:
    first = client.get(f"/id/condition/{GPA}.ttl")
    etag = first.headers["ETag"]
    again = client.get(f"/id/condition/{GPA}.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    other = client.get(f"/id/condition/{GPA}.nt", headers={"If-None-Match": etag})
    assert other.status_code == 200


def _keys(document: dict[str, object]) -> set[str]:
    nodes = document["@graph"]
    assert isinstance(nodes, list)
    return {key for node in nodes for key in node}


def test_jsonld_from_sparql_has_the_shape_of_linked_data(client: FlaskClient) -> None:
    """A DESCRIBE answered as JSON-LD on /sparql: the same triples as the resource's own JSON-LD,
    compacted with the same context into the same keys (it was expanded, without context)."""
    subject = CONDITION[GPA]
    query = f"DESCRIBE <{subject}>"
    answered = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"}
    )
    assert media_type(answered.content_type) == "application/ld+json"
    resource = client.get(path_of(subject), headers={"Accept": "application/ld+json"})
    from_sparql = Graph().parse(data=answered.data, format="json-ld")
    assert len(from_sparql) > 10
    assert_same_graph(
        from_sparql, Graph().parse(data=resource.data, format="json-ld"), "DESCRIBE as JSON-LD"
    )
    sparql_document, linked_document = json.loads(answered.data), json.loads(resource.data)
    assert sparql_document["@context"] == linked_document["@context"]
    assert _keys(sparql_document) == _keys(linked_document)
    assert {"id", "type", "prefLabel", "approvalStatus"} <= _keys(sparql_document)


ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/xml",
    "text/xml",
    "text/*",
    "text/n3",
    "application/ld+json;q=0.5, application/n-triples",
    "application/rdf+xml;q=0, */*;q=0.1",
    "application/trig, application/n-quads;q=0.9",
    "text/turtle;charset=utf-8",
]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_one_negotiator_for_sparql_and_linked_data(client: FlaskClient, accept: str | None) -> None:
    """The same Accept picks the same format for a DESCRIBE on /sparql and for the resource."""
    subject = CONDITION[GPA]
    headers = {"Accept": accept} if accept is not None else {}
    answered = client.get(
        "/sparql", query_string={"query": f"DESCRIBE <{subject}>"}, headers=headers
    )
    resource = client.get(path_of(subject), headers=headers)
    assert answered.status_code == resource.status_code == 200, accept
    assert media_type(answered.content_type) == media_type(resource.content_type), accept


@pytest.mark.parametrize("path", [f"/id/condition/{GPA}", "/ontology", "/context.jsonld"])
def test_cors_preflight_for_linked_data_clients(client: FlaskClient, path: str) -> None:
    """A browser asks first when the Accept is long (Comunica's is) or a header is added."""
    response = client.options(
        path,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept, x-requested-with",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"accept", "x-requested-with"} <= allowed
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
