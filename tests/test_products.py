"""U.S. product labels: data/products.toml read, checked, compiled and reasoned over.

Everything here runs against the fictitious fixture tests/data/products/products.toml (products
named Testglobulin, Subcuglobulin and Bothglobulin, pages on example.org), never the real data.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV
from rdflib.namespace import XSD as XSD_NS
from rdflib.query import Result

from ivig_graph.build.label_checks import read_products
from ivig_graph.build.label_records import dated
from ivig_graph.build.label_triples import SCHEMA, labelled_graph
from ivig_graph.build.pipeline import build
from ivig_graph.build.reason import reason
from ivig_graph.dataset.explain import explain
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import CurationError
from ivig_graph.query.command import run_query
from ivig_graph.query.engine import load_store
from ivig_graph.resources import Sources
from ivig_graph.vocab import (
    ASSERTED_GRAPH,
    CONDITION,
    GRAPHS,
    INFERRED_GRAPH,
    IVIG,
    LABELLED_INDICATION,
    ONTOLOGY_GRAPH,
    PRODUCT,
    SOURCE,
)
from tests.conftest import LABEL_FIXTURE, REPO, labelled_sources

CLL = CONDITION["b-cell-chronic-lymphocytic-leukemia"]
DERMATOMYOSITIS = CONDITION["dermatomyositis"]
POLYMYOSITIS = CONDITION["polymyositis"]  # labelled only for a subcutaneous product
KAWASAKI = CONDITION["kawasaki-disease"]  # labelled for a product with both routes
MMN = CONDITION["multifocal-motor-neuropathy"]  # FDA-approved by the article, no fixture label
TESTGLOBULIN = PRODUCT["testglobulin-10"]
FIXTURE = LABEL_FIXTURE.read_text(encoding="utf-8")
QUERY_16 = Path(__file__).parent.parent / "queries" / "16-what-changed-since-the-article.rq"


@pytest.fixture(scope="module")
def fixture_sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return labelled_sources(tmp_path_factory.mktemp("products-read"))


@pytest.fixture(scope="module")
def labelled(labelled_built: BuiltDataset) -> Dataset:
    return labelled_built.rdflib_dataset()


@pytest.fixture(scope="module")
def labelled_union(labelled: Dataset) -> Graph:
    union = Graph()
    for name in GRAPHS:
        union += labelled.graph(name)
    return union


def condition_slugs(sources: Sources) -> set[str]:
    import tomllib

    records = tomllib.loads((sources.data / "conditions.toml").read_text(encoding="utf-8"))
    return {record["slug"] for record in records["condition"]}


# --- reading and checking ------------------------------------------------------------------


def test_the_fixture_reads_into_records(fixture_sources: Sources) -> None:
    data = read_products(fixture_sources, condition_slugs(fixture_sources))
    assert [p.slug for p in data.products] == [
        "testglobulin-10",
        "subcuglobulin-20",
        "bothglobulin",
    ]
    assert data.products[2].routes == ("intravenous", "subcutaneous")
    assert len(data.indications) == 6 and len(data.sources) == 3
    unmatched = [i for i in data.indications if i.condition is None]
    assert [i.iri for i in unmatched] == [LABELLED_INDICATION["testglobulin-10/unmatched-1"]]


def test_a_missing_file_means_no_products(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    data = read_products(Sources.at(tmp_path), {"x"})
    assert data.products == () and data.indications == () and data.sources == ()


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The real inputs with data/products.toml cut down to its documented header (no records)."""
    root = tmp_path_factory.mktemp("unlabelled")
    sources = labelled_sources(root)
    header = (REPO / "data" / "products.toml").read_text(encoding="utf-8").split("[[", 1)[0]
    (root / "data" / "products.toml").write_text(header, encoding="utf-8")
    return build(root / "dataset", sources).rdflib_dataset()


def test_the_header_only_file_builds_without_products(unlabelled: Dataset) -> None:
    asserted = unlabelled.graph(ASSERTED_GRAPH)
    assert set(asserted.subjects(RDF.type, IVIG.Condition))
    assert not set(asserted.subjects(RDF.type, IVIG.Product))
    assert not set(asserted.subjects(RDF.type, IVIG.LabelledIndication))


@pytest.mark.parametrize(
    ("old", "new", "record", "rule"),
    [
        ('concentration = "10%"', 'strength = "10%"', "product #1 (slug 'testglobulin-10')",
         "unknown field 'strength'"),
        ('condition = "dermatomyositis"', 'condition = "dermatomyosistis"',
         "indication #1 (product 'testglobulin-10', condition 'dermatomyosistis')",
         "unknown condition slug 'dermatomyosistis'"),
        ('sources = ["test-label-testglobulin"]\n\n[[product]]',
         'sources = ["test-label-nowhere"]\n\n[[product]]',
         "product #1 (slug 'testglobulin-10')", "unknown source slug 'test-label-nowhere'"),
        ('route = "subcutaneous"', 'route = "intramuscular"',
         "product #2 (slug 'subcuglobulin-20')", "bad route 'intramuscular'"),
        ('approved = "2020-07"', 'approved = "July 2020"',
         "indication #1 (product 'testglobulin-10', condition 'dermatomyositis')",
         "bad date approved = 'July 2020'"),
        ('date = "2023-05-02"', 'date = "2023-02-30"',
         "source #1 (slug 'test-label-testglobulin')", "bad date date = '2023-02-30'"),
        ('url = "https://example.org/test/testglobulin-label"', 'url = "example.org/label"',
         "source #1 (slug 'test-label-testglobulin')", "bad url 'example.org/label'"),
        ('kind = "immunodeficiency"', 'kind = "autoimmune"',
         "indication #2 (product 'testglobulin-10', condition "
         "'b-cell-chronic-lymphocytic-leukemia')", "unknown kind 'autoimmune'"),
    ],
)  # fmt: skip
def test_a_bad_record_fails_naming_the_record_and_the_rule(
    tmp_path: Path, old: str, new: str, record: str, rule: str
) -> None:
    sources = labelled_sources(tmp_path)
    assert old in FIXTURE
    (sources.data / "products.toml").write_text(FIXTURE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CurationError) as caught:
        read_products(sources, condition_slugs(sources))
    message = str(caught.value)
    assert f"{record}: {rule}" in message, message
    assert "products.toml breaks 1 curation rule(s)" in message


def test_sources_and_products_alike_refuse_a_repeated_or_malformed_slug(tmp_path: Path) -> None:
    sources = labelled_sources(tmp_path)
    repeated = 'slug = "test-news-testglobulin"'
    malformed = 'slug = "bothglobulin"'
    assert repeated in FIXTURE and malformed in FIXTURE
    text = FIXTURE.replace(repeated, 'slug = "test-label-testglobulin"', 1)
    text = text.replace(malformed, 'slug = "Both_globulin"', 1)
    (sources.data / "products.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CurationError) as caught:
        read_products(sources, condition_slugs(sources))
    message = str(caught.value)
    assert (
        "source #2 (slug 'test-label-testglobulin'): duplicate slug."
        " source #1 (slug 'test-label-testglobulin') has it already."
    ) in message, message
    assert (
        "product #3 (slug 'Both_globulin'): slug must be lowercase words joined by hyphens"
    ) in message, message


def test_dates_are_as_precise_as_given() -> None:
    assert dated("2021-07-15") == Literal("2021-07-15", datatype=XSD_NS.date)
    assert dated("2021-07") == Literal("2021-07", datatype=XSD_NS.gYearMonth)
    assert dated("2021") == Literal("2021", datatype=XSD_NS.gYear)
    assert dated(2021) == Literal("2021", datatype=XSD_NS.gYear)
    for bad in ("2021-13", "2021-02-30", "July 2021", "21", True):
        assert dated(bad) is None, bad


# --- the compiled triples -------------------------------------------------------------------


def test_products_sources_and_indications_as_triples(fixture_sources: Sources) -> None:
    from ivig_graph.build.records import read_conditions

    graph = labelled_graph(fixture_sources, read_conditions(fixture_sources))
    assert (TESTGLOBULIN, RDF.type, IVIG.Product) in graph
    assert graph.value(TESTGLOBULIN, SCHEMA.name) == Literal("Testglobulin 10%")
    assert graph.value(TESTGLOBULIN, IVIG.concentration) == Literal("10%")
    assert graph.value(TESTGLOBULIN, IVIG.firstLicensed) == Literal("2001", datatype=XSD_NS.gYear)
    maker = graph.value(TESTGLOBULIN, SCHEMA.manufacturer)
    assert graph.value(maker, SCHEMA.name) == Literal("Example Biologics (test fixture)")
    assert set(graph.objects(PRODUCT.bothglobulin, IVIG.route)) == {
        IVIG.Intravenous,
        IVIG.Subcutaneous,
    }

    page = SOURCE["test-news-testglobulin"]
    assert graph.value(page, SCHEMA.url) == URIRef(
        "https://example.org/test/news/testglobulin-dermatomyositis"
    )
    assert graph.value(page, DCTERMS.date) == Literal("2020-07", datatype=XSD_NS.gYearMonth)
    assert graph.value(page, DCTERMS.publisher) == Literal("Example Test News")
    assert graph.value(SOURCE["test-label-subcuglobulin"], DCTERMS.date).datatype == XSD_NS.gYear

    labelled = LABELLED_INDICATION["testglobulin-10/dermatomyositis"]
    assert (labelled, RDF.type, IVIG.LabelledIndication) in graph
    assert graph.value(labelled, IVIG.product) == TESTGLOBULIN
    assert graph.value(labelled, IVIG.labelledCondition) == DERMATOMYOSITIS
    assert graph.value(labelled, IVIG.intent) == IVIG.Treatment
    assert graph.value(labelled, IVIG.population) == Literal("adults")
    assert graph.value(labelled, DCTERMS.date) == Literal("2020-07", datatype=XSD_NS.gYearMonth)
    assert set(graph.objects(labelled, PROV.wasDerivedFrom)) == {
        SOURCE["test-label-testglobulin"],
        page,
    }
    cll = LABELLED_INDICATION["testglobulin-10/b-cell-chronic-lymphocytic-leukemia"]
    assert graph.value(cll, IVIG.intent) == IVIG.Prevention
    assert graph.value(cll, IVIG.indicationKind) == IVIG.Immunodeficiency
    # Labels never state the article's own properties.
    assert not set(graph.triples((None, IVIG.condition, None)))
    assert not set(graph.triples((None, IVIG.approvalStatus, None)))


# --- the current approval status ------------------------------------------------------------


def test_current_status_follows_the_intravenous_labels(labelled: Dataset) -> None:
    asserted, inferred = labelled.graph(ASSERTED_GRAPH), labelled.graph(INFERRED_GRAPH)

    def current(condition: URIRef) -> set[object]:
        return set(inferred.objects(condition, IVIG.currentApprovalStatus))

    assert current(DERMATOMYOSITIS) == {IVIG.FDAApproved}
    assert current(KAWASAKI) == {IVIG.FDAApproved}  # intravenous among its routes
    assert current(POLYMYOSITIS) == {IVIG.OffLabel}  # subcutaneous only: never IVIG
    assert current(MMN) == {IVIG.OffLabel}  # no label in the fixture
    # Derived, never asserted; exactly one per condition; the article's status unchanged.
    assert not set(asserted.triples((None, IVIG.currentApprovalStatus, None)))
    for condition in asserted.subjects(RDF.type, IVIG.Condition):
        assert len(current(condition)) == 1, condition
    assert asserted.value(DERMATOMYOSITIS, IVIG.approvalStatus) == IVIG.OffLabel
    assert asserted.value(MMN, IVIG.approvalStatus) == IVIG.FDAApproved


def test_without_labels_every_condition_is_currently_off_label(unlabelled: Dataset) -> None:
    asserted, inferred = unlabelled.graph(ASSERTED_GRAPH), unlabelled.graph(INFERRED_GRAPH)
    for condition in asserted.subjects(RDF.type, IVIG.Condition):
        assert set(inferred.objects(condition, IVIG.currentApprovalStatus)) == {IVIG.OffLabel}


def test_both_reasoners_agree_on_the_labels(labelled: Dataset) -> None:
    ontology, asserted = labelled.graph(ONTOLOGY_GRAPH), labelled.graph(ASSERTED_GRAPH)
    by_owlrl = reason(ontology, asserted, "owlrl")
    by_rules = reason(ontology, asserted, "rules")
    assert (DERMATOMYOSITIS, IVIG.currentApprovalStatus, IVIG.FDAApproved) in by_rules
    assert isomorphic(by_owlrl, by_rules)


# --- mechanism from a label -----------------------------------------------------------------


def test_a_label_sourced_kind_gives_cll_immune_boosting(
    labelled: Dataset, unlabelled: Dataset
) -> None:
    labelled_inferred = labelled.graph(INFERRED_GRAPH)
    assert (CLL, IVIG.mechanism, IVIG.ImmuneBoosting) in labelled_inferred
    assert (CLL, RDF.type, IVIG.LabelledImmunodeficiency) in labelled_inferred
    # Without a label that states the kind, the article's silence stays.
    assert (CLL, IVIG.mechanism, None) not in unlabelled.graph(INFERRED_GRAPH)
    # Dermatomyositis has a label but no label-stated kind: its mechanism is the article's alone.
    assert set(labelled_inferred.objects(DERMATOMYOSITIS, IVIG.mechanism)) == {
        IVIG.ImmuneSuppression
    }
    assert (DERMATOMYOSITIS, IVIG.labelledKind, None) not in labelled_inferred


def test_explain_says_the_kind_came_from_the_label(labelled: Dataset) -> None:
    explanation = explain(labelled, CLL)
    (derivation,) = explanation.derivations
    assert derivation.mechanism == IVIG.ImmuneBoosting
    assert derivation.kind == IVIG.Immunodeficiency
    assert derivation.kind_from == "label"
    assert derivation.labelled_indications == (
        LABELLED_INDICATION["testglobulin-10/b-cell-chronic-lymphocytic-leukemia"],
    )
    assert derivation.label_sources == (SOURCE["test-label-testglobulin"],)
    assert "prp-spo2" in derivation.rule and "cls-hv2" in derivation.rule
    # The article's own note, that it does not say, is kept beside it.
    assert explanation.note and "does not say" in explanation.note
    for derivation in explain(labelled, DERMATOMYOSITIS).derivations:
        assert derivation.kind_from == "article" and not derivation.labelled_indications


# --- query, counts ----------------------------------------------------------------------------


def test_what_changed_lists_dermatomyositis_with_its_product_and_sources(
    labelled_built: BuiltDataset,
) -> None:
    answer = run_query(load_store(labelled_built.nquads_path), QUERY_16.read_text("utf-8"), "json")
    rows = [
        {str(k): v for k, v in b.items()}
        for b in Result.parse(io.StringIO(answer), format="json").bindings
    ]
    derm = [r for r in rows if r["condition"] == DERMATOMYOSITIS]
    assert {(r["articleStatus"], r["currentStatus"]) for r in derm} == {
        (IVIG.OffLabel, IVIG.FDAApproved)
    }
    assert {r["product"] for r in derm} == {TESTGLOBULIN}
    assert {r["approved"] for r in derm} == {Literal("2020-07", datatype=XSD_NS.gYearMonth)}
    assert {str(r["url"]) for r in derm} == {
        "https://example.org/test/testglobulin-label",
        "https://example.org/test/news/testglobulin-dermatomyositis",
    }
    changed = {r["condition"] for r in rows}
    assert MMN in changed and POLYMYOSITIS not in changed and CLL not in changed


def test_the_counts_include_the_labels(labelled_built: BuiltDataset, labelled_union: Graph) -> None:
    counts = labelled_built.manifest["counts"]

    def differs(condition: object) -> bool:
        current = labelled_union.value(condition, IVIG.currentApprovalStatus)
        return current != labelled_union.value(condition, IVIG.approvalStatus)

    conditions = set(labelled_union.subjects(RDF.type, IVIG.Condition))
    assert counts["labels"] == {
        "products": 3,
        "labelled_indications": 6,
        "current_status_differs": sum(1 for c in conditions if differs(c)),
    }
    assert counts["labels"]["current_status_differs"] >= 2  # dermatomyositis and an FDA use
    assert counts["per_current_status"]["FDAApproved"] == 4
