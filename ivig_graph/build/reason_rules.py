"""A fast reasoner: the OWL 2 RL rules the IVIG ontology uses, as SPARQL on pyoxigraph.

owlrl applies every OWL 2 RL rule to every triple in Python; at 100x the real graph that takes
minutes. Here each rule the ontology can trigger is one CONSTRUCT query (fixed text below),
evaluated by Oxigraph until nothing new appears. ``reason.reason`` then applies the same filter
and inconsistency check to the result as to owlrl's, and tests/test_reason_rules.py checks that
both give the same inferred graph.

Constructs outside this rule set (e.g. owl:sameAs between distinct individuals, property chains
longer than two, owl:unionOf/intersectionOf, cardinalities) make ``unsupported`` name them, so the
build falls back to owlrl rather than silently missing inferences.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# name -> CONSTRUCT body (OWL 2 RL rule names from the W3C OWL 2 Profiles, section 4.3).
RULES: dict[str, str] = {
    "cax-sco": "CONSTRUCT { ?x a ?d } WHERE { ?c rdfs:subClassOf ?d . ?x a ?c }",
    "cax-eqc": """CONSTRUCT { ?x a ?d } WHERE {
        { ?c owl:equivalentClass ?d } UNION { ?d owl:equivalentClass ?c } ?x a ?c }""",
    "cls-hv1": """CONSTRUCT { ?x a ?r } WHERE {
        ?r owl:hasValue ?v ; owl:onProperty ?p . ?x ?p ?v }""",
    "cls-hv2": """CONSTRUCT { ?x ?p ?v } WHERE {
        ?r owl:hasValue ?v ; owl:onProperty ?p . ?x a ?r }""",
    "cls-oo": """CONSTRUCT { ?y a ?c } WHERE { ?c owl:oneOf/rdf:rest*/rdf:first ?y }""",
    "prp-dom": "CONSTRUCT { ?x a ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y }",
    "prp-rng": "CONSTRUCT { ?y a ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y }",
    "prp-spo1": "CONSTRUCT { ?x ?q ?y } WHERE { ?p rdfs:subPropertyOf ?q . ?x ?p ?y }",
    "prp-eqp": """CONSTRUCT { ?x ?q ?y } WHERE {
        { ?p owl:equivalentProperty ?q } UNION { ?q owl:equivalentProperty ?p } ?x ?p ?y }""",
    "prp-spo2": """CONSTRUCT { ?x ?p ?z } WHERE {
        ?p owl:propertyChainAxiom ?list .
        ?list rdf:first ?p1 ; rdf:rest ?rest .
        ?rest rdf:first ?p2 ; rdf:rest rdf:nil .
        ?x ?p1 ?y . ?y ?p2 ?z }""",
    "prp-inv": """CONSTRUCT { ?y ?q ?x } WHERE {
        { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } ?x ?p ?y }""",
    "prp-symp": "CONSTRUCT { ?y ?p ?x } WHERE { ?p a owl:SymmetricProperty . ?x ?p ?y }",
    "prp-trp": """CONSTRUCT { ?x ?p ?z } WHERE {
        ?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z }""",
    "scm-sco": """CONSTRUCT { ?c rdfs:subClassOf ?e } WHERE {
        ?c rdfs:subClassOf ?d . ?d rdfs:subClassOf ?e }""",
    "scm-spo": """CONSTRUCT { ?p rdfs:subPropertyOf ?r } WHERE {
        ?p rdfs:subPropertyOf ?q . ?q rdfs:subPropertyOf ?r }""",
    "scm-dom1": """CONSTRUCT { ?p rdfs:domain ?d } WHERE {
        ?p rdfs:domain ?c . ?c rdfs:subClassOf ?d }""",
    "scm-dom2": """CONSTRUCT { ?p1 rdfs:domain ?c } WHERE {
        ?p2 rdfs:domain ?c . ?p1 rdfs:subPropertyOf ?p2 }""",
    "scm-rng1": """CONSTRUCT { ?p rdfs:range ?d } WHERE {
        ?p rdfs:range ?c . ?c rdfs:subClassOf ?d }""",
    "scm-rng2": """CONSTRUCT { ?p1 rdfs:range ?c } WHERE {
        ?p2 rdfs:range ?c . ?p1 rdfs:subPropertyOf ?p2 }""",
    "scm-eqc": """CONSTRUCT { ?c rdfs:subClassOf ?d . ?d rdfs:subClassOf ?c } WHERE {
        ?c owl:equivalentClass ?d }""",
    "scm-eqp": """CONSTRUCT { ?p rdfs:subPropertyOf ?q . ?q rdfs:subPropertyOf ?p } WHERE {
        ?p owl:equivalentProperty ?q }""",
}
COMPILED = {name: PREFIXES + body for name, body in RULES.items()}

# Constructs this rule set does not cover: their presence means owlrl must be used instead.
UNSUPPORTED_VOCABULARY = (
    PREFIXES
    + """
SELECT DISTINCT ?construct WHERE {
  VALUES ?construct {
    owl:unionOf owl:intersectionOf owl:complementOf owl:someValuesFrom owl:allValuesFrom
    owl:maxCardinality owl:maxQualifiedCardinality owl:hasKey owl:sameAs
    owl:disjointWith owl:propertyDisjointWith owl:members owl:distinctMembers
    owl:IrreflexiveProperty owl:AsymmetricProperty owl:NegativePropertyAssertion
    owl:InverseFunctionalProperty
  }
  { ?s ?construct ?o } UNION { ?s a ?construct }
}
"""
)
# A functional property with two values entails owl:sameAs, which the rules do not propagate.
FUNCTIONAL_CLASH = (
    PREFIXES
    + """
ASK { ?p a owl:FunctionalProperty . ?x ?p ?y1 , ?y2 . FILTER (?y1 != ?y2) }
"""
)
LONG_CHAIN = (
    PREFIXES
    + """
ASK { ?p owl:propertyChainAxiom ?list . FILTER NOT EXISTS { ?list rdf:rest/rdf:rest rdf:nil } }
"""
)
NOTHING = PREFIXES + "SELECT DISTINCT ?x WHERE { ?x a owl:Nothing }"
# What the rules added: not in the input, subject an IRI, object not a blank node (the rest of
# the filter is reason.is_useful, applied to this much smaller set).
NEW_TRIPLES = (
    PREFIXES
    + """
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH <urn:ivig:reasoning:new> { ?s ?p ?o }
  FILTER (isIRI(?s) && !isBlank(?o))
  FILTER NOT EXISTS { GRAPH <urn:ivig:reasoning:input> { ?s ?p ?o } }
}
"""
)
INPUT = ox.NamedNode("urn:ivig:reasoning:input")
NEW = ox.NamedNode("urn:ivig:reasoning:new")


class RuleReasoner:
    """The input graphs in an Oxigraph store, ready to be checked and closed under the rules."""

    def __init__(self, *graphs: Graph) -> None:
        self.store = ox.Store()
        for graph in graphs:
            data = graph.serialize(format="nt", encoding="utf-8")
            self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=INPUT)

    def _select(self, query: str) -> list[ox.QuerySolution]:
        solutions = self.store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return list(solutions)

    def _ask(self, query: str) -> bool:
        return bool(self.store.query(query, use_default_graph_as_union=True))

    def unsupported(self) -> list[str]:
        """The OWL constructs in the input that the rules would not handle exactly as owlrl."""
        found = {
            str(solution["construct"].value) for solution in self._select(UNSUPPORTED_VOCABULARY)
        }
        if self._ask(FUNCTIONAL_CLASH):
            found.add("http://www.w3.org/2002/07/owl#FunctionalProperty")
        if self._ask(LONG_CHAIN):
            found.add("http://www.w3.org/2002/07/owl#propertyChainAxiom")
        return sorted(found)

    def close(self) -> None:
        """Apply every rule until none adds anything (inferences go to a separate graph)."""
        while True:
            before = len(self.store)
            for query in COMPILED.values():
                triples = self.store.query(query, use_default_graph_as_union=True)
                assert isinstance(triples, ox.QueryTriples)
                self.store.extend(ox.Quad(t.subject, t.predicate, t.object, NEW) for t in triples)
            if len(self.store) == before:
                return

    def new_triples(self) -> Graph:
        """What the rules added to the input (IRI subjects, no blank-node objects)."""
        triples = self.store.query(NEW_TRIPLES)
        assert isinstance(triples, ox.QueryTriples)
        return Graph().parse(data=triples.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")

    def members_of_nothing(self) -> list[str]:
        return sorted(str(solution["x"].value) for solution in self._select(NOTHING))


def unsupported(graph: Graph) -> list[str]:
    """The OWL constructs in ``graph`` that this rule set would not handle exactly as owlrl."""
    return RuleReasoner(graph).unsupported()
