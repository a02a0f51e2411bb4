"""``serve`` with nginx in front (``IVIG_FRONT=nginx``, serve/front.py): what granian alone
cannot do for hostile clients (issue 13), and the front's own life with the server's.

Each client is a loopback source address of its own (127.0.0.0/8 is all loopback on Linux):
behind the front, the client is the connection's address, whatever X-Forwarded-For says.
nginx comes from Debian (`make engines` installs it, as for the replica test).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import FrontFailed
from ivig_graph.serve import front
from ivig_graph.web.config import ServerConfig
from tests.servers import (
    RunningServer,
    call,
    children,
    command_line,
    serve_arguments,
    serving,
    start_server,
    stop_server,
)
from tests.web.answers import count_of

pytestmark = pytest.mark.slow

PROMPT = 0.5  # seconds: how soon a normal client is answered while others misbehave
BODY_TIMEOUT = 1.0


def nginx_processes(server: RunningServer) -> list[int]:
    return [pid for pid in children(server.process.pid) if "nginx" in command_line(pid)]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie that no one reaps has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def front_directories() -> set[Path]:
    return set(Path(os.environ.get("TMPDIR", "/tmp")).glob("ivig-graph-front-*"))


@pytest.fixture(scope="module", autouse=True)
def nginx_installed() -> None:
    assert front.nginx_program(), "nginx is missing: `make engines` installs it"


@pytest.fixture(scope="module")
def server(
    small_built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        "IVIG_FRONT": "nginx",
        "IVIG_WORKERS": "2",
        "IVIG_RATE_LIMIT": "off",
        "IVIG_CLIENT_CONNECTIONS": "4",
        "IVIG_BODY_TIMEOUT": f"{BODY_TIMEOUT:g}",
    }
    with serving(small_built, tmp_path_factory.mktemp("front") / "server.log", env) as running:
        yield running


def connect_as(server: RunningServer, client: str) -> socket.socket:
    sock = socket.socket()
    sock.settimeout(5)
    sock.bind((client, 0))
    sock.connect((server.host, server.port))
    return sock


def ask(server: RunningServer, client: str, n: int) -> tuple[int, float]:
    """``SELECT (n AS ?x)`` by GET from ``client``: the answer's ?x, and how long it took."""
    query = urlencode({"query": f"SELECT ({n} AS ?x) {{}} # {time.time()}"})
    with connect_as(server, client) as sock:
        started = time.monotonic()
        request = f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        return count_of(body), time.monotonic() - started


def stalled_post(server: RunningServer, client: str) -> socket.socket:
    """A POST whose head is in and whose body stops after 3 of its 100 bytes."""
    sock = connect_as(server, client)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\nASK"
    )
    return sock


def access_lines(server: RunningServer) -> list[dict[str, object]]:
    lines = (line for line in server.log().splitlines() if line.startswith('{"time"'))
    return [json.loads(line) for line in lines]


def test_the_client_is_the_connection_not_what_it_claims(server: RunningServer) -> None:
    answer = call(
        server,
        "GET",
        "/sparql?" + urlencode({"query": "SELECT (41 AS ?x) {} # claims"}),
        headers={"X-Forwarded-For": "198.51.100.66", "X-Request-Id": "front-claims"},
    )
    assert count_of(answer.body) == 41
    assert answer.headers["server"] == "nginx"
    (line,) = [line for line in access_lines(server) if line["request_id"] == "front-claims"]
    assert line["client"] == "127.0.0.1"


def test_a_body_that_stalls_is_cut_at_the_deadline_and_costs_the_app_nothing(
    server: RunningServer,
) -> None:
    """Without the front the body's read blocks an app thread until the client closes."""
    sockets = [stalled_post(server, f"127.0.2.{n}") for n in range(1, 41)]
    try:
        started = time.monotonic()
        answers = [ask(server, "127.0.3.1", n) for n in range(4)]
        assert [x for x, _ in answers] == list(range(4))
        assert all(seconds < PROMPT for _, seconds in answers)
        for sock in sockets:
            assert sock.recv(64) in (b"", b"HTTP/1.1 408")  # nginx closes a timed-out body
        assert time.monotonic() - started < BODY_TIMEOUT + 3
    finally:
        for sock in sockets:
            sock.close()
    assert not [line for line in access_lines(server) if line["method"] == "POST"]


def test_a_client_has_at_most_its_share_of_requests_open(server: RunningServer) -> None:
    """Four stalled bodies from one address: its fifth request is refused 429 at once, saying
    why; another address is answered meanwhile, and the first again once its bodies end."""
    held = [stalled_post(server, "127.0.4.1") for _ in range(4)]
    try:
        time.sleep(0.3)
        with connect_as(server, "127.0.4.1") as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            refused = b""
            while chunk := sock.recv(4096):
                refused += chunk
        assert refused.startswith(b"HTTP/1.1 429"), refused
        assert b"IVIG_CLIENT_CONNECTIONS" in refused
        assert b"\r\nRetry-After: 1\r\n" in refused
        assert ask(server, "127.0.4.2", 5)[0] == 5
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert ask(server, "127.0.4.1", 6)[0] == 6


def test_many_slow_bodies_from_many_clients_leave_room_for_every_other_post(
    server: RunningServer,
) -> None:
    """300 bodies trickling in from 300 addresses: without the front, granian hands each to
    the app, whose threads for arriving bodies (128 beyond its 16) run out (503)."""
    sockets = [stalled_post(server, f"127.0.{5 + n // 200}.{n % 200 + 1}") for n in range(300)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.4):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b" ")

    trickling = threading.Thread(target=trickle, daemon=True)
    trickling.start()
    try:
        time.sleep(0.5)
        for n in range(4):
            with connect_as(server, "127.0.9.1") as sock:
                body = f"SELECT ({n} AS ?x) {{}}".encode()
                started = time.monotonic()
                sock.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Content-Type: application/sparql-query\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head, _, answer = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            assert count_of(answer) == n
            assert time.monotonic() - started < PROMPT
    finally:
        stop.set()
        trickling.join()
        for sock in sockets:
            sock.close()


def test_stopping_the_server_stops_the_front_and_removes_its_directory(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    before = front_directories()
    command = serve_arguments(small_built.directory, "--front", "nginx")  # the option, this time
    running = start_server(small_built, tmp_path / "server.log", {}, command=command)
    (made,) = front_directories() - before
    nginx = nginx_processes(running)
    assert nginx
    stop_server(running)
    assert running.process.returncode == 0, running.log()
    assert not [pid for pid in nginx if alive(pid)]
    assert not made.exists()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((running.host, running.port))  # the port is free again


def test_killing_the_server_outright_takes_the_front_down(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    before = front_directories()
    running = start_server(small_built, tmp_path / "server.log", {"IVIG_FRONT": "nginx"})
    try:
        (master,) = nginx_processes(running)
        nginx = [master, *children(master)]
        running.process.send_signal(signal.SIGKILL)
        running.process.wait(5)
        deadline = time.monotonic() + 5
        while [pid for pid in nginx if alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in nginx if alive(pid)]
    finally:
        stop_server(running)
        for left in front_directories() - before:  # nothing was left to remove it
            shutil.rmtree(left)


def test_the_server_stops_with_an_error_when_its_front_dies(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    """nginx's master killed outright: the server stops, saying why, and takes the master's
    orphaned worker down too (it kept the port, answering 502)."""
    running = start_server(small_built, tmp_path / "server.log", {"IVIG_FRONT": "nginx"})
    try:
        (master,) = nginx_processes(running)
        workers = children(master)
        assert workers
        os.kill(master, signal.SIGKILL)
        assert running.process.wait(15) == FrontFailed.exit_code
        assert "nginx, the front, exited" in running.log()
        assert not [pid for pid in workers if alive(pid)]
    finally:
        stop_server(running)


def test_without_nginx_the_front_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(front, "nginx_program", lambda: None)
    with pytest.raises(FrontFailed, match="apt-get install nginx"):
        front.write_front(ServerConfig(front="nginx"), tmp_path)


@pytest.mark.parametrize(
    "framing",
    [b"0x6\r\nASK {}\r\n0\r\n\r\n", b"fffffffffffffffffffffff\r\nASK {}\r\n0\r\n\r\n"],
    ids=["0x-prefix", "overflow"],
)
def test_broken_framing_and_huge_request_lines_are_refused_by_the_front(
    server: RunningServer, framing: bytes
) -> None:
    """The front answers them itself, at once, and the app never sees them. (nginx reads a
    chunk-size line ended by a bare LF as a line, as RFC 9112 lets a recipient do.)"""
    requests = [
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + framing,
        b"GET /sparql?query=" + b"a" * 8_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for request in requests:
        with connect_as(server, "127.0.10.1") as sock:
            started = time.monotonic()
            with contextlib.suppress(OSError):  # the front closes without reading the rest
                sock.sendall(request)
            head = sock.recv(256)
            assert time.monotonic() - started < 1.0
        assert head[:12] in (b"HTTP/1.1 400", b"HTTP/1.1 414"), head
        assert b"\r\nServer: nginx\r\n" in head
    assert "Traceback" not in server.log()
