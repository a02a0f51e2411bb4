"""Validation: SHACL shapes (pySHACL) and QC queries, as data -- a report, not an exception.

``validate(data, sources)`` runs ontology/shapes.ttl over the data and every
ontology/checks/*-violation.rq query (any row is a violation naming its resource). The build
turns a non-conforming report into ``ValidationFailed``; the CLI prints the report and exits 3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.term import Node

from ivig_graph.resources import Sources

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES = Namespace("https://w3id.org/ivig/shapes#")


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


def load_shapes(sources: Sources) -> Graph:
    shapes = Graph()
    shapes.parse(sources.shapes_file, format="turtle")
    shapes.bind("shapes", SHAPES)
    return shapes


def shape_violations(data: Graph, shapes: Graph) -> list[Violation]:
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=False
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


def check_files(sources: Sources) -> list[Path]:
    return sorted(sources.checks.glob("*-violation.rq"))


def check_violations(data: Graph, checks: Iterable[Path]) -> list[Violation]:
    """Run each QC query; every row (?resource ?message) is a violation of that check.

    The checks run on Oxigraph: rdflib's evaluator joins by nested loops, which made the
    duplicate-name check quadratic (39 s at 10x the real graph, against well under a second).
    """
    store = ox.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    violations = []
    for check in checks:
        solutions = store.query(check.read_text(encoding="utf-8"))
        assert isinstance(solutions, ox.QuerySolutions)
        for solution in solutions:
            resource, message = solution["resource"], solution["message"]
            violations.append(Violation(_text(resource), f"checks/{check.name}", _text(message)))
    return violations


def _text(term: object) -> str:
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)


def validate(data: Graph, sources: Sources | None = None) -> ValidationReport:
    """Validate ``data`` (asserted facts together with the ontology) against shapes and checks."""
    sources = sources or Sources.default()
    shapes = load_shapes(sources)
    checks = check_files(sources)
    violations = shape_violations(data, shapes) + check_violations(data, checks)
    named_shapes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return ValidationReport(tuple(sorted(set(violations))), len(named_shapes), len(checks))
