"""Fuzzing (hypothesis) over query strings, parameters, headers, bodies and methods: never a 500,
never a stack trace or a file path, and every 200 body parses as what its Content-Type says."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.web.answers import graph_of, media_type, no_internals

EXPECTED_STATUSES = {200, 204, 304, 400, 403, 404, 405, 406, 413, 415, 429, 503, 504}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TOKENS = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "*",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "?s",
    "?p",
    "?o",
    "$x",
    ".",
    ";",
    ",",
    "a",
    "FILTER",
    "REGEX",
    "BIND",
    "AS",
    "COUNT",
    "GROUP BY",
    "ORDER BY",
    "LIMIT 5",
    "OFFSET",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "FROM",
    "NAMED",
    "SERVICE",
    "SILENT",
    "INSERT",
    "DELETE",
    "DATA",
    "LOAD",
    "CLEAR",
    "VALUES",
    "UNDEF",
    "PREFIX",
    "BASE",
    "ex:",
    "ex:x",
    "<http://e/>",
    "<rel>",
    '"a"',
    "'b'",
    '"""c"""',
    "'''",
    '"',
    "'",
    "#",
    "\n",
    "\\",
    "\\u0053",
    "@en",
    "^^",
    "<<",
    ">>",
    "EXISTS",
    "NOT",
    "!",
    "1",
    "1.5",
    "true",
    "STR(?s)",
    "<https://w3id.org/ivig/graph/asserted>",
    "\x00",
    "é",
    "\ufeff",
]
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
SPARQLISH = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join) | st.lists(
    st.sampled_from(TOKENS), max_size=40
).map("".join)
HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
PARAM_NAMES = st.sampled_from(
    ["query", "update", "default-graph-uri", "named-graph-uri", "format", "other"]
)


def check(response: TestResponse) -> None:
    assert response.status_code in EXPECTED_STATUSES, (response.status_code, response.data)
    assert no_internals(response.data), response.data
    if response.status_code == 200 and response.data:
        parse_body(response)


def parse_body(response: TestResponse) -> None:
    kind = media_type(response.content_type)
    body = response.get_data()
    if kind in ("application/sparql-results+json", "application/json"):
        json.loads(body)
    elif kind == "application/sparql-results+xml":
        ET.fromstring(body)
    elif kind in ("text/csv", "text/tab-separated-values"):
        list(csv.reader(io.StringIO(body.decode("utf-8"))))
    elif kind == "text/plain":
        body.decode("utf-8")
    else:
        graph_of(body, response.content_type)


@FUZZ
@given(query=SAFE_TEXT | SPARQLISH)
def test_any_query_text(app: Flask, query: str) -> None:
    client = app.test_client()
    check(client.get("/sparql", query_string={"query": query}))
    check(client.post("/sparql", data=query.encode(), content_type="application/sparql-query"))


@FUZZ
@given(params=st.lists(st.tuples(PARAM_NAMES, SAFE_TEXT | SPARQLISH), max_size=5))
def test_any_parameters(app: Flask, params: list[tuple[str, str]]) -> None:
    client = app.test_client()
    check(client.get("/sparql", query_string=MultiDict(params)))
    check(client.post("/sparql", data=MultiDict(params)))


@FUZZ
@given(
    accept=HEADER_VALUE,
    content_type=HEADER_VALUE,
    encoding=HEADER_VALUE,
    etag=HEADER_VALUE,
    request_id=HEADER_VALUE,
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "OPTIONS", "DELETE"]),
)
def test_any_headers(
    app: Flask,
    accept: str,
    content_type: str,
    encoding: str,
    etag: str,
    request_id: str,
    method: str,
) -> None:
    headers = {
        "Accept": accept,
        "Content-Type": content_type,
        "Accept-Encoding": encoding,
        "If-None-Match": etag,
        "X-Request-Id": request_id,
        "X-Forwarded-For": request_id,
    }
    response = app.test_client().open(
        "/sparql",
        method=method,
        query_string={"query": "SELECT (1 AS ?x) {}"},
        data=b"ASK {}" if method == "POST" else None,
        headers=headers,
    )
    check(response)


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/sparql-query",
            "application/sparql-query; charset=latin-1",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/sparql-update",
            "text/plain",
        ]
    ),
)
def test_any_body(app: Flask, body: bytes, content_type: str) -> None:
    check(app.test_client().post("/sparql", data=body, content_type=content_type))
