"""Validation: SHACL shapes (pySHACL) and QC queries, as data -- a report, not an exception.

``validate(data, shapes, checks)`` runs the shapes (ontology/shapes.ttl) over the data and every
QC check (ontology/checks/*-violation.rq: any row is a violation naming its resource). It takes
values and reads no file: ``build.load_inputs`` reads them once. The build turns a
non-conforming report into ``ValidationFailed``; the CLI prints the report and exits 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ivig_graph.rdf_bridge import to_store


@dataclass(frozen=True)
class Check:
    """One QC query: its file name (the rule a violation names) and its SPARQL text.

    The query selects ``?resource ?message``; every row is a violation.
    """

    name: str
    query: str


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule: which resource, which rule (a shape or a check file), what to do."""

    focus: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus}\n    rule: {self.rule}\n    {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    violations: tuple[Violation, ...]
    shapes_checked: int
    checks_run: int

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        if self.conforms:
            return (
                f"Valid: {self.shapes_checked} SHACL shapes and {self.checks_run} QC checks "
                "found no violations."
            )
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  - {violation}" for violation in self.violations]
        lines.append(
            "Fix the records named above in data/ (see README, 'Curating the data'), "
            "then run `ivig-graph validate` again."
        )
        return "\n".join(lines)


def rule_name(shape: Node, shapes: Graph) -> str:
    """A readable name for the shape that produced a result, e.g. 'shapes:ConditionIntent'."""
    if isinstance(shape, URIRef):
        return shapes.namespace_manager.normalizeUri(shape)
    owner = next(shapes.subjects(SH.property, shape), None)
    path = shapes.value(shape, SH.path)
    owner_name = rule_name(owner, shapes) if owner is not None else "shape"
    path_name = shapes.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "?"
    return f"{owner_name} {path_name}"


def shape_violations(data: Graph, shapes: Graph) -> list[Violation]:
    # pySHACL is imported here, not at module import: it takes a tenth of a second, and
    # commands that never validate (serve, query) import this module through build.
    from pyshacl import validate as shacl_validate

    # pySHACL adds two axioms to the shapes graph it is given (owl:Class rdfs:subClassOf
    # rdfs:Class, ...): it gets a copy, so the caller's shapes (part of the built ontology
    # graph) stay as they were read.
    shapes_copy = Graph()
    shapes_copy += shapes
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes_copy, inference="none", abort_on_first=False, allow_warnings=False
    )
    if conforms:
        return []
    assert isinstance(results, Graph)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        shape = results.value(result, SH.sourceShape)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        detail = str(message) if message is not None else "violates the shape"
        if value is not None and not isinstance(value, BNode):
            detail += f" (value: {value.n3(results.namespace_manager)})"
        violations.append(
            Violation(
                focus=str(focus), rule=rule_name(shape, shapes) if shape else "?", message=detail
            )
        )
    return violations


def check_violations(data: Graph, checks: Sequence[Check]) -> list[Violation]:
    """Run each QC query; every row (?resource ?message) is a violation of that check.

    The checks run on Oxigraph: rdflib's evaluator joins by nested loops, which made the
    duplicate-name check quadratic (39 s at 10x the real graph, against well under a second).
    """
    store = to_store(data)
    violations = []
    for check in checks:
        solutions = store.query(check.query)
        assert isinstance(solutions, ox.QuerySolutions)
        for solution in solutions:
            resource, message = solution["resource"], solution["message"]
            violations.append(Violation(_text(resource), f"checks/{check.name}", _text(message)))
    return violations


def _text(term: object) -> str:
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)


def validate(data: Graph, shapes: Graph, checks: Sequence[Check]) -> ValidationReport:
    """Validate ``data`` (asserted facts together with the ontology) against shapes and checks."""
    violations = shape_violations(data, shapes) + check_violations(data, checks)
    named_shapes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return ValidationReport(tuple(sorted(set(violations))), len(named_shapes), len(checks))
