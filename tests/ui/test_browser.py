"""A person's journey in a real browser: Playwright driving Debian's Chromium (headless) against
``ivig-graph serve`` started as a subprocess. Screenshots of the main pages, at desktop and at
phone width, are written to tests/artifacts/screenshots/ for a reviewer to look at.

Chromium comes from apt and Playwright from PyPI (``make browser``); ``playwright install`` (which
downloads a browser) is never run. Without them these tests fail, saying what to install.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import RunningServer
from tests.ui.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        pytest.fail(
            f"the playwright package is missing ({error}): run `make browser`", pytrace=False
        )
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)", pytrace=False
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Error as error:
            pytest.fail(f"Chromium ({CHROMIUM}) could not be launched: {error}", pytrace=False)
        yield launched
        launched.close()


class Visit:
    """A browser page on the live server that records what would make the journey suspect:
    script errors, console errors, and any request to another host (the pages need no internet)."""

    def __init__(
        self,
        browser: Any,
        server: RunningServer,
        viewport: dict[str, int],
        *,
        javascript: bool = True,
    ) -> None:
        self.base = f"http://{server.host}:{server.port}"
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        self.page.on(
            "request",
            lambda request: (
                None
                if request.url.startswith((self.base, "data:"))
                else self.problems.append(f"request to another host: {request.url}")
            ),
        )

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, (path, response and response.status)
        return self.page

    def path(self) -> str:
        return str(self.page.url).removeprefix(self.base)

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


@pytest.fixture
def visit(browser: Any, live_server: RunningServer) -> Iterator[Visit]:
    session = Visit(browser, live_server, DESKTOP)
    yield session
    session.close()


def test_from_the_chart_to_a_condition_and_why(visit: Visit) -> None:
    page = visit.open("/")
    assert page.title() == "What IVIG therapy is used for · IVIG uses"
    visit.screenshot("home")
    # The bar of the mechanism chart for immune suppression, then a condition in the list.
    bar = page.locator('svg[data-facet="mechanism"] a[data-key="ImmuneSuppression"]')
    count = int(bar.locator("text.bar-count").text_content() or "")
    bar.click()
    page.wait_for_url(re.compile(r"/conditions\?mechanism=ImmuneSuppression$"))
    assert int(page.locator("#result-count strong").inner_text()) == count
    assert page.locator("table.conditions tbody tr").count() == count
    page.get_by_role("link", name="Myasthenia gravis", exact=True).click()
    page.wait_for_url(re.compile(r"/id/condition/myasthenia-gravis$"))
    assert page.locator("h1").inner_text() == "Myasthenia gravis"
    # The mechanism, and why: the asserted kind, the ontology's rule with the source's words.
    assert page.locator("#mechanism").inner_text() == "Immune suppression"
    why = page.locator("#why").inner_text()
    assert "Autoimmune disorder" in why
    assert "cax-sco" in why and "cls-hv2" in why
    assert "suppresses the immune system in patients with autoimmune disorders" in why
    visit.screenshot("condition")


def test_a_condition_without_a_clear_mechanism_says_why(visit: Visit) -> None:
    page = visit.open("/id/condition/kawasaki-disease")
    why = page.locator("#why").inner_text()
    assert "No mechanism is stated" in why and "Editorial note" in why
    assert page.locator("#mechanism").inner_text().startswith("Not stated")


def test_switch_a_filter_and_search_by_an_old_name(visit: Visit) -> None:
    page = visit.open("/conditions")
    assert int(page.locator("#result-count strong").inner_text()) == 102
    page.get_by_label("Category").select_option("blood-disorders")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"category=blood-disorders"))
    assert int(page.locator("#result-count strong").inner_text()) == 13
    categories = page.locator("table.conditions tbody td[data-label=Category]").all_inner_texts()
    assert categories and set(categories) == {"Blood disorders"}
    visit.screenshot("conditions-filtered")
    # An old eponym, from the home page's search box.
    page = visit.open("/")
    page.get_by_label("Find a condition by any of its names").fill("Wegener")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/conditions\?q=Wegener$"))
    link = page.get_by_role("link", name="Granulomatosis with polyangiitis")
    assert "Wegener" in page.locator("table.conditions tbody th").first.inner_text()
    visit.screenshot("conditions-search")
    link.click()
    page.wait_for_url(re.compile(r"/id/condition/granulomatosis-with-polyangiitis$"))
    assert "Wegener\u2019s granulomatosis" in page.locator("main").inner_text()


def test_run_an_example_query(visit: Visit) -> None:
    page = visit.open("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Query").click()
    page.wait_for_url(re.compile(r"/sparql$"))
    page.get_by_label("Example queries").select_option(label="Find a condition by an old name")
    page.get_by_role("button", name="Load example").click()
    editor = page.locator("#query")  # the form's textarea (hidden under the editor, if built)
    assert "wegener" in editor.input_value()
    page.get_by_role("button", name="Run query").click()
    table = page.locator("#results table.results")
    table.wait_for()
    headings = table.locator("thead th").all_inner_texts()
    assert headings[0] == "condition" or "condition" in headings
    cells = table.locator("tbody").inner_text()
    assert "Granulomatosis with polyangiitis" in cells
    assert "format=html" in visit.path() and "query=" in visit.path()
    visit.screenshot("query")
    # A result IRI leads to our page for it.
    table.get_by_role("link", name="Granulomatosis with polyangiitis").first.click()
    page.wait_for_url(re.compile(r"/id/condition/granulomatosis-with-polyangiitis$"))


def test_query_errors_are_shown_in_place(visit: Visit) -> None:
    page = visit.open("/sparql")
    editor = page.get_by_label("Query", exact=True)
    editor.click()
    editor.press("Control+a")
    editor.press("Delete")
    editor.press_sequentially("SELECT * WHERE { ?s ?p }")
    editor.press("Control+Enter")
    alert = page.locator("#results [role=alert]")
    alert.wait_for()
    assert "HTTP 400" in alert.inner_text() and "error at" in alert.inner_text()
    assert page.locator("#query").input_value() == "SELECT * WHERE { ?s ?p }"
    # Chromium logs the 400 answer itself; that one is expected.
    visit.problems = [p for p in visit.problems if "status of 400" not in p]


def test_the_ontology_page(visit: Visit) -> None:
    page = visit.open("/ontology")
    page.get_by_role("link", name="mechanism", exact=True).first.click()
    assert visit.path() == "/ontology#mechanism"
    assert "Derived by OWL 2 RL" in page.locator("#mechanism").inner_text()
    visit.screenshot("ontology")


def test_keyboard_skip_link(visit: Visit) -> None:
    page = visit.open("/conditions")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"  # the first field of the filters


def test_chart_bars_are_reachable_by_keyboard(visit: Visit) -> None:
    page = visit.open("/")
    for _ in range(30):
        page.keyboard.press("Tab")
        key = page.evaluate("document.activeElement.getAttribute('data-key')")
        if key is not None:
            break
    assert key == "OffLabel", "the first bar of the first chart takes the focus"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/conditions\?status=OffLabel$"))
    assert int(page.locator("#result-count strong").inner_text()) == 96


def test_without_javascript(browser: Any, live_server: RunningServer) -> None:
    """Browsing and querying work with JavaScript off: plain forms and server-rendered results."""
    session = Visit(browser, live_server, DESKTOP, javascript=False)
    page = session.open("/conditions")
    page.get_by_label("Approval status").select_option("FDAApproved")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"status=FDAApproved"))
    assert int(page.locator("#result-count strong").inner_text()) == 6
    page = session.open("/sparql?example=15-is-myasthenia-gravis-suppressed.rq")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url(re.compile(r"format=html"))
    assert "The answer is yes" in page.locator("#results").inner_text()
    session.close()


def test_readable_on_a_phone(browser: Any, live_server: RunningServer) -> None:
    session = Visit(browser, live_server, PHONE)
    for name, path in (
        ("home", "/"),
        ("conditions", "/conditions?status=FDAApproved"),
        ("condition", "/id/condition/granulomatosis-with-polyangiitis"),
        ("query", "/sparql?example=02-off-label-uses-by-category.rq"),
    ):
        page = session.open(path)
        # Nothing wider than the screen: the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        session.screenshot(f"phone-{name}")
    session.close()


def test_search_forgives_a_typo_and_suggests(visit: Visit) -> None:
    page = visit.open("/")
    page.get_by_label("Find a condition by any of its names").fill("kawasky")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/conditions\?q=kawasky$"))
    assert int(page.locator("#result-count strong").inner_text()) == 1
    assert "spelled like" in page.locator("table.conditions tbody th").first.inner_text()
    visit.screenshot("conditions-typo")
    # An abbreviation that is no name in the data, then something only close to a name.
    page = visit.open("/conditions?q=GBS")
    assert page.locator("table.conditions tbody th a").all_inner_texts() == [
        "Guillain-Barré syndrome"
    ]
    page = visit.open("/conditions?q=kwsk")
    page.locator("#did-you-mean").get_by_role("link", name="Kawasaki disease").click()
    page.wait_for_url(re.compile(r"/id/condition/kawasaki-disease$"))


def test_sort_the_list_and_walk_to_a_category(visit: Visit) -> None:
    page = visit.open("/conditions?mechanism=ImmuneSuppression")
    page.locator("table.conditions thead").get_by_role("link", name="Approval status").click()
    page.wait_for_url(re.compile(r"sort=status"))
    assert "mechanism=ImmuneSuppression" in visit.path()
    first = page.locator("table.conditions tbody td[data-label='Approval status']").first
    assert first.inner_text() == "FDA-approved"
    with page.expect_download() as download:
        page.locator("#csv-download").click()
    assert download.value.suggested_filename.endswith(".csv")
    page = visit.open("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Categories").click()
    page.wait_for_url(re.compile(r"/categories$"))
    page.get_by_role("link", name="Blood disorders", exact=True).click()
    page.wait_for_url(re.compile(r"/id/category/blood-disorders$"))
    assert int(page.locator("#member-count").inner_text()) == 13
    visit.screenshot("category")
    page.get_by_role("link", name="Query with SPARQL").click()
    page.wait_for_url(re.compile(r"/sparql\?"))
    page.get_by_role("button", name="Run query").click()
    page.locator("#results table.results").wait_for()
    assert "Aplastic anemia" in page.locator("#results").inner_text()
