"""axe-core (from npm, copied by ``make bundle`` to build/browser/axe.min.js) over every kind
of page, in Chromium at desktop and phone width: no serious or critical violation anywhere.

The pages' Content-Security-Policy forbids inline and injected scripts, so the browser context
bypasses it (``bypass_csp``) only to inject axe; the pages themselves are served as always.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import RunningServer
from tests.ui.test_browser import DESKTOP, PHONE, TIMEOUT_MS, browser  # noqa: F401

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[2] / "build" / "browser" / "axe.min.js"
SERIOUS = {"serious", "critical"}
PAGES = {
    "home": "/",
    "conditions": "/conditions",
    "conditions-filtered": "/conditions?category=blood-disorders&mechanism=ImmuneSuppression",
    "conditions-searched": "/conditions?q=Wegener",
    "conditions-typo": "/conditions?q=kawasky",
    "conditions-nothing": "/conditions?q=zzzzqqq",
    "conditions-sorted": "/conditions?sort=status",
    "condition": "/id/condition/kawasaki-disease",
    "category": "/id/category/blood-disorders",
    "categories": "/categories",
    "products": "/products",
    "product": "/id/product/gammagard-liquid",
    "ontology": "/ontology",
    "article": "/source/article",
    "not-found": "/id/condition/kawasaky-disease",
    "no-route": "/nope",
}
MISSING = {"not-found", "no-route"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make bundle", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def axe_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport=request.param, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "nodes": [node["target"] for node in v["nodes"]],
        }
        for v in result["violations"]
    ]


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_violation(
    axe_page: Any, axe_source: str, live_server: RunningServer, name: str
) -> None:
    path = PAGES[name]
    response = axe_page.goto(f"http://{live_server.host}:{live_server.port}{path}")
    assert response is not None
    assert response.status == (404 if name in MISSING else 200), path
    found = violations(axe_page, axe_source)
    serious = [v for v in found if v["impact"] in SERIOUS]
    assert serious == [], serious
