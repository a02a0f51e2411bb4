"""The production server (``ivig-graph serve``: granian, started as a subprocess on a loopback
port) over real HTTP: concurrency, the time budget, overload shedding, fair query slots, SERVICE,
hostile input, the access log, the port check, the URL printed and a clean Ctrl+C.

Timing assertions are only those the issue demands: a runaway query is stopped within its budget
plus a margin while other clients are answered, and load beyond the queue is shed at once.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from ivig_graph.dataset.files import BuiltDataset
from tests.servers import (
    REPO,
    Answer,
    RunningServer,
    call,
    descendants,
    free_port,
    get_query,
    post_query,
    serve_arguments,
    serving,
)
from tests.web.answers import as_text, count_of, json_rows, no_internals, values
from tests.web.conftest import CONDITIONS, assert_never_contacted, condition

pytestmark = pytest.mark.slow

SMALL_BUILT: list[BuiltDataset] = []  # the dataset the module's server serves

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


@pytest.fixture(scope="module")
def server(
    small_built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {
        "IVIG_WORKERS": "3",
        "IVIG_QUERY_TIMEOUT": str(BUDGET),
        "IVIG_RATE_LIMIT": "off",
        "IVIG_QUEUE_WAIT": "10",
        "IVIG_CLIENT_SHARE": "3",  # every test client has the same loopback address
        "IVIG_CLIENT_BODIES": "16",
        "IVIG_CLIENT_QUEUE": "16",
    }
    with serving(small_built, log, env) as running:
        SMALL_BUILT[:] = [small_built]
        yield running


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
        # A new text each time: an answer from the result cache would need no free worker.
        answer = get_query(server, LABEL.format(iri=condition(index)) + f"\n# {answered}")
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
    answer = post_query(server, query)
    assert answer.status in (200, 400, 503, 504), answer.body
    assert no_internals(answer.body)
    assert count_of(get_query(server, "SELECT (5 AS ?x) {}").body) == 5


def test_a_request_line_over_64_kib_is_414_and_the_same_query_posted_is_413(
    server: RunningServer,
) -> None:
    """granian refuses an over-long request line before reading it whole; POSTed, the same
    query reaches the app, which says what its limit is."""
    query = "ASK {}" + " " * 70_000
    assert get_query(server, query).status == 414
    posted = post_query(server, query)
    assert posted.status == 413
    assert "accepts at most" in as_text(posted.body)


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
        "IVIG_WORKERS": "1",
        "IVIG_CLIENT_SHARE": "1",
        "IVIG_QUEUE_LIMIT": "1",
        "IVIG_QUEUE_WAIT": "10",
        "IVIG_QUERY_TIMEOUT": str(BUDGET),
        "IVIG_RATE_LIMIT": "off",
    }
    with (
        serving(small_built, tmp_path / "server.log", env) as server,
        ThreadPoolExecutor(max_workers=2) as background,
    ):
        runaway = background.submit(get_query, server, CARTESIAN)
        time.sleep(0.5)  # the runaway holds the only worker
        queued = background.submit(get_query, server, "SELECT (6 AS ?x) {}")
        time.sleep(0.5)  # and this one holds the only place in the queue
        with ThreadPoolExecutor(max_workers=4) as clients:
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


def test_one_client_cannot_hold_every_query_slot(small_built: BuiltDataset, tmp_path: Path) -> None:
    """Two workers; one client (told apart by a trusted proxy's X-Forwarded-For) sends two
    runaways: one runs, the other waits and is refused 429, and another client's fresh queries
    are answered meanwhile."""
    env = {
        "IVIG_WORKERS": "2",
        "IVIG_QUERY_TIMEOUT": str(BUDGET),
        "IVIG_QUEUE_WAIT": "1",
        "IVIG_RATE_LIMIT": "off",
        "IVIG_TRUST_PROXY": "true",
    }
    hog = {"X-Forwarded-For": "198.51.100.1"}
    other = {"X-Forwarded-For": "198.51.100.2"}
    with (
        serving(small_built, tmp_path / "server.log", env) as server,
        ThreadPoolExecutor(max_workers=2) as background,
    ):
        runaways = [
            background.submit(get_query, server, CARTESIAN + f" # {n}", hog) for n in range(2)
        ]
        time.sleep(0.3)
        answers = [get_query(server, f"SELECT ({n} AS ?x) {{}} # {n}", other) for n in range(5)]
        outcomes = sorted(future.result().status for future in runaways)
    assert [count_of(answer.body) for answer in answers] == list(range(5))
    assert all(answer.seconds < 1.0 for answer in answers)
    assert outcomes == [429, 504]


def test_ivig_graph_serve_prints_its_url_and_takes_its_options(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    """The CLI's ``serve`` (options on top of IVIG_* variables) serves the dataset on granian."""
    command = serve_arguments(small_built.directory, "--workers", "1", "--timeout", "2")
    log = tmp_path / "cli.log"
    with serving(small_built, log, {"IVIG_RATE_LIMIT": "off"}, command=command) as server:
        assert count_of(get_query(server, "SELECT (7 AS ?x) {}").body) == 7
        ready = json.loads(call(server, "GET", "/readyz").body)
        assert ready["workers"] == 1
        assert ready["dataset_version"] == small_built.version
        assert f"at http://127.0.0.1:{server.port}/ " in server.log()
        assert "granian" in server.log()


def serve_command(built: BuiltDataset, port: int) -> list[str]:
    options = ("--port", str(port), "--workers", "1")
    return [sys.executable, *serve_arguments(built.directory, *options)]


def test_a_port_in_use_fails_at_once_naming_the_port(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    with socket.socket() as holder:  # another program, listening
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            serve_command(small_built, port), capture_output=True, text=True, timeout=30, cwd=REPO
        )
    assert done.returncode == 9
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"--port {port + 1}" in done.stderr
    assert time.monotonic() - started < 10


def test_a_second_server_on_the_same_port_is_refused(server: RunningServer) -> None:
    """granian's sockets share a port with each other: a second ``serve`` must not."""
    done = subprocess.run(
        serve_command(SMALL_BUILT[0], server.port),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert done.returncode == 9
    assert "already in use" in done.stderr
    answers = [call(server, "GET", "/readyz").status for _ in range(10)]
    assert answers == [200] * 10


def test_the_supervising_process_holds_only_granian(server: RunningServer) -> None:
    """``serve`` becomes granian's lean supervisor: none of the app's libraries are loaded in
    it (they made it 68 MB), the HTTP process under it has them."""
    pid = server.process.pid
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"ivig_graph.serve.supervisor" in command
    maps = Path(f"/proc/{pid}/maps").read_text()
    assert "pyoxigraph" not in maps and "granian" in maps
    code = "import json, sys, ivig_graph.serve.supervisor; print(json.dumps(sorted(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    loaded = {name.split(".")[0] for name in json.loads(found.stdout)}
    assert not loaded & {"rdflib", "flask", "pyoxigraph"}, loaded


def test_what_serve_reads_before_granian_starts_loads_no_flask() -> None:
    """The settings and the HTTP runner are read by the command line before it becomes the
    supervisor: importing them must not build the app (Flask, the pages, the pool)."""
    code = (
        "import json, sys, ivig_graph.web.config, ivig_graph.serve.http; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    loaded = {name.split(".")[0] for name in json.loads(found.stdout)}
    assert "flask" not in loaded, sorted(loaded)


@pytest.mark.parametrize("front", ["none", pytest.param("nginx", marks=pytest.mark.slow)])
def test_ctrl_c_stops_the_server_and_its_workers(
    small_built: BuiltDataset, tmp_path: Path, front: str
) -> None:
    """Ctrl+C in a terminal signals the whole process group: everything exits, status 0 (the
    front too, without being taken for a front that died)."""
    log = tmp_path / "server.log"
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            serve_command(small_built, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, "IVIG_FRONT": front},
            start_new_session=True,  # its own process group, as a shell gives a job
        )
    server = RunningServer(process, "127.0.0.1", port, log)
    deadline = time.monotonic() + 30
    while "press Ctrl+C" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert call(server, "GET", "/readyz").status == 200
    below = descendants(process.pid)
    assert len(below) >= 2  # granian's HTTP process and the query worker
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=20) == 0, server.log()
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in below):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)
