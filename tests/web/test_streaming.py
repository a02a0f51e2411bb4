"""Answers streamed from the worker's spool file, never held whole in the HTTP process (issue 13).

The server tests start ``ivig-graph serve`` on a loopback port, with ``TMPDIR`` in the test's
directory so that the pool's spool directory can be watched; clients that never read ask for
answers as large as the byte cap allows.
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import ClientOverShare, Overloaded
from ivig_graph.query.engine import QueryAnswer
from ivig_graph.serve.spool import (
    TRUNCATION_LINK,
    AnswerStream,
    Senders,
    Spool,
    SpooledAnswer,
    with_truncation_link,
)
from tests.web.answers import as_text, count_of, json_rows
from tests.web.conftest import Answer, RunningServer, call, start_server, stop_server
from tests.web.test_hostile import PROMPT, http_process, normal_clients, rss_kib

# Every pair of the small dataset's triples with a long value: 10,000 rows over the 8 MiB cap.
LONG = ",".join(["STR(?a)", "STR(?b)", "STR(?c)"] * 6)
HUGE = f"SELECT ?a ?b ?c (CONCAT({LONG}) AS ?x) WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT 10000"
CAP = 8 * 1024 * 1024


# ---------------------------------------------------------------- without a server


def test_the_truncation_link_is_spliced_into_json_and_xml_results() -> None:
    rows = [{"x": {"type": "literal", "value": f"]}} {n}"}} for n in range(3)]
    body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": rows}}).encode()
    engine_json = body.replace(b": ", b":").replace(b", ", b",")  # as the engine writes it
    answer = QueryAnswer(engine_json, "application/sparql-results+json", "results", 3, True)
    data = json.loads(with_truncation_link(answer))
    assert data["head"] == {"vars": ["x"], "link": [TRUNCATION_LINK]}
    assert data["results"]["bindings"] == rows
    whole = QueryAnswer(engine_json, "application/sparql-results+json", "results", 3, False)
    assert with_truncation_link(whole) == engine_json


def test_a_stream_gives_its_file_in_chunks_and_its_permit_back_once(tmp_path: Path) -> None:
    path = tmp_path / "answer"
    path.write_bytes(b"x" * 200_000)
    answer = SpooledAnswer(str(path), 200_000, "text/plain", "results", 1, False)
    released: list[bool] = []
    stream = AnswerStream(answer.open(), lambda: released.append(True))
    assert not path.exists()  # unlinked once open: gone when the stream closes
    chunks = list(stream)
    assert b"".join(chunks) == b"x" * 200_000 and len(chunks) > 1
    stream.close()
    stream.close()
    assert released == [True]
    path.write_bytes(b"y")
    dropped = AnswerStream(answer.open(), lambda: released.append(False))
    del dropped  # never iterated nor closed: an error after the view built the response
    assert released == [True, False]


def test_a_client_may_receive_only_so_many_large_answers_at_once() -> None:
    senders = Senders(per_client=2, total=3)
    senders.enter("a")
    senders.enter("a")
    with pytest.raises(ClientOverShare):
        senders.enter("a")
    senders.enter("b")
    with pytest.raises(Overloaded):
        senders.enter("c")
    senders.leave("a")
    senders.enter("c")
    assert senders.sending == 3


# ---------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def spool_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spool")


@pytest.fixture(scope="module")
def server(small_built: BuiltDataset, spool_root: Path) -> Iterator[RunningServer]:
    env = {
        "IVIG_WORKERS": "2",
        "IVIG_RATE_LIMIT": "off",
        "IVIG_TRUST_PROXY": "true",
        "IVIG_QUEUE_WAIT": "20",  # the large answers' queries wait for a worker, not 503
        "TMPDIR": str(spool_root),
    }
    running = start_server(small_built, spool_root / "server.log", env)
    yield running
    stop_server(running)


def spooled(spool_root: Path) -> list[Path]:
    return [
        path
        for directory in spool_root.glob("ivig-graph-answers-*")
        for path in directory.iterdir()
    ]


def never_reading(server: RunningServer, client: str, n: int) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    path = "/sparql?" + urlencode({"query": f"{HUGE} # {client} {n}"})
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\n\r\n"
    sock.sendall(request.encode())
    return sock


def status_of_unread(sockets: list[socket.socket], seconds: float = 30) -> list[bytes]:
    """Each connection's status code, once the server has begun to answer all of them."""
    deadline = time.monotonic() + seconds
    heads: dict[int, bytes] = {}
    while len(heads) < len(sockets) and time.monotonic() < deadline:
        for index, sock in enumerate(sockets):
            try:
                head = sock.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            if b"\r\n\r\n" in head or len(head) == 4096:
                heads[index] = head
        time.sleep(0.1)
    assert len(heads) == len(sockets), "not every client was answered in time"
    return [heads[index][9:12] for index in range(len(sockets))]


@pytest.mark.slow
def test_answers_that_are_never_read_are_not_held_by_the_http_process(
    server: RunningServer, spool_root: Path
) -> None:
    """Four clients ask for 8 MiB answers and never read them: the HTTP process grew by about
    their size (41 MiB for four) when it held them whole; streamed, by a few chunks. Other
    clients are answered at once meanwhile, and the files are gone once the clients leave."""
    normal_clients(server, 1)
    process = http_process(server)
    before = rss_kib(process)
    sockets = [never_reading(server, f"203.0.113.{n}", n) for n in range(4)]
    try:
        assert status_of_unread(sockets) == [b"200"] * 4
        time.sleep(0.5)
        grown_mib = (rss_kib(process) - before) / 1024
        assert grown_mib < 12, f"the HTTP process grew by {grown_mib:.0f} MiB"
        assert all(answer.seconds < PROMPT for answer in normal_clients(server))
        assert not spooled(spool_root)  # unlinked once open: on disk only while streamed
    finally:
        for sock in sockets:
            sock.close()
    assert all(answer.seconds < PROMPT for answer in normal_clients(server))


@pytest.mark.slow
def test_large_answers_beyond_the_senders_are_refused_before_the_first_byte(
    server: RunningServer,
) -> None:
    """Each large answer that is not read holds an app thread (granian writes from it): a
    client may receive two at once (429 beyond), all clients a quarter of the app threads
    (4 of 16; 503 beyond), and small answers are answered meanwhile."""
    own = [never_reading(server, "198.51.100.1", n) for n in range(3)]
    try:
        statuses = status_of_unread(own)
        assert sorted(statuses) == [b"200", b"200", b"429"]
        others = [never_reading(server, f"198.51.100.{n}", n) for n in range(2, 5)]
        try:
            assert sorted(status_of_unread(others)) == [b"200", b"200", b"503"]
            assert all(answer.seconds < PROMPT for answer in normal_clients(server))
        finally:
            for sock in others:
                sock.close()
    finally:
        for sock in own:
            sock.close()
    time.sleep(0.5)  # the server notices the closed connections and gives the permits back
    answer = call(server, "GET", "/sparql?" + urlencode({"query": HUGE}))
    assert answer.status == 200


def fetch(server: RunningServer, method: str = "GET", **headers: str) -> Answer:
    path = "/sparql?" + urlencode({"query": HUGE})
    return call(server, method, path, headers=headers)


@pytest.mark.slow
def test_a_streamed_answer_keeps_length_cap_gzip_head_and_etag(server: RunningServer) -> None:
    plain = fetch(server)
    assert plain.status == 200
    assert int(plain.headers["content-length"]) == len(plain.body)
    assert CAP - 64 * 1024 < len(plain.body) <= CAP + 100  # the cap, and the truncation link
    data = json.loads(plain.body)
    assert data["head"]["link"] == [TRUNCATION_LINK]
    assert 0 < len(json_rows(plain.body)) < 10_000
    assert plain.headers["x-sparql-maxbytes"] == str(CAP)
    assert "accept-encoding" in plain.headers["vary"].lower()
    zipped = fetch(server, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(zipped.body) < len(plain.body) // 4
    assert gzip.decompress(zipped.body) == plain.body
    head = fetch(server, "HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == plain.headers["content-length"]
    unchanged = fetch(server, **{"If-None-Match": plain.headers["etag"]})
    assert unchanged.status == 304 and unchanged.body == b""


@pytest.mark.slow
def test_a_client_that_leaves_mid_answer_leaves_no_file_and_no_permit(
    server: RunningServer, spool_root: Path
) -> None:
    for n in range(3):  # more than one client's two senders
        sock = never_reading(server, "192.0.2.9", n)
        assert status_of_unread([sock]) == [b"200"]
        sock.recv(1000)
        sock.close()
        time.sleep(0.3)
    assert not spooled(spool_root)
    small = call(server, "GET", "/sparql?" + urlencode({"query": "SELECT (5 AS ?x) {}"}))
    assert count_of(small.body) == 5
    assert "busy" not in as_text(small.body)


@pytest.mark.slow
def test_the_spool_directory_is_removed_when_the_server_stops(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    env = {"IVIG_WORKERS": "1", "IVIG_RATE_LIMIT": "off", "TMPDIR": str(tmp_path)}
    server = start_server(small_built, tmp_path / "server.log", env)
    try:
        assert list(tmp_path.glob("ivig-graph-answers-*"))
        assert fetch(server).status == 200
    finally:
        stop_server(server)
    assert not list(tmp_path.glob("ivig-graph-answers-*"))
    assert not list(tmp_path.glob("ivig-graph-store-*"))


def test_spool_paths_are_new_files_in_its_directory_and_discard_is_idempotent() -> None:
    spool = Spool()
    try:
        paths = {spool.new_path() for _ in range(100)}
        assert len(paths) == 100
        assert all(Path(p).parent == spool.directory for p in paths)
        path = next(iter(paths))
        Path(path).write_bytes(b"answer")
        answer = SpooledAnswer(path, 6, "text/plain", "results", 1, False)
        answer.discard()
        assert not Path(path).exists()
        answer.discard()  # already gone: no error
    finally:
        spool.close()
    assert not spool.directory.exists()
