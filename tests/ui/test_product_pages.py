"""The label pages, over a build with the fictitious fixture labels (tests/data/products/):
the products page, a product's page, the condition page's labels, home's "what changed" and
search by product name, each checked against the graph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import GRAPHS, IVIG
from tests.servers import app_over, endpoint_config
from tests.ui.html import Element, parse_html


@pytest.fixture(scope="module")
def labelled_app(labelled_built: BuiltDataset) -> Iterator[Flask]:
    with app_over(labelled_built, endpoint_config(None, workers=1)) as app:
        yield app


@pytest.fixture
def labelled_client(labelled_app: Flask) -> FlaskClient:
    return labelled_app.test_client()


@pytest.fixture(scope="module")
def labelled_union(labelled_built: BuiltDataset) -> Graph:
    dataset = labelled_built.rdflib_dataset()
    union = Graph()
    for name in GRAPHS:
        union += dataset.graph(name)
    return union


def page(client: FlaskClient, path: str) -> Element:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    return parse_html(response.data)


def test_products_page_lists_every_product(labelled_client: FlaskClient) -> None:
    document = page(labelled_client, "/products")
    (table,) = document.find_all("table", cls="products")
    names = [row.find("a").text() for row in table.find("tbody").iter("th")]
    assert names == ["Bothglobulin", "Subcuglobulin 20%", "Testglobulin 10%"]
    links = dict(document.links())
    assert "/id/product/testglobulin-10" in links


def test_a_product_page_shows_its_indications_dates_and_sources(
    labelled_client: FlaskClient,
) -> None:
    document = page(labelled_client, "/id/product/testglobulin-10")
    assert document.find("h1").text() == "Testglobulin 10%"
    uses = document.by_id("labelled-indications")
    text = uses.text()
    assert "Dermatomyositis" in text and "2020-07" in text and "adults" in text
    assert "no condition of the article" in text  # the unmatched fixture indication
    hrefs = {href for href, _ in uses.links()}
    assert "https://example.org/test/news/testglobulin-dermatomyositis" in hrefs
    assert "/id/source/test-label-testglobulin" in hrefs  # the source record's own page
    record = page(labelled_client, "/id/source/test-label-testglobulin")
    assert "Example Test Registry" in record.text()
    assert "Intravenous" in document.by_id("routes").text()


def test_condition_page_shows_both_statuses_with_the_product(
    labelled_client: FlaskClient, labelled_union: Graph
) -> None:
    document = page(labelled_client, "/id/condition/dermatomyositis")
    section = document.by_id("labels")
    assert document.by_id("current-status").text() == "FDA-approved"
    assert document.by_id("article-status").text() == "Off-label"
    text = section.text()
    assert "Testglobulin 10%" in text and "2020-07" in text
    assert "https://example.org/test/testglobulin-label" in {h for h, _ in section.links()}
    # A subcutaneous-only label is listed, but leaves the current status off-label.
    document = page(labelled_client, "/id/condition/polymyositis")
    assert document.by_id("current-status").text() == "Off-label"
    assert "Subcuglobulin 20%" in document.by_id("labels").text()
    assert "subcutaneous: not IVIG" in document.by_id("labels").text()


def test_why_this_mechanism_says_the_kind_came_from_the_label(
    labelled_client: FlaskClient,
) -> None:
    document = page(labelled_client, "/id/condition/b-cell-chronic-lymphocytic-leukemia")
    why = document.by_id("why")
    (step,) = why.find_all("li", cls="from-label")
    assert "product label, not the article" in step.text()
    assert "Testglobulin 10%" in step.text()
    assert "The article states no mechanism." in why.text()
    assert "Immune boosting" in document.by_id("mechanism").text()


def test_home_says_what_changed_since_the_article(
    labelled_client: FlaskClient, labelled_union: Graph
) -> None:
    section = page(labelled_client, "/").by_id("what-changed")
    items = [li.text() for li in section.iter("li")]
    changed = {
        str(labelled_union.value(c, IVIG.sourceLabel))
        for c in set(labelled_union.subjects(IVIG.currentApprovalStatus, None))
        if labelled_union.value(c, IVIG.currentApprovalStatus)
        != labelled_union.value(c, IVIG.approvalStatus)
    }
    assert len(items) == len(changed) >= 2
    (derm,) = [item for item in items if item.startswith("Dermatomyositis")]
    assert "Off-label" in derm and "FDA-approved" in derm and "Testglobulin 10%" in derm


def test_search_finds_products_by_name(labelled_client: FlaskClient) -> None:
    document = page(labelled_client, "/conditions?q=testglob")
    hits = document.by_id("product-hits")
    assert [a.text() for a in hits.iter("a")] == ["Testglobulin 10%"]
    html = labelled_client.get("/conditions?q=myasthenia").get_data(as_text=True)
    assert 'id="product-hits"' not in html
