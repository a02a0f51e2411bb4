"""The result cache (serve/answer_cache.py): the same request asked again is answered from memory,
without a worker; anything that changes the answer is another request.

Each test counts the queries that reach the pool (a wrapper around the app's own
``QueryPool.execute``), so it fails when the cache is removed or keys on too little.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from ivig_graph.serve.answer_cache import AnswerCache
from ivig_graph.serve.spool import CHUNK_BYTES
from ivig_graph.web.config import ServerConfig
from ivig_graph.web.state import Endpoint
from tests.web.answers import json_rows
from tests.web.conftest import AppFactory

CONDITIONS = (
    "PREFIX ivig: <https://w3id.org/ivig/ontology#>\n"
    "SELECT ?c WHERE { ?c a ivig:Condition } ORDER BY ?c LIMIT 5"
)
JSON = "application/sparql-results+json"
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"  # larger than the cache keeps


@pytest.fixture(scope="module")
def cached_app(make_app: AppFactory) -> Flask:
    return make_app(result_cache_mb=1)


@pytest.fixture
def evaluated(cached_app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts that reached a worker, in order."""
    return count_evaluations(cached_app, monkeypatch)


def count_evaluations(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    state: Endpoint = app.extensions["ivig_graph"]
    seen: list[str] = []
    execute: Callable[..., Any] = state.pool.execute

    def counting(request: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(request.query)
        return execute(request, *args, **kwargs)

    monkeypatch.setattr(state.pool, "execute", counting)
    if state.answers is not None:  # each test starts with nothing kept
        monkeypatch.setattr(state, "answers", AnswerCache(1024 * 1024, CHUNK_BYTES))
    return seen


def ask(app: Flask, query: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    response = app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": JSON, **headers}
    )
    return response.status_code, response.get_data(), dict(response.headers)


def test_the_same_query_again_is_answered_without_a_worker(
    cached_app: Flask, evaluated: list[str]
) -> None:
    first = ask(cached_app, CONDITIONS)
    second = ask(cached_app, CONDITIONS)
    assert first[0] == second[0] == 200
    assert second[1] == first[1]
    assert len(json_rows(second[1])) == 5
    assert second[2]["Content-Type"] == first[2]["Content-Type"]
    assert evaluated == [CONDITIONS]
    ready = cached_app.test_client().get("/readyz").get_json()
    assert ready["cache_hits"] == 1
    assert ready["cached_bytes"] >= len(first[1])


def test_the_query_page_shows_a_kept_answer(cached_app: Flask, evaluated: list[str]) -> None:
    pages = [
        cached_app.test_client().get(
            "/sparql", query_string={"query": CONDITIONS, "format": "html"}
        )
        for _ in range(2)
    ]
    assert [page.status_code for page in pages] == [200, 200]
    assert b"5 rows in " in pages[0].data  # how long the engine took
    assert b"5 rows." in pages[1].data  # no engine time: it did not run
    assert evaluated == [CONDITIONS]


def test_another_text_format_or_dataset_is_evaluated_anew(
    cached_app: Flask, evaluated: list[str]
) -> None:
    ask(cached_app, CONDITIONS)
    other_text = CONDITIONS.replace("LIMIT 5", "LIMIT 4")
    assert len(json_rows(ask(cached_app, other_text)[1])) == 4
    status, body, headers = ask(cached_app, CONDITIONS, Accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert len(body.decode().splitlines()) == 6  # the header and five rows
    response = cached_app.test_client().get(
        "/sparql",
        query_string={"query": CONDITIONS, "default-graph-uri": "https://example.org/none"},
        headers={"Accept": JSON},
    )
    assert json_rows(response.get_data()) == []  # a graph that does not exist: no rows
    assert len(evaluated) == 4
    ask(cached_app, other_text)  # each of them kept as its own
    ask(cached_app, CONDITIONS, Accept="text/csv")
    assert len(evaluated) == 4


def test_a_gzipped_answer_is_never_given_to_a_client_that_did_not_ask_for_it(
    cached_app: Flask, evaluated: list[str]
) -> None:
    query = CONDITIONS.replace("LIMIT 5", "LIMIT 30")  # over the gzip threshold (1 KiB)
    status, zipped, headers = ask(cached_app, query, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    status, plain, headers = ask(cached_app, query, **{"Accept-Encoding": "identity"})
    assert status == 200 and "Content-Encoding" not in headers
    assert json.loads(plain) == json.loads(gzip.decompress(zipped))
    assert len(evaluated) == 2
    assert ask(cached_app, query, **{"Accept-Encoding": "identity"})[1] == plain
    assert len(evaluated) == 2


def test_a_large_answer_is_not_kept(cached_app: Flask, evaluated: list[str]) -> None:
    first = ask(cached_app, EVERYTHING)
    assert first[0] == 200 and len(first[1]) > CHUNK_BYTES  # what this test is about
    assert ask(cached_app, EVERYTHING)[1] == first[1]
    ask(cached_app, CONDITIONS)
    ask(cached_app, CONDITIONS)  # while a small one is
    assert evaluated == [EVERYTHING, EVERYTHING, CONDITIONS]


def test_a_long_query_text_is_not_kept(cached_app: Flask, evaluated: list[str]) -> None:
    long = CONDITIONS + "\n#" + "x" * (CHUNK_BYTES - 200)  # a small answer, a 64 KiB key
    assert [ask(cached_app, long)[0], ask(cached_app, long)[0]] == [200, 200]
    ask(cached_app, CONDITIONS)
    ask(cached_app, CONDITIONS)  # while a short one is
    assert evaluated == [long, long, CONDITIONS]


def test_a_refused_query_is_not_kept(cached_app: Flask, evaluated: list[str]) -> None:
    # An error the engine raises while evaluating (the guard lets it through).
    query = "SELECT ?x WHERE { BIND(<http://example.org/f>(1) AS ?x) } ORDER BY ?x"
    first = ask(cached_app, query)
    second = ask(cached_app, query)
    assert first[0] == second[0] == 400
    ask(cached_app, CONDITIONS)
    ask(cached_app, CONDITIONS)  # while an answer is
    assert evaluated == [query, query, CONDITIONS]


def test_with_the_cache_off_every_request_is_evaluated(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(result_cache_mb=0)
    seen = count_evaluations(app, monkeypatch)
    ask(app, CONDITIONS)
    ask(app, CONDITIONS)
    assert seen == [CONDITIONS, CONDITIONS]


def test_a_remote_engine_gets_no_cache(small_built: Any) -> None:
    config = ServerConfig(backend="http://127.0.0.1:7878/query", result_cache_mb=8)
    state = Endpoint(small_built, config, pool=None, examples={})  # type: ignore[arg-type]
    assert state.answers is None
    assert Endpoint(small_built, ServerConfig(), None, {}).answers is not None  # type: ignore[arg-type]
