"""``DatasetReader``: what the pages' view does not hold, read from the built dataset when asked.

A resource's description is read from the build's store (``SubjectIndex``), one resource at a
time, and each of its representations kept once serialised; the full-dataset downloads parse
the N-Quads when first asked for, one at a time, and keep only the bytes. A dataset given in
rdflib (a view computed without a build) is read the same way, from memory.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from rdflib import Dataset, URIRef

from ivig_graph.dataset.export import FORMATS, export
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.dataset.sssom import SSSOM, sssom_tsv
from ivig_graph.vocab import ONTOLOGY_GRAPH, ONTOLOGY_IRI
from ivig_graph.web.views.describe import Description, SubjectIndex, serialize


class DatasetReader:
    """Descriptions and downloads of one dataset; safe to share between threads."""

    def __init__(
        self,
        origin: BuiltDataset | Dataset,
        resources: frozenset[str],
        ontology_terms: Mapping[URIRef, tuple[URIRef, ...]],
        manifest: Mapping[str, Any],
        version: str,
    ) -> None:
        self.origin = origin
        self.resources = resources  # the IRIs under /id/ that have a page
        self.ontology_terms = ontology_terms  # per data graph: the ontology's terms
        self.manifest = manifest
        self.version = version
        self._index: SubjectIndex | None = None
        self._representations: dict[tuple[str, str], bytes] = {}
        self._downloads: dict[str, bytes] = {}
        self._export_lock = threading.Lock()
        self._index_lock = threading.Lock()

    def description(self, iri: str) -> Description | None:
        """What the dataset says about one of our resources, or None if it has no page."""
        if iri == str(ONTOLOGY_IRI):
            return self._ontology_description()
        if iri not in self.resources:
            return None
        return self.index.describe_resource(iri)

    @property
    def index(self) -> SubjectIndex:
        """The statements, opened on first use: the build's store, or the dataset given."""
        with self._index_lock:
            if self._index is None:
                origin = self.origin
                self._index = (
                    SubjectIndex(origin.open_store())
                    if isinstance(origin, BuiltDataset)
                    else SubjectIndex.of_dataset(origin)
                )
            return self._index

    def _ontology_description(self) -> Description:
        """The ontology graph, and what the data graphs say about the ontology's terms."""
        return self.index.describe(str(ONTOLOGY_IRI), {ONTOLOGY_GRAPH: None, **self.ontology_terms})

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
                data = sssom_tsv(self._dataset(), self.manifest, self.version).encode("utf-8")
                self._downloads[SSSOM] = data
        return data

    def download(self, fmt: str) -> bytes:
        """The whole dataset as ``fmt``: serialised once, then cached."""
        if fmt not in FORMATS:
            raise ValueError(f"Unknown format {fmt!r}")
        with self._export_lock:
            data = self._downloads.get(fmt)
            if data is None:
                data = export(self._dataset(), fmt, "all")
                self._downloads[fmt] = data
        return data

    def _dataset(self) -> Dataset:
        """The whole dataset in rdflib, for a download: parsed for it, not kept."""
        origin = self.origin
        return origin.rdflib_dataset() if isinstance(origin, BuiltDataset) else origin
