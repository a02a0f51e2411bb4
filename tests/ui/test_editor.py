"""The query editor: CodeMirror (static/editor.js, built by ``make bundle``) over the page's
textarea, completions from our own data, Ctrl+Enter, history, the error marker, the sortable and
paged table, the chart view, the page without JavaScript or without the bundle, and axe-core.

The browser tests drive Debian's Chromium with Playwright (as tests/ui/test_browser.py does);
axe-core comes from npm, copied by ``make bundle`` to build/browser/axe.min.js and injected into
a context that bypasses the page's Content-Security-Policy. Without the bundle they fail, saying
to run ``make bundle``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import OWL, RDF, SKOS, Dataset, URIRef

from ivig_graph.vocab import IVIG, PREFIXES
from ivig_graph.web import query_page
from ivig_graph.web.views.links import compact
from tests.servers import RunningServer
from tests.ui.html import parse_html
from tests.ui.test_browser import DESKTOP, Visit, browser

__all__ = ["browser"]  # the Chromium fixture, shared with test_browser.py

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "ivig_graph" / "web" / "static" / query_page.EDITOR_BUNDLE
AXE = REPO / "build" / "browser" / "axe.min.js"
EDITOR = ".query-editor .cm-content"  # Playwright's CSS selectors pierce the open shadow root


# --- the completion lists, against the dataset itself -----------------------------------------


def test_completions_come_from_our_data(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get("/sparql/completions.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    lists = json.loads(response.data)
    prefixes = {p["prefix"]: p for p in lists["prefixes"]}
    for prefix, namespace in PREFIXES.items():
        assert prefixes[prefix]["namespace"] == namespace and prefixes[prefix]["predeclared"]
    terms = {(t["kind"], t["curie"]): t for t in lists["terms"]}
    conditions = set(dataset.subjects(RDF.type, IVIG.Condition))
    assert len(conditions) > 50
    for condition in conditions:
        term = terms[("condition", compact(str(condition)))]
        assert term["label"] == str(dataset.value(condition, SKOS.prefLabel))
        assert set(term["aliases"]) == {str(a) for a in dataset.objects(condition, SKOS.altLabel)}
    classes = {c for c in dataset.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert classes and all(("class", compact(str(c))) in terms for c in classes)
    assert ("property", "ivig:approvalStatus") in terms
    assert ("individual", "ivig:FDAApproved") in terms
    # Cacheable, and revalidated by the dataset's version.
    etag = response.headers["ETag"]
    assert (
        client.get("/sparql/completions.json", headers={"If-None-Match": etag}).status_code == 304
    )


def test_the_page_loads_the_bundle_only_when_it_is_built(
    client: FlaskClient, pages_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<script src="/static/query\.js\?v=\w+" defer>', page)
    assert re.search(r'<textarea id="query" name="query"[^>]*data-completions="/sparql/comp', page)
    if BUNDLE.is_file():
        assert re.search(
            r'<script src="/static/editor\.js\?v=[0-9a-f]{12}" data-style-nonce="', page
        )
    monkeypatch.setattr(query_page, "EDITOR_BUNDLE", "not-built.js")
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "editor.js" not in page and "not-built.js" not in page
    assert '<textarea id="query"' in page


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture
def visit(browser: Any, live_server: RunningServer) -> Iterator[Visit]:
    if not BUNDLE.is_file():
        pytest.fail(f"{BUNDLE} is missing: run `make bundle`", pytrace=False)
    session = Visit(browser, live_server, DESKTOP)
    yield session
    session.close()


def editor_text(page: Any) -> str:
    """The query as the form will send it: the hidden textarea follows the editor."""
    return str(page.locator("#query").input_value())


def clear_editor(page: Any) -> None:
    page.locator(EDITOR).click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")


def complete(page: Any, typed: str, option: str) -> None:
    """Type, wait for the completion ``option`` (its label) and accept it."""
    page.keyboard.type(typed)
    choice = page.locator(
        ".cm-tooltip-autocomplete li",
        has=page.locator(".cm-completionLabel", has_text=re.compile("^" + re.escape(option) + "$")),
    )
    choice.first.wait_for()
    choice.first.click()


def result_rows(page: Any) -> list[list[str]]:
    rows = page.locator("#results table.results tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def run_with_keyboard(page: Any) -> None:
    """Ctrl+Enter in the editor, then wait for the new answer to replace the old one."""
    page.evaluate("document.getElementById('results').dataset.stale = 'yes'")
    page.locator(EDITOR).press("Control+Enter")
    page.locator("#results:not([data-stale]) h2").wait_for()


@pytest.mark.slow
def test_type_complete_and_run_with_ctrl_enter(visit: Visit) -> None:
    page = visit.open("/sparql")
    page.locator(EDITOR).wait_for()
    assert page.locator("#query").is_hidden()
    assert page.get_by_label("Query", exact=True).get_attribute("contenteditable") == "true"
    # Highlighting: the example's keywords are drawn as tokens of their own.
    assert page.locator(EDITOR).get_by_text("SELECT", exact=True).count() >= 1
    clear_editor(page)
    complete(page, "PREFIX sk", "skos:")
    page.keyboard.press("Enter")
    complete(page, "SELECT ?c ?name WHERE { ?c a ivig:Cond", "ivig:Condition")
    page.keyboard.type(" ; skos:prefLabel ?name . FILTER(?c = ")
    complete(page, "kawa", "Kawasaki disease")  # a condition's name gives its IRI
    page.keyboard.press("End")
    page.keyboard.type(" LIMIT 5")
    text = editor_text(page)
    assert text.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    assert "?c a ivig:Condition ;" in text and "FILTER(?c = condition:kawasaki-disease)" in text
    run_with_keyboard(page)
    assert result_rows(page) == [
        ["Kawasaki disease condition:kawasaki-disease", "Kawasaki disease @en"]
    ]
    assert "format=html" in visit.path() and "query=" in visit.path()
    visit.screenshot("editor")
    # The shareable URL opens the same query and answer.
    shared = visit.path()
    page = visit.open(shared)
    page.locator(EDITOR).wait_for()
    assert editor_text(page) == text
    assert len(result_rows(page)) == 1


@pytest.mark.slow
def test_a_term_outside_the_predeclared_prefixes_brings_its_prefix(visit: Visit) -> None:
    page = visit.open("/sparql")
    clear_editor(page)
    complete(page, "SELECT * WHERE { ?class a owl:Cl", "owl:Class")
    text = editor_text(page)
    assert text.startswith("PREFIX owl: <http://www.w3.org/2002/07/owl#>\n")
    assert "?class a owl:Class" in text


@pytest.mark.slow
def test_the_chart_of_a_count_query(visit: Visit) -> None:
    page = visit.open("/sparql")
    page.get_by_label("Example queries").select_option(label="Suppression versus boosting")
    assert "COUNT(?condition)" in editor_text(page)  # choosing an example loads it
    run_with_keyboard(page)
    table = page.locator("#results table.results tbody")
    # The label column's names (a link's text for IRIs), and the number column's values.
    names = table.locator("tr td:first-child").evaluate_all(
        "cells => cells.map(c => (c.querySelector('a') || c).textContent.trim())"
    )
    numbers = [
        float(n)
        for n in table.locator("td[data-number]").evaluate_all(
            "cells => cells.map(c => c.dataset.number)"
        )
    ]
    assert len(names) == len(numbers) >= 2
    page.get_by_role("button", name="Chart").click()
    assert page.locator("#results table.results").is_hidden()
    chart = page.locator("#results svg.result-chart")
    labels = chart.locator(".bar-label").all_text_contents()
    values = [float(v) for v in chart.locator(".bar-value").all_text_contents()]
    widths = [
        float(w)
        for w in chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getBBox().width)")
    ]
    # One bar per row, labelled and valued as the table says.
    assert labels == names
    assert values == numbers
    # One scale: every bar's length is its value times the same factor.
    scales = [width / value for width, value in zip(widths, values, strict=True)]
    assert max(scales) - min(scales) < 0.01 * max(scales), scales
    # An axis from 0 to at least the largest value.
    ticks = [float(t) for t in chart.locator(".tick").all_text_contents()]
    assert ticks[0] == 0 and ticks[-1] >= max(values) and ticks == sorted(ticks)
    visit.screenshot("editor-chart")
    page.get_by_role("button", name="Table").click()
    assert page.locator("#results table.results").is_visible() and chart.is_hidden()


@pytest.mark.slow
def test_results_sort_and_page(visit: Visit) -> None:
    page = visit.open("/sparql")
    clear_editor(page)
    page.keyboard.type("SELECT ?name WHERE { ?c a ivig:Condition ; skos:prefLabel ?name ")
    run_with_keyboard(page)
    status = page.locator("#results .pager-status")
    assert re.fullmatch(r"Rows 1\u201350 of (\d+)", status.inner_text())
    total = int(status.inner_text().rsplit(" ", 1)[-1])
    assert total > 100

    def all_names() -> list[str]:
        names: list[str] = []
        while True:
            names += [row[0] for row in result_rows(page)]
            following = page.get_by_role("button", name="Next rows")
            if following.is_disabled():
                return names
            following.click()

    unsorted = all_names()
    assert len(unsorted) == total and len(result_rows(page)) == total - 100
    page.get_by_role("button", name="name").click()
    assert status.inner_text() == f"Rows 1\u201350 of {total}"
    ascending = all_names()
    collated = page.evaluate(
        "names => names.slice().sort(new Intl.Collator(undefined, {numeric: true}).compare)",
        unsorted,
    )
    assert ascending == collated and ascending != unsorted
    assert page.locator("#results th").get_attribute("aria-sort") == "ascending"
    page.get_by_role("button", name="name").click()
    assert all_names() == list(reversed(ascending))
    assert page.locator("#results th").get_attribute("aria-sort") == "descending"


@pytest.mark.slow
def test_history_keeps_the_queries_run_here(visit: Visit) -> None:
    page = visit.open("/sparql")
    history = page.locator("#history")
    assert history.is_hidden()  # nothing run yet in this browser
    first = "SELECT ?s WHERE { ?s a ivig:Category }"
    second = "ASK { ?s a ivig:Condition }"
    for query in (first, second):
        clear_editor(page)
        page.keyboard.type(query.removesuffix("}"))  # the editor closes the brace itself
        assert editor_text(page) == query
        run_with_keyboard(page)
    page = visit.open("/sparql")
    history.locator("summary").click()
    entries = history.locator("li button")
    assert entries.all_inner_texts() == [second, first]  # newest first
    entries.nth(1).click()
    assert editor_text(page) == first
    page.get_by_role("button", name="Clear the list").click()
    assert history.is_hidden()
    page = visit.open("/sparql")
    assert history.is_hidden()


@pytest.mark.slow
def test_a_syntax_error_is_marked_in_the_editor(visit: Visit) -> None:
    page = visit.open("/sparql")
    clear_editor(page)
    page.keyboard.type("SELECT ?s\nWHERE {\n?s ?p ")  # no object: the parser stops at the "}"
    text = editor_text(page)
    brace = next(i for i, row in enumerate(text.split("\n"), 1) if row.startswith("}"))
    assert brace > 2, text
    run_with_keyboard(page)
    alert = page.locator("#results [role=alert]")
    assert "HTTP 400" in alert.inner_text()
    marked = page.locator("#results [data-error-line]")
    if marked.count():
        line = int(marked.first.get_attribute("data-error-line") or "")
    else:  # the position as the parser's message gives it
        found = re.search(r"error at (\d+):(\d+)", alert.inner_text())
        assert found, alert.inner_text()
        line = int(found.group(1))
    assert line == brace
    host = page.locator(".query-editor")
    assert host.get_attribute("data-error-line") == str(line)
    lines = page.locator(".query-editor .cm-line")
    error_lines = [
        i + 1 for i in range(lines.count()) if lines.nth(i).locator(".cm-lintRange-error").count()
    ]
    assert error_lines == [line]
    visit.screenshot("editor-error")
    # Running a good query clears the mark.
    clear_editor(page)
    page.keyboard.type("ASK { ?s ?p ?o ")
    run_with_keyboard(page)
    assert page.locator(".query-editor .cm-lintRange-error").count() == 0
    assert host.get_attribute("data-error-line") is None
    visit.problems = [p for p in visit.problems if "status of 400" not in p]


@pytest.mark.slow
def test_without_javascript_the_textarea_runs_the_query(
    browser: Any, live_server: RunningServer
) -> None:
    session = Visit(browser, live_server, DESKTOP, javascript=False)
    page = session.open("/sparql?example=04-suppression-vs-boosting.rq")
    assert page.locator(".query-editor").count() == 0
    textarea = page.get_by_label("Query", exact=True)
    assert "COUNT(?condition)" in textarea.input_value()
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url(re.compile(r"format=html"))
    assert len(result_rows(page)) >= 2
    assert page.get_by_role("button", name="Chart").count() == 0  # the chart view needs the script
    session.close()


@pytest.mark.slow
def test_without_the_bundle_the_textarea_still_runs_in_place(
    browser: Any, live_server: RunningServer
) -> None:
    session = Visit(browser, live_server, DESKTOP)
    session.page.route("**/static/editor.js*", lambda route: route.abort())
    page = session.open("/sparql")
    textarea = page.get_by_label("Query", exact=True)
    textarea.fill("SELECT ?s WHERE { ?s a ivig:Category }")
    textarea.press("Control+Enter")
    page.locator("#results table.results").wait_for()
    assert page.locator(".query-editor").count() == 0
    categories = [row[0] for row in result_rows(page)]
    assert categories and all("category:" in name for name in categories)
    assert "format=html" in session.path()
    session.problems = [p for p in session.problems if "ERR_FAILED" not in p]
    session.close()


# --- the editor under the Content-Security-Policy --------------------------------------------

# Every CSP violation the document sees, shadow roots included (also logged as console errors).
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective}: ${event.sample || event.blockedURI}`);
}, true);
"""
# A browser that cannot adopt stylesheets: CodeMirror's style-mod then adds <style> elements.
NO_ADOPTED_STYLESHEETS = """
delete ShadowRoot.prototype.adoptedStyleSheets;
delete Document.prototype.adoptedStyleSheets;
"""
# Queries of every shape the highlighter colours: keywords, IRIs, prefixed names, strings with a
# language tag, numbers, comments, several lines.
FILLED = (
    "SELECT ?c WHERE {{ ?c a ivig:Condition }} LIMIT {n}",
    'ASK {{ ?c skos:prefLabel "Kawasaki disease {n}"@en }}',
    "# query {n}\nSELECT ?s ?p WHERE {{\n  ?s ?p <https://w3id.org/ivig/id/x{n}> .\n}}",
    "PREFIX x: <http://example.org/>\nSELECT (COUNT(*) AS ?n{n}) WHERE {{ ?s x:p 4.5 }}",
)


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> its sources."""
    directives = [d.split() for d in response.headers["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def test_the_query_page_allows_the_editor_styles_by_a_nonce_in_style_src_only(
    client: FlaskClient,
) -> None:
    nonces = []
    for _ in range(2):
        response = client.get("/sparql", headers={"Accept": "text/html"})
        script = next(
            s for s in parse_html(response.data).iter("script") if "editor.js" in s.get("src", "")
        )
        nonce = script.get("data-style-nonce") or ""
        assert len(nonce) >= 22  # at least 128 bits, base64
        found = policy(response)
        assert found["style-src"] == ["'self'", f"'nonce-{nonce}'"]
        assert not any(
            "nonce" in source for d, s in found.items() if d != "style-src" for source in s
        )
        assert response.headers["Cache-Control"] == "no-store"  # a nonce is never served twice
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    # Every other directive is the site's, as on a page without the editor (which has no nonce).
    home = policy(client.get("/", headers={"Accept": "text/html"}))
    assert home["style-src"] == ["'self'"]
    assert {d: s for d, s in found.items() if d != "style-src"} == {
        d: s for d, s in home.items() if d != "style-src"
    }


@pytest.mark.slow
def test_filling_and_running_queries_breaks_no_content_security_policy(visit: Visit) -> None:
    """Playwright's fill() selects everything and inserts at once; the editor, not the browser,
    must replace the text (the browser kept token colours in refused style attributes)."""
    visit.page.add_init_script(RECORD_VIOLATIONS)
    page = visit.open("/sparql")
    editor = page.locator(EDITOR)
    editor.wait_for()
    for n in range(60):  # the race it guards against was lost about one time in ten
        text = FILLED[n % len(FILLED)].format(n=n)
        editor.fill(text)
        assert editor_text(page) == text
    editor.fill("SELECT ?c WHERE { ?c a ivig:Condition } LIMIT 3")
    run_with_keyboard(page)
    assert len(result_rows(page)) == 3
    editor.fill('SELECT ?c WHERE { ?c skos:prefLabel "Kawasaki disease"@en }')
    run_with_keyboard(page)
    assert result_rows(page) == [["Kawasaki disease condition:kawasaki-disease"]]
    assert page.evaluate("window.cspViolations") == []


@pytest.mark.slow
def test_without_adopted_stylesheets_the_editor_styles_come_with_the_nonce(
    visit: Visit,
) -> None:
    visit.page.add_init_script(NO_ADOPTED_STYLESHEETS + RECORD_VIOLATIONS)
    page = visit.open("/sparql")
    page.locator(EDITOR).wait_for()
    styles = page.locator(".query-editor style")
    assert styles.count() >= 1  # style-mod's fallback, inside the shadow root
    # The theme of frontend/editor.js applies: the gutters' background is #f4f6fa.
    gutters = page.locator(".query-editor .cm-gutters")
    assert gutters.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(244, 246, 250)"
    page.locator(EDITOR).fill("ASK { ?s ?p ?o }")
    run_with_keyboard(page)
    assert "yes" in page.locator("#results").inner_text()
    assert page.evaluate("window.cspViolations") == []


# --- axe-core ---------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.slow
def test_axe_finds_no_serious_problem_on_the_query_page(
    browser: Any, live_server: RunningServer
) -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make bundle`", pytrace=False)
    base = f"http://{live_server.host}:{live_server.port}"
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(base + "/sparql")
        page.locator(EDITOR).wait_for()
        found = {"idle": axe_violations(page)}
        page.get_by_label("Example queries").select_option(label="Suppression versus boosting")
        page.locator(EDITOR).press("Control+Enter")
        page.get_by_role("button", name="Chart").click()
        page.locator("#history summary").click()
        found["chart"] = axe_violations(page)
        page.goto(
            base + "/sparql?" + "format=html&query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%7D"
        )
        page.locator(EDITOR).wait_for()
        found["error"] = axe_violations(page)
    finally:
        context.close()
    problems = {
        state: [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
        for state, violations in found.items()
        if violations
    }
    assert problems == {}
