"""HTTP as clients and caches expect: gzip, ETag/304, Cache-Control, CORS, request ids and
timing on every response, a structured access log, health probes, plain-text errors."""

from __future__ import annotations

import gzip
import json
import logging
import re

import pytest
from flask.testing import FlaskClient

from tests.web.answers import as_text, json_rows, media_type, no_internals
from tests.web.conftest import CONDITIONS

ALL_LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } ORDER BY ?c"
)
SMALL = "SELECT (1 AS ?x) {}"


def test_gzip_when_accepted(client: FlaskClient) -> None:
    plain = client.get("/sparql", query_string={"query": ALL_LABELS})
    zipped = client.get(
        "/sparql", query_string={"query": ALL_LABELS}, headers={"Accept-Encoding": "gzip, br"}
    )
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) < len(plain.data)
    body = gzip.decompress(zipped.data)
    assert body == plain.data
    assert len(json_rows(body)) == CONDITIONS


def test_no_gzip_for_tiny_bodies_or_when_refused(client: FlaskClient) -> None:
    tiny = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers
    refused = client.get(
        "/sparql",
        query_string={"query": ALL_LABELS},
        headers={"Accept-Encoding": "gzip;q=0, identity"},
    )
    assert "Content-Encoding" not in refused.headers
    assert len(json_rows(refused.data)) == CONDITIONS


def test_etag_bound_to_dataset_version_and_request(
    client: FlaskClient, small_built: object
) -> None:
    first = client.get("/sparql", query_string={"query": SMALL})
    version = small_built.version  # type: ignore[attr-defined]
    etag = first.headers["ETag"]
    assert re.fullmatch(rf'W/"{version}-[0-9a-f]+"', etag)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/sparql", query_string={"query": SMALL}).headers["ETag"] == etag
    other_query = client.get("/sparql", query_string={"query": "SELECT (2 AS ?x) {}"})
    other_format = client.get("/sparql", query_string={"query": SMALL, "format": "csv"})
    assert len({etag, other_query.headers["ETag"], other_format.headers["ETag"]}) == 3


def test_304_on_if_none_match(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": SMALL})
    etag = first.headers["ETag"]
    again = client.get(
        "/sparql", query_string={"query": SMALL}, headers={"If-None-Match": f'"x", {etag}'}
    )
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    stale = client.get("/sparql", query_string={"query": SMALL}, headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200
    assert json_rows(stale.data) == [{"x": "1"}]
    described = client.get("/sparql")
    assert (
        client.get("/sparql", headers={"If-None-Match": described.headers["ETag"]}).status_code
        == 304
    )


def test_post_answers_are_not_cached(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": SMALL})
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_errors_are_plain_text_uncached_and_show_no_internals(client: FlaskClient) -> None:
    for response in (
        client.get("/sparql", query_string={"query": "SELECT * {"}),
        client.get("/nowhere"),
        client.delete("/sparql"),
        client.post("/sparql", data=b"x", content_type="text/plain"),
    ):
        assert response.status_code in (400, 404, 405, 415)
        assert media_type(response.content_type) == "text/plain"
        assert response.headers["Cache-Control"] == "no-store"
        assert no_internals(response.data)
        assert as_text(response.data).strip()


def test_cors_on_answers_and_preflight(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": SMALL}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert {"GET", "POST"} <= {
        m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")
    }
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_request_id_and_timing_on_every_response(client: FlaskClient) -> None:
    responses = [
        client.get("/sparql", query_string={"query": SMALL + " # timing"}),  # not yet cached
        client.get("/sparql"),
        client.get("/sparql", query_string={"query": "nonsense"}),
        client.get("/healthz"),
        client.get("/missing"),
    ]
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    for response in responses:
        assert re.match(r"total;dur=\d+\.\d", response.headers["Server-Timing"])
    assert re.search(r"query;dur=\d+\.\d", responses[0].headers["Server-Timing"])


@pytest.mark.parametrize(
    ("sent", "kept"), [("abc-123", True), ("a" * 65, False), ("bad id\u00e9", False)]
)
def test_client_request_id_is_echoed_if_sane(client: FlaskClient, sent: str, kept: bool) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": sent.encode().decode("latin-1")})
    assert (response.headers["X-Request-Id"] == sent) is kept


def test_structured_access_log(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    query = SMALL + " # access log"  # a text asked nowhere else: evaluated, then cached
    with caplog.at_level(logging.INFO, logger="ivig_graph.access"):
        response = client.get(
            "/sparql", query_string={"query": query}, headers={"X-Request-Id": "log-test-1"}
        )
        client.get("/sparql", query_string={"query": query}, headers={"X-Request-Id": "log-test-2"})
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ivig_graph.access"]
    entry = next(r for r in records if r["request_id"] == "log-test-1")
    again = next(r for r in records if r["request_id"] == "log-test-2")
    assert (entry["outcome"], again["outcome"]) == ("answered", "cached")
    assert again["query_ms"] is None and again["rows"] == 1  # no query ran
    assert entry["status"] == 200
    assert entry["method"] == "GET"
    assert entry["path"] == "/sparql"
    assert entry["query_form"] == "SELECT"
    assert entry["rows"] == 1
    assert entry["bytes"] == len(response.data)
    assert entry["query_ms"] >= 0
    assert entry["duration_ms"] >= entry["query_ms"]


def test_health_and_readiness(client: FlaskClient, small_built: object) -> None:
    health = client.get("/healthz")
    assert (health.status_code, health.data) == (200, b"ok\n")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json
    assert body["status"] == "ready"  # type: ignore[index]
    assert body["dataset_version"] == small_built.version  # type: ignore[attr-defined,index]
    assert body["workers"] == 2  # type: ignore[index]


class _BuggyPool:
    """A pool whose worker answers every query with a bug (as serve.pool raises it)."""

    ready = True

    def execute(self, request: object, client: str = "", gzip_min_bytes: int = 0) -> object:
        raise RuntimeError("query worker: KeyError in a query worker")

    def stats(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        return None


def test_a_bug_in_a_query_worker_is_a_500_with_the_request_id_and_its_trace_in_the_log(
    small_built: object, queries_dir: object, caplog: pytest.LogCaptureFixture
) -> None:
    from ivig_graph.web.app import create_app
    from tests.servers import endpoint_config

    app = create_app(small_built, endpoint_config(queries_dir), pool=_BuggyPool())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="ivig_graph.web.errors"):
        response = app.test_client().get(
            "/sparql", query_string={"query": SMALL}, headers={"X-Request-Id": "bug-1"}
        )
    assert response.status_code == 500
    assert "bug-1" in as_text(response.data)
    assert no_internals(response.data) and "KeyError" not in as_text(response.data)
    assert "bug-1" in caplog.text and "RuntimeError" in caplog.text  # the trace, in the log


def test_a_worker_turns_an_unexpected_exception_into_a_bug_reply_and_keeps_serving() -> None:
    from ivig_graph.errors import Malformed
    from ivig_graph.query.engine import QueryRequest
    from ivig_graph.serve.spool import AnswerJob
    from ivig_graph.serve.worker import answer

    def broken(request: object) -> object:
        raise KeyError("oops")

    def refusing(request: object) -> object:
        raise Malformed("Invalid SPARQL query")

    job = AnswerJob(QueryRequest("ASK {}", "json"), "/nonexistent/answer")
    status, detail = answer(broken, job)  # type: ignore[arg-type]
    assert status == "bug" and "KeyError" in str(detail) and "oops" not in str(detail)
    status, detail = answer(refusing, job)  # type: ignore[arg-type]
    assert status == "refused" and isinstance(detail, Malformed)
