"""The pure core behind the pages (ivig_graph.web.views) without HTTP."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ivig_graph import formats
from ivig_graph.dataset.files import new_dataset
from ivig_graph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.browse import Selection, select
from ivig_graph.web.views.describe import SubjectIndex, serialize
from ivig_graph.web.views.links import compact, href, local_path
from ivig_graph.web.views.results import example, from_json
from ivig_graph.web.views.search import normalize
from tests.web.conftest import make_small_dataset


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Wegener\u2019s granulomatosis", "wegeners granulomatosis"),
        ("WEGENER'S", "wegeners"),
        ("Guillain\u2013Barr\u00e9  syndrome", "guillain barre syndrome"),
        ("Beh\u00e7et", "behcet"),
    ],
)
def test_normalize(text: str, folded: str) -> None:
    assert normalize(text) == folded


@pytest.mark.parametrize(
    ("iri", "path", "link"),
    [
        ("https://w3id.org/ivig/id/condition/x", "/id/condition/x", "/id/condition/x"),
        ("https://w3id.org/ivig/ontology#mechanism", "/ontology#mechanism", "/ontology#mechanism"),
        ("https://w3id.org/ivig/ontology", "/ontology", "/ontology"),
        (
            "http://purl.bioontology.org/ontology/ICD10CM/M31.3",
            None,
            "http://purl.bioontology.org/ontology/ICD10CM/M31.3",
        ),
        ("javascript:alert(1)", None, None),
        ("urn:x", None, None),
        ("https://w3id.org/ivig/id/", None, "https://w3id.org/ivig/id/"),
    ],
)
def test_links(iri: str, path: str | None, link: str | None) -> None:
    assert local_path(iri) == path
    assert href(iri) == link


def test_compact_names() -> None:
    assert (
        compact("https://w3id.org/ivig/id/condition/kawasaki-disease")
        == "condition:kawasaki-disease"
    )
    assert compact("http://purl.bioontology.org/ontology/ICD10CM/M31.3") == "icd10cm:M31.3"
    assert compact("http://example.org/a b") == "<http://example.org/a b>"


def test_descriptions_follow_blank_nodes_within_each_graph() -> None:
    """Regression: a statement with a blank node object brings the blank node's statements,
    from the same graph only; other subjects are left out."""
    dataset = Dataset()
    dataset.parse(
        data="""
        @prefix ex: <http://example.org/> .
        <https://w3id.org/ivig/graph/asserted> {
            ex:a ex:p [ ex:q [ ex:r "deep" ] ] ; ex:s ex:b .
            ex:b ex:p "other subject" .
        }
        <https://w3id.org/ivig/graph/inferred> { ex:a ex:t "inferred" . }
        """,
        format="trig",
    )
    description = SubjectIndex.of_dataset(dataset).describe_resource("http://example.org/a")
    assert [name for name, _ in description.parts] == [ASSERTED_GRAPH, INFERRED_GRAPH]
    assert len(description.triples(ASSERTED_GRAPH)) == 4
    assert len(description.triples(INFERRED_GRAPH)) == 1
    turtle = serialize(description, formats.TURTLE).decode()
    assert turtle.index(f"<{ASSERTED_GRAPH}>") < turtle.index(f"<{INFERRED_GRAPH}>")
    expected = Graph()
    for triple in description.triples():
        expected.add(triple)
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), expected)


def test_results_from_json() -> None:
    table = from_json(
        b'{"head":{"vars":["a","b"]},"results":{"bindings":[{"a":{"type":"literal","value":"x",'
        b'"xml:lang":"en"}},{"b":{"type":"literal","value":"3","datatype":'
        b'"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    )
    assert table.columns == ("a", "b")
    first, second = table.rows
    assert first[0] is not None and first[0].note == "@en" and first[1] is None
    assert second[1] is not None and second[1].note == "xsd:integer"
    assert from_json(b'{"head":{},"boolean":false}').boolean is False


def test_example_titles() -> None:
    found = example("01-x.rq", "# title: A title\n# description: What it does\nSELECT * {}\n")
    assert (found.title, found.description) == ("A title", "What it does")
    assert example("02-no-header.rq", "SELECT * {}").title == "02 no header"


def test_a_minimal_dataset_still_has_pages() -> None:
    """Without categories, sources or counts in the manifest, the catalog counts for itself."""
    catalog = Catalog.from_dataset(make_small_dataset(), {}, "v")
    assert len(catalog.conditions) == 300
    assert {chart.facet for chart in catalog.charts()} == {"status", "mechanism", "category"}
    selection, problems = Selection.from_args({"status": "FDAApproved"}, catalog.facets)
    assert problems == [] and len(select(catalog.conditions, selection)) == 30
    assert catalog.description("https://w3id.org/ivig/id/condition/condition-000") is not None
    assert catalog.description("https://w3id.org/ivig/id/condition/none") is None
    assert catalog.about.article is None and catalog.categories == ()


def test_an_empty_dataset_loads() -> None:
    catalog = Catalog.from_dataset(new_dataset(), {}, "v")
    assert catalog.conditions == () and catalog.charts() == ()
    assert all(not section.terms for section in catalog.ontology.sections)
