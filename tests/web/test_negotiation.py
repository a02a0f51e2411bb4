"""The one negotiator, on its own (the routes that use it are tested in test_formats.py and
tests/ui/test_linked_data.py)."""

from __future__ import annotations

import pytest

from ivig_graph import formats
from ivig_graph.web.negotiation import negotiate

LINKED_DATA = (*formats.RDF, formats.HTML)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, formats.TURTLE),
        ("", formats.TURTLE),
        ("*/*", formats.TURTLE),
        ("text/*", formats.TURTLE),  # text/turtle before text/html in the offers
        ("text/html", formats.HTML),
        ("text/html, */*", formats.HTML),  # named beats matched by */*
        ("text/html;q=0.9, */*", formats.TURTLE),
        ("text/html;q=0, */*", formats.TURTLE),
        ("application/ld+json, text/html;q=0.5", formats.JSON_LD),
        ("application/xhtml+xml", formats.HTML),
        (BROWSER, formats.HTML),
        ("application/xml", formats.RDF_XML),
        ("text/turtle;charset=utf-8", formats.TURTLE),
        ("TEXT/TURTLE", formats.TURTLE),
        ("image/png", None),
        ("*/*;q=0", None),
    ],
)
def test_linked_data_choices(accept: str | None, expected: formats.Format | None) -> None:
    assert negotiate(accept, LINKED_DATA) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/*", formats.CSV),  # matched by its own type beats XML's alias text/xml
        ("application/sparql-results+json;q=0, */*;q=0.1", formats.XML),  # q=0 not undone
        ("application/json", formats.JSON),
        ("text/xml", formats.XML),
        ("garbage, text/tab-separated-values;q=oops, text/csv", formats.CSV),
    ],
)
def test_results_choices(accept: str, expected: formats.Format) -> None:
    assert negotiate(accept, formats.RESULTS) is expected
