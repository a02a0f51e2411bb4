"""A resource's description: its statements in each named graph, and how they are serialised.

A description is the resource's concise bounded description (its statements, and those of any
blank node they reach) taken separately from each named graph, so a reader can tell what was
curated (asserted) from what OWL 2 RL reasoning added (inferred). The formats with graph names
(TriG, N-Quads, JSON-LD) keep them; Turtle and N-Triples list the statements of each graph under
a comment naming it; RDF/XML has the union only. Serialisation goes through
``ivig_graph.export.export``, so the bytes are canonical and deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import BNode, Dataset, URIRef
from rdflib.term import Node

from ..export import export
from ..store import new_dataset
from ..vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH

Triple = tuple[Node, Node, Node]

GRAPH_NAMES: Mapping[URIRef, str] = {
    ONTOLOGY_GRAPH: "ontology",
    ASSERTED_GRAPH: "asserted",
    INFERRED_GRAPH: "inferred",
}
GRAPH_TITLES: Mapping[URIRef, str] = {
    ONTOLOGY_GRAPH: "Ontology: the vocabulary itself",
    ASSERTED_GRAPH: "Asserted: curated from the source",
    INFERRED_GRAPH: "Inferred: added by OWL 2 RL reasoning",
}


@dataclass(frozen=True)
class Representation:
    """A machine-readable format of a resource: its ``export`` name, media types and suffix."""

    key: str
    suffix: str
    media_types: tuple[str, ...]  # the first is the Content-Type answered
    label: str

    @property
    def media_type(self) -> str:
        return self.media_types[0]


REPRESENTATIONS: tuple[Representation, ...] = (
    Representation("turtle", "ttl", ("text/turtle", "application/x-turtle"), "Turtle"),
    Representation("jsonld", "jsonld", ("application/ld+json", "application/json"), "JSON-LD"),
    Representation("ntriples", "nt", ("application/n-triples",), "N-Triples"),
    Representation("rdfxml", "rdf", ("application/rdf+xml",), "RDF/XML"),
    Representation("trig", "trig", ("application/trig",), "TriG"),
    Representation("nquads", "nq", ("application/n-quads",), "N-Quads"),
)
BY_SUFFIX: Mapping[str, Representation] = {r.suffix: r for r in REPRESENTATIONS}
_SECTIONED = {"turtle", "ntriples"}


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

    def as_dataset(self) -> Dataset:
        dataset = new_dataset()
        for name, triples in self.parts:
            graph = dataset.graph(name)
            for triple in triples:
                graph.add(triple)
        return dataset


class SubjectIndex:
    """Every graph's statements grouped by subject, for bounded descriptions."""

    def __init__(self, dataset: Dataset) -> None:
        self._by_graph: dict[URIRef, dict[object, list[Triple]]] = {}
        for name in GRAPHS:
            by_subject: dict[object, list[Triple]] = defaultdict(list)
            for triple in dataset.graph(name):
                by_subject[triple[0]].append(triple)
            self._by_graph[name] = dict(by_subject)

    def subjects(self, graph: URIRef) -> Iterable[object]:
        return self._by_graph[graph].keys()

    def bounded(self, graph: URIRef, subjects: Iterable[object]) -> tuple[Triple, ...]:
        """The statements of ``subjects`` in ``graph`` and of the blank nodes they reach."""
        statements = self._by_graph[graph]
        found: list[Triple] = []
        pending = list(subjects)
        visited: set[object] = set()
        while pending:
            subject = pending.pop()
            if subject in visited:
                continue
            visited.add(subject)
            for triple in statements.get(subject, ()):
                found.append(triple)
                if isinstance(triple[2], BNode):
                    pending.append(triple[2])
        return tuple(sorted(found))

    def describe(self, iri: str, subjects: Mapping[URIRef, Iterable[object]]) -> Description:
        """The description of ``iri`` made of the bounded descriptions of ``subjects`` per graph."""
        parts = tuple((name, self.bounded(name, subjects.get(name, ()))) for name in GRAPHS)
        return Description(iri, tuple((name, triples) for name, triples in parts if triples))

    def describe_resource(self, iri: str) -> Description:
        """A data resource: its statements in the asserted and the inferred graph."""
        node = URIRef(iri)
        return self.describe(iri, {ASSERTED_GRAPH: [node], INFERRED_GRAPH: [node]})


def serialize(description: Description, fmt: str) -> bytes:
    """The description as ``fmt`` (a ``Representation.key``)."""
    dataset = description.as_dataset()
    if fmt not in _SECTIONED or len(description.parts) < 2:
        body = export(dataset, fmt, "all")
        if fmt in _SECTIONED and description.parts:
            name = description.parts[0][0]
            return _comment(f"{GRAPH_TITLES[name]}, in graph <{name}>") + body
        return body
    return _sectioned(description, dataset, fmt)


def _sectioned(description: Description, dataset: Dataset, fmt: str) -> bytes:
    """Turtle or N-Triples with the statements of each graph under a comment naming it."""
    prefixes, _ = _split_prefixes(export(dataset, fmt, "all"))
    out = [
        _comment(f"What the IVIG graph says about <{description.iri}>, by named graph."),
        prefixes,
    ]
    for name, _ in description.parts:
        _, body = _split_prefixes(export(dataset, fmt, GRAPH_NAMES[name]))
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
