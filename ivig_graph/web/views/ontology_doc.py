"""Documentation of the ontology, generated from its graph: every term with its label,
definition, domain and range, how it relates to other terms, and how many resources use it.

"Used by" counts the distinct IRIs in the dataset (all three graphs) that have the class as a
type, state the property, or refer to the individual; the inferred figure is how many of them
do so only in the inferred graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from ivig_graph.vocab import IVIG, ONTOLOGY_IRI
from ivig_graph.web.views.links import ONTOLOGY_NAMESPACE
from ivig_graph.web.views.model import Ref

SCHEMA_DOMAIN_INCLUDES = URIRef("https://schema.org/domainIncludes")
VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")

# section title, the OWL type that puts a term in it
SECTIONS: tuple[tuple[str, URIRef], ...] = (
    ("Classes", OWL.Class),
    ("Object properties", OWL.ObjectProperty),
    ("Datatype properties", OWL.DatatypeProperty),
    ("Annotation properties", OWL.AnnotationProperty),
    ("Individuals", OWL.NamedIndividual),
)


@dataclass(frozen=True)
class Restriction:
    property: Ref
    value: Ref


@dataclass(frozen=True)
class Usage:
    total: int  # distinct IRIs using the term
    inferred_only: int  # of which only in the inferred graph


@dataclass(frozen=True)
class Term:
    ref: Ref
    name: str  # the local name: the anchor on the page
    kind: str  # the section it is listed in
    definition: str | None
    types: tuple[Ref, ...]  # for individuals: their classes
    superclasses: tuple[Ref, ...]
    inferred_superclasses: tuple[Ref, ...]
    restrictions: tuple[Restriction, ...]
    members: tuple[Ref, ...]  # owl:oneOf
    domain: tuple[Ref, ...]  # rdfs:domain or schema:domainIncludes
    range: tuple[Ref, ...]
    characteristics: tuple[str, ...]  # "functional"
    super_properties: tuple[Ref, ...]
    inverse_of: tuple[Ref, ...]
    chain: tuple[Ref, ...]  # owl:propertyChainAxiom
    basis: str | None  # ivig:mechanismBasis
    usage: Usage


@dataclass(frozen=True)
class Section:
    title: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class OntologyDoc:
    iri: str
    title: str
    description: str | None
    version: str | None
    created: str | None
    modified: str | None
    license: str | None
    prefix: str | None
    namespace: str
    sections: tuple[Section, ...]

    def terms(self) -> Iterable[Term]:
        for section in self.sections:
            yield from section.terms


def document(
    ontology: Graph, asserted: Graph, inferred: Graph, ref: Callable[[Node], Ref]
) -> OntologyDoc:
    """The documentation of every ``ivig:`` term declared in the ontology graph."""
    usage = _UsageCounter(ontology, asserted, inferred)
    sections = []
    for title, owl_type in SECTIONS:
        terms = [
            _term(node, title, ontology, inferred, ref, usage)
            for node in set(ontology.subjects(RDF.type, owl_type))
            if isinstance(node, URIRef) and str(node).startswith(ONTOLOGY_NAMESPACE)
        ]
        terms.sort(key=lambda term: term.ref.label.casefold())
        sections.append(Section(title, tuple(terms)))

    def text(predicate: URIRef) -> str | None:
        value = ontology.value(ONTOLOGY_IRI, predicate)
        return str(value) if value is not None else None

    return OntologyDoc(
        iri=str(ONTOLOGY_IRI),
        title=text(DCTERMS.title) or "IVIG ontology",
        description=text(DCTERMS.description),
        version=text(OWL.versionInfo),
        created=text(DCTERMS.created),
        modified=text(DCTERMS.modified),
        license=text(DCTERMS.license),
        prefix=text(VANN_PREFIX),
        namespace=ONTOLOGY_NAMESPACE,
        sections=tuple(sections),
    )


def _term(
    node: URIRef,
    kind: str,
    ontology: Graph,
    inferred: Graph,
    ref: Callable[[Node], Ref],
    usage: _UsageCounter,
) -> Term:
    def refs(predicate: URIRef, graph: Graph = ontology) -> tuple[Ref, ...]:
        found = {ref(o) for o in graph.objects(node, predicate) if isinstance(o, URIRef)}
        return tuple(sorted(found, key=lambda r: r.label.casefold()))

    restrictions = []
    for parent in ontology.objects(node, RDFS.subClassOf):
        on_property, value = (
            ontology.value(parent, OWL.onProperty),
            ontology.value(parent, OWL.hasValue),
        )
        if on_property is not None and value is not None:
            restrictions.append(Restriction(ref(on_property), ref(value)))
    superclasses = refs(RDFS.subClassOf)
    definition = ontology.value(node, SKOS.definition)
    basis = ontology.value(node, IVIG.mechanismBasis)
    return Term(
        ref=ref(node),
        name=str(node)[len(ONTOLOGY_NAMESPACE) :],
        kind=kind,
        definition=str(definition) if isinstance(definition, Literal) else None,
        types=tuple(r for r in refs(RDF.type) if not r.iri.startswith(str(OWL))),
        superclasses=superclasses,
        inferred_superclasses=tuple(
            r for r in refs(RDFS.subClassOf, inferred) if r not in superclasses
        ),
        restrictions=tuple(sorted(restrictions, key=lambda r: r.value.label)),
        members=_list(ontology, node, OWL.oneOf, ref),
        domain=refs(RDFS.domain) + refs(SCHEMA_DOMAIN_INCLUDES),
        range=refs(RDFS.range),
        characteristics=("functional",)
        if (node, RDF.type, OWL.FunctionalProperty) in ontology
        else (),
        super_properties=refs(RDFS.subPropertyOf),
        inverse_of=refs(OWL.inverseOf),
        chain=_list(ontology, node, OWL.propertyChainAxiom, ref),
        basis=str(basis) if isinstance(basis, Literal) else None,
        usage=usage.of(node, kind),
    )


def _list(
    graph: Graph, node: URIRef, predicate: URIRef, ref: Callable[[Node], Ref]
) -> tuple[Ref, ...]:
    head = graph.value(node, predicate)
    if head is None:
        return ()
    return tuple(ref(item) for item in Collection(graph, head))


class _UsageCounter:
    """Who uses each term: IRI subjects per graph, by type, by predicate and by object."""

    def __init__(self, ontology: Graph, asserted: Graph, inferred: Graph) -> None:
        self._stated = self._index((ontology, asserted))
        self._inferred = self._index((inferred,))

    @staticmethod
    def _index(graphs: Iterable[Graph]) -> dict[tuple[str, Node], set[Node]]:
        index: dict[tuple[str, Node], set[Node]] = {}
        for graph in graphs:
            for s, p, o in graph:
                if not isinstance(s, URIRef):
                    continue
                index.setdefault(("predicate", p), set()).add(s)
                index.setdefault(("object", o), set()).add(s)
                if p == RDF.type:
                    index.setdefault(("type", o), set()).add(s)
        return index

    def of(self, node: URIRef, kind: str) -> Usage:
        role = {"Classes": "type", "Individuals": "object"}.get(kind, "predicate")
        stated = self._stated.get((role, node), set())
        inferred = self._inferred.get((role, node), set())
        return Usage(total=len(stated | inferred), inferred_only=len(inferred - stated))


def ontology_terms(subjects: set[Node]) -> tuple[URIRef, ...]:
    """The ontology's terms (and the ontology itself) among a data graph's subjects."""
    return tuple(
        sorted(
            s
            for s in subjects
            if isinstance(s, URIRef)
            and (str(s).startswith(ONTOLOGY_NAMESPACE) or s == ONTOLOGY_IRI)
        )
    )
