"""Hostile clients (issue 13): slow connections and bodies, unread answers, broken framing,
cheap-to-send expensive queries, answers over the byte cap, too many dataset IRIs, memory that
must be given back, and a worker killed from outside.

The server tests start ``ivig-graph serve`` on a loopback port and are bounded in time and
count; a normal client must be answered within ``PROMPT`` seconds while the others misbehave.
"""

from __future__ import annotations

import contextlib
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
from flask import Flask

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import ClientOverShare, Overloaded
from ivig_graph.query.guard import GuardLimits
from ivig_graph.serve.bodies import BodyReader
from ivig_graph.serve.worker import why_lost
from tests.servers import (
    Answer,
    RunningServer,
    call,
    children,
    command_line,
    get_query,
    post_query,
    serving,
)
from tests.web.answers import as_text, count_of, json_rows
from tests.web.conftest import AppFactory
from tests.web.test_guard import COSTLY

PROMPT = 0.5  # seconds: how soon a normal client is answered while others misbehave
# Refused "at once": the target is 100 ms (measured in bench/RESULTS.md, not here: a
# timing target is no test assertion on a shared machine). What these tests tell apart is a
# refusal before the work from one after it: reading 8 MB took ~10 s, a costly query holds a
# worker for the 10 s budget.
AT_ONCE = 1.0
BIG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 10000"  # about 2.5 MB of JSON


def normal_clients(server: RunningServer, count: int = 4) -> list[Answer]:
    """Fresh queries (distinct texts) from a well-behaved client; each must be answered."""
    answers = [get_query(server, f"SELECT ({n} AS ?x) {{}} # {time.time()}") for n in range(count)]
    assert [count_of(answer.body) for answer in answers] == list(range(count))
    return answers


def connect(server: RunningServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=5)


# ---------------------------------------------------------------- without a server


def test_a_client_may_send_only_so_many_bodies_at_once() -> None:
    """While two bodies from one client are arriving, its third is refused at once; another
    client is refused too once half the app threads wait for bodies."""
    reader = BodyReader(per_client=2, total=3)
    release = threading.Event()

    class Trickle:
        def read(self) -> bytes:
            release.wait(5)
            return b"ASK {}"

    with ThreadPoolExecutor(max_workers=3) as pool:
        slow = [pool.submit(reader.read, Trickle(), "a") for _ in range(2)]
        deadline = time.monotonic() + 5
        while reader.arriving < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(ClientOverShare):
            reader.read(Trickle(), "a")
        assert time.monotonic() - started < AT_ONCE
        third = pool.submit(reader.read, Trickle(), "b")
        while reader.arriving < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(Overloaded):
            reader.read(Trickle(), "c")
        release.set()
        assert [future.result() for future in (*slow, third)] == [b"ASK {}"] * 3
    assert reader.read(Trickle(), "a") == b"ASK {}"  # the counts were given back


def test_answers_over_the_byte_cap_are_truncated_and_say_so(make_app: AppFactory) -> None:
    limit = 4000
    app: Flask = make_app(max_answer_bytes=limit)
    client = app.test_client()
    labels = "SELECT ?c ?label WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
    answer = client.get("/sparql", query_string={"query": labels})
    assert answer.status_code == 200
    rows = json_rows(answer.data)
    assert 0 < len(rows) < 300
    assert len(answer.data) <= limit + 100  # the truncation link in the head
    assert json.loads(answer.data)["head"]["link"] == [
        "https://w3id.org/ivig/endpoint#results-truncated"
    ]
    assert answer.headers["X-SPARQL-MaxBytes"] == str(limit)
    assert f"to fit in {limit} bytes" in answer.headers["Warning"]
    graph = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}
    )
    assert graph.status_code == 200
    assert 0 < len(graph.data) <= limit
    assert graph.data.endswith(b" .\n")  # whole triples
    assert graph.headers["X-SPARQL-MaxBytes"] == str(limit)


def test_dataset_iris_beyond_the_cap_are_refused(make_app: AppFactory) -> None:
    client = make_app(max_dataset_graphs=8).test_client()
    query = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    within = [("query", query)] + [("named-graph-uri", f"http://e/{n}") for n in range(8)]
    assert count_of(client.get("/sparql?" + urlencode(within)).data) == 0
    over = [*within, ("default-graph-uri", "http://e/d")]
    refused = client.post(
        "/sparql", data=urlencode(over), content_type="application/x-www-form-urlencoded"
    )
    assert refused.status_code == 413
    assert "at most 8" in refused.get_data(as_text=True)


def test_a_worker_killed_from_outside_is_not_blamed_on_the_query() -> None:
    for code in (-signal.SIGKILL, -signal.SIGTERM, 1):
        assert "exhausted" not in why_lost(code)
        assert "not because of the query" in why_lost(code)
    assert "exhausted the memory or stack" in why_lost(-signal.SIGABRT)
    assert "exhausted the memory or stack" in why_lost(-signal.SIGSEGV)


# ---------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def server(
    small_built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        "IVIG_WORKERS": "2",
        "IVIG_RATE_LIMIT": "off",
        "IVIG_TRUST_PROXY": "true",
        "IVIG_CLIENT_BODIES": "2",
    }
    with serving(small_built, tmp_path_factory.mktemp("hostile") / "server.log", env) as running:
        yield running


def drip(sockets: list[socket.socket], data: bytes, seconds: float) -> None:
    """Send ``data`` on every socket, one byte a second each, for ``seconds``."""
    deadline = time.monotonic() + seconds
    position = 0
    while time.monotonic() < deadline and position < len(data):
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(data[position : position + 1])
        position += 1
        time.sleep(1)


@pytest.mark.slow
def test_slow_headers_cost_normal_clients_nothing(server: RunningServer) -> None:
    """300 connections sending their headers a byte a second (the accept queue was capped at
    the 16 app threads: no answer within 10 s)."""
    sockets = [connect(server) for _ in range(300)]
    dripping = threading.Thread(
        target=drip, args=(sockets, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", 3), daemon=True
    )
    try:
        dripping.start()
        time.sleep(1.2)
        assert all(answer.seconds < PROMPT for answer in normal_clients(server))
    finally:
        dripping.join()
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_slow_bodies_cost_normal_clients_nothing(server: RunningServer) -> None:
    """100 POSTs declaring a body and sending it a byte a second, from one client: it may
    send two bodies at once, the rest are refused 429 at once, and other clients' GETs and
    POSTs are answered meanwhile (all 16 app threads were held: no answer within 10 s)."""
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.7\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
    )
    sockets = [connect(server) for _ in range(100)]
    try:
        for sock in sockets:
            sock.sendall(head)
        dripping = threading.Thread(target=drip, args=(sockets, b" " * 100, 2), daemon=True)
        dripping.start()
        time.sleep(0.5)
        assert all(answer.seconds < PROMPT for answer in normal_clients(server))
        posted = post_query(server, "SELECT (7 AS ?x) {}", {"X-Forwarded-For": "198.51.100.8"})
        assert count_of(posted.body) == 7
        assert posted.seconds < PROMPT
        statuses = []
        for sock in sockets[:20]:
            sock.settimeout(0.2)
            try:
                statuses.append(sock.recv(12)[9:12])
            except TimeoutError:
                statuses.append(b"")
        assert statuses.count(b"429") >= 17  # all but the two whose bodies are arriving
        dripping.join()
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_slow_bodies_from_many_clients_leave_the_app_threads_to_others(
    server: RunningServer,
) -> None:
    """100 POSTs from 100 clients sending their bodies a byte a second: each may, and waits
    on a thread of its own beyond the app's, so other clients' POSTs are still answered (with
    half the 16 app threads for bodies, every other POST was refused 503)."""
    sockets = [connect(server) for _ in range(100)]
    try:
        for n, sock in enumerate(sockets):
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                b"Content-Type: application/sparql-query\r\n"
                + f"X-Forwarded-For: 198.51.{n // 250}.{n % 250 + 1}\r\n\r\n".encode()
            )
        dripping = threading.Thread(target=drip, args=(sockets, b" " * 100, 2), daemon=True)
        dripping.start()
        time.sleep(0.5)
        for n in range(4):
            posted = call(
                server,
                "POST",
                "/sparql",
                body=f"SELECT ({n} AS ?x) {{}}".encode(),
                headers={
                    "Content-Type": "application/sparql-query",
                    "X-Forwarded-For": "192.0.2.77",
                },
            )
            assert count_of(posted.body) == n, posted.body
            assert posted.seconds < PROMPT
        assert all(answer.seconds < PROMPT for answer in normal_clients(server))
        dripping.join()
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_clients_that_never_read_their_answers_hold_no_slot(server: RunningServer) -> None:
    """40 connections of one client ask for large answers, three each, pipelined, and never
    read them: the client holds one worker and one place in the queue (its share; each waiting
    query holds an app thread), the rest of its queries are refused 429, and the answers are
    written out without holding a slot."""
    sockets = []
    for n in range(40):
        sock = connect(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        path = "/sparql?" + urlencode({"query": f"{BIG} # {n}"})
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.40\r\n\r\n"
        sock.sendall(request.encode() * 3)
        sockets.append(sock)
    try:
        time.sleep(1.0)
        answers = normal_clients(server, 6)
        assert all(answer.seconds < PROMPT for answer in answers)
        time.sleep(2)
        assert all(answer.seconds < PROMPT for answer in normal_clients(server))
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "framing",
    [
        b"0x6\r\nASK {}\r\n0\r\n\r\n",
        b"6;\nASK {}\r\n0\r\n\r\n",
        b"fffffffffffffffffffffff\r\nASK {}\r\n0\r\n\r\n",
    ],
    ids=["0x-prefix", "semicolon-bare-LF", "overflow"],
)
def test_broken_chunked_framing_is_a_4xx_at_once(server: RunningServer, framing: bytes) -> None:
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head + framing)
        status = sock.recv(64)[:12]
        assert time.monotonic() - started < AT_ONCE
    assert status.startswith(b"HTTP/1.1 4"), status
    assert_no_crash_in(server.log())


@pytest.mark.slow
def test_an_8_mb_request_line_is_refused_before_it_is_read(server: RunningServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        # the server closes the connection without reading the rest
        with contextlib.suppress(OSError):
            sock.sendall(b"GET /sparql?query=" + b"a" * 8_000_000 + b" HTTP/1.1\r\n\r\n")
        status = sock.recv(64)[:12]
        assert time.monotonic() - started < AT_ONCE
    assert status.startswith(b"HTTP/1.1 4"), status
    assert_no_crash_in(server.log())
    assert all(answer.seconds < PROMPT for answer in normal_clients(server, 2))


def assert_no_crash_in(log: str) -> None:
    for sign in ("Traceback", "panicked", "[ERROR]", '"status": 500'):
        assert sign not in log


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COSTLY))
def test_expensive_queries_are_refused_at_once_over_http(server: RunningServer, name: str) -> None:
    answer = post_query(server, COSTLY[name])
    assert answer.status == 400
    assert "this endpoint evaluates at most" in as_text(answer.body)
    assert answer.seconds < AT_ONCE


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def http_process(server: RunningServer) -> int:
    (pid,) = children(server.process.pid)  # granian's one HTTP process
    return pid


@pytest.mark.slow
def test_distinct_long_queries_and_many_graph_iris_do_not_grow_the_server(
    server: RunningServer,
) -> None:
    """Was 283 MB kept after 1,000 distinct 65 K-character queries, and 382 MB after 250
    requests with 20,000 named-graph-uri each (the caches counted answers, not keys)."""
    process = http_process(server)
    filler = "#" * (GuardLimits().max_length - 100)
    normal_clients(server, 1)
    before = rss_kib(process)
    for n in range(200):
        query = f"ASK {{}} # {n}\n{filler}"
        answer = post_query(server, query)
        assert answer.status == 200
    graphs = urlencode(
        [("query", "ASK {}")] + [("named-graph-uri", f"g{n}") for n in range(20_000)]
    ).encode()
    assert len(graphs) < 512 * 1024
    for _ in range(50):
        answer = call(
            server,
            "POST",
            "/sparql",
            body=graphs,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status == 413
        assert "at most 64" in as_text(answer.body)
    grown_mib = (rss_kib(process) - before) / 1024
    assert grown_mib < 40, f"the HTTP process grew by {grown_mib:.0f} MiB"


@pytest.mark.slow
def test_a_worker_killed_mid_query_is_a_503_that_blames_no_one(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    env = {"IVIG_WORKERS": "1", "IVIG_QUERY_TIMEOUT": "20", "IVIG_RATE_LIMIT": "off"}
    with serving(small_built, tmp_path / "server.log", env) as server:
        workers = [
            pid
            for pid in children(http_process(server))
            if "ivig_graph.serve.worker" in command_line(pid)
        ]
        assert len(workers) == 1
        cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        with ThreadPoolExecutor(max_workers=1) as background:
            runaway = background.submit(get_query, server, cartesian)
            time.sleep(1.0)
            os.kill(workers[0], signal.SIGKILL)
            answer = runaway.result(timeout=10)
        assert answer.status == 503
        assert "exhausted" not in as_text(answer.body)
        assert "signal 9" in as_text(answer.body)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the worker is replaced
            if get_query(server, "SELECT (3 AS ?x) {}").status == 200:
                break
            time.sleep(0.2)
        assert count_of(get_query(server, "SELECT (3 AS ?x) {}").body) == 3
