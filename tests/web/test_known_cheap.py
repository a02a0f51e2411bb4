"""Known-cheap requests: what a worker evaluated within the threshold runs in the HTTP process
the next times, with the same answer; everything else, and everything the first time, goes to
a worker under the time budget."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from ivig_graph.engine import QueryRequest
from ivig_graph.query_pool import KnownCheap

from .answers import as_text, count_of, json_rows
from .conftest import CONDITIONS, AppFactory

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/ivig/ontology#Condition> }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def stats(app: Flask) -> dict[str, int]:
    counts: dict[str, int] = app.extensions["ivig_graph"].pool.stats()
    return counts


@pytest.fixture(scope="module")
def inline_app(make_app: AppFactory) -> Flask:
    # No result cache: every request is evaluated; a generous threshold for a loaded CI machine.
    return make_app(result_cache_mb=0, inline_query_ms=200.0, timeout=2.0)


def test_a_repeated_cheap_query_runs_in_place_with_the_same_answer(inline_app: Flask) -> None:
    client = inline_app.test_client()
    before = stats(inline_app)["answered_inline"]
    answers = [client.get("/sparql", query_string={"query": COUNT}) for _ in range(4)]
    assert [count_of(answer.data) for answer in answers] == [CONDITIONS] * 4
    assert len({answer.data for answer in answers}) == 1
    assert stats(inline_app)["answered_inline"] - before == 3  # all but the first
    # Another format is another request: to a worker first, then in place.
    csv = [client.get("/sparql", query_string={"query": COUNT, "format": "csv"}) for _ in "ab"]
    assert [answer.data.decode().split() for answer in csv] == [["n", str(CONDITIONS)]] * 2
    assert stats(inline_app)["answered_inline"] - before == 4


def test_a_runaway_query_is_never_run_in_place(inline_app: Flask) -> None:
    client = inline_app.test_client()
    for _ in range(2):
        started = time.monotonic()
        answer = client.get("/sparql", query_string={"query": CARTESIAN})
        assert answer.status_code == 504 and "time limit" in as_text(answer.data)
        assert time.monotonic() - started < 2.0 + 3.0
    known = inline_app.extensions["ivig_graph"].pool.cheap
    assert not any(request.query == CARTESIAN for request in known._known)


def test_errors_are_not_learned_and_long_texts_never_run_in_place(inline_app: Flask) -> None:
    client = inline_app.test_client()
    unbound = "SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }"
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": unbound}).status_code == 400
    padded = COUNT + " #" + "x" * KnownCheap.MAX_QUERY_LENGTH
    before = stats(inline_app)["answered_inline"]
    for _ in range(3):
        answer = client.get("/sparql", query_string={"query": padded})
        assert count_of(answer.data) == CONDITIONS
    assert stats(inline_app)["answered_inline"] == before


def test_in_place_answers_match_the_workers_for_every_form(inline_app: Flask) -> None:
    client = inline_app.test_client()
    queries = {
        "select": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } ORDER BY ?c LIMIT 5",
        "ask": "ASK { ?c a <https://w3id.org/ivig/ontology#Condition> }",
        "construct": "CONSTRUCT { ?c a ?t } WHERE { ?c a ?t } ORDER BY ?c LIMIT 5",
        "describe": "DESCRIBE <https://w3id.org/ivig/id/condition/condition-001>",
    }
    for text in queries.values():
        first, second = (client.get("/sparql", query_string={"query": text}) for _ in "ab")
        assert first.status_code == second.status_code == 200
        assert first.data == second.data and first.data
    rows = json_rows(client.get("/sparql", query_string={"query": queries["select"]}).data)
    assert len(rows) == 5


def test_in_place_answers_are_off_when_the_threshold_is_zero(make_app: AppFactory) -> None:
    app = make_app(result_cache_mb=0, inline_query_ms=0.0)
    client = app.test_client()
    for _ in range(3):
        assert count_of(client.get("/sparql", query_string={"query": COUNT}).data) == CONDITIONS
    assert stats(app)["answered_inline"] == 0 and stats(app)["known_cheap"] == 0


def test_known_cheap_forgets_the_least_recently_used() -> None:
    known = KnownCheap(seconds=0.01, capacity=2)
    requests = [QueryRequest(query=f"ASK {{}} # {n}", format_key="json") for n in range(3)]
    known.observe(requests[0], 0.001)
    known.observe(requests[1], 0.001)
    known.observe(requests[2], 0.5)  # too slow: not learned
    assert known.knows(requests[0])  # now the most recently used
    known.observe(requests[2], 0.001)
    assert [known.knows(request) for request in requests] == [True, False, True]


def test_known_cheap_requests_are_answered_while_every_slot_is_busy(
    make_app: AppFactory,
) -> None:
    app = make_app(result_cache_mb=0, inline_query_ms=200.0, workers=1, queue_limit=0)
    client = app.test_client()
    assert count_of(client.get("/sparql", query_string={"query": COUNT}).data) == CONDITIONS
    with ThreadPoolExecutor(max_workers=1) as background:
        runaway = background.submit(
            lambda: app.test_client().get("/sparql", query_string={"query": CARTESIAN})
        )
        time.sleep(0.5)  # the runaway holds the only slot
        cheap = client.get("/sparql", query_string={"query": COUNT})
        other = client.get("/sparql", query_string={"query": "SELECT (7 AS ?x) {}"})
        assert runaway.result().status_code == 504
    assert count_of(cheap.data) == CONDITIONS  # known cheap: answered in place
    assert other.status_code == 503  # unknown: needs a slot, and none was free
