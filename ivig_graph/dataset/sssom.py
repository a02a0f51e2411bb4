"""The cross-references as SSSOM: one TSV with its YAML metadata block, a pure function of a build.

Every SKOS mapping from a condition to an ICD-10-CM code or a MeSH descriptor is one row, and so is
every "no code (descriptor) fits" note: ``object_id`` ``sssom:NoTermFound`` with the note in
``comment`` (as SSSOM's own example does it, with ``skos:exactMatch``). The slots are those of the
SSSOM schema (sssom-schema's ``sssom_schema.yaml``); rows are sorted: one build, the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from typing import Any

import yaml
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from ivig_graph.build.triples import ICD10CM_SCHEME, ICD_NOTE_PREFIX, MESH_NOTE_PREFIX, MESH_SCHEME
from ivig_graph.vocab import (
    ASSERTED_GRAPH,
    CONDITION,
    ICD10CM,
    IVIG,
    MESH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
)

MAPPING_SET_ID = "https://w3id.org/ivig/downloads/ivig-graph.sssom.tsv"
SSSOM = "sssom"  # the export format name (`ivig-graph export --format sssom`)
FILE_SUFFIX = "sssom.tsv"
MEDIA_TYPE = "text/tab-separated-values"
JUSTIFICATION = "semapv:ManualMappingCuration"
NO_TERM_FOUND = "sssom:NoTermFound"
PREDICATES = {
    SKOS.exactMatch: "skos:exactMatch",
    SKOS.closeMatch: "skos:closeMatch",
    SKOS.broadMatch: "skos:broadMatch",
    SKOS.narrowMatch: "skos:narrowMatch",
}
CURIE_MAP = {
    "condition": str(CONDITION),
    "icd10cm": str(ICD10CM),
    "mesh": str(MESH),
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": str(SKOS),
    "sssom": "https://w3id.org/sssom/",
}


@dataclass(frozen=True)
class Vocabulary:
    name: str  # as in the build manifest's mapping_dates
    namespace: str
    prefix: str
    scheme: URIRef
    note_prefix: str


VOCABULARIES = (
    Vocabulary("ICD-10-CM", str(ICD10CM), "icd10cm", ICD10CM_SCHEME, ICD_NOTE_PREFIX),
    Vocabulary("MeSH", str(MESH), "mesh", MESH_SCHEME, MESH_NOTE_PREFIX),
)


@dataclass(frozen=True, order=True)
class Row:
    """One SSSOM mapping record; the field names are the SSSOM slots, in column order."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    author_label: str
    mapping_date: str
    object_source: str
    object_source_version: str
    comment: str


COLUMNS = tuple(f.name for f in fields(Row))


def _text(graph: Graph, node: URIRef, predicate: URIRef) -> str:
    values = sorted(str(v) for v in graph.objects(node, predicate) if isinstance(v, Literal))
    return values[0] if values else ""


def _rows(asserted: Graph, author: str, dates: Mapping[str, str]) -> Iterator[Row]:
    for condition in set(asserted.subjects(RDF.type, IVIG.Condition)):
        if isinstance(condition, URIRef):
            for vocabulary in VOCABULARIES:
                yield from _rows_for(asserted, condition, vocabulary, author, dates)


def _rows_for(
    asserted: Graph,
    condition: URIRef,
    vocabulary: Vocabulary,
    author: str,
    dates: Mapping[str, str],
) -> Iterator[Row]:
    """The mappings of one condition to one vocabulary, and its "none fits" note as a row."""
    subject = "condition:" + str(condition).removeprefix(str(CONDITION))
    label = _text(asserted, condition, SKOS.prefLabel)
    version = _text(asserted, vocabulary.scheme, DCTERMS.hasVersion)
    date = dates.get(vocabulary.name, "")
    source = str(vocabulary.scheme)

    def row(predicate: str, obj: str, obj_label: str, comment: str = "") -> Row:
        return Row(
            subject, label, predicate, obj, obj_label, JUSTIFICATION, author, date,
            source, version, comment,
        )  # fmt: skip

    for predicate, curie in PREDICATES.items():
        for target in asserted.objects(condition, predicate):
            if isinstance(target, URIRef) and str(target).startswith(vocabulary.namespace):
                local = str(target).removeprefix(vocabulary.namespace)
                name = _text(asserted, target, SKOS.prefLabel)
                yield row(curie, f"{vocabulary.prefix}:{local}", name)
    for note in asserted.objects(condition, SKOS.editorialNote):
        if str(note).startswith(vocabulary.note_prefix):
            yield row(
                "skos:exactMatch", NO_TERM_FOUND, "", str(note)[len(vocabulary.note_prefix) :]
            )


def _metadata(ontology: Graph, version: str) -> dict[str, Any]:
    license_iri = ontology.value(ONTOLOGY_IRI, DCTERMS.license)
    title = _text(ontology, ONTOLOGY_IRI, DCTERMS.title)
    metadata: dict[str, Any] = {
        "curie_map": CURIE_MAP,
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_version": version,
        "mapping_set_title": "Cross-references of the IVIG uses graph to ICD-10-CM and MeSH",
        "mapping_set_description": (
            "Each condition IVIG is used for, mapped by hand to ICD-10-CM codes and MeSH "
            "descriptors; sssom:NoTermFound where no code or descriptor fits, with the reason."
        ),
        "creator_label": [_text(ontology, ONTOLOGY_IRI, DCTERMS.creator)],
        "subject_source": str(ONTOLOGY_IRI),
        "subject_source_version": _text(ontology, ONTOLOGY_IRI, OWL.versionInfo),
        "comment": f"Exported from the built dataset {version} of {title}.",
    }
    if license_iri is not None:
        metadata["license"] = str(license_iri)
    return metadata


def _yaml_block(metadata: Mapping[str, Any]) -> str:
    text = yaml.safe_dump(dict(metadata), sort_keys=False, allow_unicode=True, width=1000)
    return "".join(f"#{line}\n" for line in text.splitlines())


def sssom_tsv(dataset: Dataset, manifest: Mapping[str, Any], version: str) -> str:
    """The mapping set as SSSOM/TSV text: the ``#`` YAML metadata block, a header, sorted rows."""
    asserted = dataset.graph(ASSERTED_GRAPH)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    author = _text(ontology, ONTOLOGY_IRI, DCTERMS.creator)
    dates = manifest.get("mapping_dates") or {}
    rows = sorted(set(_rows(asserted, author, dates)))
    table = io.StringIO()
    writer = csv.writer(table, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(astuple(r) for r in rows)
    return _yaml_block(_metadata(ontology, version)) + table.getvalue()
