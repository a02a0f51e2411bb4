"""Why a condition has the mechanism it has: the asserted kind, the rule and the source's words.

Used by ``ivig-graph explain`` and by anything that shows a condition to a person.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from rdflib import RDF, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import SKOS
from rdflib.plugins.sparql import prepareQuery

from .errors import QueryError
from .vocab import ASSERTED_GRAPH, CONDITION, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH, PREFIXES

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


# ---------------------------------------------------------------- finding the condition meant

NAME_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, IVIG.sourceLabel)
SUGGESTIONS = 5
MIN_WORD = 4  # shorter words of a name (of, a, in) suggest nothing


class UnknownCondition(QueryError):
    """No condition (or more than one) answers to the name given; the message suggests some."""


def _key(text: str) -> str:
    """A name as it is compared: case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


def _names(asserted: Graph) -> dict[str, set[URIRef]]:
    """Every condition under each of its keys: its slug and every name it has."""
    names: dict[str, set[URIRef]] = {}
    for condition in asserted.subjects(RDF.type, IVIG.Condition):
        if not isinstance(condition, URIRef):
            continue
        labels = [condition.removeprefix(str(CONDITION))]
        for prop in NAME_PROPERTIES:
            labels += [str(label) for label in asserted.objects(condition, prop)]
        for label in labels:
            names.setdefault(_key(label), set()).add(condition)
    return names


def _as_iri(text: str) -> URIRef | None:
    """``text`` as an IRI, if it is written as one (``<…>``, ``condition:slug`` or absolute)."""
    text = text.strip().removeprefix("<").removesuffix(">")
    if not text or any(c.isspace() or c in '<>"{}|^`\\' for c in text):
        return None
    prefix, colon, local = text.partition(":")
    if not colon:
        return None
    return URIRef(str(CONDITION) + local if prefix == "condition" else text)


def _slug(condition: URIRef) -> str:
    return condition.removeprefix(str(CONDITION))


def find_condition(dataset: Dataset, text: str) -> URIRef:
    """The condition ``text`` names: its slug, IRI (``<…>`` or ``condition:…``) or one of its
    names (preferred, alternative, or the source's wording); ``UnknownCondition`` otherwise."""
    asserted = dataset.graph(ASSERTED_GRAPH)
    iri = _as_iri(text)
    if iri is not None and (iri, RDF.type, IVIG.Condition) in asserted:
        return iri
    names = _names(asserted)
    found = names.get(_key(text), set())
    if len(found) == 1:
        return next(iter(found))
    if found:
        slugs = ", ".join(sorted(_slug(c) for c in found))
        raise UnknownCondition(f"{text!r} names several conditions: {slugs}; give the slug.")
    # An IRI that is not one of ours: suggest from its last segment, the would-be slug.
    wanted = re.split(r"[/:#]", str(iri))[-1] if iri is not None else text
    raise UnknownCondition(f"No condition called {text!r}.{_suggest(asserted, names, wanted)}")


def _suggest(asserted: Graph, names: dict[str, set[URIRef]], text: str) -> str:
    """Conditions whose names are close to ``text``, or contain a word close to one of its."""
    wanted = _key(text)
    close = difflib.get_close_matches(wanted, list(names), n=SUGGESTIONS, cutoff=0.6)
    by_word: dict[str, list[str]] = {}
    for key in names:
        for word in key.split(" "):
            by_word.setdefault(word, []).append(key)
    for word in (w for w in wanted.split(" ") if len(w) >= MIN_WORD):
        for near in difflib.get_close_matches(word, list(by_word), n=SUGGESTIONS, cutoff=0.75):
            close += [key for key in by_word[near] if key not in close]
    suggested: list[URIRef] = []
    for key in close:
        suggested += [c for c in sorted(names[key]) if c not in suggested]
    if not suggested:
        return " Find it with `ivig-graph query` or on the server's /conditions page."
    shown = [f"{_slug(c)} ({asserted.value(c, SKOS.prefLabel)})" for c in suggested[:SUGGESTIONS]]
    return " Did you mean: " + "; ".join(shown) + "?"
