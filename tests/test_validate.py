"""Validation: each SHACL shape and QC check fires on its invalid example, and only there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph

from ivig_graph.build.validate import SH, load_shapes, rule_name, validate
from ivig_graph.resources import Sources

DATA = Path(__file__).parent / "data"
VALID = sorted((DATA / "valid").glob("*.ttl"))
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)


def example_graph(path: Path) -> Graph:
    graph = Graph().parse(Sources.default().ontology_file, format="turtle")
    return graph.parse(path, format="turtle")


def expected_rules(path: Path) -> set[str]:
    match = EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no '# expect: ...' header"
    return {rule.strip() for rule in match.group(1).split(",")}


def test_examples_were_found() -> None:
    assert VALID and len(INVALID) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path: Path) -> None:
    report = validate(example_graph(path))
    assert report.conforms, report.text()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_breaks_exactly_its_rules(path: Path) -> None:
    report = validate(example_graph(path))
    assert not report.conforms
    assert {v.rule for v in report.violations} == expected_rules(path), report.text()
    # The report names the record and says what to do.
    for violation in report.violations:
        assert violation.focus.startswith(("https://w3id.org/ivig/", "http"))
        assert violation.message


def test_every_shape_and_check_has_an_invalid_example() -> None:
    shapes = load_shapes(Sources.default())
    rules = set()
    for shape in set(shapes.subjects(SH.path, None)) | set(shapes.subjects(RDF.type, SH.NodeShape)):
        constrained = set(shapes.predicates(shape)) - {RDF.type, SH.property, SH.targetClass}
        if constrained - {SH.message}:
            rules.add(rule_name(shape, shapes))
    rules |= {f"checks/{p.name}" for p in Sources.default().checks.glob("*-violation.rq")}
    covered = set().union(*(expected_rules(p) for p in INVALID))
    # Node shapes whose only constraints are their property shapes are covered through them.
    uncovered = {r for r in rules - covered if not r.endswith(("Shape", "EnumerationShape"))}
    uncovered -= {"shapes:CategoryShape", "shapes:TherapyShape"}
    assert not uncovered, f"no invalid example for: {sorted(uncovered)}"
    assert covered <= rules | {"shapes:ConditionShape"}, sorted(covered - rules)


def test_the_real_data_conforms(asserted: Graph, ontology: Graph, inferred: Graph) -> None:
    report = validate(ontology + asserted + inferred)
    assert report.conforms, report.text()
    assert report.shapes_checked >= 20 and report.checks_run >= 8
