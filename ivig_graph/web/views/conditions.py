"""The view of each condition, and of the categories and source lists it belongs to.

Read from the built graphs when the ``Catalog`` loads: names, source text, status, kinds,
mechanisms, the explanation, cross-references and notes, each as plain data (``model``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from ivig_graph.build.triples import ICD10CM_SCHEME, ICD_NOTE_PREFIX, MESH_NOTE_PREFIX, MESH_SCHEME
from ivig_graph.dataset.explain import explain
from ivig_graph.vocab import IVIG, MATCHES
from ivig_graph.web.views.labels import SCHEMA
from ivig_graph.web.views.links import ONTOLOGY_NAMESPACE, key_of
from ivig_graph.web.views.model import Category, Condition, CrossReference, Ref, SourceList

RefMaker = Callable[[Node], Ref]
MATCH_ORDER = {relation: index for index, relation in enumerate(MATCHES)}
XREF_NOTE_PREFIXES = (ICD_NOTE_PREFIX, MESH_NOTE_PREFIX)  # the note itself says which vocabulary
VOCABULARIES = {str(ICD10CM_SCHEME): "ICD-10-CM", str(MESH_SCHEME): "MeSH"}


def english(value: Node) -> bool:
    return isinstance(value, Literal) and value.language in (None, "en")


def texts(graph: Graph, node: Node, predicate: URIRef) -> list[str]:
    return sorted(str(value) for value in graph.objects(node, predicate) if english(value))


def _refs(graph: Graph, node: Node, predicate: URIRef, ref: RefMaker) -> tuple[Ref, ...]:
    found = {ref(value) for value in graph.objects(node, predicate) if isinstance(value, URIRef)}
    return tuple(sorted(found, key=lambda r: (r.label.casefold(), r.iri)))


def _integer(graph: Graph, node: Node, predicate: URIRef) -> int | None:
    value = graph.value(node, predicate)
    if isinstance(value, Literal):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return None


def first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


def condition_view(
    node: URIRef, dataset: Dataset, asserted: Graph, union: Graph, ref: RefMaker
) -> Condition:
    """Everything the pages show of one condition."""
    this = ref(node)
    names = _names(node, asserted, this)
    explanation = explain(dataset, node)
    notes = [note for note in texts(asserted, node, SKOS.editorialNote) if note != explanation.note]
    return Condition(
        ref=this,
        slug=key_of(str(node)),
        other_names=tuple(names[1:]),
        source_label=first(texts(asserted, node, IVIG.sourceLabel)),
        source_text=first(str(v) for v in asserted.objects(node, IVIG.sourceText)),
        source_line=_integer(asserted, node, IVIG.sourceLine),
        definition=first(texts(asserted, node, SKOS.definition)),
        status=_first_ref(_refs(union, node, IVIG.approvalStatus, ref)),
        intent=_first_ref(_refs(union, node, IVIG.intent, ref)),
        categories=_refs(union, node, IVIG.category, ref),
        mechanisms=_refs(union, node, IVIG.mechanism, ref),
        kinds=_kinds(node, asserted, ref),
        explanation=explanation,
        sources=_refs(asserted, node, PROV.wasDerivedFrom, ref),
        cross_references=_cross_references(node, asserted, ref),
        cross_reference_notes=tuple(
            _without_prefix(n) for n in notes if n.startswith(XREF_NOTE_PREFIXES)
        ),
        notes=tuple(n for n in notes if not n.startswith(XREF_NOTE_PREFIXES)),
        scope_notes=tuple(texts(asserted, node, SKOS.scopeNote)),
        indication=_first_ref(_refs(union, node, IVIG.indication, ref)),
        names=tuple(names),
    )


def _names(node: URIRef, asserted: Graph, this: Ref) -> list[str]:
    """Its name first, then every other name the graph gives it, each once."""
    return list(
        dict.fromkeys(
            [
                this.label,
                *texts(asserted, node, SKOS.prefLabel),
                *texts(asserted, node, IVIG.sourceLabel),
                *texts(asserted, node, SKOS.altLabel),
                *texts(asserted, node, RDFS.label),
                *texts(asserted, node, SKOS.hiddenLabel),
            ]
        )
    )


def _cross_references(node: URIRef, asserted: Graph, ref: RefMaker) -> tuple[CrossReference, ...]:
    """Its ICD-10-CM codes, then its MeSH descriptors, each by match kind and code."""
    xrefs = []
    for relation, predicate in MATCHES.items():
        for code in asserted.objects(node, predicate):
            if isinstance(code, URIRef):
                notation = asserted.value(code, SKOS.notation)
                scheme = str(asserted.value(code, SKOS.inScheme))
                xrefs.append(
                    CrossReference(
                        relation,
                        str(notation) if notation is not None else key_of(str(code)),
                        ref(code).label,
                        str(code),
                        VOCABULARIES.get(scheme, "ICD-10-CM"),
                    )
                )
    return tuple(
        sorted(
            xrefs,
            key=lambda x: (x.vocabulary != "ICD-10-CM", MATCH_ORDER[x.relation], x.code),
        )
    )


def _kinds(node: URIRef, asserted: Graph, ref: RefMaker) -> tuple[Ref, ...]:
    """The ontology's classes it is asserted in, beyond ivig:Condition itself."""
    return tuple(
        kind
        for kind in _refs(asserted, node, RDF.type, ref)
        if kind.iri.startswith(ONTOLOGY_NAMESPACE) and kind.iri != str(IVIG.Condition)
    )


def _without_prefix(note: str) -> str:
    for prefix in XREF_NOTE_PREFIXES:
        note = note.removeprefix(prefix)
    return note


def _first_ref(refs: tuple[Ref, ...]) -> Ref | None:
    return refs[0] if refs else None


def category_views(
    asserted: Graph, conditions: tuple[Condition, ...], ref: RefMaker
) -> tuple[Category, ...]:
    result = []
    for node in set(asserted.subjects(RDF.type, IVIG.Category)):
        this = ref(node)
        result.append(
            Category(
                ref=this,
                scope_note=first(texts(asserted, node, SKOS.scopeNote)),
                source=_first_ref(_refs(asserted, node, PROV.wasDerivedFrom, ref)),
                source_line=_integer(asserted, node, IVIG.sourceLine),
                members=tuple(c.ref for c in conditions if this in c.categories),
            )
        )
    return tuple(sorted(result, key=lambda c: (c.source_line or 0, c.ref.label)))


def source_views(
    asserted: Graph, conditions: tuple[Condition, ...], ref: RefMaker
) -> tuple[SourceList, ...]:
    nodes = set(asserted.subjects(RDF.type, IVIG.SourceDocument)) | set(
        asserted.subjects(RDF.type, IVIG.SourceList)
    )
    nodes -= set(asserted.subjects(SCHEMA.url, None))  # label pages: see labels.py
    result = []
    for node in nodes:
        this = ref(node)
        result.append(
            SourceList(
                ref=this,
                title=first(texts(asserted, node, DCTERMS.title)),
                description=first(texts(asserted, node, DCTERMS.description)),
                part_of=_first_ref(_refs(asserted, node, DCTERMS.isPartOf, ref)),
                source_line=_integer(asserted, node, IVIG.sourceLine),
                members=tuple(c.ref for c in conditions if this in c.sources),
            )
        )
    return tuple(sorted(result, key=lambda s: (s.source_line or 0, s.ref.label)))


def labels_of(graph: Graph) -> dict[str, str]:
    """A name for every labelled IRI: its English skos:prefLabel, else its rdfs:label."""
    labels: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel):  # the later wins
        found: dict[str, list[str]] = {}
        for subject, value in graph.subject_objects(predicate):
            if isinstance(subject, URIRef) and english(value):
                found.setdefault(str(subject), []).append(str(value))
        labels.update({iri: min(values) for iri, values in found.items()})
    return labels
