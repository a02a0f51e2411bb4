"""Reading the source and citing: the article's text with anchored lines, the citation snippet,
and the JSON-LD every page carries for search engines, each checked against the dataset."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import CONDITION, IVIG, ONTOLOGY_IRI
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.article import load_article
from tests.ui.html import parse_html
from tests.ui.test_pages import page

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "data" / "source" / "ivig-article.txt"


def test_the_article_is_served_as_read(client: FlaskClient) -> None:
    response = client.get("/source/article.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.data == ARTICLE.read_bytes()
    document = page(client, "/source/article")
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    shown = document.find("ol", cls="article-lines").find_all("li")
    assert len(shown) == len(lines)
    for number, (item, line) in enumerate(zip(shown, lines, strict=True), start=1):
        assert item.get("id") == f"L{number}"
        assert item.find("span", cls="line-text").text() == " ".join(line.split())


def test_a_changed_article_is_not_served(tmp_path: Path, built: BuiltDataset) -> None:
    """Line numbers only mean something in the text the dataset was built from."""
    assert load_article(ARTICLE, built.manifest) is not None
    changed = tmp_path / "article.txt"
    changed.write_bytes(ARTICLE.read_bytes() + b"one more line\n")
    assert load_article(changed, built.manifest) is None
    assert built.manifest["source"]["sha256"] == hashlib.sha256(ARTICLE.read_bytes()).hexdigest()


def test_a_condition_page_links_to_its_line_and_says_how_to_cite(
    client: FlaskClient, asserted: Graph, ontology: Graph, built: BuiltDataset
) -> None:
    node = CONDITION["kawasaki-disease"]
    line = int(asserted.value(node, IVIG.sourceLine))  # type: ignore[arg-type]
    document = page(client, "/id/condition/kawasaki-disease")
    assert document.by_id("article-line").get("href") == f"/source/article#L{line}"
    article = page(client, "/source/article")
    quoted = article.by_id(f"L{line}").find("span", cls="line-text").text()
    assert quoted.endswith(
        " ".join(str(asserted.value(node, IVIG.sourceText)).split())
    )  # after "- "
    cite = document.by_id("cite-graph").text()
    assert built.version in cite and str(node) in cite
    assert str(ontology.value(ONTOLOGY_IRI, DCTERMS.modified)) in cite
    assert str(ontology.value(ONTOLOGY_IRI, DCTERMS.creator)) in cite
    title = asserted.value(URIRef("https://w3id.org/ivig/id/source/article"), DCTERMS.title)
    cited = document.by_id("cite-article").text()
    assert str(title) in cited and f"line {line}" in cited and f"/source/article#L{line}" in cited


def embedded(client: FlaskClient, path: str) -> Graph:
    document = parse_html(client.get(path, headers={"Accept": "text/html"}).data)
    blocks = [s for s in document.iter("script") if s.get("type") == "application/ld+json"]
    assert len(blocks) == 1, path
    text = "".join(child for child in blocks[0].children if isinstance(child, str))
    json.loads(text)  # valid JSON
    return Graph().parse(data=text, format="json-ld")


def assert_same(found: Graph, expected: Graph) -> None:
    if not isomorphic(found, expected):
        _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
        pytest.fail(
            f"only embedded:\n{only_found.serialize(format='nt')}\n"
            f"only expected:\n{only_expected.serialize(format='nt')}"
        )


@pytest.mark.parametrize(
    "path",
    [
        "/id/condition/kawasaki-disease",
        "/id/condition/granulomatosis-with-polyangiitis",
        "/id/category/blood-disorders",
        "/id/source/article",
        "/id/product/gammagard-liquid",
        "/id/indication/asthma",
        "/ontology",
    ],
)
def test_each_page_embeds_its_description_as_json_ld(
    client: FlaskClient, catalog: Catalog, dataset: Dataset, path: str
) -> None:
    iri = str(ONTOLOGY_IRI) if path == "/ontology" else "https://w3id.org/ivig" + path
    found = embedded(client, path)
    description = catalog.description(iri)
    assert description is not None and len(found) > 0
    assert_same(found, description.as_graph())
    # ... and it is what the resource's .jsonld answers.
    served = client.get(f"{path}.jsonld")
    assert served.status_code == 200
    assert_same(found, Graph().parse(data=served.data, format="json-ld"))


def test_the_home_page_embeds_the_service_description(client: FlaskClient) -> None:
    served = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert served.status_code == 200
    assert_same(embedded(client, "/"), Graph().parse(data=served.data, format="json-ld"))


def test_json_ld_cannot_close_its_script_element() -> None:
    from ivig_graph.web.views.cite import script_json

    document = json.dumps({"@id": "x", "note": "</script><script>alert(1)</script> & more"})
    safe = script_json(document.encode())
    assert "</" not in safe and "<" not in safe and "&" not in safe
    assert json.loads(safe) == json.loads(document)
