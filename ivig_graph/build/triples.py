"""Checked records -> the asserted graph: data/ compiled to triples, one record per source line.

``records`` reads data/conditions.toml, ``xrefs`` its ICD-10-CM and MeSH cross-references and
``label_checks`` the product labels; ``data/*.ttl`` hold the small fixed parts (sources,
categories, the therapy). ``asserted_graph`` reads them all and adds every triple with
``Graph.add``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from ivig_graph.build import mesh
from ivig_graph.build.label_triples import labelled_graph
from ivig_graph.build.records import (
    INTENTS,
    KINDS,
    LISTS,
    ConditionRecord,
    read_article,
    read_conditions,
)
from ivig_graph.build.xrefs import IcdXref, MeshXref, read_icd10cm, read_mesh
from ivig_graph.errors import CurationError
from ivig_graph.resources import Sources
from ivig_graph.vocab import CATEGORY, CONDITION, ICD10CM, INDICATION, IVIG, MATCHES, MESH

ICD10CM_SCHEME = URIRef("http://purl.bioontology.org/ontology/ICD10CM")
MESH_SCHEME = URIRef("http://id.nlm.nih.gov/mesh")
ICD_NOTE_PREFIX = "ICD-10-CM: "  # an editorial note saying why no (or which) code fits
MESH_NOTE_PREFIX = "MeSH: "
LIST_MARKER = re.compile(r"^- ")


def mapping_dates(graph: Graph) -> dict[str, str]:
    """When each vocabulary's cross-references were curated, as the built graph records it."""
    dates = {}
    for vocabulary, scheme in (("ICD-10-CM", ICD10CM_SCHEME), ("MeSH", MESH_SCHEME)):
        curated = graph.value(scheme, DCTERMS.modified)
        if curated is not None:
            dates[vocabulary] = str(curated)
    return dates


def condition_triples(record: ConditionRecord, article: list[str]) -> Graph:
    """The triples one record asserts about its condition and its indication."""
    graph = Graph()
    condition = record.iri
    source_list, status = LISTS[record.list]
    graph.add((condition, RDF.type, IVIG.Condition))
    for key in record.kinds:
        graph.add((condition, RDF.type, KINDS[key]))
    name = Literal(record.preferred_name, lang="en")
    graph.add((condition, SKOS.prefLabel, name))
    graph.add((condition, RDFS.label, name))
    graph.add((condition, SKOS.notation, Literal(record.slug)))
    graph.add((condition, IVIG.sourceLabel, Literal(record.wording)))
    for alt in (record.wording, *record.alt):
        if alt != record.preferred_name:
            graph.add((condition, SKOS.altLabel, Literal(alt, lang="en")))
    if record.gloss:
        graph.add((condition, SKOS.definition, Literal(record.gloss, lang="en")))
    if record.scope_note:
        graph.add((condition, SKOS.scopeNote, Literal(record.scope_note, lang="en")))
    for note in record.notes:
        graph.add((condition, SKOS.editorialNote, Literal(note, lang="en")))
    if record.mechanism_note:
        note = Literal(record.mechanism_note, lang="en")
        graph.add((condition, IVIG.mechanismNote, note))
        graph.add((condition, SKOS.editorialNote, note))
    graph.add((condition, IVIG.approvalStatus, status))
    graph.add((condition, IVIG.intent, INTENTS[record.intent]))
    for key in record.categories:
        graph.add((condition, IVIG.category, CATEGORY[key]))
    graph.add((condition, PROV.wasDerivedFrom, source_list))
    graph.add((condition, IVIG.sourceLine, Literal(record.line, datatype=XSD.integer)))
    source_text = LIST_MARKER.sub("", article[record.line - 1])
    graph.add((condition, IVIG.sourceText, Literal(source_text)))

    indication = INDICATION[record.slug]
    graph.add((indication, RDF.type, IVIG.Indication))
    graph.add((indication, RDFS.label, Literal(f"IVIG for {record.preferred_name}", lang="en")))
    graph.add((indication, IVIG.therapy, IVIG.IVIG))
    graph.add((indication, IVIG.condition, condition))
    graph.add((indication, PROV.wasDerivedFrom, source_list))
    return graph


def icd10cm_triples(release: str, xrefs: Iterable[IcdXref], describe: Any) -> Graph:
    """Cross-reference triples; ``describe(code)`` gives the official description of a code."""
    graph = Graph()
    graph.add((ICD10CM_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((ICD10CM_SCHEME, SKOS.prefLabel, Literal("ICD-10-CM", lang="en")))
    graph.add((ICD10CM_SCHEME, RDFS.label, Literal("ICD-10-CM", lang="en")))
    graph.add((ICD10CM_SCHEME, IVIG.icd10cmRelease, Literal(release)))
    graph.add((ICD10CM_SCHEME, DCTERMS.hasVersion, Literal(release)))
    for xref in xrefs:
        condition = CONDITION[xref.slug]
        if xref.note:
            graph.add(
                (condition, SKOS.editorialNote, Literal(ICD_NOTE_PREFIX + xref.note, lang="en"))
            )
        for match in xref.matches:
            code = ICD10CM[match.code]
            graph.add((condition, MATCHES[match.match], code))
            graph.add((code, SKOS.notation, Literal(match.code)))
            graph.add((code, SKOS.prefLabel, Literal(describe(match.code), lang="en")))
            graph.add((code, RDFS.label, Literal(describe(match.code), lang="en")))
            graph.add((code, SKOS.inScheme, ICD10CM_SCHEME))
    return graph


def mesh_triples(release: str, xrefs: Iterable[MeshXref]) -> Graph:
    """MeSH cross-reference triples, each descriptor labelled with its preferred heading."""
    graph = Graph()
    graph.add((MESH_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((MESH_SCHEME, SKOS.prefLabel, Literal("MeSH", lang="en")))
    graph.add((MESH_SCHEME, RDFS.label, Literal("MeSH", lang="en")))
    graph.add((MESH_SCHEME, DCTERMS.hasVersion, Literal(release)))
    for xref in xrefs:
        condition = CONDITION[xref.slug]
        if xref.note:
            note = Literal(f"{MESH_NOTE_PREFIX}{xref.note}", lang="en")
            graph.add((condition, SKOS.editorialNote, note))
        for match in xref.matches:
            descriptor = MESH[match.descriptor]
            graph.add((condition, MATCHES[match.match], descriptor))
            graph.add((descriptor, SKOS.notation, Literal(match.descriptor)))
            graph.add((descriptor, SKOS.prefLabel, Literal(match.heading, lang="en")))
            graph.add((descriptor, RDFS.label, Literal(match.heading, lang="en")))
            graph.add((descriptor, SKOS.inScheme, MESH_SCHEME))
    return graph


def asserted_graph(
    sources: Sources,
    describe_icd: Any,
    mesh_list: Callable[[], mesh.DescriptorList | None] = mesh.descriptor_list,
) -> Graph:
    """Compile everything in data/ into the asserted graph."""
    graph = Graph()
    for turtle in sorted(sources.data.glob("*.ttl")):
        try:
            graph.parse(turtle, format="turtle")
        except Exception as error:  # rdflib raises several parser exception types
            raise CurationError(f"{turtle} is not valid Turtle: {error}") from error
    article = read_article(sources)
    records = read_conditions(sources)
    for record in records:
        graph += condition_triples(record, article)
    release, xrefs, icd_curated = read_icd10cm(sources, (r.slug for r in records))
    graph += icd10cm_triples(release, xrefs, describe_icd)
    mesh_release, mesh_xrefs, mesh_curated = read_mesh(
        sources, (r.slug for r in records), mesh_list()
    )
    graph += mesh_triples(mesh_release, mesh_xrefs)
    for scheme, curated in ((ICD10CM_SCHEME, icd_curated), (MESH_SCHEME, mesh_curated)):
        if curated is not None:
            graph.add((scheme, DCTERMS.modified, Literal(curated.isoformat(), datatype=XSD.date)))
    graph += labelled_graph(sources, records)
    return graph
