"""Why a condition has the mechanism it has: the kind, the rule and the source's words.

The kind is either asserted by the curators from the article, or stated by a product label (an
``ivig:indicationKind`` on a labelled indication for the condition); a derivation says which.

Used by ``ivig-graph explain`` and by anything that shows a condition to a person.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from rdflib import RDF, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import SKOS

from ivig_graph.errors import QueryError

if TYPE_CHECKING:  # rdflib's SPARQL engine is imported on first use (0.3 s of a server's start)
    from rdflib.plugins.sparql.sparql import Query
from ivig_graph.vocab import (
    ASSERTED_GRAPH,
    CONDITION,
    INFERRED_GRAPH,
    IVIG,
    ONTOLOGY_GRAPH,
    PREFIXES,
)

RULE = "OWL 2 RL cax-sco (member of the kind's superclass restriction), then cls-hv2 (hasValue)"
LABEL_RULE = (
    "OWL 2 RL prp-inv and prp-spo2 (ivig:labelledKind from the label's ivig:indicationKind), "
    "cls-hv1 and cax-eqc (ivig:LabelledImmunodeficiency), cax-sco (member of the kind's "
    "superclass restriction), then cls-hv2 (hasValue)"
)
ARTICLE = "article"
LABEL = "label"

_DERIVATIONS = """
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
    """
_NAMESPACES = {
    **PREFIXES,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


@cache  # prepared on first use, not at import (it takes tens of milliseconds)
def _derivations() -> Query:
    return _prepared(_DERIVATIONS)


# rdflib's SPARQL parser (pyparsing) is not thread-safe (RDFLib/rdflib#1282): two pages' views
# loaded at once (two apps in one process, as in the tests) failed in it, now and then.
_PARSING = threading.Lock()


def _prepared(text: str) -> Query:
    from rdflib.plugins.sparql import prepareQuery

    with _PARSING:
        return prepareQuery(text, initNs=_NAMESPACES)


# Kinds stated by a product label: the labelled indications that state them, and their sources.
_LABEL_DERIVATIONS = """
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
    """


@cache
def _label_query() -> Query:
    return _prepared(_LABEL_DERIVATIONS)


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


def _bindings(condition: URIRef) -> dict[str, URIRef]:
    """What both derivation queries are given: the condition and the three graphs."""
    return {
        "condition": condition,
        "inferred": INFERRED_GRAPH,
        "asserted": ASSERTED_GRAPH,
        "ontology": ONTOLOGY_GRAPH,
    }


def explain(dataset: Dataset, condition: URIRef) -> Explanation:
    """The derivations of the condition's inferred mechanism(s), or its mechanism note."""
    rows = dataset.query(
        _derivations(),
        initBindings=_bindings(condition),
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
        _label_query(),
        initBindings=_bindings(condition),
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
