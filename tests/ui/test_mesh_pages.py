"""Condition pages show each MeSH descriptor beside the ICD-10-CM codes, with its heading; the
home page offers the cross-references as SSSOM."""

from __future__ import annotations

from flask.testing import FlaskClient
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SKOS

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.dataset.sssom import sssom_tsv
from ivig_graph.vocab import ICD10CM, IVIG, MESH
from tests.ui.html import Element, parse_html

MATCH_LABELS = {
    SKOS.exactMatch: "Exact match",
    SKOS.closeMatch: "Close match",
    SKOS.broadMatch: "Broader",
    SKOS.narrowMatch: "Narrower",
}


def page(client: FlaskClient, condition: URIRef) -> Element:
    path = "/id/" + str(condition).removeprefix("https://w3id.org/ivig/id/")
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return parse_html(response.data)


def rows(document: Element) -> dict[str, list[str]]:
    """The cross-reference table: the linked IRI of each row -> the text of its cells."""
    tables = document.find_all("table", cls="xrefs")
    if not tables:
        return {}
    found = {}
    for row in tables[0].find("tbody").iter("tr"):
        ((href, _),) = row.links()
        found[href] = [cell.text().strip() for cell in row.iter() if cell.tag in ("th", "td")]
    return found


def test_every_descriptor_is_shown_with_its_heading_beside_the_codes(
    client: FlaskClient, asserted: Graph
) -> None:
    conditions = list(asserted.subjects(RDF.type, IVIG.Condition))
    assert len(conditions) == 102
    shown_with_both = 0
    for condition in conditions:
        table = rows(page(client, condition))
        mesh_rows = {iri: cells for iri, cells in table.items() if iri.startswith(str(MESH))}
        expected = {
            (str(o), label)
            for p, label in MATCH_LABELS.items()
            for o in asserted.objects(condition, p)
            if str(o).startswith(str(MESH))
        }
        assert {iri for iri, _ in expected} == set(mesh_rows), condition
        for iri, relation in expected:
            code, vocabulary, heading, shown_relation = mesh_rows[iri]
            descriptor = URIRef(iri)
            assert code == str(asserted.value(descriptor, SKOS.notation))
            assert vocabulary == "MeSH"
            assert heading == str(asserted.value(descriptor, SKOS.prefLabel))
            assert shown_relation.startswith(relation), (condition, iri, shown_relation)
        icd_rows = [cells for iri, cells in table.items() if iri.startswith(str(ICD10CM))]
        assert all(cells[1] == "ICD-10-CM" for cells in icd_rows)
        shown_with_both += bool(mesh_rows and icd_rows)
    assert shown_with_both > 50


def test_a_no_descriptor_fits_note_is_shown_with_the_cross_references(
    client: FlaskClient, asserted: Graph
) -> None:
    condition = URIRef("https://w3id.org/ivig/id/condition/infection-risk-burns")
    notes = [str(n) for n in asserted.objects(condition, SKOS.editorialNote)]
    (note,) = [n for n in notes if n.startswith("MeSH: ")]
    document = page(client, condition)
    section = document.find("section", aria_labelledby="xrefs-title")
    assert note.removeprefix("MeSH: ") in section.text()
    assert "MeSH descriptors as retrieved on 2026-01-27" in section.text()


def test_the_home_page_offers_the_sssom_download(client: FlaskClient, built: BuiltDataset) -> None:
    text = sssom_tsv(built.rdflib_dataset(), built.manifest, built.version)
    document = parse_html(client.get("/", headers={"Accept": "text/html"}).data)
    section = document.by_id("mappings")
    (href,) = [h for h, _ in section.links() if h.startswith("/downloads/")]
    response = client.get(href)
    assert response.status_code == 200
    assert response.mimetype == "text/tab-separated-values"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="ivig-graph-{built.version}.sssom.tsv"'
    assert response.data.decode("utf-8") == text
    assert text.startswith("#curie_map:")
