"""``Catalog``: a built dataset read once into the view data every page shows.

The view is computed from the rdflib dataset by ``from_dataset`` (each condition's view is
built by ``conditions``) when the build writes it (``write_view``: ``pages-<version>.pickle``
beside the N-Quads), so that ``serve`` only reads that file (``load``): the server never holds
the dataset in rdflib, which took 32 s and 700 MB at 100x the real graph. A dataset without the
file (written by hand, or by an older build) is computed from at start-up, as before.

A resource's description and the full-dataset downloads are read from the built dataset when
asked (``reader``: ``dataset_reader.py``), not held in the view. The view file is a pickle: it
is the build's own output, as trusted as the N-Quads beside it, and never read from anywhere
else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.term import Node

from ivig_graph.build.stats import use_counts
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, IVIG
from ivig_graph.web.views.about import About, about_graph
from ivig_graph.web.views.browse import Facet, facets
from ivig_graph.web.views.chart import Chart, charts
from ivig_graph.web.views.conditions import (
    RefMaker,
    category_views,
    condition_view,
    labels_of,
    source_views,
)
from ivig_graph.web.views.dataset_reader import DatasetReader
from ivig_graph.web.views.describe import Description
from ivig_graph.web.views.labels import Labels, label_view
from ivig_graph.web.views.links import ID_BASE, compact
from ivig_graph.web.views.model import Category, Condition, Ref, SourceList
from ivig_graph.web.views.ontology_doc import OntologyDoc, document, ontology_terms
from ivig_graph.web.views.view_file import read_view, view_path, write_pickled

# How the facets are ordered where order means something (the rest: by label).
FACET_ORDER = {
    "FDAApproved": 0,
    "OffLabel": 1,
    "ImmuneSuppression": 0,
    "ImmuneBoosting": 1,
    "Treatment": 0,
    "Prevention": 1,
}


log = logging.getLogger(__name__)
# Not in the view file: what is opened, cached or locked at run time.
_RUNTIME = ("_reader", "_reader_lock")


@dataclass
class Catalog:
    version: str
    manifest: Mapping[str, Any]
    origin: BuiltDataset | Dataset  # what descriptions and downloads are read from
    labels: dict[str, str]
    conditions: tuple[Condition, ...]  # by name
    categories: tuple[Category, ...]  # in the source's order
    sources: tuple[SourceList, ...]  # the article, then its lists
    resources: frozenset[str]  # the IRIs under /id/ that have a page
    ontology_terms: Mapping[URIRef, tuple[URIRef, ...]]  # per data graph: the ontology's terms
    ontology: OntologyDoc
    counts: Mapping[str, Mapping[str, int]]
    about: About
    facets: tuple[Facet, ...]
    by_slug: dict[str, Condition]
    label_data: Labels  # the U.S. product labels (empty where data/products.toml has none)
    _reader: DatasetReader | None = None
    _reader_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, built: BuiltDataset) -> Catalog:
        """The view the build wrote for ``built``, or (without one) computed from its N-Quads."""
        catalog = read_view(view_path(built))
        if isinstance(catalog, Catalog) and catalog.version == built.version:
            catalog.origin = built
            return catalog
        log.warning(
            "No pages' view written by this code for dataset %s: computing it from the N-Quads "
            "(slow and large for a big graph); `ivig-graph build` writes it.",
            built.version,
        )
        return cls.from_dataset(built.rdflib_dataset(), built.manifest, built.version, built)

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in _RUNTIME}
        return {**state, "origin": None}  # set by ``load``

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reader, self._reader_lock = None, threading.Lock()

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        manifest: Mapping[str, Any],
        version: str,
        built: BuiltDataset | None = None,
    ) -> Catalog:
        """The view of ``dataset``; descriptions and downloads read from ``built`` if given, else
        from ``dataset`` (kept)."""
        ontology, asserted, inferred = (dataset.graph(name) for name in GRAPHS)
        union = Graph()
        for graph in (ontology, asserted, inferred):
            union += graph
        labels = labels_of(union)
        ref = _shared_refs(labels)
        conditions = _condition_views(dataset, asserted, union, ref)
        subjects = {name: set(dataset.graph(name).subjects()) for name in DATA_GRAPHS}
        sources = source_views(asserted, conditions, ref)
        return cls(
            version=version,
            manifest=manifest,
            origin=built if built is not None else dataset,
            labels=labels,
            conditions=conditions,
            categories=category_views(asserted, conditions, ref),
            sources=sources,
            resources=_resources(subjects),
            ontology_terms={name: ontology_terms(subjects[name]) for name in DATA_GRAPHS},
            ontology=document(ontology, asserted, inferred, ref),
            counts=manifest.get("counts") or use_counts(dataset),
            about=about_graph(sources, asserted, ontology, manifest, len(inferred)),
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

    @property
    def reader(self) -> DatasetReader:
        """What is read from ``origin`` when asked (made on first use, once ``load`` has set
        ``origin``)."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = DatasetReader(
                    self.origin, self.resources, self.ontology_terms, self.manifest, self.version
                )
            return self._reader

    def description(self, iri: str) -> Description | None:
        """What the dataset says about one of our resources, or None if it has no page."""
        return self.reader.description(iri)

    def representation(self, iri: str, fmt: str) -> bytes | None:
        """The description of ``iri`` as ``fmt`` (cached; None if there is no such resource)."""
        return self.reader.representation(iri, fmt)

    def sssom(self) -> bytes:
        """The cross-references as SSSOM/TSV: written once, then cached."""
        return self.reader.sssom()

    def download(self, fmt: str) -> bytes:
        """The whole dataset as ``fmt``: serialised once, then cached."""
        return self.reader.download(fmt)


def write_view(built: BuiltDataset, dataset: Dataset) -> Path:
    """Compute the pages' view of ``dataset`` (the one ``built`` holds) and write it beside it."""
    return write_pickled(built, Catalog.from_dataset(dataset, built.manifest, built.version, built))


# ---------------------------------------------------------------- loading

DATA_GRAPHS = (ASSERTED_GRAPH, INFERRED_GRAPH)


def _resources(subjects: Mapping[URIRef, set[Node]]) -> frozenset[str]:
    """The IRIs under /id/ that the data graphs say something about: each has a page."""
    return frozenset(
        str(s)
        for found in subjects.values()
        for s in found
        if isinstance(s, URIRef) and str(s).startswith(ID_BASE)
    )


def _shared_refs(labels: Mapping[str, str]) -> RefMaker:
    """A node's ``Ref``, one per IRI, shared by every view that names it (and pickled once)."""
    refs: dict[str, Ref] = {}

    def ref(node: Node) -> Ref:
        iri = str(node)
        if iri not in refs:
            refs[iri] = Ref(iri, labels.get(iri) or compact(iri))
        return refs[iri]

    return ref


def _condition_views(
    dataset: Dataset, asserted: Graph, union: Graph, ref: RefMaker
) -> tuple[Condition, ...]:
    """Every condition's view, by name."""
    return tuple(
        sorted(
            (
                condition_view(node, dataset, asserted, union, ref)
                for node in set(asserted.subjects(RDF.type, IVIG.Condition))
                if isinstance(node, URIRef)
            ),
            key=lambda c: (c.name.casefold(), c.iri),
        )
    )
