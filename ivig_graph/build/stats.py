"""Counts of the built dataset: per graph (VoID-style statistics) and per facet of the uses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import PROV

from ivig_graph.vocab import (
    ASSERTED_GRAPH,
    GRAPHS,
    ICD10CM,
    INFERRED_GRAPH,
    IVIG,
    MATCHES,
    MESH,
    key_of,
)


def graph_statistics(graph: Graph) -> dict[str, int]:
    """VoID statistics of one graph: triples, entities (IRI subjects), classes, properties, ..."""
    subjects = set(graph.subjects())
    return {
        "triples": len(graph),
        "entities": sum(1 for s in subjects if isinstance(s, URIRef)),
        "classes": len(set(graph.objects(None, RDF.type))),
        "properties": len(set(graph.predicates())),
        "distinctSubjects": len(subjects),
        "distinctObjects": len(set(graph.objects())),
    }


def use_counts(dataset: Dataset) -> dict[str, Any]:
    """Conditions per source list, category, approval status and mechanism, and inferred triples."""
    union = ReadOnlyGraphAggregate([dataset.graph(name) for name in GRAPHS])  # a view, no copy
    asserted = dataset.graph(ASSERTED_GRAPH)
    conditions = sorted(set(asserted.subjects(RDF.type, IVIG.Condition)), key=str)

    def tally(predicate: URIRef, graph: Graph) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for condition in conditions:
            values = set(graph.objects(condition, predicate))  # a value in two graphs: once
            for value in values:
                counts[key_of(str(value))] += 1
            if not values:
                counts["(none)"] += 1
        return dict(sorted(counts.items()))

    return {
        "conditions": {"total": len(conditions)},
        "per_list": tally(PROV.wasDerivedFrom, asserted),
        "per_category": tally(IVIG.category, asserted),
        "per_status": tally(IVIG.approvalStatus, asserted),
        "per_intent": tally(IVIG.intent, asserted),
        "per_mechanism": tally(IVIG.mechanism, union),
        "per_current_status": tally(IVIG.currentApprovalStatus, union),
        "labels": label_counts(union, conditions),
        "mappings": mapping_counts(asserted, conditions),
        "inferred": {"triples": len(dataset.graph(INFERRED_GRAPH))},
    }


def label_counts(union: Graph, conditions: list[Any]) -> dict[str, int]:
    """Products, labelled indications, and conditions whose current status is not the article's."""
    differs = sum(
        1
        for condition in conditions
        if set(union.objects(condition, IVIG.currentApprovalStatus))
        - set(union.objects(condition, IVIG.approvalStatus))
    )
    return {
        "products": len(set(union.subjects(RDF.type, IVIG.Product))),
        "labelled_indications": len(set(union.subjects(RDF.type, IVIG.LabelledIndication))),
        "current_status_differs": differs,
    }


MAPPING_SYSTEMS = {"ICD-10-CM": str(ICD10CM), "MeSH": str(MESH)}


def mapping_counts(asserted: Graph, conditions: list[Any]) -> dict[str, dict[str, int]]:
    """Per vocabulary: mappings by SKOS relation, and conditions that no term of it fits."""
    counts: dict[str, dict[str, int]] = {}
    for system, namespace in MAPPING_SYSTEMS.items():
        found = {relation: 0 for relation in MATCHES}
        mapped = set()
        for relation, predicate in MATCHES.items():
            for condition, target in asserted.subject_objects(predicate):
                if str(target).startswith(namespace):
                    found[relation] += 1
                    mapped.add(condition)
        found["none fits"] = sum(1 for condition in conditions if condition not in mapped)
        counts[system] = found
    return counts


SUMMARY_FACETS = (
    "per_list",
    "per_category",
    "per_status",
    "per_current_status",
    "per_intent",
    "per_mechanism",
)


def summary(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The build's summary, (what, how many) per line, from a built dataset's manifest."""
    counts = manifest["counts"]
    lines = [
        (f"conditions {facet.replace('_', ' ')}", _pairs(counts[facet])) for facet in SUMMARY_FACETS
    ]
    lines.append(("conditions total", str(counts["conditions"]["total"])))
    labels = counts["labels"]
    lines.append(
        (
            "product labels",
            f"{labels['products']} products, {labels['labelled_indications']} labelled "
            f"indications, {labels['current_status_differs']} conditions currently not as the "
            "article has them",
        )
    )
    lines += [(f"{system} mappings", _pairs(found)) for system, found in counts["mappings"].items()]
    lines.append(("MeSH headings", str(manifest["mesh_headings"]["note"])))
    lines.append(("inferred triples", str(counts["inferred"]["triples"])))
    lines += [
        (f"graph {name}", f"{stats['triples']} triples")
        for name, stats in manifest["graphs"].items()
    ]
    return lines


def _pairs(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())
