"""The rule reasoner gives exactly owlrl's inferred graph (after filtering), and fails alike."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from ivig_graph.build import reason_rules
from ivig_graph.build.reason import reason
from ivig_graph.build.synthetic import scaled_asserted
from ivig_graph.errors import InconsistentOntology
from ivig_graph.resources import Sources

PREFIXES = """
@prefix ivig: <https://w3id.org/ivig/ontology#> .
@prefix cond: <https://w3id.org/ivig/id/condition/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def ontology_file() -> Graph:
    return Graph().parse(Sources.default().ontology_file, format="turtle")


def assert_same(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(expected, actual)
        pytest.fail(
            "rule reasoner differs from owlrl\nonly owlrl:\n"
            + only_expected.serialize(format="nt")
            + "\nonly rules:\n"
            + only_actual.serialize(format="nt")
        )


def test_the_ontology_uses_only_covered_constructs(ontology_file: Graph, asserted: Graph) -> None:
    assert reason_rules.unsupported(ontology_file + asserted) == []


@pytest.mark.parametrize("scale", [1, 2])
def test_same_inferences_as_owlrl(ontology_file: Graph, scale: int) -> None:
    asserted = scaled_asserted(scale)
    by_owlrl = reason(ontology_file, asserted, "owlrl")
    by_rules = reason(ontology_file, asserted, "rules")
    assert len(by_owlrl) > 700 * scale
    assert_same(by_owlrl, by_rules)


def test_the_build_can_use_either(inferred: Graph, ontology_file: Graph, asserted: Graph) -> None:
    assert_same(inferred, reason(ontology_file, asserted, "rules"))


@pytest.mark.parametrize(
    "turtle",
    [
        'cond:a ivig:sourceLine "abc"^^xsd:integer .',
        "cond:a a owl:Nothing .",
        # Constructs the rules do not cover fall back to owlrl, which finds the clash.
        "ivig:ImmuneSuppression owl:sameAs ivig:ImmuneBoosting .",
    ],
)
def test_inconsistencies_fail_with_both(ontology_file: Graph, turtle: str) -> None:
    data = Graph().parse(data=PREFIXES + turtle, format="turtle")
    for reasoner in ("owlrl", "rules"):
        with pytest.raises(InconsistentOntology):
            reason(ontology_file, data, reasoner)


def test_unsupported_constructs_are_named() -> None:
    data = Graph().parse(
        data=PREFIXES + "cond:a owl:sameAs cond:b . ivig:X owl:unionOf ( ivig:A ivig:B ) .",
        format="turtle",
    )
    found = reason_rules.unsupported(data)
    assert "http://www.w3.org/2002/07/owl#sameAs" in found
    assert "http://www.w3.org/2002/07/owl#unionOf" in found


def test_unknown_reasoner_is_refused(ontology_file: Graph) -> None:
    with pytest.raises(ValueError, match="owlrl"):
        reason(ontology_file, Graph(), "magic")
