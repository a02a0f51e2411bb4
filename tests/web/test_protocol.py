"""SPARQL 1.1 Protocol, query operation: the three ways in, one query, content types, methods,
charsets, syntax errors, and updates refused with nothing changed (W3C protocol tests: query_get,
query_post_form, query_post_direct, bad_multiple_queries, bad_query_method,
bad_query_wrong_media_type, bad_query_missing_form_type, bad_query_missing_direct_type,
bad_query_non_utf8, bad_query_syntax, bad_update_get)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.web.answers import as_text, count_of, json_rows, media_type, no_internals, values
from tests.web.conftest import CONDITIONS, condition

COUNT_CONDITIONS = (
    "PREFIX ivig: <https://w3id.org/ivig/ontology#> "
    "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ivig:Condition }"
)
BARRE = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    'SELECT ?c WHERE { ?c skos:altLabel ?l FILTER(CONTAINS(STR(?l), "Barré")) }'
)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def test_get(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_CONDITIONS})
    assert response.status_code == 200
    assert media_type(response.content_type) == "application/sparql-results+json"
    assert count_of(response.data) == CONDITIONS


def test_post_form(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data="query=" + quote(COUNT_CONDITIONS, safe=""), content_type=FORM
    )
    assert response.status_code == 200
    assert count_of(response.data) == CONDITIONS


def test_post_direct(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT_CONDITIONS.encode(), content_type=DIRECT)
    assert response.status_code == 200
    assert count_of(response.data) == CONDITIONS


def test_head_answers_like_get_without_a_body(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": COUNT_CONDITIONS})
    head = client.head("/sparql", query_string={"query": COUNT_CONDITIONS})
    assert head.status_code == 200
    assert head.data == b""
    for header in ("Content-Type", "ETag", "Content-Length", "Cache-Control"):
        assert head.headers.get(header) == get.headers.get(header), header


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [(None, "utf-8"), ("utf-8", "utf-8"), ("UTF-8", "utf-8"), ("iso-8859-1", "latin-1")],
)
def test_charset_of_direct_and_form_bodies_is_honoured(
    client: FlaskClient, charset: str | None, encoding: str
) -> None:
    suffix = f"; charset={charset}" if charset else ""
    direct = client.post("/sparql", data=BARRE.encode(encoding), content_type=DIRECT + suffix)
    form_body = b"query=" + quote(BARRE.encode(encoding), safe="").encode()
    form = client.post("/sparql", data=form_body, content_type=FORM + suffix)
    for response in (direct, form):
        assert response.status_code == 200, response.data
        assert values(json_rows(response.data), "c") == [str(condition(1))]


@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "utf-32", "no-such-charset"])
def test_non_ascii_compatible_charsets_are_refused_not_misread(
    client: FlaskClient, charset: str
) -> None:
    body = "ASK {}".encode(charset if charset != "no-such-charset" else "utf-8")
    response = client.post("/sparql", data=body, content_type=f"{DIRECT}; charset={charset}")
    assert response.status_code == 415
    assert "charset" in as_text(response.data)


def test_utf16_body_without_charset_is_400_not_500(client: FlaskClient) -> None:
    response = client.post("/sparql", data="ASK {}".encode("utf-16"), content_type=DIRECT)
    assert response.status_code == 400
    assert "UTF-8" in as_text(response.data) or "utf-8" in as_text(response.data)


def test_invalid_utf8_in_the_url_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%20%7B%7D%FF")
    assert response.status_code == 400
    assert "utf-8" in as_text(response.data)


def test_percent_encoded_utf8_in_the_url(client: FlaskClient) -> None:
    response = client.get("/sparql?query=" + quote(BARRE, safe=""))
    assert response.status_code == 200
    assert values(json_rows(response.data), "c") == [str(condition(1))]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "query_string": "query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D"},
        {
            "method": "POST",
            "query_string": "query=ASK%20%7B%7D",
            "data": b"ASK {}",
            "content_type": DIRECT,
        },
        {
            "method": "POST",
            "query_string": "query=ASK%20%7B%7D",
            "data": b"query=ASK%20%7B%7D",
            "content_type": FORM,
        },
        {"method": "POST", "data": b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", "content_type": FORM},
    ],
)
def test_exactly_one_query(client: FlaskClient, request_kwargs: dict[str, object]) -> None:
    response = client.open("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "Exactly one query" in as_text(response.data)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"ASK {}"),  # bad_query_wrong_media_type
        (None, b"query=ASK%20%7B%7D"),  # bad_query_missing_form_type
        (None, b"ASK {}"),  # bad_query_missing_direct_type
        ("application/json", b'{"query": "ASK {}"}'),
        ("multipart/form-data; boundary=x", b"--x--"),
    ],
)
def test_unsupported_content_type_is_415(
    client: FlaskClient, content_type: str | None, body: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=body, headers=headers)
    assert response.status_code == 415
    assert "Content-Type" in as_text(response.data)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_other_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql", method=method, query_string={"query": "ASK {}"})
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST", "HEAD"} <= allowed
    assert "Method not allowed" in as_text(response.data)


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("ASK {", "1, column 6"),
        ("SELECT * WHERE {\n  ?s ?p\n}", "3, column 1"),
        ("SELEC * {}", "1, column 1"),
    ],
)
def test_syntax_error_is_400_with_line_and_column(
    client: FlaskClient, query: str, position: str
) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    text = as_text(response.data)
    assert text.startswith("SPARQL syntax error at line " + position), text
    assert no_internals(response.data)


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_empty_query_is_400(client: FlaskClient, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "empty" in as_text(response.data)


def test_post_without_a_query_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"default-graph-uri=x", content_type=FORM)
    assert response.status_code == 400
    assert "No query" in as_text(response.data)


UPDATES = [
    {"method": "GET", "query_string": {"update": "CLEAR ALL"}},  # bad_update_get
    {"method": "POST", "data": b"update=CLEAR%20ALL", "content_type": FORM},
    {"method": "POST", "data": b"CLEAR ALL", "content_type": "application/sparql-update"},
    {"method": "POST", "data": b"INSERT DATA { <a> <b> <c> }", "content_type": DIRECT},
    {"method": "GET", "query_string": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    {"method": "GET", "query_string": {"query": "LOAD <http://127.0.0.1:9/x.ttl>"}},
    {"method": "GET", "query_string": {"query": "CLEAR ALL"}},
    {"method": "GET", "query_string": {"query": "DROP ALL"}},
]


@pytest.mark.parametrize("request_kwargs", UPDATES)
def test_updates_are_403_read_only_and_change_nothing(
    client: FlaskClient, request_kwargs: dict[str, object]
) -> None:
    count = "SELECT (COUNT(*) AS ?n) {?s ?p ?o}"
    before = client.get("/sparql", query_string={"query": f"{count} # before {request_kwargs}"})
    response = client.open("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in as_text(response.data)
    # Another text: evaluated again, not the result cache's copy of the first answer.
    after = client.get("/sparql", query_string={"query": f"{count} # after {request_kwargs}"})
    assert count_of(after.data) == count_of(before.data) > 0
