"""When the backend misbehaves: ``ivig-graph serve --backend`` in front of a scripted backend that
forwards to Oxigraph's server, except for queries carrying a marker, which it stalls, fails or
answers with nonsense; then it goes down. Every case is a clear status, in bounded time, and the
endpoint keeps answering."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ivig_graph.clients.gsp import GraphStore
from ivig_graph.clients.publish import publish
from ivig_graph.dataset.files import BuiltDataset
from tests.backend_double import BackendDouble, Reply, Seen, forward_to
from tests.integration.endpoint_http import Answer, call, get, rows
from tests.integration.engines import RunningEngine
from tests.integration.test_backend import config, serve_command
from tests.servers import RunningServer, start_server, stop_server

pytestmark = pytest.mark.slow

BUDGET = 2.0
MARGIN = 3.0  # worker kill, HTTP round trip, a loaded machine
STALL = 20.0  # how long the stalling backend would keep a query (it is hung up on long before)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?c a ivig:Condition }"


def marked(marker: str) -> str:
    return f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(?o = "{marker}") }}'


REPLIES = {
    "stall-please": Reply(stall=STALL),
    "fail-please": Reply(500, "text/plain", b"Virtuoso 42000 Error SR186: out of luck"),
    "refuse-please": Reply(400, "text/plain", b"SPARQL compiler: this feature is not supported"),
    "garbage-please": Reply(200, "application/sparql-results+xml", b"<sparql><head><vari"),
}


@pytest.fixture(scope="module")
def double(oxigraph_server: RunningEngine) -> Iterator[BackendDouble]:
    def respond(seen: Seen) -> Reply:
        for marker, reply in REPLIES.items():
            if marker in seen.query:
                return reply
        return forward_to(oxigraph_server.query_url, seen)

    with BackendDouble(respond) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    double: BackendDouble,
    oxigraph_server: RunningEngine,
    built: BuiltDataset,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    publish(built, GraphStore(oxigraph_server.store_url, timeout=30))
    log = tmp_path_factory.mktemp("serve-faulty") / "server.log"
    command = serve_command(built.directory, double.url, workers=2, timeout=BUDGET)
    running = start_server(built, log, config(), startup_timeout=40, command=command)
    yield running
    stop_server(running)


def count(server: RunningServer) -> int:
    answer = get(server, {"query": COUNT})
    assert answer.status == 200, answer.text
    ((_, value),) = rows(answer)[0]
    return int(str(value))


def test_a_query_past_the_budget_is_504_in_time_and_the_backend_is_hung_up_on(
    server: RunningServer, double: BackendDouble
) -> None:
    outcome: list[Answer] = []
    stalled = {"query": marked("stall-please")}
    slow = threading.Thread(target=lambda: outcome.append(get(server, stalled)))
    slow.start()
    answered = 0
    while slow.is_alive():  # another client is answered meanwhile (the other worker)
        assert count(server) == 102
        answered += 1
    slow.join()
    (answer,) = outcome
    assert answer.status == 504
    assert f"time limit of {BUDGET:g} s" in answer.text
    assert BUDGET <= answer.seconds < BUDGET + MARGIN
    assert answered >= 3
    (asked,) = [seen for seen in double.seen if "stall-please" in seen.query]  # it was asked
    deadline = time.monotonic() + MARGIN
    while asked.hung_up_after is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert asked.hung_up_after is not None, "the backend was left waiting"
    assert asked.hung_up_after < BUDGET + MARGIN  # our budget, not the backend's, decided
    assert call(server, "GET", "/readyz").status == 200
    assert count(server) == 102


@pytest.mark.parametrize(
    ("marker", "status", "words"),
    [
        ("fail-please", 502, "The SPARQL backend failed (HTTP 500): Virtuoso 42000 Error SR186"),
        ("refuse-please", 400, "refused the query: SPARQL compiler: this feature is not supported"),
        ("garbage-please", 502, "The SPARQL backend's answer could not be read"),
    ],
)
def test_a_backend_error_is_a_clear_status(
    server: RunningServer, marker: str, status: int, words: str
) -> None:
    answer = get(server, {"query": marked(marker)})
    assert answer.status == status
    assert words in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.seconds < MARGIN
    assert count(server) == 102


def test_a_backend_that_goes_down_is_502_at_once_and_the_endpoint_stays_up(
    server: RunningServer, double: BackendDouble
) -> None:
    double.close()
    for _ in range(3):
        answer = get(server, {"query": COUNT})
        assert answer.status == 502
        assert "could not be reached: connection refused" in answer.text
        assert answer.seconds < 1.0
    assert call(server, "GET", "/healthz").status == 200
    assert "Traceback" not in server.log()
