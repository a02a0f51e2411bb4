"""The production server (gunicorn, started as a subprocess on a loopback port) over real HTTP:
concurrency, the time budget, overload shedding, SERVICE, hostile input, the access log.

Timing assertions are only those the issue demands: a runaway query is stopped within its budget
plus a margin while other clients are answered, and load beyond the queue is shed at once.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from ivig_graph.store import BuiltDataset

from .answers import as_text, count_of, json_rows, no_internals, values
from .conftest import (
    CONDITIONS,
    Answer,
    RunningServer,
    assert_never_contacted,
    call,
    condition,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow

BUDGET = 2.0
MARGIN = 3.0  # process kill, respawn in the background, HTTP round trip, a loaded CI machine
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LONG_AS = "a" * 5000 + "!"
# The filter needs every side of the product, so it runs on every triple of triples:
# catastrophic for a backtracking engine, and far past the budget even for a linear one.
REGEX = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?y ?z . ?u ?v ?w "
    f'FILTER(REGEX(CONCAT(STR(?o), STR(?z), STR(?w), "{LONG_AS}"), "^(a+)+$")) }}'
)
LABEL = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?label WHERE {{ <{iri}> skos:prefLabel ?label }}"
)


def get_query(server: RunningServer, query: str, **params: str) -> Answer:
    return call(server, "GET", "/sparql?" + urlencode({"query": query, **params}))


@pytest.fixture(scope="module")
def server(
    small_built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {
        "IVIG_WORKERS": "3",
        "IVIG_QUERY_TIMEOUT": str(BUDGET),
        "IVIG_RATE_LIMIT": "0",
        "IVIG_QUEUE_WAIT": "10",
        # Repeated rounds must run in the workers, not come from the result cache.
        "IVIG_RESULT_CACHE_MB": "0",
    }
    running = start_server(small_built, log, env)
    yield running
    stop_server(running)


def test_answers_queries_and_describes_itself_over_http(server: RunningServer) -> None:
    answer = get_query(
        server, "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/ivig/ontology#Condition> }"
    )
    assert answer.status == 200
    assert count_of(answer.body) == CONDITIONS
    assert answer.headers["x-request-id"]
    assert "total;dur=" in answer.headers["server-timing"]
    description = call(server, "GET", "/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=description.body, format="turtle")
    assert len(graph) > 20
    zipped = get_query(server, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert zipped.status == 200
    compressed = call(
        server,
        "GET",
        "/sparql?" + urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}),
        headers={"Accept-Encoding": "gzip"},
    )
    assert compressed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed.body) == zipped.body


def test_sixteen_clients_with_distinct_queries_all_get_correct_answers(
    server: RunningServer,
) -> None:
    clients = 16
    rounds = 3
    barrier = threading.Barrier(clients)

    def client(number: int) -> list[tuple[int, str]]:
        results = []
        for round_ in range(rounds):
            index = number * rounds + round_
            query = LABEL.format(iri=condition(index))
            if index % 2:  # half the clients use POST, with a different text each time
                body = urlencode({"query": query + f" # client {number}"}).encode()
                barrier.wait(timeout=30) if round_ == 0 else None
                answer = call(
                    server,
                    "POST",
                    "/sparql",
                    body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
            else:
                barrier.wait(timeout=30) if round_ == 0 else None
                answer = get_query(server, query)
            assert answer.status == 200, answer.body
            results.append((index, values(json_rows(answer.body), "label")[0]))
        return results

    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = [item for batch in pool.map(client, range(clients)) for item in batch]
    assert len(answers) == clients * rounds
    assert all(label == f"Condition {index}" for index, label in answers), answers
    # Sound afterwards: a fresh query is still answered correctly.
    assert values(json_rows(get_query(server, LABEL.format(iri=condition(7))).body), "label") == [
        "Condition 7"
    ]


def test_runaway_queries_are_stopped_within_budget_while_others_are_answered(
    server: RunningServer,
) -> None:
    outcomes: dict[str, Answer] = {}

    def run(name: str, query: str) -> None:
        outcomes[name] = get_query(server, query)

    heavy = [
        threading.Thread(target=run, args=("cartesian", CARTESIAN)),
        threading.Thread(target=run, args=("regex", REGEX)),
    ]
    for thread in heavy:
        thread.start()
    answered = 0
    while any(thread.is_alive() for thread in heavy):
        index = answered % CONDITIONS
        answer = get_query(server, LABEL.format(iri=condition(index)))
        assert answer.status == 200, answer.body
        assert values(json_rows(answer.body), "label") == [f"Condition {index}"]
        answered += 1
    for thread in heavy:
        thread.join()
    cartesian = outcomes["cartesian"]
    assert cartesian.status == 504
    assert f"time limit of {BUDGET:g} s" in as_text(cartesian.body)
    assert cartesian.seconds < BUDGET + MARGIN
    regex = outcomes["regex"]
    assert regex.status == 504
    assert f"time limit of {BUDGET:g} s" in as_text(regex.body)
    assert regex.seconds < BUDGET + MARGIN
    assert answered >= 5  # the other client was answered throughout
    assert call(server, "GET", "/readyz").status == 200
    assert count_of(get_query(server, "SELECT (4 AS ?x) {}").body) == 4


def test_service_is_never_requested(server: RunningServer, canary: socket.socket) -> None:
    host, port = canary.getsockname()
    for query in (
        f"SELECT * {{ SERVICE <http://{host}:{port}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX e: <http://{host}:{port}/> SELECT * {{ SERVICEe:x {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <http://{host}:{port}/g> {{ ?s ?p ?o }}",
    ):
        answer = get_query(server, query)
        assert answer.status in (200, 400)
        assert no_internals(answer.body)
    assert_never_contacted(canary)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * " + "{" * 5000 + "}" * 5000,
        "SELECT * { FILTER(" + "!" * 30000 + "true) }",
        "SELECT * { " + "{} UNION " * 5000 + "{} }",
        "SELECT * { ?s ?p " + "(" * 60 + ")" * 60 + " }",
    ],
)
def test_hostile_queries_never_take_the_server_down(server: RunningServer, query: str) -> None:
    answer = call(
        server,
        "POST",
        "/sparql",
        body=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert answer.status in (200, 400, 503, 504), answer.body
    assert no_internals(answer.body)
    assert count_of(get_query(server, "SELECT (5 AS ?x) {}").body) == 5


def test_long_get_query_reaches_the_app_and_is_413(server: RunningServer) -> None:
    answer = get_query(server, "ASK {}" + " " * 70_000)
    assert answer.status == 413
    assert "accepts at most" in as_text(answer.body)


def test_structured_access_log_lines(server: RunningServer) -> None:
    answer = call(server, "GET", "/healthz", headers={"X-Request-Id": "server-log-check"})
    assert answer.status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "server-log-check" not in server.log():
        time.sleep(0.1)
    lines = [line for line in server.log().splitlines() if "server-log-check" in line]
    entry = json.loads(lines[0])
    assert entry["request_id"] == "server-log-check"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200


def test_load_beyond_the_queue_is_shed_at_once(small_built: BuiltDataset, tmp_path: Path) -> None:
    env = {
        # Two HTTP processes share the one query slot and the one place in the queue.
        "IVIG_HTTP_PROCESSES": "2",
        "IVIG_WORKERS": "1",
        "IVIG_QUEUE_LIMIT": "1",
        "IVIG_QUEUE_WAIT": "10",
        "IVIG_QUERY_TIMEOUT": str(BUDGET),
        "IVIG_RATE_LIMIT": "0",
    }
    server = start_server(small_built, tmp_path / "server.log", env)
    try:
        with ThreadPoolExecutor(max_workers=2) as background:
            runaway = background.submit(get_query, server, CARTESIAN)
            time.sleep(0.5)  # the runaway holds the only worker
            queued = background.submit(get_query, server, "SELECT (6 AS ?x) {}")
            time.sleep(0.5)  # and this one holds the only place in the queue
            with ThreadPoolExecutor(max_workers=4) as clients:  # to reach both HTTP processes
                shed = list(
                    clients.map(lambda n: get_query(server, f"SELECT ({n} AS ?x) {{}}"), range(8))
                )
            for answer in shed:
                assert answer.status == 503
                assert int(answer.headers["retry-after"]) >= 1
                assert "busy" in as_text(answer.body)
                assert answer.seconds < 1.0  # shed at once, not queued until a timeout
            assert runaway.result().status == 504
            assert count_of(queued.result().body) == 6  # the queued query was answered
            answered_by = {answer.headers["x-request-id"][:20] for answer in shed}
            assert len(answered_by) == 2  # both HTTP processes shed: the cap is shared
    finally:
        stop_server(server)


def test_ivig_graph_serve_runs_the_same_server(small_built: BuiltDataset, tmp_path: Path) -> None:
    """The CLI's ``serve`` (options on top of IVIG_* variables) starts gunicorn on the dataset."""
    command = [
        "-m",
        "ivig_graph.cli",
        "serve",
        "--dataset",
        str(small_built.directory),
        "--workers",
        "1",
        "--timeout",
        "2",
        "--store",
        "oxigraph",
    ]
    server = start_server(
        small_built, tmp_path / "cli.log", {"IVIG_RATE_LIMIT": "0"}, command=command
    )
    try:
        assert count_of(get_query(server, "SELECT (7 AS ?x) {}").body) == 7
        ready = json.loads(call(server, "GET", "/readyz").body)
        assert ready["workers"] == 1
        assert ready["dataset_version"] == small_built.version
        assert "gthread" in server.log()
    finally:
        stop_server(server)


def test_the_rate_limit_is_shared_by_the_http_processes(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    """Two HTTP processes, one client: the client gets its burst once, not once per process."""
    env = {
        "IVIG_HTTP_PROCESSES": "2",
        "IVIG_WORKERS": "2",
        "IVIG_RATE_LIMIT": "0.01",
        "IVIG_RATE_BURST": "20",
    }
    server = start_server(small_built, tmp_path / "server.log", env)
    try:
        queries = [f"SELECT ({n % 7} AS ?x) {{}}" for n in range(80)]  # repeats: memo hits too
        with ThreadPoolExecutor(max_workers=8) as clients:
            answers = list(clients.map(lambda query: get_query(server, query), queries))
    finally:
        stop_server(server)
    assert {answer.status for answer in answers} == {200, 429}
    assert sum(answer.status == 200 for answer in answers) == 20
    # Request ids start with a prefix of the process that answered: both processes did.
    assert len({answer.headers["x-request-id"][:20] for answer in answers}) == 2


def child_processes(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent
            children.append(int(stat.parent.name))
    return children


def test_query_slots_held_by_a_killed_http_process_are_given_back(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    env = {
        "IVIG_HTTP_PROCESSES": "2",
        "IVIG_WORKERS": "1",
        "IVIG_QUEUE_LIMIT": "0",
        "IVIG_QUERY_TIMEOUT": "30",  # the runaway would hold the slot for the whole test
        "IVIG_RATE_LIMIT": "0",
        "IVIG_RESULT_CACHE_MB": "0",
    }
    server = start_server(small_built, tmp_path / "server.log", env)
    try:
        with ThreadPoolExecutor(max_workers=1) as background:
            background.submit(get_query, server, CARTESIAN)
            time.sleep(1.0)
            busy = get_query(server, "SELECT (1 AS ?x) {}")
            assert busy.status == 503  # the only slot is taken
            http_processes = child_processes(server.process.pid)
            assert len(http_processes) == 2
            for pid in http_processes:  # one of them holds the slot
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            answer = None
            while time.monotonic() < deadline:
                try:
                    answer = get_query(server, "SELECT (5 AS ?x) {}")
                except OSError:
                    answer = None
                if answer is not None and answer.status == 200:
                    break
                time.sleep(0.2)
            assert answer is not None and count_of(answer.body) == 5, answer
        assert "exited holding 1 query slots; freed" in server.log()
    finally:
        stop_server(server)
