"""Reasoning: what the inferred graph holds, what it leaves out, and inconsistencies."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from ivig_graph.build.reason import W3C_VOCABULARIES, is_useful, owl_rl_closure, reason
from ivig_graph.errors import InconsistentOntology
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION, IVIG

PREFIXES = """
@prefix ivig: <https://w3id.org/ivig/ontology#> .
@prefix cond: <https://w3id.org/ivig/id/condition/> .
@prefix ind: <https://w3id.org/ivig/id/indication/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


@pytest.fixture(scope="module")
def ontology_file() -> Graph:
    return Graph().parse(Sources.default().ontology_file, format="turtle")


def facts(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def test_inferred_graph_is_only_new_useful_triples(
    inferred: Graph, asserted: Graph, ontology: Graph
) -> None:
    assert len(inferred) > 300
    for s, p, o in inferred:
        assert not isinstance(s, Literal | BNode), (s, p, o)
        assert not isinstance(o, BNode), (s, p, o)
        assert not str(s).startswith(W3C_VOCABULARIES), (s, p, o)
        assert o not in (OWL.Thing, RDFS.Resource), (s, p, o)
        assert not (p == OWL.sameAs and s == o)
        assert (s, p, o) not in asserted and (s, p, o) not in ontology


def test_inferred_graph_is_owlrl_closure_minus_filtered(
    inferred: Graph, asserted: Graph, ontology_file: Graph
) -> None:
    closure = owl_rl_closure(ontology_file, asserted)
    kept = {t for t in closure if is_useful(t) and t not in asserted and t not in ontology_file}
    assert kept == set(inferred)


def test_mechanism_follows_the_kind() -> None:
    ontology = Graph().parse(Sources.default().ontology_file, format="turtle")
    data = facts(
        """
        cond:a a ivig:Condition , ivig:AutoimmuneDisorder .
        cond:b a ivig:Condition , ivig:Immunodeficiency .
        cond:c a ivig:Condition , ivig:InflammatoryDisorder .
        ind:a a ivig:Indication ; ivig:condition cond:a ; ivig:therapy ivig:IVIG .
        """
    )
    inferred = reason(ontology, data)
    assert (CONDITION.a, IVIG.mechanism, IVIG.ImmuneSuppression) in inferred
    assert (CONDITION.b, IVIG.mechanism, IVIG.ImmuneBoosting) in inferred
    assert not list(inferred.objects(CONDITION.c, IVIG.mechanism))
    # The property chain carries the mechanism to the indication, and the inverse links back.
    indication = URIRef("https://w3id.org/ivig/id/indication/a")
    assert (indication, IVIG.mechanism, IVIG.ImmuneSuppression) in inferred
    assert (CONDITION.a, IVIG.indication, indication) in inferred
    assert (CONDITION.a, RDF.type, URIRef("https://schema.org/MedicalCondition")) in inferred


def test_an_inconsistency_fails_with_the_reason(ontology_file: Graph) -> None:
    # The ontology says the two mechanisms are different individuals; sameAs contradicts that.
    data = facts("ivig:ImmuneSuppression owl:sameAs ivig:ImmuneBoosting .")
    with pytest.raises(InconsistentOntology) as caught:
        reason(ontology_file, data)
    message = str(caught.value)
    assert "inconsistenc" in message and "ImmuneSuppression" in message


def test_a_functional_property_clash_is_an_inconsistency(ontology_file: Graph) -> None:
    data = facts(
        """
        cond:a a ivig:Condition . cond:b a ivig:Condition .
        cond:a owl:differentFrom cond:b .
        ind:x a ivig:Indication ; ivig:condition cond:a , cond:b .
        """
    )
    with pytest.raises(InconsistentOntology):
        reason(ontology_file, data)


def test_is_useful_drops_noise() -> None:
    x = URIRef("https://w3id.org/ivig/id/condition/x")
    assert is_useful((x, IVIG.mechanism, IVIG.ImmuneBoosting))
    assert not is_useful((Literal("1"), RDF.type, RDFS.Literal))
    assert not is_useful((x, RDF.type, BNode()))
    assert not is_useful((x, OWL.sameAs, x))
    assert not is_useful((x, RDF.type, OWL.Thing))
    assert not is_useful((OWL.Thing, RDF.type, OWL.Class))
    assert not is_useful((IVIG.Condition, RDFS.subClassOf, IVIG.Condition))
