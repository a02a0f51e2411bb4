"""``Catalog``: a built dataset read once into the view data every page shows.

Loading parses the N-Quads with rdflib and computes everything the pages need (well under a
second for the real dataset); afterwards requests only read this data. The rdflib dataset is
kept for the full-dataset downloads, which are serialised on first request, one at a time,
and cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS
from rdflib.term import Node

from ivig_graph.build.curation import ICD10CM_SCHEME, ICD_NOTE_PREFIX, MESH_NOTE_PREFIX, MESH_SCHEME
from ivig_graph.build.stats import use_counts
from ivig_graph.dataset.explain import explain
from ivig_graph.dataset.export import FORMATS, export
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.dataset.sssom import SSSOM, sssom_tsv
from ivig_graph.vocab import (
    ASSERTED_GRAPH,
    GRAPHS,
    INFERRED_GRAPH,
    IVIG,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
)
from ivig_graph.web.views.browse import Facet, facets
from ivig_graph.web.views.chart import Chart, charts
from ivig_graph.web.views.describe import Description, SubjectIndex, serialize
from ivig_graph.web.views.labels import SCHEMA, Labels, label_view
from ivig_graph.web.views.links import ID_BASE, ONTOLOGY_NAMESPACE, compact, key_of
from ivig_graph.web.views.model import Category, Condition, CrossReference, Ref, SourceList
from ivig_graph.web.views.ontology_doc import OntologyDoc, document

RefMaker = Callable[[Node], Ref]
MATCHES = (
    ("exact", SKOS.exactMatch),
    ("close", SKOS.closeMatch),
    ("broad", SKOS.broadMatch),
    ("narrow", SKOS.narrowMatch),
)
MATCH_ORDER = {relation: index for index, (relation, _) in enumerate(MATCHES)}
XREF_NOTE_PREFIXES = (ICD_NOTE_PREFIX, MESH_NOTE_PREFIX)  # the note itself says which vocabulary
VOCABULARIES = {str(ICD10CM_SCHEME): "ICD-10-CM", str(MESH_SCHEME): "MeSH"}
# How the facets are ordered where order means something (the rest: by label).
FACET_ORDER = {
    "FDAApproved": 0,
    "OffLabel": 1,
    "ImmuneSuppression": 0,
    "ImmuneBoosting": 1,
    "Treatment": 0,
    "Prevention": 1,
}


@dataclass(frozen=True)
class About:
    """What the home page says about the graph and where its facts come from."""

    article: SourceList | None
    lists: tuple[SourceList, ...]
    therapy: str | None  # the article's summary of what IVIG is
    icd10cm_release: str | None
    mesh_release: str | None
    ontology_version: str | None
    date: str | None  # the ontology's dcterms:modified: the build writes no timestamps
    inferred_triples: int
    creator: str | None = None  # the ontology's dcterms:creator


@dataclass
class Catalog:
    version: str
    manifest: Mapping[str, Any]
    dataset: Dataset  # only for downloads, under _export_lock
    labels: dict[str, str]
    conditions: tuple[Condition, ...]  # by name
    categories: tuple[Category, ...]  # in the source's order
    sources: tuple[SourceList, ...]  # the article, then its lists
    index: SubjectIndex
    resources: frozenset[str]  # the IRIs under /id/ that have a page
    ontology: OntologyDoc
    counts: Mapping[str, Mapping[str, int]]
    about: About
    facets: tuple[Facet, ...]
    by_slug: dict[str, Condition]
    label_data: Labels  # the U.S. product labels (empty where data/products.toml has none)
    _representations: dict[tuple[str, str], bytes] = field(default_factory=dict)
    _downloads: dict[str, bytes] = field(default_factory=dict)
    _export_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, built: BuiltDataset) -> Catalog:
        return cls.from_dataset(built.rdflib_dataset(), built.manifest, built.version)

    @classmethod
    def from_dataset(cls, dataset: Dataset, manifest: Mapping[str, Any], version: str) -> Catalog:
        ontology, asserted, inferred = (dataset.graph(name) for name in GRAPHS)
        union = Graph()
        for graph in (ontology, asserted, inferred):
            union += graph
        labels = _labels(union)

        def ref(node: Node) -> Ref:
            return Ref(str(node), labels.get(str(node)) or compact(str(node)))

        conditions = tuple(
            sorted(
                (
                    _condition(node, dataset, asserted, union, ref)
                    for node in set(asserted.subjects(RDF.type, IVIG.Condition))
                    if isinstance(node, URIRef)
                ),
                key=lambda c: (c.name.casefold(), c.iri),
            )
        )
        index = SubjectIndex(dataset)
        resources = frozenset(
            str(s)
            for name in (ASSERTED_GRAPH, INFERRED_GRAPH)
            for s in index.subjects(name)
            if isinstance(s, URIRef) and str(s).startswith(ID_BASE)
        )
        counts = manifest.get("counts") or use_counts(dataset)
        sources = _sources(asserted, conditions, ref)
        return cls(
            version=version,
            manifest=manifest,
            dataset=dataset,
            labels=labels,
            conditions=conditions,
            categories=_categories(asserted, conditions, ref),
            sources=sources,
            index=index,
            resources=resources,
            ontology=document(ontology, asserted, inferred, ref),
            counts=counts,
            about=_about(sources, asserted, ontology, manifest, len(inferred)),
            facets=facets(conditions, FACET_ORDER),
            by_slug={condition.slug: condition for condition in conditions},
            label_data=label_view(asserted, union, ref),
        )

    # ------------------------------------------------------------ lookups

    def ref(self, iri: str) -> Ref:
        iri = str(iri)  # an rdflib URIRef is a str that does not hash like one
        return Ref(iri, self.labels.get(iri) or compact(iri))

    def condition(self, slug: str) -> Condition | None:
        return self.by_slug.get(slug)

    def category(self, iri: str) -> Category | None:
        return next((c for c in self.categories if c.ref.iri == iri), None)

    def source(self, iri: str) -> SourceList | None:
        return next((s for s in self.sources if s.ref.iri == iri), None)

    def related(self, condition: Condition) -> tuple[str, tuple[Ref, ...]]:
        """Other conditions in its category, or (without one) from the same list of the source."""
        for ref in condition.categories:
            category = self.category(ref.iri)
            if category is not None:
                return category.ref.label, tuple(m for m in category.members if m != condition.ref)
        for ref in condition.sources:
            source = self.source(ref.iri)
            if source is not None:
                return source.ref.label, tuple(m for m in source.members if m != condition.ref)
        return "", ()

    def charts(self) -> tuple[Chart, ...]:
        def label_of(facet: str, key: str) -> str:
            found = next((f for f in self.facets if f.name == facet), None)
            return found.label_of(key) if found else key

        return charts(self.counts, label_of)

    # ------------------------------------------------------------ machine-readable answers

    def description(self, iri: str) -> Description | None:
        """What the dataset says about one of our resources, or None if it has no page."""
        if iri == str(ONTOLOGY_IRI):
            return self._ontology_description()
        if iri not in self.resources:
            return None
        return self.index.describe_resource(iri)

    def _ontology_description(self) -> Description:
        """The ontology graph, and what the data graphs say about the ontology's terms."""

        def terms(graph: URIRef) -> list[object]:
            return [
                s
                for s in self.index.subjects(graph)
                if isinstance(s, URIRef)
                and (str(s).startswith(ONTOLOGY_NAMESPACE) or s == ONTOLOGY_IRI)
            ]

        return self.index.describe(
            str(ONTOLOGY_IRI),
            {
                ONTOLOGY_GRAPH: list(self.index.subjects(ONTOLOGY_GRAPH)),
                ASSERTED_GRAPH: terms(ASSERTED_GRAPH),
                INFERRED_GRAPH: terms(INFERRED_GRAPH),
            },
        )

    def representation(self, iri: str, fmt: str) -> bytes | None:
        """The description of ``iri`` as ``fmt`` (cached; None if there is no such resource)."""
        key = (iri, fmt)
        cached = self._representations.get(key)
        if cached is not None:
            return cached
        description = self.description(iri)
        if description is None:
            return None
        data = serialize(description, FORMATS[fmt])
        self._representations[key] = data
        return data

    def sssom(self) -> bytes:
        """The cross-references as SSSOM/TSV: written once, then cached."""
        with self._export_lock:
            data = self._downloads.get(SSSOM)
            if data is None:
                data = sssom_tsv(self.dataset, self.manifest, self.version).encode("utf-8")
                self._downloads[SSSOM] = data
        return data

    def download(self, fmt: str) -> bytes:
        """The whole dataset as ``fmt``: serialised once, then cached."""
        if fmt not in FORMATS:
            raise ValueError(f"Unknown format {fmt!r}")
        with self._export_lock:
            data = self._downloads.get(fmt)
            if data is None:
                data = export(self.dataset, fmt, "all")
                self._downloads[fmt] = data
        return data


# ---------------------------------------------------------------- loading


def _labels(graph: Graph) -> dict[str, str]:
    """A name for every labelled IRI: its English skos:prefLabel, else its rdfs:label."""
    labels: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel):  # the later wins
        found: dict[str, list[str]] = {}
        for subject, value in graph.subject_objects(predicate):
            if isinstance(subject, URIRef) and _english(value):
                found.setdefault(str(subject), []).append(str(value))
        labels.update({iri: min(values) for iri, values in found.items()})
    return labels


def _english(value: Node) -> bool:
    return isinstance(value, Literal) and value.language in (None, "en")


def _texts(graph: Graph, node: Node, predicate: URIRef) -> list[str]:
    return sorted(str(value) for value in graph.objects(node, predicate) if _english(value))


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


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


def _condition(
    node: URIRef, dataset: Dataset, asserted: Graph, union: Graph, ref: RefMaker
) -> Condition:
    this = ref(node)
    names = list(
        dict.fromkeys(
            [
                this.label,
                *_texts(asserted, node, SKOS.prefLabel),
                *_texts(asserted, node, IVIG.sourceLabel),
                *_texts(asserted, node, SKOS.altLabel),
                *_texts(asserted, node, RDFS.label),
                *_texts(asserted, node, SKOS.hiddenLabel),
            ]
        )
    )
    explanation = explain(dataset, node)
    notes = [
        note for note in _texts(asserted, node, SKOS.editorialNote) if note != explanation.note
    ]
    xrefs = []
    for relation, predicate in MATCHES:
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
    kinds = tuple(
        kind
        for kind in _refs(asserted, node, RDF.type, ref)
        if kind.iri.startswith(ONTOLOGY_NAMESPACE) and kind.iri != str(IVIG.Condition)
    )
    indications = _refs(union, node, IVIG.indication, ref)
    return Condition(
        ref=this,
        slug=key_of(str(node)),
        other_names=tuple(names[1:]),
        source_label=_first(_texts(asserted, node, IVIG.sourceLabel)),
        source_text=_first(str(v) for v in asserted.objects(node, IVIG.sourceText)),
        source_line=_integer(asserted, node, IVIG.sourceLine),
        definition=_first(_texts(asserted, node, SKOS.definition)),
        status=_first_ref(_refs(union, node, IVIG.approvalStatus, ref)),
        intent=_first_ref(_refs(union, node, IVIG.intent, ref)),
        categories=_refs(union, node, IVIG.category, ref),
        mechanisms=_refs(union, node, IVIG.mechanism, ref),
        kinds=kinds,
        explanation=explanation,
        sources=_refs(asserted, node, PROV.wasDerivedFrom, ref),
        cross_references=tuple(
            sorted(
                xrefs,
                key=lambda x: (x.vocabulary != "ICD-10-CM", MATCH_ORDER[x.relation], x.code),
            )
        ),
        cross_reference_notes=tuple(
            _without_prefix(n) for n in notes if n.startswith(XREF_NOTE_PREFIXES)
        ),
        notes=tuple(n for n in notes if not n.startswith(XREF_NOTE_PREFIXES)),
        scope_notes=tuple(_texts(asserted, node, SKOS.scopeNote)),
        indication=_first_ref(indications),
        names=tuple(names),
    )


def _without_prefix(note: str) -> str:
    for prefix in XREF_NOTE_PREFIXES:
        note = note.removeprefix(prefix)
    return note


def _first_ref(refs: tuple[Ref, ...]) -> Ref | None:
    return refs[0] if refs else None


def _categories(
    asserted: Graph, conditions: tuple[Condition, ...], ref: RefMaker
) -> tuple[Category, ...]:
    result = []
    for node in set(asserted.subjects(RDF.type, IVIG.Category)):
        this = ref(node)
        result.append(
            Category(
                ref=this,
                scope_note=_first(_texts(asserted, node, SKOS.scopeNote)),
                source=_first_ref(_refs(asserted, node, PROV.wasDerivedFrom, ref)),
                source_line=_integer(asserted, node, IVIG.sourceLine),
                members=tuple(c.ref for c in conditions if this in c.categories),
            )
        )
    return tuple(sorted(result, key=lambda c: (c.source_line or 0, c.ref.label)))


def _sources(
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
                title=_first(_texts(asserted, node, DCTERMS.title)),
                description=_first(_texts(asserted, node, DCTERMS.description)),
                part_of=_first_ref(_refs(asserted, node, DCTERMS.isPartOf, ref)),
                source_line=_integer(asserted, node, IVIG.sourceLine),
                members=tuple(c.ref for c in conditions if this in c.sources),
            )
        )
    return tuple(sorted(result, key=lambda s: (s.source_line or 0, s.ref.label)))


def _about(
    sources: tuple[SourceList, ...],
    asserted: Graph,
    ontology: Graph,
    manifest: Mapping[str, Any],
    inferred_triples: int,
) -> About:
    article = next((s for s in sources if s.part_of is None), None)
    modified = ontology.value(ONTOLOGY_IRI, DCTERMS.modified)
    version = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)
    release = manifest.get("icd10cm_release")
    return About(
        article=article,
        lists=tuple(s for s in sources if s.part_of is not None),
        therapy=_first(_texts(asserted, IVIG.IVIG, RDFS.comment)),
        icd10cm_release=str(release) if release else None,
        mesh_release=_first(str(v) for v in asserted.objects(MESH_SCHEME, DCTERMS.hasVersion)),
        ontology_version=str(version) if version is not None else None,
        date=str(modified) if modified is not None else None,
        inferred_triples=inferred_triples,
        creator=_first(str(v) for v in ontology.objects(ONTOLOGY_IRI, DCTERMS.creator)),
    )
