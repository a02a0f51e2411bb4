"""GET /sparql without a query: the SPARQL 1.1 Service Description, accurate and negotiated."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID

from ivig_graph import formats as registry
from ivig_graph.build.stats import graph_statistics
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import GRAPHS
from tests.web.answers import graph_of, media_type

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENDPOINT = URIRef("http://localhost/sparql")


def description(client: FlaskClient, accept: str = "text/turtle") -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response.content_type) == accept
    return graph_of(response.data, response.content_type)


def the_service(graph: Graph) -> object:
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    return services[0]


@pytest.mark.parametrize(
    "accept", ["application/ld+json", "application/rdf+xml", "application/n-triples"]
)
def test_same_description_in_every_format(client: FlaskClient, accept: str) -> None:
    assert isomorphic(description(client, accept), description(client, "text/turtle"))


def test_browser_accept_gets_the_query_page(client: FlaskClient) -> None:
    """A browser prefers HTML: it gets the query page (tests/ui); ``*/*`` alone is a machine."""
    accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert media_type(response.content_type) == "text/html"
    assert b'<textarea id="query" name="query"' in response.data
    response = client.get("/sparql", headers={"Accept": "*/*"})
    assert media_type(response.content_type) == "text/turtle"
    assert the_service(graph_of(response.data, response.content_type)) is not None


def test_endpoint_language_and_result_formats(client: FlaskClient) -> None:
    graph = description(client)
    service = the_service(graph)
    assert (service, SD.endpoint, ENDPOINT) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    expected = {
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/RDF_XML",
        "http://www.w3.org/ns/formats/N-Quads",
        "http://www.w3.org/ns/formats/TriG",
        "https://www.w3.org/ns/formats/data/JSON-LD",
    }
    assert {str(f) for f in formats} == expected
    assert len(registry.RESULTS + registry.RDF) == len(expected)


def test_named_graphs_with_void_statistics_from_the_build(
    client: FlaskClient, small_built: BuiltDataset
) -> None:
    graph = description(client)
    dataset = graph.value(the_service(graph), SD.defaultDataset)
    assert dataset is not None
    assert graph.value(dataset, SD.defaultGraph) is not None
    named = {
        graph.value(n, SD.name): graph.value(n, SD.graph)
        for n in graph.objects(dataset, SD.namedGraph)
    }
    assert set(named) == set(GRAPHS)
    rdflib_dataset = small_built.rdflib_dataset()
    for name, node in named.items():
        computed = graph_statistics(rdflib_dataset.graph(name))
        assert computed == small_built.manifest["graphs"][str(name)]
        for key, predicate in [
            ("triples", VOID.triples),
            ("entities", VOID.entities),
            ("classes", VOID.classes),
            ("properties", VOID.properties),
        ]:
            value = graph.value(node, predicate)
            assert isinstance(value, Literal)
            assert value.toPython() == computed[key], (name, key)


def test_links_to_the_example_queries(client: FlaskClient) -> None:
    graph = description(client)
    listing = URIRef("http://localhost/queries")
    assert (
        the_service(graph),
        URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
        listing,
    ) in graph
    listed = client.get("/queries").json
    assert listed == {
        "queries": [{"name": "01-conditions", "url": "http://localhost/queries/01-conditions.rq"}]
    }
    query = client.get("/queries/01-conditions.rq")
    assert media_type(query.content_type) == "application/sparql-query"
    answer = client.post("/sparql", data=query.data, content_type="application/sparql-query")
    assert len(answer.json["results"]["bindings"]) == 3  # type: ignore[index]
    assert client.get("/queries/nope.rq").status_code == 404


def test_format_parameter_and_406_for_the_description(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"format": "jsonld"})
    assert media_type(response.content_type) == "application/ld+json"
    assert client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


def test_base_url_configured_is_the_endpoint(make_app: object) -> None:
    app = make_app(base_url="https://example.org/ivig/sparql")  # type: ignore[operator]
    graph = description(app.test_client())
    assert (the_service(graph), SD.endpoint, URIRef("https://example.org/ivig/sparql")) in graph
