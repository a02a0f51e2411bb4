"""The category pages and the list of every category, checked against the dataset."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, parse_qsl, urlsplit

from flask.testing import FlaskClient
from rdflib import RDF, Graph, URIRef

from ivig_graph.vocab import IVIG
from tests.ui.test_pages import SVG, count_shown, label, listed, page

CATEGORY = "https://w3id.org/ivig/id/category/"


def members(union: Graph, category: URIRef) -> set[str]:
    return {
        str(c)
        for c in union.subjects(IVIG.category, category)
        if (c, RDF.type, IVIG.Condition) in union
    }


def test_categories_lists_every_category_with_its_count(
    client: FlaskClient, asserted: Graph, union: Graph
) -> None:
    document = page(client, "/categories")
    rows = document.find("table", cls="categories").find("tbody").find_all("tr")
    shown = {row.get("data-key"): row for row in rows}
    categories = set(asserted.subjects(RDF.type, IVIG.Category))
    assert {CATEGORY + key for key in shown if key} == {str(c) for c in categories}
    for category in categories:
        row = shown[str(category).removeprefix(CATEGORY)]
        assert row.find("th").links() == [
            ("/id/category/" + str(category).removeprefix(CATEGORY), label(union, category))
        ]
        assert int(row.find("td", cls="count").text()) == len(members(union, category))
    without = {str(c) for c in union.subjects(RDF.type, IVIG.Condition)} - {
        str(c) for c in union.subjects(IVIG.category, None)
    }
    assert ("/conditions?category=none", f"{len(without)} conditions") in document.links()
    # /id/category is the list of categories, as /id/condition is the list of conditions.
    response = client.get("/id/category", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"] == "/categories"


def test_a_category_page_shows_each_condition_and_its_charts(
    client: FlaskClient, union: Graph
) -> None:
    category = URIRef(CATEGORY + "blood-disorders")
    expected = members(union, category)
    html = client.get("/id/category/blood-disorders", headers={"Accept": "text/html"})
    document = page(client, "/id/category/blood-disorders")
    assert int(document.by_id("member-count").text()) == len(expected)
    table = document.find("table", cls="members").find("tbody")
    seen = set()
    for row in table.find_all("tr"):
        href = row.find("th").find("a").get("href") or ""
        node = URIRef("https://w3id.org/ivig" + href)
        seen.add(str(node))
        status = union.value(node, IVIG.approvalStatus)
        assert row.find("td", data_label="Approval status").text() == label(union, status)
        mechanisms = sorted(label(union, m) for m in union.objects(node, IVIG.mechanism))
        assert row.find("td", data_label="Mechanism").text() == (
            ", ".join(mechanisms) or "not stated"
        )
    assert seen == expected
    # Charts: each bar counts its members, links to exactly them, all on one axis.
    svgs = [
        ET.fromstring(raw)
        for raw in re.findall(r"<svg\b.*?</svg>", html.get_data(as_text=True), flags=re.DOTALL)
    ]
    assert {svg.attrib["data-facet"] for svg in svgs} == {"status", "mechanism"}
    assert len({svg.attrib["data-axis-max"] for svg in svgs}) == 1
    for svg in svgs:
        total = 0
        for link in svg.iter(f"{SVG}a"):
            count = int(
                next(t for t in link.iter(f"{SVG}text") if "bar-count" in t.attrib["class"]).text
                or ""
            )
            args = dict(parse_qsl(urlsplit(link.attrib["href"]).query))
            assert args["category"] == "blood-disorders"
            listing = page(client, link.attrib["href"])
            assert count_shown(listing) == count == len(listed(listing))
            assert {"https://w3id.org/ivig" + p for p in listed(listing)} <= expected
            total += count
        if svg.attrib["data-facet"] == "status":
            assert total == len(expected)


def test_a_category_page_queries_its_conditions_with_sparql(
    client: FlaskClient, union: Graph
) -> None:
    document = page(client, "/id/category/blood-disorders")
    href = document.by_id("sparql-button").get("href") or ""
    assert urlsplit(href).path == "/sparql"
    query = parse_qs(urlsplit(href).query)["query"][0]
    response = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    rows = json.loads(response.data)["results"]["bindings"]
    assert {row["condition"]["value"] for row in rows} == members(
        union, URIRef(CATEGORY + "blood-disorders")
    )
