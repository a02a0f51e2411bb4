"""Why a condition has the mechanism it has: the asserted kind, the rule and the source's words.

Used by ``ivig-graph explain`` and by anything that shows a condition to a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from ivig_graph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH, PREFIXES

RULE = "OWL 2 RL cax-sco (member of the kind's superclass restriction), then cls-hv2 (hasValue)"

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


@dataclass(frozen=True)
class Derivation:
    """One reason for an inferred mechanism."""

    mechanism: URIRef
    kind: URIRef
    kind_label: str
    basis: str
    rule: str = RULE


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
    return Explanation(condition, derivations, str(note) if isinstance(note, Literal) else None)
