"""Counts of the built dataset: per graph (VoID-style statistics) and per facet of the uses."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import PROV

from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, IVIG


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


def use_counts(dataset: Dataset) -> dict[str, dict[str, int]]:
    """Conditions per source list, category, approval status and mechanism, and inferred triples."""
    union = Graph()
    for name in GRAPHS:
        union += dataset.graph(name)
    asserted = dataset.graph(ASSERTED_GRAPH)
    conditions = sorted(set(asserted.subjects(RDF.type, IVIG.Condition)), key=str)

    def tally(predicate: URIRef, graph: Graph) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for condition in conditions:
            values = list(graph.objects(condition, predicate))
            for value in values:
                counts[_fragment(value)] += 1
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
        "inferred": {"triples": len(dataset.graph(INFERRED_GRAPH))},
    }


def _fragment(node: Any) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
