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
UNSUPPORTED = (
    PREFIXES
    + """
SELECT DISTINCT ?construct WHERE {
  {
    ?s ?construct ?o .
    VALUES ?construct {
      owl:unionOf owl:intersectionOf owl:complementOf owl:someValuesFrom owl:allValuesFrom
      owl:maxCardinality owl:maxQualifiedCardinality owl:hasKey owl:sameAs
      owl:disjointWith owl:propertyDisjointWith owl:AllDisjointClasses owl:AllDifferent
    }
  } UNION {
    ?s a ?construct .
    VALUES ?construct {
      owl:FunctionalProperty owl:InverseFunctionalProperty owl:IrreflexiveProperty
      owl:AsymmetricProperty owl:NegativePropertyAssertion
    }
    FILTER EXISTS { ?x ?s ?y1 , ?y2 FILTER (?y1 != ?y2) }
  } UNION {
    ?p owl:propertyChainAxiom ?list .
    FILTER NOT EXISTS { ?list rdf:rest/rdf:rest rdf:nil }
    BIND (owl:propertyChainAxiom AS ?construct)
  }
}
"""
)


def _store(graph: Graph) -> ox.Store:
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def unsupported(graph: Graph) -> list[str]:
    """The OWL constructs in ``graph`` that this rule set would not handle exactly as owlrl."""
    store = _store(graph)
    solutions = store.query(UNSUPPORTED)
    assert isinstance(solutions, ox.QuerySolutions)
    return sorted(solution["construct"].value for solution in solutions)


def closure(graph: Graph) -> Graph:
    """Apply the rules to ``graph`` until no rule adds anything; return graph plus inferences."""
    store = _store(graph)
    while True:
        before = len(store)
        for query in COMPILED.values():
            triples = store.query(query)
            assert isinstance(triples, ox.QueryTriples)
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in list(triples))
        if len(store) == before:
            break
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=data, format="nt")
