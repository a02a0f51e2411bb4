"""``Catalog``: a built dataset read once into the view data every page shows.

Loading parses the N-Quads with rdflib and computes everything the pages need (well under a
second for the real dataset; each condition's view is built by ``conditions``); afterwards
requests only read this data. The rdflib dataset is
kept for the full-dataset downloads, which are serialised on first request, one at a time,
and cached.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from ivig_graph.build.stats import use_counts
from ivig_graph.build.triples import MESH_SCHEME
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
from ivig_graph.web.views.conditions import (
    category_views,
    condition_view,
    english,
    first,
    source_views,
    texts,
)
from ivig_graph.web.views.describe import Description, SubjectIndex, serialize
from ivig_graph.web.views.labels import Labels, label_view
from ivig_graph.web.views.links import ID_BASE, ONTOLOGY_NAMESPACE, compact
from ivig_graph.web.views.model import Category, Condition, Ref, SourceList
from ivig_graph.web.views.ontology_doc import OntologyDoc, document

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
                    condition_view(node, dataset, asserted, union, ref)
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
        sources = source_views(asserted, conditions, ref)
        return cls(
            version=version,
            manifest=manifest,
            dataset=dataset,
            labels=labels,
            conditions=conditions,
            categories=category_views(asserted, conditions, ref),
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
            if isinstance(subject, URIRef) and english(value):
                found.setdefault(str(subject), []).append(str(value))
        labels.update({iri: min(values) for iri, values in found.items()})
    return labels


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
        therapy=first(texts(asserted, IVIG.IVIG, RDFS.comment)),
        icd10cm_release=str(release) if release else None,
        mesh_release=first(str(v) for v in asserted.objects(MESH_SCHEME, DCTERMS.hasVersion)),
        ontology_version=str(version) if version is not None else None,
        date=str(modified) if modified is not None else None,
        inferred_triples=inferred_triples,
        creator=first(str(v) for v in ontology.objects(ONTOLOGY_IRI, DCTERMS.creator)),
    )
