"""The rdflib <-> Oxigraph crossing keeps every statement, its terms and its graph."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ivig_graph.rdf_bridge import to_graph, to_quads, to_store

TURTLE = """
@prefix ex: <https://example.org/> .
ex:a ex:name "Ä name"@en ; ex:count 3 ; ex:part [ ex:name "anonymous" ] .
"""


def sample() -> Graph:
    return Graph().parse(data=TURTLE, format="turtle")


def test_a_graph_goes_to_a_store_and_back_unchanged() -> None:
    store = to_store(sample())
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(triples, ox.QueryTriples)
    assert isomorphic(to_graph(triples), sample())


def test_graphs_load_into_the_named_graph_given() -> None:
    name = ox.NamedNode("urn:example:graph")
    store = to_store(sample(), sample(), graph_name=name)
    assert {quad.graph_name for quad in store} == {name}
    # Each graph's blank node stays its own: two copies give two anonymous parts.
    assert len(store) == 2 * len(sample()) - 2


def test_quads_keep_graph_names_and_blank_node_labels() -> None:
    dataset = Dataset()
    dataset.graph(URIRef("urn:example:g")).add((BNode("b1"), URIRef("urn:example:p"), Literal("x")))
    quads = list(to_quads(dataset))
    assert [(q.subject, q.graph_name) for q in quads] == [
        (ox.BlankNode("b1"), ox.NamedNode("urn:example:g"))
    ]


def test_nothing_comes_back_as_an_empty_graph() -> None:
    assert len(to_graph([])) == 0
