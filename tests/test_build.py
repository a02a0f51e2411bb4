"""The build pipeline: its stages take values, it reads each input once, it imports lightly."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

import ivig_graph
from ivig_graph.build.pipeline import Inputs, assemble, build
from ivig_graph.build.validate import Check, Violation, validate
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import ValidationFailed
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from ivig_graph.web.views.view_file import view_path

REPO = Path(__file__).parent.parent
EX = "https://example.org/"
PREFIXES = """
@prefix ex: <https://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""
SHAPES = """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "Give it a label." ] .
"""
# Any thing whose label is "bad" violates this check.
BAD_LABEL = Check(
    "bad-label-violation.rq",
    """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?resource ?message WHERE {
      ?resource rdfs:label "bad" . BIND ("Choose a better label." AS ?message)
    }""",
)


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def test_validate_takes_values_and_reports_each_broken_rule() -> None:
    data = turtle(
        'ex:a a ex:Thing . ex:b a ex:Thing ; rdfs:label "bad" . ex:c a ex:Thing ; rdfs:label "ok" .'
    )
    report = validate(data, turtle(SHAPES), [BAD_LABEL])
    assert report.violations == (
        Violation(f"{EX}a", "ex:ThingShape rdfs:label", "Give it a label."),
        Violation(f"{EX}b", "checks/bad-label-violation.rq", "Choose a better label."),
    )
    assert (report.shapes_checked, report.checks_run) == (1, 1)


def test_validate_leaves_its_inputs_as_they_were() -> None:
    data, shapes = turtle("ex:a a ex:Thing ."), turtle(SHAPES)
    before = (set(data), set(shapes))
    validate(data, shapes, [BAD_LABEL])
    assert (set(data), set(shapes)) == before


def inline_inputs(asserted: str) -> Inputs:
    ontology = turtle("ex:Thing a owl:Class ; rdfs:subClassOf ex:Entity .")
    return Inputs(ontology, turtle(SHAPES), (BAD_LABEL,), turtle(asserted), "0" * 64)


def test_assemble_is_a_function_of_its_inputs() -> None:
    inputs = inline_inputs('ex:a a ex:Thing ; rdfs:label "A" .')
    dataset = assemble(inputs, reasoner="rules")
    a = URIRef(f"{EX}a")
    assert set(dataset.graph(ASSERTED_GRAPH)) == set(inputs.asserted)
    assert set(dataset.graph(INFERRED_GRAPH)) == {(a, RDF.type, URIRef(f"{EX}Entity"))}
    # The ontology graph holds the ontology and the shapes, exactly as given.
    assert set(dataset.graph(ONTOLOGY_GRAPH)) == set(inputs.ontology) | set(inputs.shapes)


def test_assemble_fails_naming_the_record_and_the_rule() -> None:
    inputs = inline_inputs('ex:a a ex:Thing ; rdfs:label "bad" .')
    with pytest.raises(ValidationFailed) as caught:
        assemble(inputs)
    assert f"{EX}a" in str(caught.value)
    assert "checks/bad-label-violation.rq" in str(caught.value)


@contextmanager
def opened_files(root: Path) -> Iterator[Counter[Path]]:
    """Count every file under ``root`` opened meanwhile (the interpreter's 'open' audit event)."""
    counts: Counter[Path] = Counter()
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and isinstance(args[0], str | Path):
            path = Path(args[0]).resolve()
            if path.is_relative_to(root):
                counts[path.relative_to(root)] += 1

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one goes quiet instead
    try:
        yield counts
    finally:
        active[0] = False


def test_build_reads_each_input_once(sources_copy: Sources) -> None:
    root = sources_copy.ontology.parent.resolve()
    inputs = sorted(
        path.relative_to(root)
        for folder in (sources_copy.ontology, sources_copy.data)
        for path in folder.rglob("*")
        if path.is_file()
    )
    assert len(inputs) >= 15
    with opened_files(root) as counts:
        built = build(root / "out", sources_copy)
    # Each input opened once, and the three files written once each (the store is written by
    # the engine, not through Python's open).
    expected = Counter({path: 1 for path in inputs})
    pages_view = Path("out") / view_path(built).name
    expected.update([Path("out/dataset.nq"), Path("out/manifest.json"), pages_view])
    # curation reads the article twice (asserted_graph and read_conditions each call
    # read_article); the build adds none of its own beyond the one read for the manifest's hash.
    expected[Path("data/source/ivig-article.txt")] = 3
    assert counts == expected


def test_importing_the_pipeline_does_no_heavy_work() -> None:
    # pySHACL and owlrl are imported when the build validates or reasons, not by `import`.
    code = (
        "import sys, ivig_graph.cli, ivig_graph.build.pipeline, ivig_graph.dataset.explain; "
        "print(sorted(m for m in ('pyshacl', 'owlrl') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


def test_the_version_is_pyprojects() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert ivig_graph.__version__ == project["version"]


def test_the_manifest_counts_mappings_per_vocabulary(built: BuiltDataset) -> None:
    """Checked against the mapping files themselves, not the graph the counts come from."""
    counts = built.manifest["counts"]["mappings"]
    for system, name, key in (
        ("ICD-10-CM", "icd10cm.toml", "code"),
        ("MeSH", "mesh.toml", "descriptor"),
    ):
        records = tomllib.loads((REPO / "data" / name).read_text(encoding="utf-8"))["xref"]
        relations = Counter(m["match"] for r in records for m in r.get("matches", []) if m.get(key))
        expected = {
            relation: relations[relation] for relation in ("exact", "close", "broad", "narrow")
        }
        expected["none fits"] = sum(1 for r in records if not r.get("matches"))
        assert counts[system] == expected
