"""The pages people read: home (charts, downloads), the condition list, condition pages and the
ontology's documentation, each checked against the dataset or the file it is generated from."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from ivig_graph.dataset.explain import explain
from ivig_graph.dataset.export import export
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, GRAPHS, IVIG, ONTOLOGY_GRAPH
from tests.ui.html import Element, parse_html

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
CHART_SECTIONS = {"status": "per_status", "category": "per_category", "mechanism": "per_mechanism"}
DOWNLOADS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("jsonld", "application/ld+json"),
    "nt": ("ntriples", "application/n-triples"),
    "rdf": ("rdfxml", "application/rdf+xml"),
    "trig": ("trig", "application/trig"),
    "nq": ("nquads", "application/n-quads"),
}
MATCHES = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch}


def page(client: FlaskClient, path: str) -> Element:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/html"
    return parse_html(response.data)


def listed(document: Element) -> list[str]:
    """The condition pages linked from the rows of the condition list, in order."""
    table = document.find_all("table", cls="conditions")
    if not table:
        return []
    return [row.find("a").get("href") or "" for row in table[0].find("tbody").iter("th")]


def count_shown(document: Element) -> int:
    return int(document.by_id("result-count").find("strong").text())


def label(graph: Graph, node: URIRef) -> str:
    return str(graph.value(node, SKOS.prefLabel) or graph.value(node, RDFS.label))


# ---------------------------------------------------------------- home


def test_home_says_what_the_graph_is(client: FlaskClient, built: BuiltDataset) -> None:
    document = page(client, "/")
    assert document.find("title").text() == "What IVIG therapy is used for · IVIG uses"
    assert "102 conditions" in document.find("p", cls="lede").text()
    sources = document.by_id("sources-title").text()
    assert sources == "Where the facts come from"
    links = dict(document.links())
    assert "/id/source/article" in links
    for name, count in built.manifest["counts"]["per_list"].items():
        assert f"/id/source/{name}" in links, name
        assert f"— {count} conditions" in document.text()
    assert (
        document.find("meta", property="og:title").get("content") == "What IVIG therapy is used for"
    )


def charts(client: FlaskClient) -> dict[str, ET.Element]:
    html = client.get("/").get_data(as_text=True)
    found = {}
    for raw in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL):
        svg = ET.fromstring(raw)  # each chart is well-formed SVG
        assert svg.tag == f"{SVG}svg"
        found[svg.attrib["data-facet"]] = svg
    assert set(found) == set(CHART_SECTIONS), "a chart per facet"
    return found


def test_charts_show_the_manifest_counts(client: FlaskClient, built: BuiltDataset) -> None:
    for facet, svg in charts(client).items():
        bars = {
            link.attrib["data-key"]: int(
                next(t for t in link.iter(f"{SVG}text") if "bar-count" in t.attrib["class"]).text
                or ""
            )
            for link in svg.iter(f"{SVG}a")
        }
        expected = {
            ("none" if key == "(none)" else key): count
            for key, count in built.manifest["counts"][CHART_SECTIONS[facet]].items()
        }
        assert bars == expected, facet
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
        for link in svg.iter(f"{SVG}a"):
            assert link.attrib["aria-label"].endswith(
                "condition" + ("s" if bars[link.attrib["data-key"]] != 1 else "")
            )


def test_each_bar_links_to_the_conditions_it_counts(client: FlaskClient) -> None:
    for facet, svg in charts(client).items():
        for link in svg.iter(f"{SVG}a"):
            href = link.attrib["href"]
            assert dict(parse_qsl(urlsplit(href).query)) == {facet: link.attrib["data-key"]}
            count = int(
                next(t for t in link.iter(f"{SVG}text") if "bar-count" in t.attrib["class"]).text
                or ""
            )
            document = page(client, href)
            assert count_shown(document) == count == len(listed(document)), href


def test_downloads_are_the_exports(
    client: FlaskClient, dataset: Dataset, built: BuiltDataset
) -> None:
    document = page(client, "/")
    section = document.by_id("downloads")
    modified = str(
        dataset.graph(ONTOLOGY_GRAPH).value(
            URIRef("https://w3id.org/ivig/ontology"), DCTERMS.modified
        )
    )
    assert section.find("time").get("datetime") == modified
    assert built.version in section.text()
    links = {
        href.rsplit(".", 1)[-1]: href
        for href, _ in section.links()
        if href.startswith("/downloads/")
    }
    assert set(links) == set(DOWNLOADS)
    for suffix, (fmt, media_type) in DOWNLOADS.items():
        response = client.get(links[suffix])
        assert response.status_code == 200
        assert response.mimetype == media_type
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="ivig-graph-{built.version}.{suffix}"'
        assert response.data == export(dataset, fmt, "all"), suffix
    assert client.get("/downloads/ivig-graph.exe").status_code == 404


# ---------------------------------------------------------------- the condition list


def test_the_list_shows_every_condition_by_name(client: FlaskClient, asserted: Graph) -> None:
    document = page(client, "/conditions")
    paths = listed(document)
    conditions = sorted(
        asserted.subjects(RDF.type, IVIG.Condition), key=lambda c: label(asserted, c).casefold()
    )
    assert paths == ["/id/" + str(c).removeprefix("https://w3id.org/ivig/id/") for c in conditions]
    assert count_shown(document) == 102


def test_every_filter_option_lists_what_it_counts(
    client: FlaskClient, built: BuiltDataset, union: Graph
) -> None:
    """Each option of each filter: its count, the rows listed, and the dataset agree."""
    document = page(client, "/conditions")
    form = document.find("form", cls="filters")
    assert form.get("method") == "get" and form.get("action") == "/conditions"
    predicates = {
        "status": IVIG.approvalStatus,
        "category": IVIG.category,
        "mechanism": IVIG.mechanism,
        "intent": IVIG.intent,
    }
    conditions = set(union.subjects(RDF.type, IVIG.Condition))
    for name, predicate in predicates.items():
        options = [o for o in form.find("select", name=name).iter("option") if o.get("value")]
        assert options, name
        for option in options:
            key = option.get("value") or ""
            shown = int(re.search(r"\((\d+)\)$", option.text()).group(1))  # type: ignore[union-attr]
            result = page(client, f"/conditions?{name}={key}")
            expected = {
                c
                for c in conditions
                if (
                    not set(union.objects(c, predicate))
                    if key == "none"
                    else any(
                        str(o).endswith(("#" + key, "/" + key)) for o in union.objects(c, predicate)
                    )
                )
            }
            paths = {"https://w3id.org/ivig/id/" + p.removeprefix("/id/") for p in listed(result)}
            assert paths == {str(c) for c in expected}, (name, key)
            assert shown == len(expected) == count_shown(result)
            section = CHART_SECTIONS.get(name)
            if section:
                manifest_key = "(none)" if key == "none" else key
                assert built.manifest["counts"][section][manifest_key] == shown


@pytest.mark.parametrize(
    "text", ["Wegener", "wegener", "WEGENER\u2019S", "wegeners granulomatosis", "GPA"]
)
def test_search_by_an_old_name(client: FlaskClient, text: str) -> None:
    document = page(client, f"/conditions?q={text}")
    assert "/id/condition/granulomatosis-with-polyangiitis" in listed(document)
    assert document.find("input", name="q").get("value") == text


def test_search_ignores_accents_and_combines_with_filters(client: FlaskClient) -> None:
    assert "/id/condition/guillain-barre-syndrome" in listed(
        page(client, "/conditions?q=guillain barre")
    )
    assert listed(page(client, "/conditions?q=kawasaki&status=FDAApproved")) == [
        "/id/condition/kawasaki-disease"
    ]
    assert listed(page(client, "/conditions?q=kawasaki&status=OffLabel")) == []
    nothing = page(client, "/conditions?q=zzzz")
    assert (
        count_shown(nothing) == 0
        and "No condition matches" in nothing.find("p", cls="empty").text()
    )


def test_an_unknown_filter_value_is_said_and_ignored(client: FlaskClient) -> None:
    document = page(client, "/conditions?status=Maybe")
    assert "Maybe" in document.find("p", cls="notice").text()
    assert count_shown(document) == 102


def test_active_filters_can_be_removed_one_by_one(client: FlaskClient) -> None:
    document = page(client, "/conditions?status=OffLabel&category=blood-disorders&q=anemia")
    chips = {text: href for href, text in document.find("ul", cls="chips").links()}
    assert len(chips) == 3
    assert "Approval status: Off-label" in " ".join(chips)
    without_status = next(
        href for text, href in chips.items() if text.startswith("Remove filter Approval status")
    )
    assert dict(parse_qsl(urlsplit(without_status).query)) == {
        "category": "blood-disorders",
        "q": "anemia",
    }
    assert document.find("title").text().startswith("Conditions · Approval status: Off-label")


# ---------------------------------------------------------------- condition pages


def test_every_condition_page_reads_from_the_dataset(
    client: FlaskClient, dataset: Dataset, union: Graph
) -> None:
    asserted = dataset.graph(ASSERTED_GRAPH)
    conditions = list(asserted.subjects(RDF.type, IVIG.Condition))
    assert len(conditions) == 102
    for condition in conditions:
        path = "/id/" + str(condition).removeprefix("https://w3id.org/ivig/id/")
        document = page(client, path)
        name = label(asserted, condition)
        assert document.find("h1").text() == name
        assert document.find("title").text() == f"{name}: IVIG use · IVIG uses"
        text = document.text()
        for alt in asserted.objects(condition, SKOS.altLabel):
            assert str(alt) in text, (condition, alt)
        assert str(asserted.value(condition, IVIG.sourceLabel)) in text
        definition = asserted.value(condition, SKOS.definition)
        if definition is not None:
            assert (
                " ".join(str(definition).split())[1:] in document.find("p", cls="definition").text()
            )
        # Status, category and mechanism, with their labels.
        for predicate in (IVIG.approvalStatus, IVIG.intent, IVIG.category, IVIG.mechanism):
            for value in union.objects(condition, predicate):
                assert label(union, value) in text, (condition, predicate)
        # Why: every derivation (kind, rule, the source's words), or the editorial note.
        why = document.by_id("why").text()
        explanation = explain(dataset, condition)
        for derivation in explanation.derivations:
            assert derivation.kind_label in why and "cax-sco" in why and "cls-hv2" in why
            assert " ".join(derivation.basis.split()) in why
        if explanation.note and not explanation.derivations:
            assert "No mechanism is stated" in why and " ".join(explanation.note.split()) in why
        # Cross-references link out, with the official description.
        tables = document.find_all("table", cls="xrefs")
        xrefs = dict(tables[0].links()) if tables else {}
        codes = {o for p in MATCHES for o in asserted.objects(condition, p)}
        assert set(xrefs) == {str(code) for code in codes}, condition
        for code in codes:
            assert xrefs[str(code)] == str(asserted.value(code, SKOS.notation))
            assert str(asserted.value(code, SKOS.prefLabel)) in text
        # Provenance: the list of the source, and the line verbatim.
        links = dict(document.links())
        for source in asserted.objects(condition, PROV.wasDerivedFrom):
            assert "/id/" + str(source).removeprefix("https://w3id.org/ivig/id/") in links
        assert " ".join(str(asserted.value(condition, IVIG.sourceText)).split()) in text


def test_condition_page_links_its_data_and_related_conditions(
    client: FlaskClient, asserted: Graph
) -> None:
    gpa = CONDITION["granulomatosis-with-polyangiitis"]
    document = page(client, "/id/condition/granulomatosis-with-polyangiitis")
    links = dict(document.links())
    for suffix in ("ttl", "jsonld", "nt", "rdf"):
        assert f"/id/condition/granulomatosis-with-polyangiitis.{suffix}" in links
    section = document.find("section", aria_labelledby="related-title")
    assert section.find("h2").text() == "Other uses in Other conditions"
    related = {href for href, _ in section.links()}
    category = asserted.value(gpa, IVIG.category)
    members = {c for c in asserted.subjects(IVIG.category, category) if c != gpa}
    assert related == {"/id/" + str(c).removeprefix("https://w3id.org/ivig/id/") for c in members}
    assert document.find("link", rel="canonical").get("href") == str(gpa)


def test_the_ready_query_lists_every_statement(client: FlaskClient, dataset: Dataset) -> None:
    gpa = CONDITION["granulomatosis-with-polyangiitis"]
    document = page(client, "/id/condition/granulomatosis-with-polyangiitis")
    href = next(
        href for href, text in document.links() if text == "Query this condition with SPARQL"
    )
    query = dict(parse_qsl(urlsplit(href).query))
    assert query["format"] == "html" and str(gpa) in query["query"]
    results = page(client, href)
    assert results.find("textarea", name="query").text() == " ".join(query["query"].split())
    rows = results.find("table", cls="results").find("tbody").find_all("tr")
    expected = sum(len(list(dataset.graph(name).triples((gpa, None, None)))) for name in GRAPHS)
    assert len(rows) == expected


# ---------------------------------------------------------------- the ontology


def test_ontology_page_documents_every_term_of_the_file(client: FlaskClient, union: Graph) -> None:
    source = Graph().parse(REPO / "ontology" / "ivig.ttl", format="turtle")
    terms = {
        s
        for s in source.subjects(RDFS.label)
        if isinstance(s, URIRef) and str(s).startswith(str(IVIG._NS))
    }
    assert len(terms) > 40
    document = page(client, "/ontology")
    documented = {element.get("id") for element in document.find_all("article", cls="term")}
    assert documented == {str(t).removeprefix(str(IVIG._NS)) for t in terms}
    for term in terms:
        article = document.by_id(str(term).removeprefix(str(IVIG._NS)))
        assert str(source.value(term, RDFS.label)) in article.find("h3").text()
        definition = source.value(term, SKOS.definition)
        assert isinstance(definition, Literal)
        assert article.find("p", cls="definition").text() == " ".join(str(definition).split())
        facts = {
            dt.text(): dd.text()
            for dt, dd in zip(article.iter("dt"), article.iter("dd"), strict=True)
        }
        for predicate, heading in ((RDFS.range, "Range"), (RDFS.domain, "Domain")):
            for value in source.objects(term, predicate):
                wanted = source.value(value, RDFS.label) or str(value).rsplit("#", 1)[-1]
                assert str(wanted) in facts.get(heading, ""), (term, heading)
        usage = article.find("dd", cls="usage")
        assert int(usage.get("data-total") or -1) == users(union, term, source), term


def users(union: Graph, term: URIRef, source: Graph) -> int:
    """How many IRIs in the dataset use ``term``, counted independently of the pages' code."""
    if (term, RDF.type, OWL.Class) in source:
        found = set(union.subjects(RDF.type, term))
    elif (term, RDF.type, OWL.NamedIndividual) in source:
        found = set(union.subjects(None, term))
    else:
        found = {s for s, _ in union.subject_objects(term)}
    return sum(1 for s in found if isinstance(s, URIRef))


def test_inferred_usage_is_told_apart(client: FlaskClient, inferred: Graph) -> None:
    document = page(client, "/ontology")
    mechanism = document.by_id("mechanism").find("dd", cls="usage")
    assert int(mechanism.get("data-inferred-only") or -1) == len(
        set(inferred.subjects(IVIG.mechanism))
    )
    assert "by inference only" in mechanism.text()


# ---------------------------------------------------------------- conventions


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conditions",
        "/id/condition/kawasaki-disease",
        "/id/category/infections",
        "/categories",
        "/source/article",
        "/conditions?q=kwsk",
        "/ontology",
        "/sparql",
    ],
)
def test_pages_follow_the_conventions(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    document = parse_html(response.data)
    html = document.find("html")
    assert html.get("lang") == "en"
    assert (
        document.find("meta", name="viewport").get("content")
        == "width=device-width, initial-scale=1"
    )
    assert len(document.find_all("h1")) == 1
    assert document.find("main").get("id") == "main"
    assert document.find("a", cls="skip-link").get("href") == "#main"
    assert document.find("nav").get("aria-label") == "Main"
    assert document.find("title").text().endswith(" · IVIG uses")
    # Every form control has a label; no inline script (the CSP forbids it) and no CDN: only
    # JSON data blocks, which are never executed.
    labelled = {label.get("for") for label in document.iter("label")}
    for control in [*document.iter("input"), *document.iter("select"), *document.iter("textarea")]:
        if control.get("type") != "hidden":
            assert control.get("id") in labelled, (path, control.attrs)
    for script in document.iter("script"):
        assert script.get("src", "").startswith("/static/") or script.get("type") in (
            "application/json",
            "application/ld+json",
        )
    for link in document.iter("link"):
        href = link.get("href") or ""
        assert href.startswith(("/", "https://w3id.org/")) or link.get("rel") != "stylesheet"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_static_assets_are_served(client: FlaskClient) -> None:
    for name, media_type in (("site.css", "text/css"), ("query.js", "text/javascript")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.mimetype == media_type
        response.close()


def test_the_charts_share_one_scale_with_an_axis(client: FlaskClient, built: BuiltDataset) -> None:
    """A bar's length is its count on one scale for every chart: 96 and 39 are not the same
    length; each chart draws that axis, its ticks where their values fall on the same scale."""
    per_unit = set()
    counts = built.manifest["counts"]
    largest = max(max(counts[section].values()) for section in CHART_SECTIONS.values())
    maxima = set()
    for facet, svg in charts(client).items():
        maxima.add(int(svg.attrib["data-axis-max"]))
        for link in svg.iter(f"{SVG}a"):
            bar = next(r for r in link.iter(f"{SVG}rect") if r.attrib["class"] == "bar")
            count = int(
                next(t for t in link.iter(f"{SVG}text") if "bar-count" in t.attrib["class"]).text
                or ""
            )
            per_unit.add(round(float(bar.attrib["width"].rstrip("%")) / count, 3))
            # The link's name starts with the words it shows (WCAG "label in name").
            shown = " ".join(t.text or "" for t in link.iter(f"{SVG}text"))
            assert link.attrib["aria-label"].startswith(shown), shown
            assert link.find(f"{SVG}title") is None
        ticks = [t for t in svg.iter(f"{SVG}text") if t.attrib.get("class") == "tick"]
        values = [int(t.text or "") for t in ticks]
        assert values[0] == 0 and values[-1] >= largest and values == sorted(values), facet
        for tick, value in zip(ticks[1:], values[1:], strict=True):
            per_unit.add(round(float(tick.attrib["x"].rstrip("%")) / value, 3))
    assert len(maxima) == 1
    assert max(per_unit) - min(per_unit) < 0.01, per_unit
