"""Repeated queries are answered from memory: same answer, no query worker involved."""

from __future__ import annotations

from flask.testing import FlaskClient

from ivig_graph.engine import QueryAnswer, QueryRequest
from ivig_graph.web.result_cache import ResultCache

from .answers import json_rows
from .conftest import AppFactory

LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } ORDER BY ?c"
)


def answer(size: int) -> QueryAnswer:
    return QueryAnswer(b"x" * size, "text/csv", "results", 1, False)


def request_for(text: str) -> QueryRequest:
    return QueryRequest(query=text, format_key="csv")


def test_a_repeated_query_is_a_hit_with_the_same_answer(make_app: AppFactory) -> None:
    client: FlaskClient = make_app().test_client()
    first = client.get("/sparql", query_string={"query": LABELS})
    second = client.get("/sparql", query_string={"query": LABELS})
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.data == first.data and json_rows(second.data)
    assert second.headers["ETag"] == first.headers["ETag"]
    # Another format of the same query is another answer.
    csv = client.get("/sparql", query_string={"query": LABELS, "format": "csv"})
    assert csv.headers["X-Cache"] == "MISS"
    assert csv.data.decode().splitlines()[0] == "c,l"


def test_hits_do_not_use_the_query_workers(make_app: AppFactory) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": LABELS}).status_code == 200
    pool = app.extensions["ivig_graph"].pool

    def refuse(_request: QueryRequest) -> QueryAnswer:
        raise AssertionError("a cached answer went to the workers")

    original = pool.execute
    pool.execute = refuse
    try:
        again = client.get("/sparql", query_string={"query": LABELS})
    finally:
        pool.execute = original
    assert again.status_code == 200 and again.headers["X-Cache"] == "HIT"


def test_errors_are_not_cached(make_app: AppFactory) -> None:
    client = make_app().test_client()
    for _ in range(2):
        bad = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
        assert bad.status_code == 400 and "X-Cache" not in bad.headers


def test_the_cache_can_be_turned_off(make_app: AppFactory) -> None:
    client = make_app(result_cache_mb=0).test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": LABELS})
        assert response.status_code == 200 and "X-Cache" not in response.headers


def test_least_recently_used_answers_go_first_within_the_byte_bound() -> None:
    cache = ResultCache(capacity_bytes=800)
    for name in "abcd":
        cache.put(request_for(name), answer(100))
    assert cache.get(request_for("a")) is not None  # now the most recently used
    for name in "efghi":  # 900 bytes in all: one answer must go
        cache.put(request_for(name), answer(100))
    assert cache.size_bytes <= 800
    assert cache.get(request_for("b")) is None  # the least recently used went first
    assert cache.get(request_for("a")) is not None
    assert cache.get(request_for("i")) is not None


def test_answers_over_an_eighth_of_the_capacity_are_not_kept() -> None:
    cache = ResultCache(capacity_bytes=800)
    cache.put(request_for("big"), answer(101))
    assert cache.get(request_for("big")) is None and len(cache) == 0
