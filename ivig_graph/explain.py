"""Why a condition has the mechanism it has: the kind, the rule and the source's words.

The kind is either asserted by the curators from the article, or stated by a product label (an
``ivig:indicationKind`` on a labelled indication for the condition); a derivation says which.

Used by ``ivig-graph explain`` and by anything that shows a condition to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Dataset, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from .vocab import ASSERTED_GRAPH, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH, PREFIXES

RULE = "OWL 2 RL cax-sco (member of the kind's superclass restriction), then cls-hv2 (hasValue)"
LABEL_RULE = (
    "OWL 2 RL prp-inv and prp-spo2 (ivig:labelledKind from the label's ivig:indicationKind), "
    "cls-hv1 and cax-eqc (ivig:LabelledImmunodeficiency), cax-sco (member of the kind's "
    "superclass restriction), then cls-hv2 (hasValue)"
)
ARTICLE = "article"
LABEL = "label"

_DERIVATIONS = prepareQuery(
    """
    SELECT ?mechanism ?kind ?kindLabel ?basis WHERE {
      GRAPH ?inferred { ?condition ivig:mechanism ?mechanism }
      GRAPH ?asserted { ?condition a ?kind }
      GRAPH ?ontology {
        ?kind rdfs:subClassOf [ owl:onProperty ivig:mechanism ; owl:hasValue ?mechanism ] ;
              rdfs:label ?kindLabel ;
              ivig:mechanismBasis ?basis .
      }
    }
    ORDER BY ?mechanism ?kind
    """,
    initNs={
        **PREFIXES,
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
    },
)


# Kinds stated by a product label: the labelled indications that state them, and their sources.
_LABEL_DERIVATIONS = prepareQuery(
    """
    SELECT ?mechanism ?kind ?kindLabel ?basis ?labelled ?source WHERE {
      GRAPH ?inferred { ?condition ivig:mechanism ?mechanism }
      GRAPH ?asserted {
        ?labelled ivig:labelledCondition ?condition ; ivig:indicationKind ?kind .
        OPTIONAL { ?labelled prov:wasDerivedFrom ?source }
      }
      GRAPH ?ontology {
        ?kind rdfs:subClassOf [ owl:onProperty ivig:mechanism ; owl:hasValue ?mechanism ] ;
              rdfs:label ?kindLabel ;
              ivig:mechanismBasis ?basis .
      }
    }
    ORDER BY ?mechanism ?kind ?labelled ?source
    """,
    initNs={
        **PREFIXES,
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
    },
)


@dataclass(frozen=True)
class Derivation:
    """One reason for an inferred mechanism."""

    mechanism: URIRef
    kind: URIRef
    kind_label: str
    basis: str
    rule: str = RULE
    kind_from: str = ARTICLE  # "article" (asserted by the curators) or "label"
    labelled_indications: tuple[URIRef, ...] = ()  # where kind_from is "label": which ones
    label_sources: tuple[URIRef, ...] = ()  # and the pages they come from


@dataclass(frozen=True)
class Explanation:
    condition: URIRef
    derivations: tuple[Derivation, ...]
    note: str | None  # why there is no mechanism, where the source leaves it unclear


def explain(dataset: Dataset, condition: URIRef) -> Explanation:
    """The derivations of the condition's inferred mechanism(s), or its mechanism note."""
    rows = dataset.query(
        _DERIVATIONS,
        initBindings={
            "condition": condition,
            "inferred": INFERRED_GRAPH,
            "asserted": ASSERTED_GRAPH,
            "ontology": ONTOLOGY_GRAPH,
        },
    )
    derivations = tuple(
        Derivation(
            mechanism=URIRef(binding[Variable("mechanism")]),
            kind=URIRef(binding[Variable("kind")]),
            kind_label=str(binding[Variable("kindLabel")]),
            basis=str(binding[Variable("basis")]),
        )
        for binding in rows.bindings
    )
    note = dataset.graph(ASSERTED_GRAPH).value(condition, IVIG.mechanismNote)
    derivations += _label_derivations(dataset, condition)
    return Explanation(condition, derivations, str(note) if isinstance(note, Literal) else None)


def _label_derivations(dataset: Dataset, condition: URIRef) -> tuple[Derivation, ...]:
    rows = dataset.query(
        _LABEL_DERIVATIONS,
        initBindings={
            "condition": condition,
            "inferred": INFERRED_GRAPH,
            "asserted": ASSERTED_GRAPH,
            "ontology": ONTOLOGY_GRAPH,
        },
    )
    grouped: dict[tuple[URIRef, URIRef], dict[str, Any]] = {}
    for binding in rows.bindings:
        key = (URIRef(binding[Variable("mechanism")]), URIRef(binding[Variable("kind")]))
        entry = grouped.setdefault(
            key,
            {
                "label": str(binding[Variable("kindLabel")]),
                "basis": str(binding[Variable("basis")]),
                "labelled": {},
                "sources": {},
            },
        )
        entry["labelled"][URIRef(binding[Variable("labelled")])] = None
        source = binding.get(Variable("source"))
        if source is not None:
            entry["sources"][URIRef(source)] = None
    return tuple(
        Derivation(
            mechanism=mechanism,
            kind=kind,
            kind_label=entry["label"],
            basis=entry["basis"],
            rule=LABEL_RULE,
            kind_from=LABEL,
            labelled_indications=tuple(entry["labelled"]),
            label_sources=tuple(entry["sources"]),
        )
        for (mechanism, kind), entry in grouped.items()
    )
