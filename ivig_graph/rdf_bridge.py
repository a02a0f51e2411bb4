"""The one crossing between rdflib and Oxigraph: rdflib graphs in, Oxigraph stores or quads out.

rdflib stays where pySHACL and owlrl need it (the build); SPARQL runs on Oxigraph, which is
fast. Every conversion goes through N-Triples or N-Quads text here, so no module writes its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node


def _serialized(source: Graph | Dataset) -> tuple[bytes, ox.RdfFormat]:
    if isinstance(source, Dataset):
        return source.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS
    return source.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES


def to_store(*graphs: Graph, graph_name: ox.NamedNode | None = None) -> ox.Store:
    """A new in-memory store holding ``graphs``, in ``graph_name`` or else the default graph.

    The store labels blank nodes afresh on each load, so blank nodes of two graphs never merge.
    """
    store = ox.Store()
    for graph in graphs:
        data, fmt = _serialized(graph)
        store.load(data, format=fmt, to_graph=graph_name)
    return store


def to_quads(source: Graph | Dataset) -> Iterator[ox.Quad]:
    """The statements of ``source`` as Oxigraph quads, blank node labels kept as they are."""
    data, fmt = _serialized(source)
    return ox.parse(data, format=fmt)


def to_graph(triples: Iterable[ox.Triple]) -> Graph:
    """Oxigraph triples (e.g. a CONSTRUCT's answer) back as an rdflib graph."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    graph = Graph()
    if data:
        graph.parse(data=data, format="nt")
    return graph


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_term(node: object) -> Node:
    """One Oxigraph term as rdflib's (a simple literal stays without a datatype, as rdflib
    parses it); converted term by term, faster than through N-Triples for a few statements."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if not isinstance(node, ox.Literal):
        raise ValueError(f"rdflib cannot hold {node!r}")
    if node.language:
        return Literal(node.value, lang=node.language)
    if node.datatype.value == _XSD_STRING:
        return Literal(node.value)
    return Literal(node.value, datatype=URIRef(node.datatype.value))


def rdflib_triple(triple: ox.Triple | ox.Quad) -> tuple[Node, Node, Node]:
    return rdflib_term(triple.subject), rdflib_term(triple.predicate), rdflib_term(triple.object)
