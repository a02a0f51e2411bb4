"""The SSSOM export: parsed and validated by the sssom package, and checked against the graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.util import MappingSetDataFrame
from sssom.validators import validate

from ivig_graph import cli
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.dataset.sssom import sssom_tsv
from ivig_graph.vocab import CONDITION, ICD10CM, IVIG, MESH

MATCHES = {
    SKOS.exactMatch: "skos:exactMatch",
    SKOS.closeMatch: "skos:closeMatch",
    SKOS.broadMatch: "skos:broadMatch",
    SKOS.narrowMatch: "skos:narrowMatch",
}
PREFIXES = {str(ICD10CM): "icd10cm", str(MESH): "mesh"}
VALIDATIONS = [
    SchemaValidationType.JsonSchema,
    SchemaValidationType.PrefixMapCompleteness,
    SchemaValidationType.StrictCurieFormat,
]


@pytest.fixture(scope="module")
def text(built: BuiltDataset) -> str:
    return sssom_tsv(built.rdflib_dataset(), built.manifest, built.version)


def parse(text: str, tmp_path: Path) -> MappingSetDataFrame:
    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(text, encoding="utf-8")
    return parse_sssom_table(path)


def problems(msdf: MappingSetDataFrame) -> list[object]:
    reports = validate(msdf, VALIDATIONS, fail_on_error=False)
    return [result for report in reports.values() for result in report.results]


def expected_mappings(asserted: Graph) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) CURIEs of every ICD-10-CM and MeSH mapping in the graph."""
    found = set()
    for condition in asserted.subjects(RDF.type, IVIG.Condition):
        subject = "condition:" + str(condition).removeprefix(str(CONDITION))
        for predicate, curie in MATCHES.items():
            for target in asserted.objects(condition, predicate):
                for namespace, prefix in PREFIXES.items():
                    if str(target).startswith(namespace):
                        local = str(target).removeprefix(namespace)
                        found.add((subject, curie, f"{prefix}:{local}"))
    return found


def expected_non_matches(asserted: Graph) -> set[tuple[str, str, str]]:
    """(subject, vocabulary, note) for every "no code/descriptor fits" note."""
    found = set()
    for condition, note in asserted.subject_objects(SKOS.editorialNote):
        for vocabulary in ("ICD-10-CM", "MeSH"):
            if str(note).startswith(f"{vocabulary}: "):
                subject = "condition:" + str(condition).removeprefix(str(CONDITION))
                found.add((subject, vocabulary, str(note).removeprefix(f"{vocabulary}: ")))
    return found


def test_the_export_parses_and_validates(text: str, tmp_path: Path) -> None:
    msdf = parse(text, tmp_path)
    assert problems(msdf) == []
    assert msdf.metadata["mapping_set_id"].startswith("https://w3id.org/ivig/")
    assert msdf.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert set(msdf.converter.prefix_map) >= {"condition", "icd10cm", "mesh", "skos", "semapv"}


def test_the_validation_is_not_vacuous(text: str, tmp_path: Path) -> None:
    broken = text.replace("semapv:ManualMappingCuration", "semapv:GuessedIt", 1)
    assert problems(parse(broken, tmp_path))


def test_the_version_is_the_dataset_version(text: str, tmp_path: Path, built: BuiltDataset) -> None:
    assert parse(text, tmp_path).metadata["mapping_set_version"] == built.version


def test_every_mapping_in_the_graph_is_a_row_with_its_labels(
    text: str, tmp_path: Path, asserted: Graph
) -> None:
    df = parse(text, tmp_path).df
    mappings = df[df["object_id"] != "sssom:NoTermFound"]
    columns = (mappings["subject_id"], mappings["predicate_id"], mappings["object_id"])
    rows = set(zip(*columns, strict=True))
    expected = expected_mappings(asserted)
    assert len(expected) > 200
    assert rows == expected
    assert len(mappings) == len(expected), "one row per mapping"
    for row in mappings.itertuples():
        condition = CONDITION[row.subject_id.removeprefix("condition:")]
        assert row.subject_label == str(asserted.value(condition, SKOS.prefLabel))
        prefix, local = row.object_id.split(":", 1)
        target = (ICD10CM if prefix == "icd10cm" else MESH)[local]
        assert row.object_label == str(asserted.value(target, SKOS.prefLabel))
        scheme = asserted.value(target, SKOS.inScheme)
        assert isinstance(scheme, URIRef)
        assert row.object_source == str(scheme)
        assert row.object_source_version == str(asserted.value(scheme, DCTERMS.hasVersion))
        assert row.mapping_justification == "semapv:ManualMappingCuration"
        assert row.author_label == "ivig-graph contributors"


def test_non_matches_are_rows_with_the_note(text: str, tmp_path: Path, asserted: Graph) -> None:
    df = parse(text, tmp_path).df
    none_fits = df[df["object_id"] == "sssom:NoTermFound"]
    sources = {"http://purl.bioontology.org/ontology/ICD10CM": "ICD-10-CM"}
    sources["http://id.nlm.nih.gov/mesh"] = "MeSH"
    rows = {(r.subject_id, sources[r.object_source], r.comment) for r in none_fits.itertuples()}
    expected = expected_non_matches(asserted)
    assert {vocabulary for _, vocabulary, _ in expected} == {"ICD-10-CM", "MeSH"}
    assert rows == expected
    assert len(none_fits) == len(expected)
    assert all(note.startswith(f"No {v}") for _, v, note in rows)
    assert total_rows(text) == len(expected_mappings(asserted)) + len(expected)


def total_rows(text: str) -> int:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return len(lines) - 1  # the header


def test_mapping_dates_come_from_the_curated_files(
    text: str, tmp_path: Path, built: BuiltDataset
) -> None:
    df = parse(text, tmp_path).df
    dates = built.manifest["mapping_dates"]
    assert dates == {"ICD-10-CM": "2026-12-01", "MeSH": "2026-12-01"}
    for row in df.itertuples():
        vocabulary = "MeSH" if "nlm.nih.gov" in row.object_source else "ICD-10-CM"
        assert str(row.mapping_date)[:10] == dates[vocabulary]


def test_the_output_is_deterministic_and_sorted(text: str, built: BuiltDataset) -> None:
    again = sssom_tsv(built.rdflib_dataset(), built.manifest, built.version)
    assert again == text
    body = [line for line in text.splitlines() if not line.startswith("#")][1:]
    assert body == sorted(body)


def test_cli_export_sssom(built: BuiltDataset, text: str, tmp_path: Path) -> None:
    output = tmp_path / "out.sssom.tsv"
    arguments = ["export", "--format", "sssom", "--dataset", str(built.directory)]
    code = cli.main([*arguments, "-o", str(output)])
    assert code == 0
    assert output.read_text(encoding="utf-8") == text
