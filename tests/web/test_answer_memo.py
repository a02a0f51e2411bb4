"""The answer memo: a repeated GET is answered from the WSGI layer, exactly as Flask answered it
the first time, with only what belongs to each request made afresh."""

from __future__ import annotations

import gzip
import json
import logging

import pytest
from flask import Flask

from ivig_graph.engine import QueryAnswer, QueryRequest
from ivig_graph.web.answer_memo import AnswerMemo

from .answers import count_of, json_rows
from .conftest import CONDITIONS, AppFactory

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/ivig/ontology#Condition> }"
LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } ORDER BY ?c"
)
PER_REQUEST = {"X-Request-Id", "Server-Timing", "X-Cache"}


def memo_of(app: Flask) -> AnswerMemo:
    memo = app.wsgi_app
    assert isinstance(memo, AnswerMemo)
    return memo


def refuse_everything(app: Flask) -> None:
    """From now on, any request reaching Flask's query path fails the test."""
    state = app.extensions["ivig_graph"]

    def refuse(_request: QueryRequest) -> QueryAnswer:
        raise AssertionError("a memoised answer reached the query workers")

    state.pool.execute = refuse
    state.results = type(state.results)(0)  # and the per-query cache is empty


def test_a_repeated_get_is_the_same_response_without_flask(make_app: AppFactory) -> None:
    app = make_app()
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": LABELS})
    assert first.headers["X-Cache"] == "MISS"
    refuse_everything(app)
    second = client.get("/sparql", query_string={"query": LABELS})
    assert second.status_code == 200 and second.headers["X-Cache"] == "HIT"
    assert second.data == first.data and len(json_rows(second.data)) == CONDITIONS
    kept = {k: v for k, v in first.headers.items() if k not in PER_REQUEST}
    assert {k: v for k, v in second.headers.items() if k not in PER_REQUEST} == kept
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert second.headers["Server-Timing"].startswith("total;dur=")
    # HEAD of the same query: the headers, no body.
    head = client.head("/sparql", query_string={"query": LABELS})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))


def test_the_memo_keys_on_format_encoding_and_host(make_app: AppFactory) -> None:
    app = make_app()
    client = app.test_client()
    params = {"query": COUNT}
    plain = client.get("/sparql", query_string=params)
    csv = client.get("/sparql", query_string=params, headers={"Accept": "text/csv"})
    assert count_of(plain.data) == CONDITIONS
    assert csv.data.decode().splitlines() == ["n", str(CONDITIONS)]
    labels = {"query": LABELS}
    zipped = client.get("/sparql", query_string=labels, headers={"Accept-Encoding": "gzip"})
    unzipped = client.get("/sparql", query_string=labels)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in unzipped.headers
    assert gzip.decompress(zipped.data) == unzipped.data
    # The endpoint's own IRI is the base of relative IRIs, so the host is part of the key.
    relative = {"query": "SELECT ?i WHERE { BIND(<x> AS ?i) }"}
    for host in ("a.example", "b.example", "a.example"):
        answer = client.get("/sparql", query_string=relative, base_url=f"http://{host}")
        assert json_rows(answer.data) == [{"i": f"http://{host}/x"}]
    assert len(memo_of(app).memos) == 6  # plain, csv, gzip, identity, two hosts


def test_only_successful_get_answers_are_kept(make_app: AppFactory) -> None:
    app = make_app()
    client = app.test_client()
    for _ in range(2):
        bad = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
        assert bad.status_code == 400 and "X-Cache" not in bad.headers
        post = client.post("/sparql", data={"query": COUNT})
        assert count_of(post.data) == CONDITIONS
        description = client.get("/sparql", headers={"Accept": "text/turtle"})
        assert description.status_code == 200 and "X-Cache" not in description.headers
    assert len(memo_of(app).memos) == 0
    # The answer as an HTML page (format=html) is an answer too.
    pages = [client.get("/sparql", query_string={"query": COUNT, "format": "html"}) for _ in "ab"]
    assert [page.headers.get("X-Cache") for page in pages] == [None, "HIT"]
    assert pages[1].data == pages[0].data and str(CONDITIONS).encode() in pages[1].data


def test_conditional_requests_still_get_304(make_app: AppFactory) -> None:
    client = make_app().test_client()
    first = client.get("/sparql", query_string={"query": COUNT})
    again = client.get(
        "/sparql", query_string={"query": COUNT}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_memo_hits_are_rate_limited_and_logged(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app(rate_limit=0.01, rate_burst=3).test_client()
    environ = {"REMOTE_ADDR": "10.9.0.1"}
    with caplog.at_level(logging.INFO, logger="ivig_graph.access"):
        statuses = [
            client.get(
                "/sparql",
                query_string={"query": COUNT},
                environ_base=environ,
                headers={"X-Request-Id": f"memo-{n}"},
            ).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 200, 429]  # hits 2 and 3 were charged like the first
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ivig_graph.access"]
    hit = next(r for r in records if r["request_id"] == "memo-1")
    assert (hit["status"], hit["path"], hit["client"]) == (200, "/sparql", "10.9.0.1")
    assert (hit["query_form"], hit["rows"], hit["outcome"]) == ("SELECT", 1, "answered")
    refused = next(r for r in records if r["request_id"] == "memo-3")
    assert refused["status"] == 429


def test_the_memo_is_bounded_and_off_without_a_cache(make_app: AppFactory) -> None:
    app = make_app(result_cache_mb=0)
    assert not isinstance(app.wsgi_app, AnswerMemo)
    client = app.test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": COUNT})
        assert count_of(response.data) == CONDITIONS and "X-Cache" not in response.headers
    small = make_app(result_cache_mb=1)
    memo = memo_of(small)
    client = small.test_client()
    for n in range(200):
        client.get("/sparql", query_string={"query": LABELS + f" # {n}"})
    assert 0 < memo.memos.size_bytes <= memo.memos.capacity
    assert len(memo.memos) < 200  # the oldest went
