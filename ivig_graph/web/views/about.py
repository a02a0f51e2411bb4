"""What the home page says about the graph and where its facts come from (``About``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import RDFS, Graph
from rdflib.namespace import DCTERMS, OWL

from ivig_graph.build.triples import MESH_SCHEME
from ivig_graph.vocab import IVIG, ONTOLOGY_IRI
from ivig_graph.web.views.conditions import first, texts
from ivig_graph.web.views.model import SourceList


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


def about_graph(
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
