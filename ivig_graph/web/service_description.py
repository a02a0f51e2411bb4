"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics from the build.

Built with rdflib ``Graph.add`` (never string formatting) and answered at ``GET /sparql`` when no
query is given. The statistics are read from the built dataset's manifest (computed at build
time); nothing is counted at request time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from ivig_graph import formats
from ivig_graph.dataset.export import serialize_graph
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.formats import Format
from ivig_graph.vocab import GRAPH_TITLES, GRAPHS, PREFIXES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENTAILMENT_SIMPLE = URIRef("http://www.w3.org/ns/entailment/Simple")

# The formats the description itself is offered in: a graph, so the graph formats.
DESCRIPTION_FORMATS: tuple[Format, ...] = tuple(fmt for fmt in formats.RDF if fmt.kind == "graph")

_STATISTICS = {
    "triples": VOID.triples,
    "entities": VOID.entities,
    "classes": VOID.classes,
    "properties": VOID.properties,
    "distinctSubjects": VOID.distinctSubjects,
    "distinctObjects": VOID.distinctObjects,
}


def describe(
    dataset: BuiltDataset, endpoint: str, examples: Iterable[str], examples_url: str
) -> Graph:
    """The description of the endpoint at ``endpoint`` serving ``dataset``."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    service = BNode("service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, DCTERMS.title, Literal("ivig-graph: what IVIG therapy is used for")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT_SIMPLE))
    graph.add((service, DCTERMS.hasVersion, Literal(dataset.version)))
    for fmt in (*formats.RESULTS, *formats.RDF):
        graph.add((service, SD.resultFormat, URIRef(fmt.iri)))
    graph.add((service, SD.defaultDataset, _describe_dataset(graph, dataset)))
    graph.add((service, RDFS.seeAlso, URIRef(examples_url)))
    for name in examples:
        graph.add((URIRef(examples_url), RDFS.seeAlso, URIRef(f"{examples_url}/{name}")))
    return graph


def _describe_dataset(graph: Graph, dataset: BuiltDataset) -> BNode:
    node = BNode("dataset")
    graph.add((node, RDF.type, SD.Dataset))
    default = BNode("default-graph")
    graph.add((node, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, DCTERMS.description, Literal("The union of the three named graphs.")))
    statistics: dict[str, Any] = dataset.manifest.get("graphs", {})
    for index, name in enumerate(GRAPHS):
        named = BNode(f"named-graph-{index}")
        described = BNode(f"graph-{index}")
        graph.add((node, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, DCTERMS.title, Literal(GRAPH_TITLES[name])))
        for key, predicate in _STATISTICS.items():
            value = statistics.get(str(name), {}).get(key)
            if isinstance(value, int):
                graph.add((described, predicate, Literal(value, datatype=XSD.integer)))
    return node


def serialize(graph: Graph, fmt: Format) -> bytes:
    """The description as ``fmt``, as every graph is written (JSON-LD with the shipped context)."""
    return serialize_graph(graph, fmt)
