"""Every ICD-10-CM cross-reference is a real code of the pinned release, labelled officially."""

from __future__ import annotations

from importlib.metadata import version

from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from ivig_graph.build import icd10cm
from ivig_graph.build.triples import ICD10CM_SCHEME
from ivig_graph.vocab import ICD10CM, IVIG

MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)


def test_the_pinned_code_set_is_installed() -> None:
    assert version("simple-icd-10-cm") == "1.5.0"


def test_every_stored_code_is_valid_with_its_official_description(union: Graph) -> None:
    codes = {o for p in MATCHES for o in union.objects(None, p) if str(o).startswith(str(ICD10CM))}
    assert len(codes) > 50
    for code_iri in codes:
        code = str(code_iri)[len(str(ICD10CM)) :]
        assert icd10cm.is_code(code), code
        assert str(union.value(code_iri, SKOS.prefLabel)) == icd10cm.describe(code)
        assert str(union.value(code_iri, SKOS.notation)) == code


def test_every_condition_has_a_code_or_a_note_saying_none_fits(union: Graph) -> None:
    for condition in union.subjects(RDF.type, IVIG.Condition):
        has_code = any(
            str(o).startswith(str(ICD10CM)) for p in MATCHES for o in union.objects(condition, p)
        )  # MeSH descriptors are mapped with the same properties: count only ICD-10-CM codes
        notes = [str(n) for n in union.objects(condition, SKOS.editorialNote)]
        assert has_code or any(n.startswith("ICD-10-CM:") for n in notes), condition


def test_release_is_recorded_in_provenance(built: object, union: Graph) -> None:
    release = union.value(ICD10CM_SCHEME, IVIG.icd10cmRelease)
    assert release is not None and "2026" in str(release)
    assert built.manifest["icd10cm_release"] == str(release)  # type: ignore[attr-defined]


def test_invented_codes_are_rejected() -> None:
    assert not icd10cm.is_code("Z99.999")
    assert not icd10cm.is_code("E08-E13")  # a block of categories, not a code
    assert icd10cm.is_code("G70.0")
