"""Errors people can read: short syntax errors that say where and what was expected, and
error pages for browsers on every route, plain text or JSON for machines."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PREFIX = "PREFIX ivig: <https://w3id.org/ivig/ontology#>\n"


@pytest.mark.parametrize(
    ("query", "line", "column", "words"),
    [
        ("SELECT ?c WHERE { ?c a }", 1, 24, "expected a variable, an IRI or a literal."),
        (PREFIX + "SELECT ?c WHERE { ?c a ivig:Condition ", 2, 39, "'{' at line 2, column 17"),
        ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = )\n}", 3, 15, "an expression"),
        ("SELECT ?x WHERE { ?x foo:bar ?y }", 1, 22, "prefix 'foo:' is not declared"),
        ("SELECT ?c WHERE { ?c ?p ?o ?x } LIMIT 10", 1, 28, "expected '}', '.', ';' or ','"),
        ("SELEC ?x WHERE {}", 1, 1, "SELECT, CONSTRUCT, DESCRIBE, ASK"),
        ("SELECT ?x WHERE { ?x ?p ?y } ORDER ?x", 1, 30, "ORDER BY"),
    ],
)
def test_syntax_error_says_where_and_what_in_words(
    client: FlaskClient, query: str, line: int, column: int, words: str
) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "*/*"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith(f"SPARQL syntax error at line {line}, column {column}: "), text
    assert words in text, text
    assert len(text) < 300, (len(text), text)
    assert "u{" not in text and "[_]" not in text and "..=" not in text, text
    excerpt, caret = text.rstrip("\n").split("\n")[-2:]
    assert caret.strip() == "^"
    source_line = query.split("\n")[line - 1]
    # the caret sits under the column (the excerpt is indented by two spaces, maybe cut)
    if not excerpt.startswith("  ..."):
        assert excerpt[2:] == source_line
        assert caret.index("^") - 2 == column - 1


def test_query_page_marks_the_spot(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT ?c WHERE {\n  ?c a }", "format": "html"},
        headers={"Accept": BROWSER},
    )
    assert response.status_code == 400
    page = Page.parse(response.get_data(as_text=True))
    (error,) = [attrs for tag, attrs in page.starts if ("role", "alert") in attrs]
    found = dict(error)
    assert found["data-error-line"] == "2" and found["data-error-column"] == "8"


class Page(HTMLParser):
    """The start tags of a page, and the text of its title and h1."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: dict[str, str] = {}
        self._open: list[str] = []

    @classmethod
    def parse(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, attrs))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in ("title", "h1"):
            if tag in self._open:
                self.texts[tag] = self.texts.get(tag, "") + data

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.starts]


ERROR_PATHS = [
    ("/nope", 404),
    ("/sparql/", 404),
    ("/robots.txt", 404),
    ("/ontology.xyz", 404),
    ("/downloads/ivig-graph.xyz", 404),
    ("/queries/nope.rq", 404),
    ("/sparql?query=SELEC", 400),
]


@pytest.mark.parametrize(("path", "status"), ERROR_PATHS)
def test_browsers_get_a_page_in_the_site_layout(
    client: FlaskClient, path: str, status: int
) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = Page.parse(response.get_data(as_text=True))
    html_attrs = dict(next(attrs for tag, attrs in page.starts if tag == "html"))
    assert html_attrs.get("lang") == "en"
    assert page.texts.get("title", "").strip()
    assert "main" in page.tags() and "h1" in page.tags()
    assert page.texts["h1"].strip()
    assert any(("href", "/conditions") in attrs for tag, attrs in page.starts if tag == "a")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("path", "status"), ERROR_PATHS)
def test_machines_get_plain_text_or_json(client: FlaskClient, path: str, status: int) -> None:
    for accept in (None, "*/*"):  # curl sends */*; some clients send nothing
        headers = {"Accept": accept} if accept else {}
        response = client.get(path, headers=headers)
        assert response.status_code == status
        assert response.mimetype == "text/plain", accept
        assert "<" not in response.get_data(as_text=True).split(":")[0]
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status and response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["status"] == status and body["message"]
