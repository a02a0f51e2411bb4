"""Reasoning: the OWL 2 RL closure (owlrl) of ontology + asserted facts, kept only where useful.

owlrl adds every triple OWL 2 RL entails, most of them noise to a user. ``useful_inferences``
keeps what a user of this graph can use and drops, with the reason:

- triples whose subject is a literal or a blank node: owlrl emits literal-subject triples (not
  valid RDF) from its datatype rules, and blank-node subjects are anonymous OWL restrictions;
- triples about the RDF, RDFS, OWL and XSD vocabularies themselves (their axioms);
- triples whose object is a blank node (membership of an anonymous restriction class);
- anything whose object is owl:Thing or rdfs:Resource (``rdf:type``, ``rdfs:subClassOf``,
  ``rdfs:domain``, ``rdfs:range`` to the top class say nothing);
- ``rdf:type`` to the generic classes owl:NamedIndividual, rdfs:Class, owl:Class, rdf:Property
  and the property kinds (owl:ObjectProperty, ...), which say nothing new;
- reflexive links (``x owl:sameAs x``, ``C rdfs:subClassOf C``, equivalences to self);
- anything already asserted in the ontology or the data.

An inconsistency owlrl detects is reported by it as triples, not an exception; ``reason`` turns
it into ``InconsistentOntology`` so the build fails.

Two reasoners compute the closure: ``owlrl`` (the reference, the default) and ``rules`` (the
rules our ontology uses, as SPARQL on pyoxigraph; see ``reason_rules``), which gives the same
inferred graph many times faster and falls back to owlrl for constructs it does not cover.
"""

from __future__ import annotations

import owlrl
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ivig_graph.build import reason_rules
from ivig_graph.errors import InconsistentOntology

REASONERS = ("owlrl", "rules")

W3C_VOCABULARIES = (str(RDF), str(RDFS), str(OWL), str(XSD))
TOP_CLASSES = frozenset({OWL.Thing, RDFS.Resource})
GENERIC_TYPES = frozenset(
    {
        OWL.NamedIndividual,
        RDFS.Class,
        OWL.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        RDFS.Datatype,
        RDFS.Literal,
    }
)
REFLEXIVE_PREDICATES = frozenset(
    {
        OWL.sameAs,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
    }
)
OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


def _in_w3c_vocabulary(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(W3C_VOCABULARIES)


def is_useful(triple: tuple[Node, Node, Node]) -> bool:
    """Whether an inferred triple is worth keeping (see the module docstring for each rule)."""
    subject, predicate, obj = triple
    if isinstance(subject, Literal | BNode) or isinstance(obj, BNode):
        return False
    if _in_w3c_vocabulary(subject) or obj in TOP_CLASSES:
        return False
    if predicate == RDF.type and obj in GENERIC_TYPES:
        return False
    return not (predicate in REFLEXIVE_PREDICATES and subject == obj)


def owl_rl_closure(ontology: Graph, asserted: Graph) -> Graph:
    """The full OWL 2 RL closure of ontology + asserted facts, as owlrl computes it."""
    closure = Graph()
    closure += ontology
    closure += asserted
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return closure


def inconsistencies(closure: Graph) -> list[str]:
    """The inconsistencies owlrl recorded in its closure (as triples)."""
    return sorted(str(message) for message in closure.objects(None, OWLRL_ERROR))


def useful_inferences(closure: Graph, ontology: Graph, asserted: Graph) -> Graph:
    """The triples of ``closure`` that are new (not in the inputs) and useful."""
    inferred = Graph()
    for triple in closure:
        if triple in ontology or triple in asserted or not is_useful(triple):
            continue
        inferred.add(triple)
    return inferred


def ill_typed_literals(*graphs: Graph) -> list[str]:
    """Literals whose lexical form does not fit their datatype, worded as owlrl reports them."""
    return [
        f"Lexical value of the literal '{o}' does not match its datatype ({o.datatype})"
        for graph in graphs
        for o in graph.objects()
        if isinstance(o, Literal) and o.ill_typed
    ]


def _by_rules(ontology: Graph, asserted: Graph) -> tuple[Graph, list[str]] | None:
    """New triples and inconsistencies by the rule reasoner, or None where it does not apply."""
    reasoner = reason_rules.RuleReasoner(ontology, asserted)
    if reasoner.unsupported():
        return None
    reasoner.close()
    problems = ill_typed_literals(ontology, asserted)
    problems += [f"{x} is defined of type 'Nothing'" for x in reasoner.members_of_nothing()]
    new = Graph()
    for triple in reasoner.new_triples():
        if is_useful(triple):
            new.add(triple)
    return new, sorted(set(problems))


def _by_owlrl(ontology: Graph, asserted: Graph) -> tuple[Graph, list[str]]:
    closure = owl_rl_closure(ontology, asserted)
    return useful_inferences(closure, ontology, asserted), inconsistencies(closure)


def reason(ontology: Graph, asserted: Graph, reasoner: str = "owlrl") -> Graph:
    """What OWL 2 RL adds to ontology + facts that a user can use; raises if inconsistent."""
    if reasoner not in REASONERS:
        raise ValueError(f"Unknown reasoner {reasoner!r}: use one of {', '.join(REASONERS)}.")
    result = _by_rules(ontology, asserted) if reasoner == "rules" else None
    inferred, problems = result or _by_owlrl(ontology, asserted)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise InconsistentOntology(
            f"OWL 2 RL reasoning found {len(problems)} inconsistency(ies):\n{listing}\n"
            "Fix the ontology or the data records involved, then build again."
        )
    return inferred
