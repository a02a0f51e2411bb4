"""A resource's description: its statements in each named graph, and how they are serialised.

A description is the resource's concise bounded description (its statements, and those of any
blank node they reach) taken separately from each named graph, so a reader can tell what was
curated (asserted) from what OWL 2 RL reasoning added (inferred). Served, it is a graph about the
resource: the dataset formats (TriG, N-Quads) keep the graph names; Turtle and N-Triples list the
statements of each graph under a comment naming it; JSON-LD and RDF/XML have the union. The
formats are ``ivig_graph.formats``'; serialisation goes through
``ivig_graph.dataset.export``, so the bytes are canonical and deterministic (and JSON-LD has the
shape it has everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from ivig_graph import formats
from ivig_graph.dataset.export import export, serialize_graph
from ivig_graph.dataset.files import new_dataset
from ivig_graph.formats import Format
from ivig_graph.rdf_bridge import rdflib_triple, to_quads
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPH_TITLES, GRAPHS, INFERRED_GRAPH

Triple = tuple[Node, Node, Node]

_SECTIONED = (formats.TURTLE, formats.N_TRIPLES)


@dataclass(frozen=True)
class Description:
    """What the dataset says about ``iri``, per named graph (in the dataset's graph order)."""

    iri: str
    parts: tuple[tuple[URIRef, tuple[Triple, ...]], ...]

    def triples(self, graph: URIRef | None = None) -> tuple[Triple, ...]:
        """The statements in ``graph``, or in every graph (without duplicates) when None."""
        if graph is not None:
            return next((triples for name, triples in self.parts if name == graph), ())
        seen: dict[Triple, None] = {}
        for _, triples in self.parts:
            seen.update(dict.fromkeys(triples))
        return tuple(seen)

    def as_graph(self) -> Graph:
        """The statements of every graph, merged: the description as a graph about ``iri``."""
        graph = Graph()
        for triple in self.triples():
            graph.add(triple)
        return graph

    def as_dataset(self) -> Dataset:
        dataset = new_dataset()
        for name, triples in self.parts:
            graph = dataset.graph(name)
            for triple in triples:
                graph.add(triple)
        return dataset


class SubjectIndex:
    """Bounded descriptions read from a store of the dataset's named graphs (the build's store,
    opened read-only), statement by statement: the dataset is never held here."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    @classmethod
    def of_dataset(cls, dataset: Dataset) -> SubjectIndex:
        """An index over an rdflib dataset, copied into an in-memory store."""
        store = ox.Store()
        store.extend(to_quads(dataset))
        return cls(store)

    def _statements(self, subject: Node | None, graph: URIRef) -> Iterator[Triple]:
        node = None if subject is None else _oxigraph_subject(subject)
        if subject is not None and node is None:
            return
        for quad in self._store.quads_for_pattern(node, None, None, ox.NamedNode(graph)):
            yield rdflib_triple(quad)

    def bounded(self, graph: URIRef, subjects: Iterable[Node] | None) -> tuple[Triple, ...]:
        """The statements of ``subjects`` in ``graph`` and of the blank nodes they reach;
        every statement of ``graph`` when ``subjects`` is None."""
        if subjects is None:
            return tuple(sorted(self._statements(None, graph)))
        found: list[Triple] = []
        pending = list(subjects)
        visited: set[Node] = set()
        while pending:
            subject = pending.pop()
            if subject in visited:
                continue
            visited.add(subject)
            for triple in self._statements(subject, graph):
                found.append(triple)
                if isinstance(triple[2], BNode):
                    pending.append(triple[2])
        return tuple(sorted(found))

    def describe(self, iri: str, subjects: Mapping[URIRef, Iterable[Node] | None]) -> Description:
        """The description of ``iri`` made of the bounded descriptions of ``subjects`` per graph
        (a graph given None: all of it; one not given: none of it)."""
        parts = tuple(
            (name, self.bounded(name, subjects[name])) for name in GRAPHS if name in subjects
        )
        return Description(iri, tuple((name, triples) for name, triples in parts if triples))

    def describe_resource(self, iri: str) -> Description:
        """A data resource: its statements in the asserted and the inferred graph."""
        node = URIRef(iri)
        return self.describe(iri, {ASSERTED_GRAPH: [node], INFERRED_GRAPH: [node]})


def _oxigraph_subject(node: Node) -> ox.NamedNode | ox.BlankNode | None:
    if isinstance(node, URIRef):
        return ox.NamedNode(node)
    if isinstance(node, BNode):
        return ox.BlankNode(node)
    return None  # a literal is no subject


def serialize(description: Description, fmt: Format) -> bytes:
    """The description as ``fmt``: a graph about the resource, with its graph names only in a
    dataset format (TriG, N-Quads)."""
    if fmt.kind == "dataset":
        return export(description.as_dataset(), fmt.name, "all")
    if fmt not in _SECTIONED or not description.parts:
        return serialize_graph(description.as_graph(), fmt)
    if len(description.parts) == 1:
        name = description.parts[0][0]
        title = _comment(f"{GRAPH_TITLES[name]}, in graph <{name}>")
        return title + serialize_graph(description.as_graph(), fmt)
    return _sectioned(description, fmt)


def _sectioned(description: Description, fmt: Format) -> bytes:
    """Turtle or N-Triples with the statements of each graph under a comment naming it."""
    prefixes, _ = _split_prefixes(serialize_graph(description.as_graph(), fmt))
    out = [
        _comment(f"What the IVIG graph says about <{description.iri}>, by named graph."),
        prefixes,
    ]
    for name, triples in description.parts:
        part = Graph()
        for triple in triples:
            part.add(triple)
        _, body = _split_prefixes(serialize_graph(part, fmt))
        out.append(b"\n" + _comment(f"{GRAPH_TITLES[name]}, in graph <{name}>") + body.lstrip())
    return b"".join(out)


def _split_prefixes(data: bytes) -> tuple[bytes, bytes]:
    """The leading ``@prefix`` lines of a Turtle document, and the rest."""
    lines = data.splitlines(keepends=True)
    count = 0
    while count < len(lines) and lines[count].startswith(b"@prefix "):
        count += 1
    return b"".join(lines[:count]), b"".join(lines[count:])


def _comment(text: str) -> bytes:
    return f"# {text}\n".encode()
